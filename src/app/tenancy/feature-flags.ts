// Feature flags' use cases: what a flag is for the caller (`GET /v2/feature_flags/{flag}`, the
// `sf` CLI's check), the caller's list and self-enrolment (`/preview/v2/feature_flags`), and the
// operator's settings per account. The rules are in domain/tenancy/feature-flags.ts.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { featureFlagSettingsPerAccountMax } from '../../domain/kernel/limits.js';
import { declared } from '../../domain/kernel/operations.js';
import { getFeatureFlagOperation, listAccountFeatureFlagsOperation, setAccountFeatureFlagOperation, setFeatureFlagEnrollmentOperation } from '../../domain/tenancy/operations.js';
import { featureFlagName, type FeatureFlagState, featureFlagState, isListedFeatureFlag, listedFeatureFlags } from '../../domain/tenancy/feature-flags.js';
import type { AppContext } from '../kernel/context.js';
import { declaring } from '../kernel/declaring.js';

function notFound(name: string): Failure {
  return fail('feature_flag_not_found', `No feature flag "${name}"`);
}

/** `GET /v2/feature_flags/{flag}`: any well-formed name is a flag, on unless turned off. */
export const getFeatureFlag = declaring(getFeatureFlagOperation, async function getFeatureFlag(context: AppContext, accountId: string, name: string): Promise<FeatureFlagState | Failure> {
  if (isFailure(featureFlagName(name))) return notFound(name);
  const setting = await context.store.read((tx) => tx.featureFlags.find(accountId, name));
  return featureFlagState(name, setting);
});

/** The flags an account sees: the known ones and those the operator set for it. */
export async function listFeatureFlags(context: AppContext, accountId: string): Promise<FeatureFlagState[]> {
  const settings = await context.store.read((tx) => tx.featureFlags.listForAccount(accountId));
  return listedFeatureFlags(settings);
}

/** `POST /preview/v2/feature_flags/{flag}`: the caller enrols or unenrols its account, in a flag
 * it sees listed and the operator has left open to it. */
export async function setFeatureFlagEnrollment(context: AppContext, accountId: string, name: string, enrolled: boolean): Promise<FeatureFlagState | Failure> {
  const now = context.clock.now();
  return declared(setFeatureFlagEnrollmentOperation, await context.store.transaction(async (tx) => {
    const settings = await tx.featureFlags.listForAccount(accountId);
    if (!isListedFeatureFlag(name, settings)) return notFound(name);
    const state = featureFlagState(name, settings.find((setting) => setting.featureFlag === name));
    if (!state.userEnroll) return fail('feature_flag_not_enrollable', `Feature flag "${name}" is not self-enrollable`);
    await tx.featureFlags.upsert({ accountId, featureFlag: name, enabled: enrolled, userEnroll: true, updatedAt: now });
    return { ...state, enabled: enrolled };
  }));
}

/** `GET /admin/v1/accounts/{id}/feature_flags`. */
export const listAccountFeatureFlags = declaring(listAccountFeatureFlagsOperation, async function listAccountFeatureFlags(context: AppContext, accountId: string): Promise<FeatureFlagState[] | Failure> {
  return context.store.read(async (tx) => {
    if ((await tx.accounts.find(accountId)) === undefined) return fail('account_not_found', `No account with id "${accountId}"`);
    return listedFeatureFlags(await tx.featureFlags.listForAccount(accountId));
  });
});

/** `PUT /admin/v1/accounts/{id}/feature_flags/{flag}`: the operator turns a flag on or off for
 * an account, and opens or closes it to the account's own enrolment (open when not said). */
export async function setAccountFeatureFlag(
  context: AppContext,
  accountId: string,
  text: string,
  input: { readonly enabled: boolean; readonly user_enroll?: boolean | undefined },
): Promise<FeatureFlagState | Failure> {
  const name = featureFlagName(text);
  if (isFailure(name)) return declared(setAccountFeatureFlagOperation, name);
  const now = context.clock.now();
  return declared(setAccountFeatureFlagOperation, await context.store.transaction(async (tx) => {
    if ((await tx.accounts.find(accountId)) === undefined) return fail('account_not_found', `No account with id "${accountId}"`);
    const settings = await tx.featureFlags.listForAccount(accountId);
    if (!settings.some((setting) => setting.featureFlag === name) && settings.length >= featureFlagSettingsPerAccountMax) {
      return fail('feature_flag_limit_reached', `Account "${accountId}" already has ${featureFlagSettingsPerAccountMax} feature flags set`);
    }
    const userEnroll = input.user_enroll ?? true;
    await tx.featureFlags.upsert({ accountId, featureFlag: name, enabled: input.enabled, userEnroll, updatedAt: now });
    return featureFlagState(name, { featureFlag: name, enabled: input.enabled, userEnroll });
  }));
}
