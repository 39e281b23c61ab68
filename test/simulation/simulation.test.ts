// Deterministic simulation, the last line of defence: a seeded runner drives the real server on
// the manual clock with random operations — allocation issued and retired, transfers, instances
// of every priority, terminations, hardware faults, deployments scaled, time advanced — and after
// every step the audit checks conservation, no negative pool and running <= allocation. A failure
// names its seed, so it can be replayed.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

/** A small seeded generator (mulberry32): the same seed, the same run. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
  return {
    below: (count: number) => Math.floor(next() * count),
    pick: <T>(items: readonly T[]): T | undefined => (items.length === 0 ? undefined : items[Math.floor(next() * items.length)]),
  };
}

const seeds = [1, 2, 3, 4];
const stepsPerRun = 60;
const priorities = ['yield', 'normal', 'preferred', 'critical'] as const;

describe.each(testDialects)('simulation on %s', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(() => server.close());

  it.each(seeds)('keeps every invariant through a random run (seed %i)', async (seed) => {
    const random = generator(seed);
    const account: ApiClient & { accountId: string } = await server.newAccount(`Simulated ${seed}`);
    const sku = await server.newInstanceSku(`sim-${seed}`);
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4' })).body.id as string;
    const pools: string[] = [];
    const instances: string[] = [];
    const deployments: string[] = [];
    const minute = () => Math.floor(server.clock.now() / 60) * 60;

    const operations: [string, () => Promise<unknown>][] = [
      ['create pool', async () => pools.push((await account.post('/preview/v2/pools', { workspace: 'default' })).body.id)],
      ['issue', async () => {
        const pool = random.pick(pools);
        const start = minute() + 60 * random.below(30);
        if (pool !== undefined) await server.issue(pool, sku, [{ start_at: start, end_at: start + 60 * (1 + random.below(120)), node_count: 1 + random.below(4) }]);
      }],
      ['retire', async () => {
        const pool = random.pick(pools);
        const start = minute() + 60 * random.below(30);
        if (pool !== undefined) await server.operator.post('/admin/v1/retirements', { pool, instance_sku: sku, allocation_schedule: [{ start_at: start, end_at: start + 60 * (1 + random.below(60)), node_count: 1 }] });
      }],
      ['transfer', async () => {
        const from = random.pick(pools);
        const to = random.pick(pools);
        const start = minute() + 60 * random.below(20);
        if (from !== undefined && to !== undefined && from !== to) {
          await account.post('/preview/v2/pool_transfers', { from_pool: from, to_pool: to, instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 60 * (1 + random.below(90)), node_count: 1 + random.below(3) }] });
        }
      }],
      ['launch', async () => {
        const pool = random.pick(pools);
        if (pool !== undefined) instances.push((await account.post('/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku, priority_level: random.pick(priorities) })).body.id);
      }],
      ['terminate', async () => {
        const instance = random.pick(instances);
        if (instance !== undefined) await account.post(`/preview/v2/instances/${instance}/terminate`);
      }],
      ['reprioritise', async () => {
        const chosen = [random.pick(instances), random.pick(instances)].filter((id): id is string => id !== undefined);
        if (chosen.length > 0) await account.patch('/preview/v2/instances', { data: chosen.map((id) => ({ id, priority_level: random.pick(priorities) })) });
      }],
      ['fail', async () => {
        const instance = random.pick(instances);
        if (instance !== undefined) await server.operator.post(`/admin/v1/instances/${instance}/fail`);
      }],
      ['deploy', async () => {
        const pool = random.pick(pools);
        if (pool !== undefined) deployments.push((await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: random.below(4) })).body.id);
      }],
      ['scale', async () => {
        const deployment = random.pick(deployments);
        if (deployment !== undefined) await account.patch(`/preview/v2/deployments/${deployment}`, { target_instance_count: random.below(5) });
      }],
      ['advance', () => server.advance(60 * (1 + random.below(45)))],
    ];

    for (let step = 0; step < stepsPerRun; step++) {
      const [name, operation] = operations[random.below(operations.length)]!;
      await operation();
      const problems = await server.audit();
      expect(problems, `seed ${seed}, step ${step} (${name})`).toEqual([]);
    }
  });
});
