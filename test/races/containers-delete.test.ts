// Deleting a pool or a workspace races what is created in it. A pool's deletion checks that no
// instance is live, no order rests and no deployment or procurement targets it, under the pool's
// lock; everything created in a pool takes that lock first (shared) and re-checks that the pool
// is live. Workspaces likewise, for the pools, images and instance templates created in them.
// So either the creations land first (and the deletion is refused) or the deletion does (and the
// creations find nothing): nothing is ever live in a deleted pool or workspace, and the audit,
// which reports whatever is, stays clean. 64 requests at a time, over two processes on PostgreSQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditInTransaction } from '../../src/app/operator/verify.js';
import { createHash } from 'node:crypto';
import type { ApiClient, ApiResponse } from '../support/client.js';
import { startTestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { nextMinute, type RaceCluster, startRaceCluster } from './cluster.js';

const image = 'ubuntu-22.04-cuda-12.4';
const rounds = 3;
const containersPerRound = 8;

type Answer = ApiResponse & { kind: string; container: string };

/** Every container deleted (204) got nothing created in it; every one whose deletion was refused (422) did. */
function expectOneWinner(responses: readonly Answer[], containers: readonly string[]): void {
  expect(responses.filter((response) => response.status >= 500).map((response) => [response.kind, response.status, response.body])).toEqual([]);
  for (const container of containers) {
    const mine = responses.filter((response) => response.container === container);
    const deletion = mine.find((response) => response.kind === 'delete')!;
    const creations = mine.filter((response) => response.kind !== 'delete');
    const created = creations.filter((response) => response.status < 300);
    if (deletion.status === 204) {
      expect(created.map((response) => [response.kind, response.body])).toEqual([]);
      // Refused for the parent that is gone: 404 where the operation's reference lists it, else
      // the status it lists (422 for deployments and procurements naming a pool, 400 for images;
      // docs/decisions.md, "Status codes per operation").
      const refusals: Record<number, string> = { 400: 'invalid_request_error', 404: 'not_found', 422: 'unprocessable_entity' };
      const missingParent = (response: Answer) => refusals[response.status] ?? `status ${response.status}`;
      expect(creations.map((response) => [response.kind, response.body.error?.type])).toEqual(creations.map((response) => [response.kind, missingParent(response)]));
    } else {
      expect([deletion.status, deletion.body.error?.type]).toEqual([422, 'unprocessable_entity']);
      expect(created.length).toBeGreaterThan(0);
    }
  }
}

/** A completed upload of a few bytes in the account's default workspace; answers its id. */
async function uploadedImage(client: ApiClient, name: string): Promise<string> {
  const created = await client.post('/preview/v2/images', { workspace: 'default', name });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const part = await client.post(`/preview/v2/images/${created.body.id}/parts`, { part_id: 1 });
  expect(part.status).toBe(200);
  expect((await fetch(part.body.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([1, 2, 3]) })).status).toBe(200);
  const completed = await client.post(`/preview/v2/images/${created.body.id}/complete`, { sha256: createHash('sha256').update(new Uint8Array([1, 2, 3])).digest('hex') });
  expect(completed.status, JSON.stringify(completed.body)).toBe(200);
  return created.body.id as string;
}

describe.each(testDialects)('deleting pools and workspaces while things are created in them (%s)', (dialect) => {
  let cluster: RaceCluster;
  beforeAll(async () => {
    cluster = await startRaceCluster(dialect);
  }, 60_000);
  afterAll(() => cluster?.close());

  it('never leaves an instance, order, deployment or procurement live in a deleted pool', async () => {
    const clients = await cluster.newAccount('Pool deleter');
    await cluster.operator.post(`/admin/v1/accounts/${clients.accountId}/credits`, { amount_dollars: 100_000 });
    const sku = await cluster.newInstanceSku('pool-contents-race');
    const template = (await clients[0]!.post('/preview/v2/instance_templates', { workspace: 'default', image, name: 'racer' })).body.id as string;
    const start = nextMinute() + 3600;
    const deletions: Record<string, number> = {};
    for (let round = 0; round < rounds; round++) {
      const pools: string[] = [];
      for (let index = 0; index < containersPerRound; index++) {
        pools.push((await clients[index % clients.length]!.post('/preview/v2/pools', { workspace: 'default', name: `pool-${round}-${index}` })).body.id);
      }
      const requests: Promise<Answer>[] = [];
      let turn = 0;
      for (const pool of pools) {
        const creators: [string, (client: (typeof clients)[number]) => Promise<ApiResponse>][] = [
          ['instance', (client) => client.post('/preview/v2/instances', { pool, image, instance_sku: sku })],
          ['order', (client) => client.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: '0.10', allow_standing: true })],
          ['deployment', (client) => client.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: 1 })],
          ['instance', (client) => client.post('/preview/v2/instances', { pool, image, instance_sku: sku })],
          ['procurement', (client) => client.post('/preview/v2/procurements', { pool, instance_sku: sku, target: 0, min_sell_price_dollars_per_node_hour: '99.00', max_buy_price_dollars_per_node_hour: '0.01', managed_window_minutes: 60 })],
          ['order', (client) => client.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: '0.10', allow_standing: true })],
          ['deployment', (client) => client.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: 1 })],
        ];
        creators.forEach(([kind, create], index) => {
          requests.push(create(clients[turn++ % clients.length]!).then((response) => ({ ...response, kind, container: pool })));
          // The deletion goes out among its pool's creations.
          if (index === 3) requests.push(clients[turn++ % clients.length]!.delete(`/preview/v2/pools/${pool}`).then((response) => ({ ...response, kind: 'delete', container: pool })));
        });
      }
      const responses = await Promise.all(requests);
      expectOneWinner(responses, pools);
      for (const response of responses.filter((answer) => answer.kind === 'delete')) deletions[response.status] = (deletions[response.status] ?? 0) + 1;
      expect(await cluster.audit()).toEqual([]);
    }
    // Both outcomes happen: some deletions win, some are refused.
    expect(Object.keys(deletions).length, JSON.stringify(deletions)).toBeGreaterThan(0);
  }, 180_000);

  it('never leaves a pool, image or instance template live in a deleted workspace', async () => {
    const clients = await cluster.newAccount('Workspace deleter');
    for (let round = 0; round < rounds; round++) {
      const workspaces: string[] = [];
      for (let index = 0; index < containersPerRound; index++) {
        workspaces.push((await clients[index % clients.length]!.post('/preview/v2/workspaces', { name: `space-${round}-${index}` })).body.id);
      }
      const requests: Promise<Answer>[] = [];
      let turn = 0;
      for (const workspace of workspaces) {
        const creators: [string, (client: (typeof clients)[number]) => Promise<ApiResponse>][] = [
          ['pool', (client) => client.post('/preview/v2/pools', { workspace })],
          ['image', (client) => client.post('/preview/v2/images', { workspace })],
          ['instance template', (client) => client.post('/preview/v2/instance_templates', { workspace, image })],
          ['pool', (client) => client.post('/preview/v2/pools', { workspace })],
          ['image', (client) => client.post('/preview/v2/images', { workspace })],
          ['instance template', (client) => client.post('/preview/v2/instance_templates', { workspace, image })],
          ['pool', (client) => client.post('/preview/v2/pools', { workspace })],
        ];
        creators.forEach(([kind, create], index) => {
          requests.push(create(clients[turn++ % clients.length]!).then((response) => ({ ...response, kind, container: workspace })));
          if (index === 3) requests.push(clients[turn++ % clients.length]!.delete(`/preview/v2/workspaces/${workspace}`).then((response) => ({ ...response, kind: 'delete', container: workspace })));
        });
      }
      const responses = await Promise.all(requests);
      expectOneWinner(responses, workspaces);
      expect(await cluster.audit()).toEqual([]);
    }
  }, 180_000);

  it('never lets an instance or template use a deleted image, nor a deployment a deleted template', async () => {
    const clients = await cluster.newAccount('Image deleter');
    const sku = await cluster.newInstanceSku('image-use-race');
    const pool = (await clients[0]!.post('/preview/v2/pools', { workspace: 'default', name: 'image-users' })).body.id as string;
    let turn = 0;
    const next = () => clients[turn++ % clients.length]!;
    for (let round = 0; round < rounds; round++) {
      const images: string[] = [];
      const templates: string[] = [];
      for (let index = 0; index < containersPerRound; index++) {
        images.push(await uploadedImage(next(), `image-${round}-${index}`));
        templates.push((await next().post('/preview/v2/instance_templates', { workspace: 'default', image, name: `template-${round}-${index}` })).body.id);
      }
      const requests: Promise<Answer>[] = [];
      const race = (container: string, creators: [string, () => Promise<ApiResponse>][], deletion: () => Promise<ApiResponse>) => {
        creators.forEach(([kind, create], index) => {
          requests.push(create().then((response) => ({ ...response, kind, container })));
          if (index === 2) requests.push(deletion().then((response) => ({ ...response, kind: 'delete', container })));
        });
      };
      for (const used of images) {
        const client = next();
        race(used, [
          ['instance', () => next().post('/preview/v2/instances', { pool, image: used, instance_sku: sku })],
          ['instance template', () => next().post('/preview/v2/instance_templates', { workspace: 'default', image: used })],
          ['instance', () => next().post('/preview/v2/instances', { pool, image: used, instance_sku: sku })],
          ['instance template', () => next().post('/preview/v2/instance_templates', { workspace: 'default', image: used })],
        ], () => client.delete(`/preview/v2/images/${used}`));
      }
      for (const used of templates) {
        const client = next();
        race(used, [
          ['deployment', () => next().post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: used, target_instance_count: 0 })],
          ['deployment', () => next().post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: used, target_instance_count: 0 })],
          ['deployment', () => next().post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: used, target_instance_count: 0 })],
        ], () => client.delete(`/preview/v2/instance_templates/${used}`));
      }
      const responses = await Promise.all(requests);
      expect(responses.filter((response) => response.status >= 500).map((response) => [response.kind, response.status, response.body])).toEqual([]);
      for (const container of [...images, ...templates]) {
        const mine = responses.filter((response) => response.container === container);
        const deleted = mine.find((response) => response.kind === 'delete')!.status < 300;
        const used = mine.filter((response) => response.kind !== 'delete' && response.status < 300);
        // Deleted, and nothing took it up; or refused, because something had.
        expect({ container, deleted, used: used.length > 0 }).toEqual({ container, deleted, used: !deleted });
      }
      expect(await cluster.audit()).toEqual([]);
    }
  }, 180_000);

  it('is audited: the audit reports whatever is live in a deleted pool or workspace', async () => {
    // The state the locks prevent, made by hand behind the API's back.
    const server = await startTestServer(dialect);
    try {
      const account = await server.newAccount();
      const sku = await server.newInstanceSku('audited');
      const workspace = (await account.post('/preview/v2/workspaces', { name: 'doomed' })).body.id as string;
      const pool = (await account.post('/preview/v2/pools', { workspace, name: 'doomed' })).body.id as string;
      const kept = (await account.post('/preview/v2/pools', { workspace, name: 'kept' })).body.id as string;
      const instance = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku })).body.id as string;
      expect(await server.audit()).toEqual([]);
      await server.testStore.store.transaction(async (tx) => {
        await tx.pools.softDelete(pool, server.clock.now());
        await tx.workspaces.softDelete(workspace, server.clock.now());
      });
      // Read past the test server's verify switch, which refuses every transaction on such a state.
      const problems = await server.testStore.store.transaction((tx) => auditInTransaction(tx, server.clock.now()));
      expect(problems).toEqual([`Deleted pool ${pool} holds live instance ${instance}`, `Deleted workspace ${workspace} holds live pool ${kept}`]);
    } finally {
      await server.close();
    }
  });
});
