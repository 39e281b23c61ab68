// The v1 nodes API's operations (and the /v0/vms and /v0/zones ones it shares its VMs with) and
// the failures each answers, in the order it checks them (see domain/kernel/operations.ts). The
// request's schema is checked before any of these, at the edge. A node is v2 made visible, so a
// step may be a failure of what it makes: its pool, its order, its VM, its template.

import { type FailureStep, operation } from '../kernel/operations.js';

const cloudInit: FailureStep = ['invalid_request', 'cloud_init_user_data is not base64, or longer than allowed once decoded'];
const maxPrice: FailureStep = ['invalid_request', 'max_price_per_node_hour is not a whole number of cents, at least 1'];
const nodeFound: FailureStep = ['node_not_found', 'no node of the account has that id or name'];
const imageReady: readonly FailureStep[] = [
  ['image_not_found', 'the image is neither the account\'s nor public'],
  ['image_not_ready', 'the image is not completed'],
];
/** What buying a reserved node's hours answers (an all-or-nothing buy at no more than the max price). */
const buyHours: readonly FailureStep[] = [
  ['invalid_request', 'the hours\' cost at the max price is beyond exact arithmetic'],
  ['insufficient_balance', 'the hours at the max price cost more than the account\'s available balance'],
  ['no_capacity', 'the window does not fill at or below the max price'],
];

/** POST /v1/nodes */
export const createNodesOperation = operation('create_nodes', [
  ['invalid_request', 'desired_count is out of range, or names are not one valid name per node'],
  maxPrice,
  ['invalid_request', 'node_type does not fit end_at and zone (a reserved node needs an end_at, an autoreserved one a zone and no end_at)'],
  cloudInit,
  ['invalid_request', 'forward_443 is asked'],
  ['invalid_request', 'start_at or end_at is misaligned, or end_at is not after the start'],
  ['invalid_request', 'no zone has that name'],
  ['invalid_request', 'InfiniBand is asked where no zone that fits has it'],
  ...imageReady,
  ['name_taken', 'a node of the account has one of the names'],
  ['insufficient_balance', 'autoreserved nodes\' first hour at the max price costs more than the account\'s cash'],
  ['no_capacity', 'any_zone: a reserved node\'s window fills in no zone at or below the max price'],
  ['name_taken', 'a pool of the default workspace has a node\'s name'],
  ...buyHours,
  ['name_taken', 'an autoreserved node\'s template or deployment name is taken in the default workspace'],
  ['name_taken', 'another node took a name meanwhile'],
]);

/** GET /v1/nodes/{id} */
export const getNodeOperation = operation('get_node', [nodeFound]);

/** GET /v1/nodes */
export const listNodesOperation = operation('list_nodes', [['invalid_request', 'more than one of the id, name and type filters is given']]);

/** DELETE /v1/nodes/{id} */
export const deleteNodeOperation = operation('delete_node', [
  nodeFound,
  ['node_active', 'the node has a live VM'],
]);

/** PATCH /v1/nodes/{id}/extend */
export const extendNodeOperation = operation('extend_node', [
  ['invalid_request', 'duration_seconds is not a whole number of hours, at least one'],
  maxPrice,
  nodeFound,
  ['node_not_changeable', 'the node is autoreserved'],
  ['node_not_changeable', 'the node\'s window has ended'],
  ...buyHours,
]);

/** PUT /v1/nodes/{id}/redeploy */
export const redeployNodeOperation = operation('redeploy_node', [
  cloudInit,
  nodeFound,
  ['node_not_changeable', 'the node is released'],
  ['node_not_changeable', 'the reserved node\'s window has ended'],
  ...imageReady,
  ['name_taken', 'no free name could be drawn for the new VM or template'],
]);

/** PATCH /v1/nodes/{id}/release */
export const releaseNodeOperation = operation('release_node', [
  nodeFound,
  ['node_not_changeable', 'the node is reserved'],
  ['node_already_released', 'the node is released already'],
]);

/** GET /v2/nodes/{id}/ssh */
export const nodeSshOperation = operation('get_node_ssh', [
  nodeFound,
  ['instance_not_found', 'the node has no VM yet'],
  ['instance_not_found', 'the node\'s VM has not started: it has no SSH details yet'],
]);

/** GET /v0/vms/script */
export const getVmScriptOperation = operation('get_vms_user_data', [['vm_script_not_found', 'no VM script is set']]);

/** POST /v0/vms/script */
export const setVmScriptOperation = operation('post_vms_user_data', [
  ['invalid_request', 'script is neither text nor an array of bytes'],
  ['invalid_request', 'script is longer than a startup script may be'],
]);

/** GET /v0/vms/logs2 */
export const vmLogsOperation = operation('get_vms_logs2', [
  ['invalid_request', 'since_realtime_timestamp is not an RFC 3339 time'],
  ['invalid_request', 'before_realtime_timestamp is not an RFC 3339 time'],
  ['instance_not_found', 'no VM of the account has that id'],
]);

/** GET /v0/vms/ssh */
export const vmSshOperation = operation('get_vms_ssh', [
  ['instance_not_found', 'no VM of the account has that id'],
  ['instance_not_found', 'the VM has not started: it has no SSH details yet'],
]);

/** GET /v0/zones/{id} */
export const getZoneOperation = operation('get_zone', [['zone_not_found', 'no zone has that name']]);
