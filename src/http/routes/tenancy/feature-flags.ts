// Feature flags: `GET /v2/feature_flags/{flag}` (the `sf` CLI's check, un-prefixed as it calls
// it), `/preview/v2/feature_flags` (the caller's list and self-enrolment), and the operator's
// `/admin/v1/accounts/{id}/feature_flags`.

import type { AppContext } from '../../../app/kernel/context.js';
import { getFeatureFlag, listAccountFeatureFlags, listFeatureFlags, setAccountFeatureFlag, setFeatureFlagEnrollment } from '../../../app/tenancy/feature-flags.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { renderFeatureFlag, renderFeatureFlagEnabled, renderFeatureFlagEnrollment, renderFeatureFlags } from '../../render/tenancy.js';
import { respond } from '../../respond.js';
import { AccountPathParams } from '../../schemas/accounts.js';
import { beyondReference, errorResponses } from '../../schemas/errors.js';
import {
  AccountFeatureFlagPathParams,
  FeatureFlagEnabledResponse,
  FeatureFlagPathParams,
  ListUserFeatureFlagsResponse,
  SetAccountFeatureFlagRequest,
  SetEnrollmentRequest,
  SetEnrollmentResponse,
  UserFeatureFlag,
} from '../../schemas/feature-flags.js';

export function registerFeatureFlagRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.featureFlags] };

  app.get('/v2/feature_flags/:feature_flag', {
    config,
    schema: { ...tagged, summary: 'Is a feature flag on', description: 'Every flag is on unless the operator turned it off for the account.', params: FeatureFlagPathParams, response: { 200: FeatureFlagEnabledResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await getFeatureFlag(context, accountOf(request), request.params.feature_flag), 200, renderFeatureFlagEnabled));

  app.get('/preview/v2/feature_flags', {
    config,
    schema: { ...tagged, summary: 'List feature flags scoped to the caller', response: { 200: ListUserFeatureFlagsResponse, ...errorResponses(401) } },
  }, async (request, reply) => reply.send(renderFeatureFlags(await listFeatureFlags(context, accountOf(request)))));

  app.post('/preview/v2/feature_flags/:feature_flag', {
    config,
    schema: { ...tagged, summary: 'Enroll or unenroll the caller in a feature flag', params: FeatureFlagPathParams, body: SetEnrollmentRequest, response: { 200: SetEnrollmentResponse, ...errorResponses(401, 403, 404, ...beyondReference['POST /preview/v2/feature_flags/{feature_flag}']!) } },
  }, async (request, reply) =>
    respond(reply, await setFeatureFlagEnrollment(context, accountOf(request), request.params.feature_flag, request.body.enrolled), 200, renderFeatureFlagEnrollment));

  const operator = { audience: 'operator' as const, failureStatus: { invalid_request: 400 } };
  const admin = { tags: [tags.admin], security: [{ admin_token: [] }] };

  app.get('/admin/v1/accounts/:id/feature_flags', {
    config: operator,
    schema: { ...admin, summary: 'List an account\'s feature flags', params: AccountPathParams, response: { 200: ListUserFeatureFlagsResponse, ...errorResponses(401, 404) } },
  }, async (request, reply) => respond(reply, await listAccountFeatureFlags(context, request.params.id), 200, renderFeatureFlags));

  app.put('/admin/v1/accounts/:id/feature_flags/:feature_flag', {
    config: operator,
    schema: {
      ...admin,
      summary: 'Set a feature flag for an account',
      description: 'Turns the flag on or off for the account, and opens it to the account\'s own enrolment or closes it (`user_enroll`, open when absent). Any name may be set; it is then listed for the account.',
      params: AccountFeatureFlagPathParams,
      body: SetAccountFeatureFlagRequest,
      response: { 200: UserFeatureFlag, ...errorResponses(400, 401, 404, 422) },
    },
  }, async (request, reply) => respond(reply, await setAccountFeatureFlag(context, request.params.id, request.params.feature_flag, request.body), 200, renderFeatureFlag));
}
