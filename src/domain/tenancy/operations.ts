// Tenancy's operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). The request's schema is checked before any of these, at the edge.

import { type FailureStep, operation } from '../kernel/operations.js';

const page: FailureStep = ['invalid_request', 'the cursor is not one of this list\'s, the limit is out of range, or both cursors are given'];

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

/** POST /preview/v2/workspaces (the name's form is the edge's schema's) */
export const createWorkspaceOperation = operation('create_workspace', [
  ['workspace_limit_reached', 'the account holds 100 workspaces already'],
  ['name_taken', 'a live workspace of the account has the name'],
]);

/** GET /preview/v2/workspaces/{workspace} */
export const getWorkspaceOperation = operation('get_workspace', [
  ['workspace_not_found', 'the workspace is not one of the account\'s'],
]);

/** PATCH /preview/v2/workspaces/{workspace} */
export const renameWorkspaceOperation = operation('rename_workspace', [
  ['workspace_not_found', 'the workspace is not one of the account\'s'],
  ['name_taken', 'another live workspace of the account has the new name'],
]);

/** DELETE /preview/v2/workspaces/{workspace} */
export const deleteWorkspaceOperation = operation('delete_workspace', [
  ['workspace_not_found', 'the workspace is not one of the account\'s (or was deleted meanwhile)'],
  ['workspace_is_default', 'it is the account\'s default workspace'],
  ['workspace_not_empty', 'it holds pools, images or instance templates'],
]);

/** POST /admin/v1/accounts */
export const createAccountOperation = operation('create_account', [
  ['invalid_request', 'the id asked for is not lowercase letters, digits and dashes, at most 63'],
  ['account_id_taken', 'an account has the id asked for'],
  ['account_id_taken', 'no id is asked for, and the one derived from the name and its 99 suffixed forms are all taken'],
]);

/** GET /admin/v1/accounts */
export const listAccountsOperation = operation('list_accounts', [page]);

/** GET /admin/v1/accounts/{id}; GET /v0/me and /v1/account/me (the caller's own account) */
export const getAccountOperation = operation('get_account', [
  ['account_not_found', 'no account has that id'],
]);

/** GET /preview/v2/users */
export const listUsersOperation = operation('list_users', [page]);

/** GET /admin/v1/accounts/{id}/users */
export const listAccountUsersOperation = operation('list_account_users', [
  ['account_not_found', 'no account has that id'],
  page,
]);

/** GET /preview/v2/users/{id} */
export const getUserOperation = operation('get_user', [
  ['user_not_found', 'no user of the account has that id or path'],
]);

/** DELETE /admin/v1/users/{id} */
export const removeUserOperation = operation('remove_user', [
  ['user_not_found', 'no live user has that id or path'],
]);

/** GET /preview/v2/me */
export const getMeOperation = operation('get_me', [
  ['account_not_found', 'the caller\'s account is gone'],
]);

/** POST /v0/credentials */
export const createSshKeyOperation = operation('create_ssh_key', [
  // The key's form first (the edge's schema bounds only its length, untrimmed).
  ['invalid_request', 'the key is empty once trimmed, or longer than 8,192 characters'],
  ['invalid_request', 'the key is not one "<type> <base64> [comment]" line'],
  ['invalid_request', 'the key\'s type is not one allot takes'],
  ['invalid_request', 'the account has the same key (type and body) already'],
  ['invalid_request', 'the account keeps 100 keys already'],
]);

/** DELETE /v0/credentials/{id} */
export const deleteSshKeyOperation = operation('delete_ssh_key', [
  ['ssh_key_not_found', 'the account has no key with that id'],
]);

/** GET /admin/v1/accounts/{id}/tokens */
export const listAccountTokensOperation = operation('list_account_tokens', [
  page,
  ['account_not_found', 'no account has that id'],
]);

/** GET /v0/tokens */
export const listOwnTokensOperation = operation('list_tokens', [page]);

/** DELETE /admin/v1/tokens/{id} */
export const revokeAnyTokenOperation = operation('revoke_token', [
  ['token_not_found', 'no token has that id'],
]);

/** GET /v2/feature_flags/{feature_flag} */
export const getFeatureFlagOperation = operation('get_feature_flag', [
  ['feature_flag_not_found', 'the name is not lowercase letters, digits, ".", "_" and "-", at most 64'],
]);

/** GET /admin/v1/accounts/{id}/feature_flags */
export const listAccountFeatureFlagsOperation = operation('list_account_feature_flags', [
  ['account_not_found', 'no account has that id'],
]);
