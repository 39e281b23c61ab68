// Tenancy's operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The request's schema is checked before any of these, at the edge.

import { operation } from '../kernel/operations.js';

/** POST /admin/v1/accounts/{id}/tokens */
export const issueOperatorTokenOperation = operation('issue_operator_token', [
  ['invalid_request', 'the name is longer than 100 characters, once trimmed'],
  ['invalid_request', 'the description is longer than 1,000 characters, once trimmed'],
  ['invalid_request', 'expires_at is not in the future, or beyond the longest lifetime'],
  ['account_not_found', 'no account has that id'],
  ['user_not_found', 'the user is not one of the account\'s'],
]);

/** POST /v0/tokens */
export const issueOwnTokenOperation = operation('create_token', [
  ['invalid_request', 'the name is longer than 100 characters, once trimmed'],
  ['invalid_request', 'the description is longer than 1,000 characters, once trimmed'],
  ['invalid_request', 'expires_in_seconds is out of range'],
]);

/** DELETE /v0/tokens/{id} */
export const revokeOwnTokenOperation = operation('delete_token', [
  ['token_not_found', 'no live token of the account has that id'],
]);

/** POST /admin/v1/accounts/{id}/users */
export const addUserOperation = operation('add_user', [
  ['invalid_request', 'email is not an address'],
  ['invalid_request', 'first_name is too long'],
  ['invalid_request', 'last_name is too long'],
  ['account_not_found', 'no account has that id'],
  ['email_taken', 'a user of the account has that email, in any case'],
]);

/** POST /preview/v2/feature_flags/{feature_flag} */
export const setFeatureFlagEnrollmentOperation = operation('set_feature_flag_enrollment', [
  ['feature_flag_not_found', 'the flag is neither known nor set for the account'],
  ['feature_flag_not_enrollable', 'the operator closed the flag to the account'],
]);

/** PUT /admin/v1/accounts/{id}/feature_flags/{feature_flag} */
export const setAccountFeatureFlagOperation = operation('set_account_feature_flag', [
  ['invalid_request', 'the flag name is not lowercase letters, digits, ".", "_" and "-", at most 64'],
  ['account_not_found', 'no account has that id'],
  ['feature_flag_limit_reached', 'a new flag beyond the 100 an account may have set'],
]);
