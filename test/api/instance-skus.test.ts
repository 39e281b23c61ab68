// Instance SKUs: the operator registers them; accounts list them, read the property catalog and
// availability (what originating pools hold, until the market exists).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer, testEpoch } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const tebibyte = 1024 ** 4;

describe.each(testDialects)('instance SKUs on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient;
  let richmond: string;
  let hayes: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    richmond = await server.newInstanceSku('h100-richmond', { region: 'us-west', availability_zone: 'richmond', form_factor: 'sxm', num_vcpus: 112, memory: 2 * tebibyte, local_storage: 16 * tebibyte, supports_public_ipv4: true });
    hayes = await server.newInstanceSku('h200-hayesvalley', { accelerator: 'h200', region: 'us-west', availability_zone: 'hayesvalley', supports_public_ipv4: false, rdma_type: 'roce' });
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('registers a SKU with display values for each property', async () => {
    const sku = await account.get(`/preview/v2/instance_skus/${richmond}`);
    expect(sku.status).toBe(200);
    expect(sku.body).toEqual({
      object: 'instance_sku',
      id: richmond,
      alias: 'h100-richmond',
      region: { value: 'us-west', display_value: 'us-west' },
      availability_zone: { value: 'richmond', display_value: 'Richmond' },
      accelerator: { value: 'h100', display_value: 'H100' },
      form_factor: { value: 'sxm', display_value: 'SXM' },
      rdma_type: { value: 'infiniband', display_value: 'InfiniBand' },
      num_accelerators: { value: 8, display_value: '8' },
      num_vcpus: { value: 112, display_value: '112' },
      memory: { value: 2 * tebibyte, display_value: '2 TiB' },
      local_storage: { value: 16 * tebibyte, display_value: '16 TiB' },
      supports_public_ipv4: { value: true, display_value: 'Yes' },
      audience_hint: null,
    });
    const legacy = await account.get(`/preview/v2/instance_skus/${richmond.replace('isku_', 'clus_')}`);
    expect(legacy.body.id).toBe(richmond);
  });

  it('refuses a taken alias and malformed registrations', async () => {
    expect((await server.operator.post('/admin/v1/instance_skus', { alias: 'h100-richmond' })).status).toBe(409);
    for (const body of [{}, { alias: '-x' }, { alias: 'x1', rdma_type: 'ethernet' }, { alias: 'x2', num_accelerators: -1 }, { alias: 'x3', memory: '1GB' }, { alias: 'x4', supports_public_ipv4: 'yes' }]) {
      const response = await server.operator.post('/admin/v1/instance_skus', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.details.length).toBeGreaterThan(0);
    }
    expect((await account.post('/admin/v1/instance_skus', { alias: 'mine' })).status).toBe(401);
  });

  it('lists SKUs newest first and answers 404 for an unknown one', async () => {
    const listed = await account.get('/preview/v2/instance_skus');
    expect(listed.body.data.map((sku: { alias: string }) => sku.alias)).toEqual(['h200-hayesvalley', 'h100-richmond']);
    const paged = await account.get('/preview/v2/instance_skus?limit=1');
    expect(paged.body).toMatchObject({ has_more: true, cursor: expect.stringMatching(/^iskuc_/) });
    expect((await account.get('/preview/v2/instance_skus/isku_nope')).status).toBe(404);
    expect((await account.get('/preview/v2/instance_skus/not-an-id')).status).toBe(404);
  });

  it('describes every property and value in the catalog', async () => {
    const catalog = await account.get('/preview/v2/instance_sku_property_catalog');
    expect(catalog.status).toBe(200);
    const keys = catalog.body.data.map((entry: { key: { name: string } }) => entry.key.name);
    expect(keys).toEqual(['region', 'availability_zone', 'accelerator', 'form_factor', 'rdma_type', 'num_accelerators', 'num_vcpus', 'memory', 'local_storage', 'supports_public_ipv4']);
    const accelerator = catalog.body.data.find((entry: { key: { name: string } }) => entry.key.name === 'accelerator');
    expect(accelerator.values.map((value: { name: string; display_name: string }) => [value.name, value.display_name])).toEqual([['h100', 'H100'], ['h200', 'H200']]);
    expect(accelerator.key.stable_at).toBe(testEpoch);
    const firstPage = await account.get('/preview/v2/instance_sku_property_catalog?limit=4');
    const secondPage = await account.get(`/preview/v2/instance_sku_property_catalog?limit=4&starting_after=${firstPage.body.cursor}`);
    expect([...firstPage.body.data, ...secondPage.body.data].map((entry: { key: { name: string } }) => entry.key.name)).toEqual(keys.slice(0, 8));
  });

  it('shows what resting sells offer as availability, filtered by property', async () => {
    const provider = await server.newAccount('Provider');
    const supply = await server.operator.post('/admin/v1/pools', { account: provider.accountId, name: 'supply', kind: 'originating' });
    expect(supply.body.kind).toBe('originating');
    await server.issue(supply.body.id, richmond, [{ start_at: testEpoch + 600, end_at: testEpoch + 7200, node_count: 16 }]);
    // Two asks, summed; what the pool holds but does not offer is not for sale.
    const sell = (start: number, end: number, nodes: number) =>
      provider.post('/preview/v2/orders', {
        pool: supply.body.id,
        side: 'sell',
        instance_sku: richmond,
        allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: nodes }],
        limit_price_dollars_per_node_hour: '16.00',
        allow_standing: true,
      });
    expect((await sell(testEpoch + 600, testEpoch + 3600, 10)).body.status).toBe('standing');
    expect((await sell(testEpoch + 600, testEpoch + 7200, 6)).body.status).toBe('standing');
    // A market pool's holding is not for sale either.
    const held = await account.post('/preview/v2/pools', { workspace: 'default', name: 'held' });
    await server.issue(held.body.id, hayes, [{ start_at: testEpoch, end_at: null, node_count: 3 }]);

    const all = await account.get('/preview/v2/instance_skus/availability');
    const richmondAvailability = all.body.data.find((entry: { instance_sku: { id: string } }) => entry.instance_sku.id === richmond);
    expect(richmondAvailability).toEqual({
      object: 'instance_sku_availability',
      instance_sku: { object: 'instance_sku', id: richmond, alias: 'h100-richmond' },
      schedule: [
        { start_at: testEpoch, end_at: testEpoch + 600, node_count: 0 },
        { start_at: testEpoch + 600, end_at: testEpoch + 3600, node_count: 16 },
        { start_at: testEpoch + 3600, end_at: testEpoch + 7200, node_count: 6 },
        { start_at: testEpoch + 7200, end_at: null, node_count: 0 },
      ],
    });
    const hayesAvailability = all.body.data.find((entry: { instance_sku: { id: string } }) => entry.instance_sku.id === hayes);
    expect(hayesAvailability.schedule).toEqual([]);

    for (const [query, expected] of [
      ['accelerator=h100', [richmond]],
      ['accelerator=h200', [hayes]],
      ['availability_zone=richmond&rdma_type=infiniband', [richmond]],
      ['supports_public_ipv4=false', [hayes]],
      ['num_accelerators=8', [hayes, richmond]],
      ['memory=1', []],
      [`id=${richmond}`, [richmond]],
    ] as const) {
      const filtered = await account.get(`/preview/v2/instance_skus/availability?${query}`);
      expect(filtered.body.data.map((entry: { instance_sku: { id: string } }) => entry.instance_sku.id), query).toEqual(expected);
    }
    expect((await account.get('/preview/v2/instance_skus/availability?num_accelerators=eight')).status).toBe(422);

    const single = await account.get(`/preview/v2/instance_skus/${richmond}/availability`);
    expect(single.body).toEqual(richmondAvailability);
    expect((await account.get('/preview/v2/instance_skus/isku_nope/availability')).status).toBe(404);
  });
});
