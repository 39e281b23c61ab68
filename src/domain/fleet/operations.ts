// The fleet's operations and the failures each answers, in the order it checks them (see
// domain/kernel/operations.ts). Schema failures (400) come before all of these; an agent's token
// is checked before its body is read (401).

import { type FailureStep, operation } from '../kernel/operations.js';

const page: FailureStep = ['invalid_request', 'the cursor is not one of this list\'s, the limit is out of range, or both cursors are given'];

/** POST /admin/v1/host_tokens */
export const createHostTokenOperation = operation('create_host_token', [
  ['invalid_request', 'the name is blank or too long'],
]);

/** GET /admin/v1/host_tokens */
export const listHostTokensOperation = operation('list_host_tokens', [page]);

/** DELETE /admin/v1/host_tokens/{id} */
export const revokeHostTokenOperation = operation('revoke_host_token', [
  ['host_token_not_found', 'no host token has the id'],
]);

/** GET /admin/v1/hosts */
export const listHostsOperation = operation('list_hosts', [page]);

/** GET /admin/v1/hosts/{id}, and cordon, uncordon, remove */
export const hostOperation = operation('host', [
  ['host_not_found', 'no live host has the id'],
]);

/** POST /admin/v1/hosts/{id}/drain */
export const drainHostOperation = operation('drain_host', [
  ['host_not_found', 'no live host has the id'],
  ['invalid_request', 'the window is not whole minutes, not ordered, or over'],
]);

/** PUT /admin/v1/fleet/instance_skus/{sku} */
export const setSkuSupplyOperation = operation('set_sku_supply', [
  ['instance_sku_not_found', 'no SKU has the id'],
  ['pool_not_found', 'no pool is named by supply_pool'],
  ['invalid_request', 'supply_pool is not an originating pool'],
]);

/** POST /agent/v1/hosts */
export const registerHostOperation = operation('register_host', [
  ['unauthenticated', 'the host token is missing, wrong or revoked'],
  ['invalid_request', 'the driver is not one allot has'],
  ['instance_sku_not_found', 'no SKU has the id or alias'],
  ['invalid_request', 'the accelerators are not the SKU\'s model, or not its count per node × node_count'],
  ['host_not_found', 'host_id names no live host of this token'],
]);

/** POST /agent/v1/hosts/{host_id}/heartbeat */
export const heartbeatOperation = operation('heartbeat', [
  ['unauthenticated', 'the host token is missing, wrong or revoked'],
  ['invalid_request', 'an instance is reported twice'],
  ['host_not_found', 'the path names no live host of this token'],
]);

/** POST /agent/v1/hosts/{host_id}/logs */
export const sendLogsOperation = operation('send_logs', [
  ['unauthenticated', 'the host token is missing, wrong or revoked'],
  ['invalid_request', 'a chunk\'s data is not base64'],
  ['host_not_found', 'the path names no live host of this token'],
  ['instance_not_found', 'the instance is not placed on this host'],
]);
