// Compute's operations — instances, deployments, instance templates and images — and the failures
// each answers, in the order it checks them (see domain/kernel/operations.ts). The request's
// schema is checked before any of these, at the edge.

import { type FailureStep, operation } from '../kernel/operations.js';

const cloudInit: FailureStep = ['invalid_request', 'cloud_init_user_data is not base64, or longer than allowed once decoded'];
const page: FailureStep = ['invalid_request', 'the cursor is not one of this list\'s, the limit is out of range, or both cursors are given'];
const tagFilter: FailureStep = ['invalid_request', 'a tag filter is not key=value, or names an invalid key'];
const workspaceFilter: FailureStep = ['workspace_not_found', 'the workspace filter is not one of the account\'s'];
const poolFilter: FailureStep = ['pool_not_found', 'the pool filter is not one of the account\'s'];
const imageReady: readonly FailureStep[] = [
  ['image_not_found', 'the image is neither the account\'s nor public'],
  ['image_not_ready', 'the image is not completed (still uploading, failed or revoked)'],
];
const instanceFound: FailureStep = ['instance_not_found', 'no instance of the account has that id, path or name'];

/** POST /preview/v2/instances */
export const createInstanceOperation = operation('create_instance', [
  ['invalid_request', 'pool (or its older name, capacity) is missing'],
  ['invalid_request', 'capacity and pool are both given, and differ'],
  cloudInit,
  ['invalid_request', 'firewall is given without enable_public_ipv4'],
  ['invalid_request', 'enable_public_ipv4 is asked without a firewall'],
  ['invalid_request', 'firewall is neither a frwl_ id nor a firewall resource path'],
  ['pool_not_found', 'the pool is not one of the account\'s'],
  ['pool_cannot_run_instances', 'the pool is an originating pool'],
  ['instance_sku_not_found', 'the instance SKU does not exist'],
  ...imageReady,
  ['sku_lacks_feature', 'InfiniBand is asked of a SKU without it'],
  ['sku_lacks_feature', 'a public IPv4 is asked of a SKU without one'],
  ['name_taken', 'an instance of the workspace has the name'],
]);

/** GET /preview/v2/instances/{id} (and GET /v0/instances/{id}) */
export const getInstanceOperation = operation('fetch_instance', [instanceFound]);

/** GET /preview/v2/instances (and GET /v0/instances) */
export const listInstancesOperation = operation('list_instances', [page, tagFilter, workspaceFilter]);

/** PATCH /preview/v2/instances/{id} */
export const updateInstanceOperation = operation('update_instance', [
  instanceFound,
  ['name_taken', 'another instance of the workspace has the new name'],
]);

/** PATCH /preview/v2/instances */
export const updateInstancePrioritiesOperation = operation('batch_patch_instances', [
  ['invalid_request', 'data holds more entries than a batch may'],
  ['instance_not_found', 'an entry names no instance of the account (the whole batch is refused)'],
  ['invalid_request', 'the entries name instances of more than one workspace'],
]);

/** POST /preview/v2/instances/{id}/terminate */
export const terminateInstanceOperation = operation('terminate_instance', [instanceFound, ['instance_not_found', 'the instance is already terminated or failed']]);

/** POST /admin/v1/instances/{id}/fail */
export const failInstanceOperation = operation('fail_instance', [['instance_not_found', 'no instance has that id']]);

/** DELETE /preview/v2/instances/{id} */
export const deleteInstanceOperation = operation('delete_instance', [
  instanceFound,
  ['instance_not_deletable', 'the instance is still live: it must be terminated first'],
]);

/** POST /preview/v2/instances/{id}/replace */
export const replaceInstanceOperation = operation('replace_instance', [
  cloudInit,
  ['idempotency_key_reused', 'the Idempotency-Key was used with another request'],
  ['instance_not_replaceable', 'the instance is not found, or no longer live'],
  ['name_taken', 'the replacement is given the old instance\'s name'],
  ...imageReady,
  ['name_taken', 'an instance of the workspace has the replacement\'s name'],
]);

/** GET /preview/v2/instances/{id}/logs */
export const instanceLogsOperation = operation('get_instance_logs', [instanceFound]);

/** GET /preview/v2/instances/{id}/ssh (and GET /v0/vms/ssh) */
export const instanceSshOperation = operation('get_instance_ssh', [
  instanceFound,
  ['instance_not_found', 'the instance has not started: it has no SSH details yet'],
]);

/** POST /preview/v2/deployments */
export const createDeploymentOperation = operation('create_deployment', [
  ['invalid_request', 'a spot deployment has no max_buy_price_dollars_per_node_hour'],
  ['invalid_request', 'max_buy_price_dollars_per_node_hour is not dollars with a decimal point'],
  ['invalid_request', 'a generic deployment is given max_buy_price_dollars_per_node_hour'],
  ['invalid_request', 'target_instance_count is out of range'],
  ['invalid_request', 'instance_name_template is not a valid name template'],
  ['pool_not_found', 'the pool is not one of the account\'s'],
  ['pool_cannot_run_instances', 'the pool is an originating pool'],
  ['instance_sku_not_found', 'the instance SKU does not exist'],
  ['instance_template_not_found', 'the instance template is not one of the account\'s'],
  ['automation_conflict', 'the pool and SKU already have a spot deployment'],
  ['automation_conflict', 'a spot deployment is asked where the pool and SKU already have a deployment'],
  ['name_taken', 'a deployment of the workspace has the name'],
  ['pool_cannot_receive', 'a spot deployment\'s procurement buys into a pool that is not a market pool'],
  ['automation_conflict', 'a spot deployment\'s pool and SKU already have a procurement'],
]);

/** GET /preview/v2/deployments/{id} */
export const getDeploymentOperation = operation('get_deployment', [['deployment_not_found', 'no deployment of the account has that id, path or name']]);

/** GET /preview/v2/deployments */
export const listDeploymentsOperation = operation('list_deployments', [page, workspaceFilter, poolFilter]);

/** PATCH /preview/v2/deployments/{id} */
export const patchDeploymentOperation = operation('patch_deployment', [
  ['invalid_request', 'target_instance_count is out of range'],
  ['invalid_request', 'instance_name_template is not a valid name template'],
  ['deployment_not_found', 'no deployment of the account has that id, path or name'],
  ['invalid_request', 'a generic deployment is given max_buy_price_dollars_per_node_hour'],
  ['name_taken', 'another deployment of the workspace has the new name'],
  ['instance_template_not_found', 'the instance template is not one of the account\'s'],
  ['name_taken', 'another deployment took the new name meanwhile'],
  ['invalid_request', 'max_buy_price_dollars_per_node_hour is not dollars with a decimal point (checked by the spot deployment\'s procurement)'],
]);

/** DELETE /preview/v2/deployments/{id} */
export const deleteDeploymentOperation = operation('delete_deployment', [['deployment_not_found', 'no deployment of the account has that id, path or name']]);

/** POST /preview/v2/instance_templates */
export const createInstanceTemplateOperation = operation('create_instance_template', [
  cloudInit,
  ['workspace_not_found', 'the workspace is not one of the account\'s'],
  ...imageReady,
  ['name_taken', 'an instance template of the workspace has the name'],
]);

/** GET /preview/v2/instance_templates/{id} */
export const getInstanceTemplateOperation = operation('fetch_instance_template', [['instance_template_not_found', 'no instance template of the account has that id, path or name']]);

/** GET /preview/v2/instance_templates */
export const listInstanceTemplatesOperation = operation('list_instance_templates', [page, workspaceFilter]);

/** DELETE /preview/v2/instance_templates/{id} */
export const deleteInstanceTemplateOperation = operation('delete_instance_template', [
  ['instance_template_not_found', 'no instance template of the account has that id, path or name'],
  ['instance_template_in_use', 'a deployment uses the template'],
]);

const ownImage: FailureStep = ['image_not_found', 'the image is not the account\'s own'];

/** POST /preview/v2/images */
export const createImageOperation = operation('create_image', [
  ['workspace_not_found', 'the workspace is not one of the account\'s'],
  ['name_taken', 'an image of the workspace has the name'],
]);

/** GET /preview/v2/images/{id} */
export const getImageOperation = operation('fetch_image', [['image_not_found', 'the image is neither the account\'s nor public']]);

/** GET /preview/v2/images */
export const listImagesOperation = operation('list_images', [page, ['workspace_not_found', 'the workspace is neither the account\'s nor the public images\'']]);

/** POST /preview/v2/images/{id}/parts */
export const createPartUrlOperation = operation('create_image_upload_part_url', [
  ownImage,
  ['image_not_uploading', 'the image no longer takes parts (completed, failed or revoked)'],
]);

/** PUT /uploads/images/{id}/parts/{part} (the signed URL) */
export const uploadPartOperation = operation('upload_image_part', [
  ['upload_url_invalid', 'the URL\'s signature is wrong or it has expired'],
  ['image_not_found', 'the image was deleted'],
  ['image_not_uploading', 'the image no longer takes parts'],
  ['image_too_large', 'the parts would add up to more than an image may hold'],
]);

/** POST /preview/v2/images/{id}/complete */
export const completeImageOperation = operation('complete_image_upload', [
  ownImage,
  ['image_not_uploading', 'the image has no parts, or no longer takes them'],
  ['image_not_uploading', 'the image stopped taking parts while they were read'],
]);

/** GET /preview/v2/images/{id}/download */
export const createDownloadUrlOperation = operation('download_image', imageReady);

/** GET /downloads/images/{id} (the signed URL) */
export const openDownloadOperation = operation('open_image_download', [
  ['upload_url_invalid', 'the URL\'s signature is wrong or it has expired'],
  ['image_not_found', 'the image was deleted'],
  ['image_not_ready', 'the image is not completed (or was revoked)'],
]);

/** POST /preview/v2/images/{id}/revoke and /reinstate */
export const changeRevocationOperation = operation('revoke_or_reinstate_image', [
  ownImage,
  ['image_not_ready', 'a revoke of an image not completed, or a reinstate of one not revoked'],
]);

/** DELETE /preview/v2/images/{id} */
export const deleteImageOperation = operation('delete_image', [
  ownImage,
  ['image_in_use', 'a live instance or a template uses the image'],
]);
