// One table test per operation that declares its failures (domain/<context>/operations.ts): a
// request wrong in every way the operation checks is refused for the first declared failure;
// fixing that one reveals the next, and so on in the declared order, until the request succeeds
// (the walker: test/support/failure-order.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cancelOrderOperation,
  createOrderOperation,
  createProcurementOperation,
  deleteProcurementOperation,
  getAvailabilityOperation,
  getDepthOperation,
  getOrderOperation,
  getProcurementOperation,
  grantCreditOperation,
  listAvailabilityOperation,
  listFillsOperation,
  listOrdersOperation,
  listProcurementsOperation,
  listTransactionsOperation,
  listWindowsOperation,
  patchProcurementOperation,
  previewOrderOperation,
} from '../../src/domain/market/operations.js';
import {
  addUserOperation,
  createAccountOperation,
  createSshKeyOperation,
  createWorkspaceOperation,
  deleteSshKeyOperation,
  deleteWorkspaceOperation,
  getAccountOperation,
  getFeatureFlagOperation,
  getMeOperation,
  getUserOperation,
  getWorkspaceOperation,
  issueOperatorTokenOperation,
  issueOwnTokenOperation,
  listAccountFeatureFlagsOperation,
  listAccountsOperation,
  listAccountTokensOperation,
  listAccountUsersOperation,
  listOwnTokensOperation,
  listUsersOperation,
  removeUserOperation,
  renameWorkspaceOperation,
  revokeAnyTokenOperation,
  revokeOwnTokenOperation,
  setAccountFeatureFlagOperation,
  setFeatureFlagEnrollmentOperation,
} from '../../src/domain/tenancy/operations.js';
import { createPoolOperation, createPoolTransferOperation, deletePoolOperation, getInstanceSkuOperation, getPoolOperation, getPoolTransferOperation, issueAllocationOperation, createPoolForOperatorOperation, listInstanceSkusOperation, listPropertyCatalogOperation, registerInstanceSkuOperation, listPoolsOperation, listPoolTransfersOperation, retireAllocationOperation, updatePoolOperation } from '../../src/domain/allocation/operations.js';
import {
  changeRevocationOperation,
  completeImageOperation,
  createDeploymentOperation,
  createDownloadUrlOperation,
  createPartUrlOperation,
  createImageOperation,
  createInstanceOperation,
  createInstanceTemplateOperation,
  deleteDeploymentOperation,
  deleteImageOperation,
  deleteInstanceOperation,
  deleteInstanceTemplateOperation,
  failInstanceOperation,
  getDeploymentOperation,
  getImageOperation,
  getInstanceOperation,
  getInstanceTemplateOperation,
  instanceLogsOperation,
  instanceSshOperation,
  listDeploymentsOperation,
  listImagesOperation,
  listInstancesOperation,
  listInstanceTemplatesOperation,
  openDownloadOperation,
  patchDeploymentOperation,
  replaceInstanceOperation,
  terminateInstanceOperation,
  updateInstanceOperation,
  updateInstancePrioritiesOperation,
  uploadPartOperation,
} from '../../src/domain/compute/operations.js';
import { workspacesPerAccountMax } from '../../src/domain/kernel/limits.js';
import type { Operation } from '../../src/domain/kernel/operations.js';
import {
  cancelV0OrderOperation,
  createV0OrderOperation,
  createV0ProcurementOperation,
  getContractOperation,
  getV0OrderOperation,
  getV0ProcurementOperation,
  getV0QuoteOperation,
  listContractsOperation,
  listV0OrdersOperation,
  listV0ProcurementsOperation,
  listV0TransactionsOperation,
  patchV0ProcurementOperation,
  replaceVmOperation,
} from '../../src/domain/legacy-v0/operations.js';
import { createNodesOperation, deleteNodeOperation, extendNodeOperation, getNodeOperation, getVmScriptOperation, nodeSshOperation, redeployNodeOperation, releaseNodeOperation, getZoneOperation, listNodesOperation, setVmScriptOperation, vmLogsOperation, vmSshOperation } from '../../src/domain/nodes-v1/operations.js';
import { advanceClockOperation } from '../../src/domain/operator/operations.js';
import type { ApiClient, ApiResponse } from '../support/client.js';
import { walk } from '../support/failure-order.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('failures in declared order on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;
  let now: number;
  let pool: string;
  let readOnly: string;
  let originating: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    sku = await server.newInstanceSku('order-sku');
    now = server.clock.now();
    pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'main' })).body.id;
    const operatorPool = async (name: string, kind: string) => (await server.operator.post('/admin/v1/pools', { account: account.accountId, name, kind })).body.id as string;
    readOnly = await operatorPool('frozen', 'read_only');
    originating = await operatorPool('supply', 'originating');
  });
  afterAll(() => server.close());

  const hour = () => {
    const start = Math.ceil((now + 60) / 3600) * 3600;
    return { start_at: start, end_at: start + 3600 };
  };

  it('create_order', async () => {
    // An earlier order under the key, so that a different request under it is refused.
    const key = 'order-key';
    const first = await account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ ...hour(), node_count: 1 }], limit_price_dollars_per_node_hour: '0.000000' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    await walk(
      createOrderOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        const body = {
          pool: !at(3) ? 'no-such-pool' : !at(5) ? readOnly : !at(6) ? originating : pool,
          // The last step is a sell's: a buy never checks allocation, a sell never the balance.
          side: fixed === 9 ? 'sell' : 'buy',
          instance_sku: at(4) ? sku : 'sku_nosuchskuxxxxxxxxxxxxx',
          allocation_schedule_delta: [at(2) ? { ...hour(), node_count: at(7) ? 1 : 2_000_000_000 } : { start_at: now - 3600, end_at: now, node_count: 1 }],
          limit_price_dollars_per_node_hour: !at(0) ? 'free' : !at(7) ? '999999999.000000' : at(8) ? '0.000000' : '5.000000',
        };
        return account.post('/preview/v2/orders', body, at(1) ? {} : { 'idempotency-key': key });
      },
      [/limit_price_dollars_per_node_hour/, /Idempotency-Key/, /before the current minute/, /No pool/, /No instance SKU/, /read-only/, /originating/, /too large/, /Insufficient balance/, /holds 0 node/],
      201,
    );
  });

  it('cancel_order', async () => {
    const placed = await account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ ...hour(), node_count: 1 }], limit_price_dollars_per_node_hour: '0.000000', allow_standing: true });
    expect(placed.body.status).toBe('standing');
    const done = await account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ ...hour(), node_count: 1 }], limit_price_dollars_per_node_hour: '0.000000' });
    expect(done.body.status).toBe('cancelled');
    await walk(cancelOrderOperation, (fixed) => account.delete(`/preview/v2/orders/${fixed === 0 ? 'ordr_nosuchorderxxxxxxxxx' : fixed === 1 ? done.body.id : placed.body.id}`), [/No order/, /cannot be cancelled/], 204);
  });

  it('create_pool_transfer', async () => {
    const key = 'transfer-key';
    const other = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'other' })).body.id as string;
    await server.issue(pool, sku, [{ ...hour(), node_count: 2 }]);
    const first = await account.post('/preview/v2/pool_transfers', { from_pool: pool, to_pool: other, instance_sku: sku, allocation_schedule_delta: [{ ...hour(), node_count: 1 }] }, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    await walk(
      createPoolTransferOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        const body = {
          from_pool: !at(2) ? 'no-such-pool' : !at(4) ? other : !at(6) ? readOnly : pool,
          to_pool: !at(3) ? 'no-such-pool' : at(6) && !at(7) ? readOnly : at(7) && !at(8) ? originating : other,
          instance_sku: at(5) ? sku : 'sku_nosuchskuxxxxxxxxxxxxx',
          allocation_schedule_delta: [at(1) ? { ...hour(), node_count: 1 } : { start_at: now - 3600, end_at: now, node_count: 1 }],
        };
        return account.post('/preview/v2/pool_transfers', body, at(0) ? {} : { 'idempotency-key': key });
      },
      [/Idempotency-Key/, /the past cannot move/, /No pool/, /No pool/, /same pool/, /No instance SKU/, /read-only/, /read-only/, /originating/],
      202,
    );
  });

  it('issue_allocation and retire_allocation', async () => {
    const target = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'operated' })).body.id as string;
    const attempt = (path: string) => (fixed: number) =>
      server.operator.post(path, {
        pool: fixed > 1 ? target : 'pool_nosuchpoolxxxxxxxxxx',
        instance_sku: fixed > 2 ? sku : 'sku_nosuchskuxxxxxxxxxxxxx',
        allocation_schedule: [fixed > 0 ? { ...hour(), node_count: fixed > 3 ? 1 : 5 } : { start_at: now - 3600, end_at: now, node_count: 1 }],
      });
    await walk(retireAllocationOperation, (fixed) => (fixed === 4 ? server.issue(target, sku, [{ ...hour(), node_count: 1 }]).then(() => attempt('/admin/v1/retirements')(4)) : attempt('/admin/v1/retirements')(fixed)), [/the past cannot move/, /No pool/, /No instance SKU/, /holds 0 node/], 201);
    await walk(issueAllocationOperation, attempt('/admin/v1/allocations'), [/the past cannot move/, /No pool/, /No instance SKU/], 201);
  });

  it('create_pool, update_pool and delete_pool', async () => {
    await walk(createPoolOperation, (fixed) => account.post('/preview/v2/pools', { workspace: fixed > 0 ? 'default' : 'no-such-workspace', name: fixed > 1 ? 'fresh' : 'main' }), [/No workspace/, /already exists/], 201);
    const spare = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'spare' })).body.id as string;
    await walk(updatePoolOperation, (fixed) => account.patch(`/preview/v2/pools/${fixed === 0 ? 'no-such-pool' : fixed === 1 ? readOnly : spare}`, { name: fixed > 2 ? 'renamed' : 'main' }), [/No pool/, /read-only/, /already exists/], 200);
    const held = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'held' })).body.id as string;
    await server.issue(held, sku, [{ ...hour(), node_count: 1 }]);
    await walk(deletePoolOperation, (fixed) => account.delete(`/preview/v2/pools/${fixed === 0 ? 'no-such-pool' : fixed === 1 ? readOnly : fixed === 2 ? held : spare}`), [/No pool/, /read-only/, /active dependencies/], 204);
  });

  it('issues an operator token', async () => {
    const user = (await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'walker@example.com' })).body.id;
    await walk(issueOperatorTokenOperation, (fixed) => server.operator.post(`/admin/v1/accounts/${fixed > 3 ? account.accountId : 'no-such-account'}/tokens`, {
      name: fixed > 0 ? 'ok' : 'x'.repeat(101),
      description: fixed > 1 ? 'ok' : 'x'.repeat(1001),
      expires_at: fixed > 2 ? server.clock.now() + 60 : server.clock.now(),
      user: fixed > 4 ? user : 'user_nosuchuser',
    }), [/name/, /description/, /expires_at/, /account/, /user/], 201);
  });

  it('adds a user', async () => {
    await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'taken@example.com' });
    await walk(addUserOperation, (fixed) => server.operator.post(`/admin/v1/accounts/${fixed > 3 ? account.accountId : 'no-such-account'}/users`, {
      email: fixed > 0 ? (fixed > 4 ? 'free@example.com' : 'Taken@example.com') : 'not-an-address',
      first_name: fixed > 1 ? 'Ok' : 'x'.repeat(256),
      last_name: fixed > 2 ? 'Ok' : 'x'.repeat(256),
    }), [/email/, /first_name/, /last_name/, /account/, /email/], 201);
  });

  it('reads, lists and removes users', async () => {
    const user = (await server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, { email: 'read-walk@example.com' })).body.id as string;
    await walk(getUserOperation, (fixed) => account.get(`/preview/v2/users/${fixed > 0 ? user : 'user_nosuchuser'}`), [/No user/], 200);
    await walk(listUsersOperation, (fixed) => account.get(`/preview/v2/users${fixed > 0 ? '' : '?starting_after=bogus'}`), [/cursor/i], 200);
    await walk(listAccountUsersOperation, (fixed) => server.operator.get(`/admin/v1/accounts/${fixed > 0 ? account.accountId : 'no-such-account'}/users${fixed > 1 ? '' : '?starting_after=bogus'}`), [/No account/, /cursor/i], 200);
    // Only an account that went while its token was in use: accounts are not deleted.
    await walk(getMeOperation, () => account.get('/preview/v2/me'), [null], 200);
    await walk(removeUserOperation, (fixed) => server.operator.delete(`/admin/v1/users/${fixed > 0 ? user : 'user_nosuchuser'}`), [/No user/], 204);
  });

  it('sets a feature flag enrolment', async () => {
    await server.operator.put(`/admin/v1/accounts/${account.accountId}/feature_flags/zones`, { enabled: false, user_enroll: false });
    await server.operator.put(`/admin/v1/accounts/${account.accountId}/feature_flags/closed`, { enabled: false, user_enroll: false });
    await walk(setFeatureFlagEnrollmentOperation, (fixed) =>
      account.post(`/preview/v2/feature_flags/${['not-listed', 'zones', 'procurements'][fixed]}`, { enrolled: true }), [/not-listed/, /zones/], 200);
  });

  it('sets an account\'s feature flag', async () => {
    const full = await server.newAccount();
    for (let i = 0; i < 100; i++) await server.operator.put(`/admin/v1/accounts/${full.accountId}/feature_flags/f-${i}`, { enabled: true });
    await walk(setAccountFeatureFlagOperation, (fixed) =>
      server.operator.put(`/admin/v1/accounts/${fixed > 1 ? full.accountId : 'no-such-account'}/feature_flags/${fixed > 0 ? (fixed > 2 ? 'f-1' : 'f-100') : 'Not.Valid'}`, { enabled: false }),
    [/feature flag name/, /account/, /100/], 200);
  });
  const image = 'ubuntu-22.04-cuda-12.4';
  const noSku = 'sku_nosuchskuxxxxxxxxxxxxx';

  it('the operator\'s account operations', async () => {
    // The id derived from a name, and its 99 suffixed forms, all taken.
    for (let i = 0; i < 100; i++) expect((await server.operator.post('/admin/v1/accounts', { name: 'Crowded' })).status).toBe(201);
    await walk(createAccountOperation, (fixed) => server.operator.post('/admin/v1/accounts', [
      { name: 'Walked', id: 'Not Valid' },
      { name: 'Walked', id: account.accountId },
      { name: 'Crowded' },
      { name: 'Walked' },
    ][fixed]), [/Account id/, /already exists/, /Too many accounts/], 201);
    await walk(listAccountsOperation, (fixed) => server.operator.get(`/admin/v1/accounts${fixed > 0 ? '' : '?starting_after=bogus'}`), [/cursor/i], 200);
    await walk(getAccountOperation, (fixed) => server.operator.get(`/admin/v1/accounts/${fixed > 0 ? account.accountId : 'no-such-account'}`), [/No account/], 200);
  });

  it('the v0 credentials (SSH keys)', async () => {
    const key = (i: number) => `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIWalked${i}`;
    const full = await server.newAccount();
    for (let i = 0; i < 100; i++) expect((await full.post('/v0/credentials', { pubkey: key(i) })).status).toBe(200);
    await walk(createSshKeyOperation, (fixed) => (fixed === 3 || fixed === 4 ? full : account).post('/v0/credentials', {
      pubkey: ['   ', 'not-a-key-line', 'ssh-dss AAAAB3NzaC1kc3M', key(0), key(100), key(100)][fixed],
    }), [/at most 8192/, /<type> <base64>/, /key type/, /already has this key/, /at most 100/], 200);
    const added = ((await account.get('/v0/credentials')).body.data as { id: string; pubkey: string }[]).find((credential) => credential.pubkey === key(100))!.id;
    await walk(deleteSshKeyOperation, (fixed) => account.delete(`/v0/credentials/${fixed > 0 ? added : 'cred_nosuchkey'}`), [/No SSH key/], 204);
  });

  it('the workspace operations', async () => {
    const full = await server.newAccount();
    for (let i = 1; i < workspacesPerAccountMax; i++) expect((await full.post('/preview/v2/workspaces', { name: `w-${i}` })).status).toBe(201);
    await walk(createWorkspaceOperation, (fixed) => (fixed === 0 ? full : account).post('/preview/v2/workspaces', { name: fixed > 1 ? 'walked-workspace' : 'default' }), [/at most/, /already exists/], 201);
    await walk(getWorkspaceOperation, (fixed) => account.get(`/preview/v2/workspaces/${fixed > 0 ? 'walked-workspace' : 'no-such-workspace'}`), [/No workspace/], 200);
    await walk(renameWorkspaceOperation, (fixed) => account.patch(`/preview/v2/workspaces/${fixed > 0 ? 'walked-workspace' : 'no-such-workspace'}`, { name: fixed > 1 ? 'walked-renamed' : 'default' }), [/No workspace/, /already exists/], 200);
    expect((await account.post('/preview/v2/pools', { workspace: 'walked-renamed', name: 'keeps-it' })).status).toBe(201);
    expect((await account.post('/preview/v2/workspaces', { name: 'walked-empty' })).status).toBe(201);
    await walk(deleteWorkspaceOperation, (fixed) => account.delete(`/preview/v2/workspaces/${['no-such-workspace', 'default', 'walked-renamed', 'walked-empty'][fixed]}`), [/No workspace/, /default workspace/, /not empty/], 204);
  });

  it('create_instance', async () => {
    const ib = await server.newInstanceSku('ib-no-ipv4', { supports_public_ipv4: false });
    const ibIpv4 = await server.newInstanceSku('ib-ipv4', { supports_public_ipv4: true });
    const roce = await server.newInstanceSku('roce-only', { rdma_type: 'roce', supports_public_ipv4: false });
    const uploading = (await account.post('/preview/v2/images', { workspace: 'default', name: 'half-uploaded' })).body.id as string;
    expect((await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'taken-name' })).status).toBe(201);
    const firewall = `sfc:firewall:${account.accountId}:default:default`;
    await walk(
      createInstanceOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return account.post('/preview/v2/instances', {
          ...(at(0) ? { pool: !at(6) ? 'no-such-pool' : !at(7) ? originating : pool } : {}),
          ...(fixed === 1 ? { capacity: 'another-pool' } : {}),
          ...(at(2) ? {} : { cloud_init_user_data: 'not base64!' }),
          ...(fixed <= 3 ? { enable_public_ipv4: false, firewall: 'frwl_x' } : fixed === 4 ? { enable_public_ipv4: true } : fixed === 5 ? { enable_public_ipv4: true, firewall: 'no-firewall' } : { enable_public_ipv4: true, firewall }),
          instance_sku: !at(8) ? noSku : !at(11) ? roce : !at(12) ? ib : ibIpv4,
          image: !at(9) ? 'no-such-image' : !at(10) ? uploading : image,
          _preview_enable_infiniband: true,
          name: at(13) ? 'fresh-name' : 'taken-name',
        });
      },
      [/"pool" is required/, /capacity/, /base64/, /only for instances with enable_public_ipv4/, /required with enable_public_ipv4/, /frwl_/, /No pool/, /originating/, /No instance SKU/, /No image/, /not completed/, /InfiniBand/, /public IPv4/, /already exists/],
      201,
    );
  });

  it('the instance reads and changes', async () => {
    const created = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'changing' })).body.id as string;
    await walk(getInstanceOperation, (fixed) => account.get(`/preview/v2/instances/${fixed === 0 ? 'inst_nosuchinstancexxxxxx' : created}`), [/No instance/], 200);
    await walk(updateInstanceOperation, (fixed) => account.patch(`/preview/v2/instances/${fixed === 0 ? 'no-such-instance' : created}`, { name: fixed > 1 ? 'changed' : 'taken-name' }), [/No instance/, /already exists/], 200);
    await walk(deleteInstanceOperation, (fixed) => (fixed === 2 ? account.post(`/preview/v2/instances/${created}/terminate`, {}).then(() => account.delete(`/preview/v2/instances/${created}`)) : account.delete(`/preview/v2/instances/${fixed === 0 ? 'no-such-instance' : created}`)), [/No instance/, /terminate it/], 204);
  });

  it('replace_instance', async () => {
    const old = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'to-replace' })).body.id as string;
    const ended = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'ended' })).body.id as string;
    await account.post(`/preview/v2/instances/${ended}/terminate`, {});
    const uploading = (await account.post('/preview/v2/images', { workspace: 'default', name: 'half-for-replace' })).body.id as string;
    expect((await account.post(`/preview/v2/instances/${old}/replace`, { image, name: 'elsewhere' }, { 'idempotency-key': 'replace-key' })).status).toBe(201);
    const live = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'to-replace-2' })).body.id as string;
    await walk(
      replaceInstanceOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return account.post(
          `/preview/v2/instances/${at(2) ? live : ended}/replace`,
          { ...(at(0) ? {} : { cloud_init_user_data: 'not base64!' }), image: !at(4) ? 'no-such-image' : !at(5) ? uploading : image, name: !at(3) ? 'to-replace-2' : !at(6) ? 'taken-name' : 'replacement' },
          at(1) ? {} : { 'idempotency-key': 'replace-key' },
        );
      },
      [/base64/, /Idempotency-Key/, /already terminated/, /different name/, /No image/, /not completed/, /already exists/],
      201,
    );
  });

  it('create_deployment', async () => {
    const deployPool = async (name: string) => (await account.post('/preview/v2/pools', { workspace: 'default', name })).body.id as string;
    const spotPool = await deployPool('spot-held');
    const genericPool = await deployPool('generic-held');
    const procuredPool = await deployPool('procured');
    const fresh = await deployPool('spot-home');
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', image, name: 'deploy-template' })).body.id as string;
    const deployment = (body: Record<string, unknown>) => ({ pool: fresh, instance_sku: sku, instance_template: template, target_instance_count: 1, ...body });
    expect((await account.post('/preview/v2/deployments', deployment({ kind: 'spot', pool: spotPool, name: 'spot-one', max_buy_price_dollars_per_node_hour: '1.000000' }))).status).toBe(201);
    expect((await account.post('/preview/v2/deployments', deployment({ pool: genericPool, name: 'generic-one' }))).status).toBe(201);
    expect((await account.post('/preview/v2/procurements', { pool: procuredPool, instance_sku: sku, target: 0, min_sell_price_dollars_per_node_hour: '1.000000', max_buy_price_dollars_per_node_hour: '1.000000', managed_window_minutes: 60 })).status).toBe(201);
    await walk(
      createDeploymentOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return account.post('/preview/v2/deployments', {
          ...(fixed === 0 ? { kind: 'spot' } : fixed === 1 ? { kind: 'spot', max_buy_price_dollars_per_node_hour: 'free' } : fixed === 2 ? { kind: 'generic', max_buy_price_dollars_per_node_hour: '1.000000' } : { kind: 'spot', max_buy_price_dollars_per_node_hour: '1.000000' }),
          // The schema bounds target_instance_count as the use case does: step 3 guards the domain's callers.
          target_instance_count: 1,
          ...(at(4) ? {} : { instance_name_template: '-bad' }),
          pool: !at(5) ? 'no-such-pool' : !at(6) ? originating : !at(9) ? spotPool : !at(10) ? genericPool : !at(12) ? readOnly : !at(13) ? procuredPool : fresh,
          instance_sku: at(7) ? sku : noSku,
          instance_template: at(8) ? template : 'no-such-template',
          name: at(11) ? 'spot-two' : 'generic-one',
        });
      },
      [/needs max_buy_price/, /dollars with a decimal point/, /only for spot deployments/, null, /start with a letter or digit/, /No pool/, /originating/, /No instance SKU/, /No instance template/, /spot deployment "spot-one"/, /deployment "generic-one"; a spot deployment/, /already exists/, /market pools only/, /already have a procurement/],
      201,
    );
  });

  it('create_instance_template, and the image operations', async () => {
    const uploading = (await account.post('/preview/v2/images', { workspace: 'default', name: 'half-for-template' })).body.id as string;
    expect((await account.post('/preview/v2/instance_templates', { workspace: 'default', image, name: 'taken-template' })).status).toBe(201);
    await walk(
      createInstanceTemplateOperation,
      (fixed) => account.post('/preview/v2/instance_templates', {
        ...(fixed > 0 ? {} : { cloud_init_user_data: 'not base64!' }),
        workspace: fixed > 1 ? 'default' : 'no-such-workspace',
        image: fixed > 3 ? image : fixed > 2 ? uploading : 'no-such-image',
        name: fixed > 4 ? 'fresh-template' : 'taken-template',
      }),
      [/base64/, /No workspace/, /No image/, /not completed/, /already exists/],
      201,
    );
    await walk(createImageOperation, (fixed) => account.post('/preview/v2/images', { workspace: fixed > 0 ? 'default' : 'no-such-workspace', name: fixed > 1 ? 'fresh-image' : 'half-for-template' }), [/No workspace/, /already exists/], 201);
    // The upload: parts only while uploading, completion once there are parts.
    const sha256 = 'a'.repeat(64);
    const part = await account.post('/preview/v2/images/fresh-image/parts', { part_id: 1 });
    expect((await fetch(part.body.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(Buffer.from('bytes')) })).status).toBe(200);
    await walk(completeImageOperation, (fixed) => account.post(`/preview/v2/images/${fixed === 0 ? 'no-such-image' : fixed === 1 ? uploading : 'fresh-image'}/complete`, { sha256 }), [/No image/, /no parts yet/, null], 200);
    await walk(createPartUrlOperation, (fixed) => account.post(`/preview/v2/images/${fixed === 0 ? image : fixed === 1 ? 'fresh-image' : uploading}/parts`, { part_id: 1 }), [/No image/, /parts can only be added/], 200);
    await walk(changeRevocationOperation, (fixed) => account.post(`/preview/v2/images/${fixed === 0 ? 'no-such-image' : fixed === 1 ? uploading : 'fresh-image'}/revoke`, {}), [/No image/, /only a completed image/], 200);
    await account.post('/preview/v2/images/fresh-image/reinstate', {});
    expect((await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'fresh-image', name: 'uses-fresh' })).status).toBe(201);
    await walk(deleteImageOperation, (fixed) => (fixed === 2 ? account.delete('/preview/v2/instance_templates/uses-fresh').then(() => account.delete('/preview/v2/images/fresh-image')) : account.delete(`/preview/v2/images/${fixed === 0 ? 'no-such-image' : 'fresh-image'}`)), [/No image/, /is used by/], 200);
  });

  it('create_procurement, patch_procurement and delete_procurement', async () => {
    const home = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'procurement-home' })).body.id as string;
    const taken = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'procurement-taken' })).body.id as string;
    const other = await server.newInstanceSku('procured-other');
    const body = (fields: Record<string, unknown>) => ({ pool: home, instance_sku: sku, target: 0, min_sell_price_dollars_per_node_hour: '1.000000', max_buy_price_dollars_per_node_hour: '1.000000', managed_window_minutes: 60, ...fields });
    const first = (await account.post('/preview/v2/procurements', body({ pool: taken, name: 'keeper' }))).body.id as string;
    expect((await account.post('/preview/v2/procurements', body({ pool: taken, instance_sku: other, name: 'keeper-other' }))).status).toBe(201);
    await walk(
      createProcurementOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return account.post('/preview/v2/procurements', body({
          min_sell_price_dollars_per_node_hour: at(0) ? '1.000000' : 'one',
          max_buy_price_dollars_per_node_hour: at(1) ? '1.000000' : 'one',
          // The schema bounds managed_window_minutes as the use case does (step 2 guards spot deployments' procurements).
          managed_window_minutes: 60,
          pool: !at(3) ? 'no-such-pool' : !at(4) ? readOnly : !at(6) ? taken : home,
          instance_sku: at(5) ? sku : noSku,
          name: at(7) ? 'procurer' : 'keeper',
        }));
      },
      [/min_sell_price/, /max_buy_price/, null, /No pool/, /market pools only/, /No instance SKU/, /already have a procurement/, /already exists/],
      201,
    );
    const spotPool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'spot-procured' })).body.id as string;
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', image, name: 'spot-procured-template' })).body.id as string;
    expect((await account.post('/preview/v2/deployments', { kind: 'spot', pool: spotPool, instance_sku: sku, instance_template: template, target_instance_count: 0, max_buy_price_dollars_per_node_hour: '1.000000' })).status).toBe(201);
    const spotProcurement = (await account.get(`/preview/v2/procurements?pool=${spotPool}`)).body.data[0].id as string;
    await walk(
      patchProcurementOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return account.patch(`/preview/v2/procurements/${!at(0) ? 'no-such-procurement' : !at(1) ? spotProcurement : first}`, {
          name: at(2) ? 'keeper-renamed' : 'procurer',
          instance_sku: !at(3) ? noSku : !at(4) ? other : sku,
          min_sell_price_dollars_per_node_hour: at(5) ? '2.000000' : 'two',
          max_buy_price_dollars_per_node_hour: at(6) ? '2.000000' : 'two',
          managed_window_minutes: 120,
        });
      },
      [/No procurement/, /belongs to spot deployment/, /already exists/, /No instance SKU/, /already have a procurement/, /min_sell_price/, /max_buy_price/, null, null],
      200,
    );
    await walk(deleteProcurementOperation, (fixed) => account.delete(`/preview/v2/procurements/${fixed === 0 ? 'no-such-procurement' : fixed === 1 ? spotProcurement : first}`), [/No procurement/, /belongs to spot deployment/], 204);
  });

  it('get_order_preview and the order book reads', async () => {
    const start = hour().start_at;
    await walk(
      previewOrderOperation,
      (fixed) => account.post('/preview/v2/order_preview', {
        side: 'buy',
        requirements: fixed > 0 ? { accelerator: ['h100'] } : { colour: ['blue'] },
        start_at: fixed > 2 ? start : now - 3600,
        duration_seconds: fixed > 1 ? 3600 : 90,
        node_count: 1,
        pool: fixed > 3 ? pool : 'no-such-pool',
      }),
      [/colour/, /duration_seconds/, /before the current minute/, /No pool/],
      200,
    );
    await walk(
      listWindowsOperation,
      (fixed) => account.get(`/preview/v2/orderbook/windows?${new URLSearchParams({ ...(fixed > 0 ? {} : { requirements: 'nonsense' }), range_start_at: String(start), range_end_at: String(fixed > 1 ? start + 3600 : start), ...(fixed > 2 ? {} : { starting_after: 'bogus' }) })}`),
      [/key:value/, /must be after/, /cursor/i],
      200,
    );
    await walk(
      listFillsOperation,
      (fixed) => account.get(`/preview/v2/orderbook/fills?${new URLSearchParams({ ...(fixed > 0 ? {} : { requirements: 'nonsense' }), start_at: String(start), end_at: String(fixed > 1 ? start + 3600 : start + 1), ...(fixed > 2 ? {} : { since_at: String(now - 40 * 86_400) }), ...(fixed > 3 ? {} : { starting_after: 'bogus' }) })}`),
      [/key:value/, /multiple of 60/, /30 days/, /cursor/],
      200,
    );
  });

  it('create_v0_order, cancel_v0_order and get_v0_order', async () => {
    const buyer = await server.newAccount();
    expect((await server.operator.post(`/admin/v1/accounts/${buyer.accountId}/credits`, { amount_dollars: 100 })).status).toBe(201);
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    const start = hour().start_at;
    const good = { side: 'buy', instance_type: 'h100i', quantity: 1, start_at: iso(start), end_at: iso(start + 3600), price: 100 };
    expect((await buyer.post('/v0/orders', good, { 'idempotency-key': 'v0-key' })).status).toBe(201);
    await walk(
      createV0OrderOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        const body = {
          side: fixed === 1 ? 'sell' : 'buy',
          ...(fixed === 2 ? {} : { instance_type: at(0) ? 'h100i' : 'bogus' }),
          quantity: 1,
          start_at: at(4) ? iso(start) : iso(now - 3600),
          end_at: iso(start + 3600),
          price: !at(9) ? 1e13 : !at(10) ? 1_000_000 : 101,
          // Steps 1 and 2 are about naming no contract or zone: those faults come in after them.
          ...(fixed >= 3 && !at(5) ? { contract_id: 'cont_nosuchcontractxxxxxx' } : {}),
          ...(fixed >= 3 && !at(7) ? { cluster: 'nowhere' } : {}),
        };
        return buyer.post('/v0/orders', body, at(3) ? {} : { 'idempotency-key': 'v0-key' });
      },
      [/bogus/, /contract_id/, /instance_type, a cluster/, /Idempotency-Key/, /start_at/, /No contract/, null, /No instance SKU meets/, null, /too large/, /Insufficient balance/, null],
      201,
    );
    const resting = (await buyer.post('/v0/orders', { ...good, price: 102 })).body.id as string;
    const done = (await buyer.post('/v0/orders', { ...good, price: 103 })).body.id as string;
    await buyer.delete(`/v0/orders/${done}`);
    await walk(cancelV0OrderOperation, (fixed) => buyer.delete(`/v0/orders/${fixed === 0 ? 'ordr_nosuchorderxxxxxxxxx' : fixed === 1 ? done : resting}`), [/No order/, /already/], 200);
    await walk(getV0OrderOperation, (fixed) => buyer.get(`/v0/orders/${fixed === 0 ? 'ordr_nosuchorderxxxxxxxxx' : resting}`), [/No order/], 200);
  });

  it('create_v0_procurement', async () => {
    const body = { instance_type: 'h100i', desired_quantity: 0, buy_limit_price_per_gpu_hour: 100, colocation_strategy: { type: 'anywhere' } };
    expect((await account.post('/v0/procurements', body, { 'idempotency-key': 'v0-procurement-key' })).status).toBe(200);
    await walk(
      createV0ProcurementOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return account.post('/v0/procurements', {
          instance_type: at(0) ? 'h100i' : 'bogus',
          desired_quantity: at(1) ? 1 : 1_000_000,
          ...(at(2) ? { buy_limit_price_per_gpu_hour: at(3) ? 100 : 0 } : {}),
          sell_limit_price_per_gpu_hour: at(4) ? 0 : 2_000_000_000,
          horizon: at(5) ? 60 : 0,
          colocation_strategy: !at(6) ? { type: 'bogus' } : !at(8) ? { type: 'pinned', cluster_name: 'nowhere' } : { type: 'anywhere' },
        }, at(7) ? {} : { 'idempotency-key': 'v0-procurement-key' });
      },
      [/bogus/, /desired_quantity/, /buy_limit_price_per_gpu_hour/, /buy_limit_price_per_gpu_hour/, /sell_limit_price_per_gpu_hour/, /horizon/, /colocation_strategy/, /Idempotency-Key/, /No zone "nowhere"/, null],
      200,
    );
  });

  it('terminate_instance, the instance logs and SSH, and the batch priority change', async () => {
    const live = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'to-terminate' })).body.id as string;
    const ended = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'terminated-once' })).body.id as string;
    expect((await account.post(`/preview/v2/instances/${ended}/terminate`, {})).status).toBe(200);
    await walk(terminateInstanceOperation, (fixed) => account.post(`/preview/v2/instances/${fixed === 0 ? 'no-such-instance' : fixed === 1 ? ended : live}/terminate`, {}), [/No instance/, /already terminated/], 200);
    await walk(instanceLogsOperation, (fixed) => account.get(`/preview/v2/instances/${fixed === 0 ? 'no-such-instance' : ended}/logs`), [/No instance/], 200);
    // An instance without allocation awaits it, and has no SSH details until it starts.
    const awaiting = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'awaiting-ssh' })).body.id as string;
    const runsOn = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'runs-ssh' })).body.id as string;
    await server.issue(runsOn, sku, [{ start_at: now, end_at: now + 7200, node_count: 1 }]);
    const running = (await account.post('/preview/v2/instances', { pool: runsOn, image, instance_sku: sku, name: 'running-ssh' })).body.id as string;
    expect((await account.get(`/preview/v2/instances/${running}`)).body.status).toBe('running');
    await walk(instanceSshOperation, (fixed) => account.get(`/preview/v2/instances/${fixed === 0 ? 'no-such-instance' : fixed === 1 ? awaiting : running}/ssh`), [/No instance/, /not started|no SSH/i], 200);
    const elsewhere = (await account.post('/preview/v2/workspaces', { name: 'elsewhere' })).body.id as string;
    const abroad = (await account.post('/preview/v2/pools', { workspace: elsewhere, name: 'abroad' })).body.id as string;
    const foreign = (await account.post('/preview/v2/instances', { pool: abroad, image, instance_sku: sku, name: 'foreign' })).body.id as string;
    await walk(
      updateInstancePrioritiesOperation,
      (fixed) => account.patch('/preview/v2/instances', { data: [{ id: awaiting, priority_level: 'critical' }, { id: fixed > 2 ? running : fixed > 1 ? foreign : 'inst_nosuchinstancexxxxxx', priority_level: 'yield' }] }),
      [null, /batch was not applied/, /workspace/],
      200,
    );
  });

  it('patch_deployment and delete_deployment', async () => {
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', image, name: 'patch-template' })).body.id as string;
    const generic = (await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: 0, name: 'generic-patched' })).body.id as string;
    const spotPool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'spot-patched-pool' })).body.id as string;
    const made = await account.post('/preview/v2/deployments', { kind: 'spot', pool: spotPool, instance_sku: sku, instance_template: template, target_instance_count: 0, name: 'spot-patched', max_buy_price_dollars_per_node_hour: '1.000000' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const spot = made.body.id as string;
    await walk(
      patchDeploymentOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return account.patch(`/preview/v2/deployments/${!at(2) ? 'no-such-deployment' : !at(3) ? generic : spot}`, {
          ...(at(1) ? {} : { instance_name_template: '-bad' }),
          name: at(4) ? 'spot-renamed' : 'generic-patched',
          instance_template: at(5) ? template : 'no-such-template',
          max_buy_price_dollars_per_node_hour: at(7) ? '2.000000' : 'free',
        });
      },
      // Step 0 guards the domain's callers: the schema bounds target_instance_count as it does.
      [null, /start with a letter or digit/, /No deployment/, /only for spot deployments/, /already exists/, /No instance template/, null, /dollars with a decimal point/],
      200,
    );
    await walk(deleteDeploymentOperation, (fixed) => account.delete(`/preview/v2/deployments/${fixed === 0 ? 'no-such-deployment' : generic}`), [/No deployment/], 204);
    await walk(deleteInstanceTemplateOperation, (fixed) => (fixed === 2 ? account.delete(`/preview/v2/deployments/${spot}`).then(() => account.delete(`/preview/v2/instance_templates/${template}`)) : account.delete(`/preview/v2/instance_templates/${fixed === 0 ? 'no-such-template' : template}`)), [/No instance template/, /is used by/], 204);
  });

  it('the lists', async () => {
    const lists: [Operation, string, readonly (RegExp | null)[], (fixed: number) => Record<string, string>][] = [
      [listInstancesOperation, '/preview/v2/instances', [/cursor/i, /key=value/, /No workspace/], (fixed) => ({ ...(fixed > 0 ? {} : { starting_after: 'bogus' }), ...(fixed > 1 ? {} : { tag: 'no-equals' }), ...(fixed > 2 ? {} : { workspace: 'no-such-workspace' }) })],
      [listPoolsOperation, '/preview/v2/pools', [/cursor/i, /key=value/, /No workspace/], (fixed) => ({ ...(fixed > 0 ? {} : { starting_after: 'bogus' }), ...(fixed > 1 ? {} : { tag: 'no-equals' }), ...(fixed > 2 ? {} : { workspace: 'no-such-workspace' }) })],
      [listDeploymentsOperation, '/preview/v2/deployments', [/cursor/i, /No workspace/, /No pool/], (fixed) => ({ ...(fixed > 0 ? {} : { starting_after: 'bogus' }), ...(fixed > 1 ? {} : { workspace: 'no-such-workspace' }), ...(fixed > 2 ? {} : { pool: 'no-such-pool' }) })],
      [listInstanceTemplatesOperation, '/preview/v2/instance_templates', [/cursor/i, /No workspace/], (fixed) => ({ ...(fixed > 0 ? {} : { starting_after: 'bogus' }), ...(fixed > 1 ? {} : { workspace: 'no-such-workspace' }) })],
      [listImagesOperation, '/preview/v2/images', [/cursor/i, /No workspace/], (fixed) => ({ ...(fixed > 0 ? {} : { starting_after: 'bogus' }), ...(fixed > 1 ? {} : { workspace: 'no-such-workspace' }) })],
      [listPoolTransfersOperation, '/preview/v2/pool_transfers', [/cursor/i], (fixed): Record<string, string> => (fixed > 0 ? {} : { starting_after: 'bogus' })],
    ];
    for (const [op, path, messages, query] of lists) await walk(op, (fixed) => account.get(`${path}?${new URLSearchParams(query(fixed))}`), messages, 200);
  });

  it('the market\'s lists and reads, and the operator\'s grants and registrations', async () => {
    const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
    await walk(listOrdersOperation, (fixed) => account.get(`/preview/v2/orders?${q({ ...(fixed > 0 ? {} : { starting_after: 'bogus' }), ...(fixed > 1 ? {} : { workspace: 'no-such-workspace' }), ...(fixed === 2 ? { pool: 'no-such-pool' } : {}), ...(fixed > 3 ? {} : { procurement: 'no-such-procurement' }) })}`), [/cursor/i, /No workspace/, /No pool/, /No procurement/], 200);
    await walk(listProcurementsOperation, (fixed) => account.get(`/preview/v2/procurements?${q({ ...(fixed > 0 ? {} : { starting_after: 'bogus' }), ...(fixed > 1 ? {} : { workspace: 'no-such-workspace' }), ...(fixed > 2 ? {} : { pool: 'no-such-pool' }) })}`), [/cursor/i, /No workspace/, /No pool/], 200);
    const start = hour().start_at;
    await walk(getDepthOperation, (fixed) => account.get(`/preview/v2/orderbook/depth?${q({ ...(fixed > 0 ? {} : { requirements: 'nonsense' }), start_at: String(start), end_at: String(fixed > 1 ? start + 3600 : start) })}`), [/key:value/, /must be after/], 200);
    await walk(getAvailabilityOperation, (fixed) => account.get(`/preview/v2/instance_skus/${fixed > 0 ? sku : noSku}/availability`), [/No instance SKU/], 200);
    for (const [op, path] of [[listAvailabilityOperation, '/preview/v2/instance_skus/availability'], [listInstanceSkusOperation, '/preview/v2/instance_skus'], [listPropertyCatalogOperation, '/preview/v2/instance_sku_property_catalog']] as const) {
      await walk(op, (fixed) => account.get(`${path}${fixed > 0 ? '' : '?starting_after=bogus'}`), [/cursor/i], 200);
    }
    await walk(listTransactionsOperation, (fixed) => account.get(`/v1/transactions${fixed > 0 ? '' : '?starting_after_cursor=bogus'}`), [/cursor/i], 200);
    await walk(grantCreditOperation, (fixed) => server.operator.post(`/admin/v1/accounts/${fixed > 2 ? account.accountId : 'no-such-account'}/credits`, { amount_dollars: fixed > 0 ? (fixed > 1 ? '1.00' : '-1.00') : '1.0000001' }), [/six decimals|decimal/, /positive/, /account/], 201);
    await walk(createPoolForOperatorOperation, (fixed) => server.operator.post('/admin/v1/pools', { account: fixed > 0 ? account.accountId : 'no-such-account', ...(fixed > 1 ? {} : { workspace: 'no-such-workspace' }), name: fixed > 2 ? 'operated-fresh' : 'frozen', kind: 'read_only' }), [/account/, /No workspace/, /already exists/], 201);
    await walk(registerInstanceSkuOperation, (fixed) => server.operator.post('/admin/v1/instance_skus', { alias: fixed > 0 ? 'registered-fresh' : 'order-sku' }), [/already/], 201);
  });

  it('the v0 tokens', async () => {
    await walk(issueOwnTokenOperation, (fixed) => account.post('/v0/tokens', { origin_client: 'cli', name: fixed > 0 ? 'ok' : `  ${'x'.repeat(101)}  `, description: fixed > 1 ? 'ok' : 'x'.repeat(1001), expires_in_seconds: fixed > 2 ? 3600 : 0 }), [/name/, /description/, /expires_in_seconds/], 200);
    const token = (await account.post('/v0/tokens', { origin_client: 'cli', name: 'revoked', expires_in_seconds: 3600 })).body.id as string;
    await walk(revokeOwnTokenOperation, (fixed) => account.delete(`/v0/tokens/${fixed > 0 ? token : 'tok_nosuchtokenxxxxxxxxxx'}`), [/token/i], 200);
  });

  it('the token lists and the operator\'s revocation', async () => {
    await walk(listAccountTokensOperation, (fixed) => server.operator.get(`/admin/v1/accounts/${fixed > 1 ? account.accountId : 'no-such-account'}/tokens${fixed > 0 ? '' : '?starting_after=bogus'}`), [/cursor/i, /No account/], 200);
    await walk(listOwnTokensOperation, (fixed) => account.get(`/v0/tokens${fixed > 0 ? '' : '?starting_after=bogus'}`), [/cursor/i], 200);
    const token = (await account.post('/v0/tokens', { origin_client: 'cli', name: 'revoked-by-operator', expires_in_seconds: 3600 })).body.id as string;
    await walk(revokeAnyTokenOperation, (fixed) => server.operator.delete(`/admin/v1/tokens/${fixed > 0 ? token : 'tok_nosuchtokenxxxxxxxxxx'}`), [/No API token/], 200);
  });

  it('reads a feature flag, and the operator lists an account\'s', async () => {
    await walk(getFeatureFlagOperation, (fixed) => account.get(`/v2/feature_flags/${fixed > 0 ? 'zones' : 'Not.Valid'}`), [/No feature flag/], 200);
    await walk(listAccountFeatureFlagsOperation, (fixed) => server.operator.get(`/admin/v1/accounts/${fixed > 0 ? account.accountId : 'no-such-account'}/feature_flags`), [/No account/], 200);
  });

  it('the v0 VMs, contracts, transactions and quotes', async () => {
    const old = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'vm-walked' })).body.id as string;
    const ended = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'vm-walked-ended' })).body.id as string;
    expect((await account.post(`/preview/v2/instances/${ended}/terminate`, {})).status).toBe(200);
    const vm = (id: string) => id.replace(/^inst_/, 'vm_');
    expect((await account.post('/v0/vms/replace', { vm_id: vm(ended) }, { 'idempotency-key': 'vm-walk-key' })).status).not.toBe(200);
    const other = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'vm-walked-other' })).body.id as string;
    expect((await account.post('/v0/vms/replace', { vm_id: vm(other) }, { 'idempotency-key': 'vm-walk-key' })).status).toBe(200);
    await walk(
      replaceVmOperation,
      (fixed) => account.post('/v0/vms/replace', { vm_id: fixed === 0 ? 'not-a-vm' : fixed === 2 ? 'vm_nosuchvmxxxxxxxxxxxxxx' : fixed === 3 ? vm(ended) : vm(old) }, fixed === 1 ? { 'idempotency-key': 'vm-walk-key' } : {}),
      // The image's steps: a VM's own image is deleted or revoked only while another request runs.
      [/No VM/, /Idempotency-Key/, /No VM/, /already terminated/, null, null, null],
      200,
    );
    await walk(getVmScriptOperation, (fixed) => (fixed > 0 ? account.post('/v0/vms/script', { script: 'echo hi' }).then(() => account.get('/v0/vms/script')) : account.get('/v0/vms/script')), [/script/i], 200);
    await walk(setVmScriptOperation, (fixed) => account.post('/v0/vms/script', { script: fixed > 1 ? 'echo hi' : fixed > 0 ? 'x'.repeat(200_000) : { not: 'a script' } }), [null, /at most/], 200);
    const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
    await walk(vmLogsOperation, (fixed) => account.get(`/v0/vms/logs2?${q({ instance_id: fixed > 2 ? vm(old) : 'vm_nosuchvmxxxxxxxxxxxxxx', order_by: 'seqnum_asc', ...(fixed > 0 ? {} : { since_realtime_timestamp: 'yesterday' }), ...(fixed > 1 ? {} : { before_realtime_timestamp: 'tomorrow' }) })}`), [/since_realtime_timestamp/, /before_realtime_timestamp/, /No VM|No instance/], 200);
    const runsOn = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'vm-runs' })).body.id as string;
    await server.issue(runsOn, sku, [{ start_at: now, end_at: now + 7200, node_count: 1 }]);
    const running = (await account.post('/preview/v2/instances', { pool: runsOn, image, instance_sku: sku, name: 'vm-running' })).body.id as string;
    const awaiting = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'vm-awaiting' })).body.id as string;
    await walk(vmSshOperation, (fixed) => account.get(`/v0/vms/ssh?vm_id=${fixed === 0 ? 'vm_nosuchvmxxxxxxxxxxxxxx' : fixed === 1 ? vm(awaiting) : vm(running)}`), [/No VM|No instance/, /not started|no SSH/i], 200);
    await walk(listContractsOperation, (fixed) => account.get(`/v0/contracts?${q({ ...(fixed > 0 ? {} : { state: 'Sideways' }), ...(fixed > 1 ? {} : { instance_type: 'bogus' }), ...(fixed > 2 ? {} : { starting_after: 'bogus' }) })}`), [/state/, /bogus/, /cursor/i], 200);
    await walk(listV0TransactionsOperation, (fixed) => account.get(`/v0/transactions${fixed > 1 ? '' : '?starting_after=bogus'}`), [null, /cursor|transaction/i], 200);
    await walk(listV0ProcurementsOperation, () => account.get('/v0/procurements'), [null, null], 200);
    await walk(getV0QuoteOperation, (fixed) => account.get(`/v0/quote?${q({ side: fixed > 0 ? 'buy' : 'sideways', quantity: '1', duration: '3600', min_start_date: 'NOW', max_start_date: 'NOW', instance_type: fixed > 1 ? 'h100i' : 'bogus', ...(fixed > 2 ? {} : { colocate_with: 'cont_nosuchcontractxxxxxx' }) })}`), [/side/, /bogus/, /No contract/], 200);
  });

  it('fail_instance and download_image', async () => {
    const failing = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'to-fail' })).body.id as string;
    await walk(failInstanceOperation, (fixed) => server.operator.post(`/admin/v1/instances/${fixed > 0 ? failing : 'inst_nosuchinstancexxxxxx'}/fail`), [/No instance/], 200);
    const uploading = (await account.post('/preview/v2/images', { workspace: 'default', name: 'half-for-download' })).body.id as string;
    await walk(createDownloadUrlOperation, (fixed) => account.get(`/preview/v2/images/${fixed === 0 ? 'no-such-image' : fixed === 1 ? uploading : image}/download`), [/No image/, /not completed/], 200);
  });

  it('upload_image_part and open_image_download: the signed URLs', async () => {
    const sha256 = 'a'.repeat(64);
    const made = async (name: string) => (await account.post('/preview/v2/images', { workspace: 'default', name })).body.id as string;
    const partUrl = async (id: string, part: number) => new URL((await account.post(`/preview/v2/images/${id}/parts`, { part_id: part })).body.url as string);
    const send = (url: URL, method: 'PUT' | 'GET') => (method === 'PUT' ? server.anonymous.raw('PUT', url.pathname + url.search, 'part bytes', { 'content-type': 'application/octet-stream' }) : server.anonymous.get(url.pathname + url.search));
    // The URLs answer bytes, not an API resource: the walk's last call (a success) is plain fetch.
    const succeeds = async (url: URL, method: 'PUT' | 'GET') => {
      const response = await fetch(url, { method, ...(method === 'PUT' ? { headers: { 'content-type': 'application/octet-stream' }, body: 'part bytes' } : {}) });
      await response.arrayBuffer();
      return { status: response.status, body: {}, headers: response.headers } as ApiResponse;
    };
    const tampered = (url: URL) => {
      const wrong = new URL(url);
      const signature = wrong.searchParams.get('signature')!;
      wrong.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
      return wrong;
    };
    const completed = async (name: string) => {
      const id = await made(name);
      expect((await succeeds(await partUrl(id, 1), 'PUT')).status).toBe(200);
      expect((await account.post(`/preview/v2/images/${id}/complete`, { sha256 })).status).toBe(200);
      return id;
    };

    // A part URL of an image since deleted, of one since completed, and of one still uploading.
    const deleted = await made('parts-of-deleted');
    const deletedPart = await partUrl(deleted, 1);
    expect((await account.delete(`/preview/v2/images/${deleted}`)).status).toBe(200);
    const finished = await made('parts-of-finished');
    const finishedPart = await partUrl(finished, 2);
    expect((await succeeds(await partUrl(finished, 1), 'PUT')).status).toBe(200);
    expect((await account.post(`/preview/v2/images/${finished}/complete`, { sha256 })).status).toBe(200);
    const openPart = await partUrl(await made('parts-of-open'), 1);
    await walk(
      uploadPartOperation,
      (fixed) => (fixed === 0 ? send(tampered(deletedPart), 'PUT') : fixed === 1 ? send(deletedPart, 'PUT') : fixed === 2 ? send(finishedPart, 'PUT') : succeeds(openPart, 'PUT')),
      // The last step needs more than 128 GiB of parts.
      [/invalid or has expired/, /No image/, /parts can only be added/, null],
      200,
    );

    // A download URL of an image since deleted, of one since revoked, and of one completed.
    const downloadUrl = async (id: string) => new URL((await account.get(`/preview/v2/images/${id}/download`)).body.url as string);
    const gone = await completed('download-of-deleted');
    const goneDownload = await downloadUrl(gone);
    expect((await account.delete(`/preview/v2/images/${gone}`)).status).toBe(200);
    const revoked = await completed('download-of-revoked');
    const revokedDownload = await downloadUrl(revoked);
    expect((await account.post(`/preview/v2/images/${revoked}/revoke`, {})).status).toBe(200);
    const readyDownload = await downloadUrl(await completed('download-of-ready'));
    await walk(
      openDownloadOperation,
      (fixed) => (fixed === 0 ? send(tampered(goneDownload), 'GET') : fixed === 1 ? send(goneDownload, 'GET') : fixed === 2 ? send(revokedDownload, 'GET') : succeeds(readyDownload, 'GET')),
      [/invalid or has expired/, /No image/, /revoked, not completed/],
      200,
    );
  });

  it('advance_clock', async () => {
    // The first steps on a server of its own, under the real clock.
    const real = await startTestServer(dialect, { clock: 'real' });
    try {
      await walk(advanceClockOperation, (fixed) => (fixed < 2 ? real : server).operator.post('/admin/v1/clock/advance', { seconds: fixed > 0 ? 1 : 0 }), [/seconds/, /clock is real/], 200);
    } finally {
      await real.close();
    }
  });

  it('the reads by id, and the v1 lists', async () => {
    const reads: [Operation, string][] = [
      [getDeploymentOperation, '/preview/v2/deployments/no-such-deployment'],
      [getInstanceTemplateOperation, '/preview/v2/instance_templates/no-such-template'],
      [getImageOperation, '/preview/v2/images/no-such-image'],
      [getProcurementOperation, '/preview/v2/procurements/no-such-procurement'],
      [getOrderOperation, '/preview/v2/orders/ordr_nosuchorderxxxxxxxxx'],
      [getPoolOperation, '/preview/v2/pools/no-such-pool'],
      [getPoolTransferOperation, '/preview/v2/pool_transfers/no-such-transfer'],
      [getInstanceSkuOperation, `/preview/v2/instance_skus/${noSku}`],
      [getNodeOperation, '/v1/nodes/no-such-node'],
      [getZoneOperation, '/v0/zones/no-such-zone'],
      [getContractOperation, '/v0/contracts/cont_nosuchcontractxxxxxx'],
      [getV0ProcurementOperation, '/v0/procurements/no-such-procurement'],
    ];
    for (const [op, path] of reads) await walk(op, (fixed) => (fixed === 0 ? account.get(path) : Promise.resolve({ status: 200, body: {}, headers: {} } as never)), [/No /], 200);
    await walk(listNodesOperation, (fixed) => account.get(fixed === 0 ? '/v1/nodes?id=n_x&type=reserved' : '/v1/nodes'), [/cannot be combined/], 200);
    await walk(listV0OrdersOperation, (fixed) => account.get(`/v0/orders?${new URLSearchParams({ limit: fixed > 0 ? '10' : '1000', offset: '0', ...(fixed > 2 ? {} : { only_open: 'true', only_filled: 'true' }), ...(fixed > 3 ? {} : { instance_type: 'bogus' }) })}`), [/limit/, null, /at most one/, /bogus/], 200);
  });
});

// The v1 nodes, on a server of their own: a node's window ends only as the clock moves.
describe.each(testDialects)('v1 node failures in declared order on %s', (dialect) => {
  let server: TestServer;
  let customer: ApiClient & { accountId: string };
  const hour = 3600;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    const zoneSku = await server.newInstanceSku('walk-zone-sku', { region: 'us-west', availability_zone: 'walkzone', accelerator: 'h100', rdma_type: 'infiniband' });
    // A second zone, without InfiniBand and with no sellers.
    await server.newInstanceSku('walk-bare-zone-sku', { region: 'us-west', availability_zone: 'barezone', accelerator: 'h100', rdma_type: 'roce' });
    const provider = await server.newAccount('Walk provider');
    const supply = (await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'supply', kind: 'originating' })).body.id as string;
    const t = server.clock.now();
    await server.issue(supply, zoneSku, [{ start_at: t, end_at: t + 7 * 24 * hour, node_count: 20 }]);
    const ask = await provider.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: zoneSku, allocation_schedule_delta: [{ start_at: t, end_at: t + 7 * 24 * hour, node_count: 20 }], limit_price_dollars_per_node_hour: '16.200000', allow_standing: true, allow_partial: true });
    expect(ask.status).toBe(201);
    customer = await server.newAccount();
    expect((await server.operator.post(`/admin/v1/accounts/${customer.accountId}/credits`, { amount_dollars: 10_000 })).status).toBe(201);
  });
  afterAll(() => server.close());

  it('create_nodes', async () => {
    const endAt = Math.ceil(server.clock.now() / hour) * hour + 3 * hour;
    const made = await customer.post('/v1/nodes', { desired_count: 1, zone: 'walkzone', max_price_per_node_hour: 1800, end_at: endAt, names: ['node-taken'] });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect((await customer.post('/preview/v2/pools', { workspace: 'default', name: 'pool-taken' })).status).toBe(201);
    expect((await customer.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'template-taken' })).status).toBe(201);
    const uploading = (await customer.post('/preview/v2/images', { workspace: 'default', name: 'half-for-create' })).body.id as string;
    await walk(
      createNodesOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        // Reserved, but autoreserved where only an autoreserved node is checked: its first hour's
        // cost (step 11) and its template's name (step 17); and at the end.
        const autoreserved = fixed === 11 || fixed >= 17;
        return customer.post('/v1/nodes', {
          desired_count: 1,
          names: [!at(0) ? 'n_bad' : !at(10) ? 'node-taken' : !at(13) ? 'pool-taken' : !at(17) ? 'template-taken' : 'walked'],
          max_price_per_node_hour: fixed === 11 || fixed === 15 ? 2_000_000 : fixed === 14 ? 9_000_000_000_000_000 : fixed === 12 || fixed === 16 ? 1000 : 1800,
          ...(at(2) ? (autoreserved ? {} : { end_at: at(5) ? endAt : endAt + 30 }) : { node_type: 'reserved' }),
          ...(fixed === 12 ? { any_zone: true } : { zone: !at(6) ? 'nowhere' : !at(7) ? 'barezone' : 'walkzone' }),
          ...(at(3) ? {} : { cloud_init_user_data: 'not base64!' }),
          ...(at(4) ? {} : { forward_443: true }),
          ...(at(7) ? {} : { _preview_enable_infiniband: true }),
          ...(at(9) ? {} : { image_id: at(8) ? uploading : 'no-such-image' }),
        });
      },
      // Step 1 guards the domain's callers: the schema bounds the price as it does. The last step:
      // another request takes a name between the check and the insert.
      [/names/, null, /needs an end_at/, /base64/, /443/, /on the hour/, /No zone/, /InfiniBand/, /No image/, /not completed/, /node named "node-taken"/, /Insufficient balance/, /Not enough capacity/, /pool named "pool-taken"/, /too large|exact/, /Insufficient balance/, /Not enough capacity/, /named "template-taken"/, null],
      201,
    );
  });

  it('extend_node, release_node, redeploy_node, get_node_ssh and delete_node', async () => {
    const t = server.clock.now();
    const create = async (body: Record<string, unknown>) => {
      const made = await customer.post('/v1/nodes', { desired_count: 1, zone: 'walkzone', ...body });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      return made.body.data[0].id as string;
    };
    const reserved = await create({ max_price_per_node_hour: 1800, end_at: t + 3 * hour, names: ['reserved-walk'] });
    const ending = await create({ max_price_per_node_hour: 1800, end_at: t + hour, names: ['ending-walk'] });
    const auto = await create({ max_price_per_node_hour: 1800, names: ['auto-walk'] });
    const released = await create({ max_price_per_node_hour: 1800, names: ['released-walk'] });
    const starved = await create({ max_price_per_node_hour: 1000, names: ['starved-walk'] });
    expect((await customer.patch(`/v1/nodes/${released}/release`, {})).status).toBe(200);
    await server.advance(hour + 60);
    expect((await customer.get(`/v1/nodes/${ending}`)).body.end_at).toBeLessThanOrEqual(server.clock.now());
    await walk(
      extendNodeOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return customer.patch(`/v1/nodes/${!at(2) ? 'no-such-node' : !at(3) ? auto : !at(4) ? ending : reserved}/extend`, {
          duration_seconds: at(0) ? hour : 1800,
          max_price_per_node_hour: !at(5) ? 9_000_000_000_000_000 : !at(6) ? 2_000_000 : !at(7) ? 1000 : 1800,
        });
      },
      // Step 1 guards the domain's callers: the schema bounds the price as it does.
      [/duration_seconds/, null, /No node/, /autoreserved/, /has ended/, /too large|exact/, /Insufficient balance/, /Not enough capacity/],
      200,
    );
    // An autoreserved node's procurement changes only its price; a v0 procurement of the customer's own any field.
    const nodeProcurement = (await customer.get('/preview/v2/procurements?pool=auto-walk')).body.data[0].id as string;
    const own = await customer.post('/v0/procurements', { instance_type: 'h100i', desired_quantity: 0, buy_limit_price_per_gpu_hour: 100, colocation_strategy: { type: 'anywhere' } });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    await walk(
      patchV0ProcurementOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return customer.patch(`/v0/procurements/${!at(5) ? 'no-such-procurement' : !at(6) ? nodeProcurement : own.body.id}`, {
          instance_type: !at(0) ? 'bogus' : !at(7) ? 'h200v' : 'h100i',
          desired_quantity: at(1) ? 0 : 1_000_000,
          buy_limit_price_per_gpu_hour: at(2) ? 150 : 0,
          sell_limit_price_per_gpu_hour: at(3) ? 0 : 2_000_000_000,
          horizon: at(4) ? 60 : 0,
        });
      },
      // The last step needs a second SKU of the new type whose pool holds a procurement already.
      [/bogus/, /desired_quantity/, /buy_limit_price_per_gpu_hour/, /sell_limit_price_per_gpu_hour/, /horizon/, /No procurement/, /deployment|node/, /h200v/, null],
      200,
    );
    const uploading = (await customer.post('/preview/v2/images', { workspace: 'default', name: 'half-for-nodes' })).body.id as string;
    await walk(
      redeployNodeOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        return customer.put(`/v1/nodes/${!at(1) ? 'no-such-node' : !at(2) ? released : !at(3) ? ending : reserved}/redeploy`, {
          ...(at(0) ? {} : { cloud_init_user_data: 'not base64!' }),
          image_id: !at(4) ? 'no-such-image' : !at(5) ? uploading : 'ubuntu-22.04-cuda-12.4',
        });
      },
      [/base64/, /No node/, /is released/, /has ended/, /No image/, /not completed/, null],
      200,
    );
    await walk(releaseNodeOperation, (fixed) => customer.patch(`/v1/nodes/${fixed === 0 ? 'no-such-node' : fixed === 1 ? reserved : fixed === 2 ? released : auto}/release`, {}), [/No node/, /is reserved/, /already released/], 200);
    await walk(nodeSshOperation, (fixed) => customer.get(`/v2/nodes/${fixed === 0 ? 'no-such-node' : fixed === 2 ? starved : reserved}/ssh`), [/No node/, null, /not started|no SSH/i], 200);
    await walk(deleteNodeOperation, (fixed) => customer.delete(`/v1/nodes/${fixed === 0 ? 'no-such-node' : fixed === 1 ? reserved : ending}`), [/No node/, /active VM/], 204);
  });
});
