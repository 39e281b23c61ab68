// The operationId of every operation in the served OpenAPI document, which code generators turn
// into method names. An operation SF Compute has keeps SF Compute's own id, so that a client
// generated from allot's document calls its methods by the names SF Compute's SDKs use; allot's
// own operations (the operator's /admin/v1, and what SF Compute documents without an id) get one
// generated from the method and path. test/api/openapi-document.test.ts checks the table against
// the reference documents, and that no two operations share an id.

/**
 * SF Compute's operationIds, by `METHOD /path` as OpenAPI writes paths. `/preview/v2` is from
 * reference/preview-v2.openapi.json; `/v1` and `/v0` from the operation table of
 * reference/spec/api.md (§4.1, read from SF Compute's live document), which
 * reference/v0.openapi.yml follows where they overlap.
 */
const sfComputeOperationIds: Readonly<Record<string, string>> = {
  'GET /preview/v2/me': 'getMe',
  'GET /preview/v2/workspaces': 'list_workspaces_handler',
  'POST /preview/v2/workspaces': 'create_workspace_handler',
  'GET /preview/v2/workspaces/{workspace}': 'get_workspace_handler',
  'PATCH /preview/v2/workspaces/{workspace}': 'patch_workspace_handler',
  'DELETE /preview/v2/workspaces/{workspace}': 'delete_workspace_handler',
  'GET /preview/v2/pools': 'list_pools',
  'POST /preview/v2/pools': 'create_pool',
  'GET /preview/v2/pools/{id}': 'fetch_pool',
  'PATCH /preview/v2/pools/{id}': 'update_pool',
  'DELETE /preview/v2/pools/{id}': 'delete_pool',
  'GET /preview/v2/pool_transfers': 'list_pool_transfers',
  'POST /preview/v2/pool_transfers': 'create_pool_transfer',
  'GET /preview/v2/pool_transfers/{id}': 'fetch_pool_transfer',
  'GET /preview/v2/instance_skus': 'list_instance_skus',
  'GET /preview/v2/instance_skus/{id}': 'get_instance_sku',
  'GET /preview/v2/instance_skus/availability': 'list_instance_sku_availability',
  'GET /preview/v2/instance_skus/{id}/availability': 'get_instance_sku_availability',
  'GET /preview/v2/instance_sku_property_catalog': 'list_instance_sku_property_catalog',
  'GET /preview/v2/images': 'list_images',
  'POST /preview/v2/images': 'create_image',
  'GET /preview/v2/images/{id}': 'fetch_image',
  'DELETE /preview/v2/images/{id}': 'delete_image',
  'POST /preview/v2/images/{id}/parts': 'create_image_upload_part_url',
  'POST /preview/v2/images/{id}/complete': 'complete_image_upload',
  'GET /preview/v2/images/{id}/download': 'download_image',
  'POST /preview/v2/images/{id}/revoke': 'revoke_image',
  'POST /preview/v2/images/{id}/reinstate': 'reinstate_image',
  'GET /preview/v2/instances': 'list_instances',
  'POST /preview/v2/instances': 'create_instance',
  'PATCH /preview/v2/instances': 'batch_patch_instances',
  'GET /preview/v2/instances/{id}': 'fetch_instance',
  'PATCH /preview/v2/instances/{id}': 'update_instance',
  'DELETE /preview/v2/instances/{id}': 'delete_instance',
  'POST /preview/v2/instances/{id}/terminate': 'terminate_instance',
  'POST /preview/v2/instances/{id}/replace': 'replace_instance',
  'GET /preview/v2/instances/{id}/logs': 'get_instance_logs',
  'GET /preview/v2/instances/{id}/ssh': 'get_instance_ssh',
  'GET /preview/v2/instance_templates': 'list_instance_templates',
  'POST /preview/v2/instance_templates': 'create_instance_template',
  'GET /preview/v2/instance_templates/{id}': 'fetch_instance_template',
  'DELETE /preview/v2/instance_templates/{id}': 'delete_instance_template',
  'GET /preview/v2/deployments': 'list_deployments',
  'POST /preview/v2/deployments': 'create_deployment',
  'GET /preview/v2/deployments/{id}': 'get_deployment',
  'PATCH /preview/v2/deployments/{id}': 'patch_deployment',
  'DELETE /preview/v2/deployments/{id}': 'delete_deployment',
  'GET /preview/v2/orders': 'list_orders',
  'POST /preview/v2/orders': 'create_order',
  'GET /preview/v2/orders/{id}': 'fetch_order',
  'DELETE /preview/v2/orders/{id}': 'cancel_order',
  'POST /preview/v2/order_preview': 'get_order_preview',
  'GET /preview/v2/orderbook/depth': 'get_orderbook_depth',
  'GET /preview/v2/orderbook/fills': 'list_orderbook_fills',
  'GET /preview/v2/orderbook/quote': 'get_orderbook_quote',
  'GET /preview/v2/orderbook/windows': 'list_orderbook_windows',
  'GET /preview/v2/procurements': 'list_procurements',
  'POST /preview/v2/procurements': 'create_procurement',
  'GET /preview/v2/procurements/{id}': 'get_procurement',
  'PATCH /preview/v2/procurements/{id}': 'patch_procurement',
  'DELETE /preview/v2/procurements/{id}': 'delete_procurement',
  'GET /v1/_healthz': 'health_handler',
  'GET /v1/account/me': 'getAccountMe',
  'GET /v1/balances': 'getBalance',
  'GET /v1/transactions': 'getTransactions',
  'GET /v1/nodes': 'list_nodes_handler',
  'POST /v1/nodes': 'create_nodes_handler',
  'GET /v1/nodes/{id}': 'get_node_handler',
  'DELETE /v1/nodes/{id}': 'delete_node_handler',
  'PATCH /v1/nodes/{id}/extend': 'extend_node_handler',
  'PUT /v1/nodes/{id}/redeploy': 'redeploy_node_handler',
  'PATCH /v1/nodes/{id}/release': 'release_node_handler',
  // reference/v0.openapi.yml's; its `GET /me` is `getMe` too, which /preview/v2/me already
  // has, so /v0/me keeps a generated id (operationIds must be unique in one document).
  'GET /v0/tokens': 'listTokens',
  'POST /v0/tokens': 'createToken',
  'DELETE /v0/tokens/{id}': 'deleteToken',
  'GET /v0/ping': 'ping',
  'GET /preview/v2/users': 'list_users_handler',
  'GET /preview/v2/users/{id}': 'get_user_handler',
  'GET /preview/v2/feature_flags': 'listUserFeatureFlags',
  'POST /preview/v2/feature_flags/{feature_flag}': 'setFeatureFlagEnrollment',
  'GET /v0/zones': 'list_zones_handler',
  'GET /v0/zones/{id}': 'get_zone_handler',
  'GET /v0/vms/instances': 'get_vms_instances',
  'GET /v0/vms/logs2': 'get_vms_logs2',
  'GET /v0/vms/ssh': 'get_vms_ssh',
  'GET /v0/vms/script': 'get_vms_user_data',
  'POST /v0/vms/script': 'post_vms_user_data',
  'POST /v0/vms/replace': 'post_vms_replace',
  'GET /v0/contracts': 'listContracts',
  'GET /v0/contracts/{id}': 'getContract',
  'GET /v0/quote': 'handle_quote',
  'GET /v0/orders': 'listOrders',
  'POST /v0/orders': 'createOrder',
  'DELETE /v0/orders': 'cancelAllOrders',
  'GET /v0/transactions': 'listTransactions',
  'GET /v0/instances': 'listInstances',
  'GET /v0/instances/{id}': 'getInstance',
  'GET /v0/credentials': 'listCredentials',
  'POST /v0/credentials': 'createCredential',
  'GET /v0/orders/{id}': 'getOrder',
  'DELETE /v0/orders/{id}': 'cancelOrder',
  'GET /v0/orders/{id}/clusters': 'getOrderClusters',
  'GET /v0/procurements': 'listProcurements',
  'POST /v0/procurements': 'createProcurement',
  'GET /v0/procurements/{id}': 'getProcurement',
  'PATCH /v0/procurements/{id}': 'updateProcurement',
};

/** A Fastify route path (`/pools/:id`) as OpenAPI writes it (`/pools/{id}`). */
export function openApiPath(fastifyPath: string): string {
  return fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * An id made from the method and the path's segments, path parameters as `by_<name>`:
 * `POST /admin/v1/accounts/{id}/tokens` is `post_admin_v1_accounts_by_id_tokens`. Unique because
 * the method and path are.
 */
function generatedOperationId(method: string, path: string): string {
  const words = path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => segment.replace(/^\{(.+)\}$/, 'by_$1').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, ''));
  return [method.toLowerCase(), ...words].join('_');
}

/** The operationId of `method` on `path` (an OpenAPI path). */
export function operationIdOf(method: string, path: string): string {
  return sfComputeOperationIds[`${method.toUpperCase()} ${path}`] ?? generatedOperationId(method, path);
}
