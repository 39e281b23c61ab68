// A deletion of a large deployment survives kill -9: the request ends a first batch of its
// instances and leaves the deletion due in the same transaction; a process killed then (under
// the manual clock nothing has ended the rest yet) restarts under the real clock, and its engine
// ends the rest. Nothing of the deployment's is live afterwards, and the audit is clean.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deploymentInstancesPerTransaction } from '../../src/domain/kernel/limits.js';
import { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, testDialects } from '../support/stores.js';

const operatorToken = 'allot_admin_deletion-crash-operator';
/** Four batches: three are left for the engine after the kill. */
const target = 4 * deploymentInstancesPerTransaction;

describe.each(testDialects)('a deployment deletion cut off by kill -9 (%s)', (dialect) => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-deletion-crash-'));
  const schema = `allot_deletion_crash_${process.pid}`;
  let db = `sqlite:${join(directory, 'allot.db')}`;
  const env = { ALLOT_ADMIN_TOKEN: operatorToken };

  afterAll(async () => {
    rmSync(directory, { recursive: true, force: true });
    if (dialect === 'postgres') await dropSchema(schema);
  });

  it('is finished by the engine after a restart', async () => {
    if (dialect === 'postgres') db = await freshSchema(schema);
    // The manual clock starts at the wall clock's minute, so the deletion's time is not ahead of the real clock the restart runs on.
    const first = await startServeProcess(['--db', db, '--clock', 'manual', '--seed', 'none'], env);
    const operator = new ApiClient(first.baseUrl, operatorToken);
    const created = await operator.post('/admin/v1/accounts', { name: 'Deletion crash' });
    expect(created.status).toBe(201);
    const account = new ApiClient(first.baseUrl, created.body.token as string);
    const sku = (await operator.post('/admin/v1/instance_skus', { alias: 'crash-wide', accelerator: 'h100', num_accelerators: 8, rdma_type: 'infiniband' })).body.id as string;
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'crash-wide' })).body.id as string;
    const now = (await operator.get('/admin/v1/clock')).body.now as number;
    expect((await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: now, end_at: null, node_count: target / 2 }] })).status).toBe(201);
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'crash-wide' })).body.id as string;
    const deployment = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: target });
    expect(deployment.status).toBe(201);
    // One second on: the advance creates the rest of the instances.
    expect((await operator.post('/admin/v1/clock/advance', { seconds: 1 })).status).toBe(200);
    const liveQuery = `/preview/v2/instances?pool=${pool}&status=running&status=awaiting_allocation&limit=200`;
    expect((await account.get(liveQuery)).body.data).toHaveLength(200);

    expect((await account.delete(`/preview/v2/deployments/${deployment.body.id}`)).status).toBe(204);
    // The request ended one batch; the rest waits for the engine, which the manual clock does not run.
    expect((await account.get(liveQuery)).body.data).toHaveLength(200);
    await first.stop('SIGKILL');

    const second = await startServeProcess(['--db', db], env);
    try {
      const after = new ApiClient(second.baseUrl, created.body.token as string);
      const deadline = Date.now() + 120_000;
      let live = (await after.get(liveQuery)).body.data as unknown[];
      while (live.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        live = (await after.get(liveQuery)).body.data as unknown[];
      }
      expect(live).toEqual([]);
      expect((await after.get(`/preview/v2/deployments/${deployment.body.id}`)).status).toBe(404);
      const audit = await new ApiClient(second.baseUrl, operatorToken).get('/admin/v1/audit');
      expect(audit.body.problems).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 300_000);
});
