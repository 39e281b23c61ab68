// The time to advance the manual clock across one boundary that ends 100,000 running instances
// over 10,000 pools, and the memory the process holds then, on an SQLite file and, given a URL,
// on PostgreSQL. Set-up writes through the use cases' own building blocks in large transactions
// (the instances in multi-row inserts, the allocation through the ledger, which starts them);
// the advance is the operator's, as the API runs it. `__profiling`, set on globalThis during the
// advance, lets a local harness count the statements it runs (and `__profileReport` print them).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from '../src/app/tenancy/accounts.js';
import { moveAllocation } from '../src/app/allocation/ledger.js';
import { advanceClock } from '../src/engine/clock.js';
import { type AppContext, cryptoRandom, newId } from '../src/app/kernel/context.js';
import { ensurePublicImages } from '../src/app/compute/images.js';
import { registerInstanceSku } from '../src/app/allocation/instance-skus.js';
import { reconcilePoolSku } from '../src/app/compute/reconciler.js';
import { ManualClock } from '../src/clock/manual-clock.js';
import { isFailure } from '../src/domain/kernel/failures.js';
import { defaultFeePolicy } from '../src/domain/kernel/money.js';
import { normalize } from '../src/domain/kernel/schedule.js';
import { SimulatedProvider } from '../src/providers/simulated.js';
import { FileBlobStore } from '../src/store/blobs.js';
import { openStore } from '../src/store/open-store.js';
import type { InstanceRecord } from '../src/store/compute.js';
import { urlWithSchema, withSchema } from './support.js';

const poolCount = 10_000;
const instancesPerPool = 10;
const poolsPerTransaction = 500;

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

export async function benchAdvance(postgresUrl: string | undefined): Promise<string[]> {
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-advance-'));
  try {
    const lines = await advanceOn(`sqlite:${join(directory, 'allot.db')}`, 'SQLite file', directory);
    if (postgresUrl === undefined) return [...lines, '  PostgreSQL: skipped (set ALLOT_TEST_POSTGRES_URL)'];
    return [...lines, ...(await withSchema(postgresUrl, 'allot_bench_advance', (schema) => advanceOn(urlWithSchema(postgresUrl, schema), 'PostgreSQL', directory)))];
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

async function advanceOn(db: string, storeName: string, directory: string): Promise<string[]> {
  const start = 1_767_225_600;
  const store = await openStore(db, start);
  try {
    const clock = new ManualClock(start);
    const context: AppContext = { store, clock, random: cryptoRandom, provider: new SimulatedProvider(), blobs: new FileBlobStore(join(directory, 'blobs')), urlSigningKey: 'bench', feePolicy: defaultFeePolicy, followAllocation: reconcilePoolSku };
    await ensurePublicImages(context);
    const account = await createAccount(context, { name: 'Bench' });
    const sku = await registerInstanceSku(context, { alias: 'bench-sku' });
    if (isFailure(account) || isFailure(sku)) throw new Error('set-up failed');
    const imageId = await store.read(async (tx) => {
      const workspace = (await tx.workspaces.findByName('sfcompute', 'public'))!;
      return (await tx.images.list({ workspaceId: workspace.id, ids: null }, { direction: 'older', boundarySeq: null, limit: 1 }))[0]!.id;
    });
    const allocation = normalize([{ at: start, count: instancesPerPool }, { at: start + 3600, count: 0 }]);

    const setUpStarted = performance.now();
    for (let first = 0; first < poolCount; first += poolsPerTransaction) {
      await store.transaction(async (tx) => {
        const poolIds: string[] = [];
        const instances: Omit<InstanceRecord, 'seq'>[] = [];
        for (let index = first; index < first + poolsPerTransaction; index++) {
          const pool = { id: newId(context, 'pool'), accountId: account.account.id, workspaceId: account.defaultWorkspace.id, name: `pool-${index}`, kind: 'market' as const, tags: {}, createdAt: start };
          await tx.pools.insert(pool);
          poolIds.push(pool.id);
          for (let instance = 0; instance < instancesPerPool; instance++) {
            instances.push({
              id: newId(context, 'instance'),
              accountId: account.account.id,
              workspaceId: account.defaultWorkspace.id,
              name: `instance-${index}-${instance}`,
              poolId: pool.id,
              instanceSkuId: sku.id,
              imageId,
              deploymentId: null,
              cloudInitUserData: null,
              tags: {},
              priority: 'normal',
              status: 'awaiting_allocation',
              enablePublicIpv4: false,
              firewall: null,
              infiniband: false,
              createdAt: start,
              updatedAt: start,
              startedAt: null,
              endedAt: null,
            });
          }
        }
        // The instances in a few multi-row statements (their names are known free), then the
        // allocation issued to each pool through the ledger, which starts them.
        await tx.instances.insertMany(instances);
        for (const poolId of poolIds) {
          // Issuing the allocation reconciles the pool: its instances start.
          await moveAllocation(context, tx, { kind: 'issuance', instanceSkuId: sku.id, fromPoolId: null, toPoolId: poolId, delta: allocation, referenceId: null }, start);
        }
      });
    }
    const setUpSeconds = (performance.now() - setUpStarted) / 1000;
    const running = await store.read(async (tx) => (await tx.instances.runningCounts()).reduce((sum, group) => sum + group.running, 0));
    if (running !== poolCount * instancesPerPool) throw new Error(`expected ${poolCount * instancesPerPool} running, found ${running}`);

    global.gc?.();
    const before = process.memoryUsage();
    const advanceStarted = performance.now();
    const cpuBefore = process.cpuUsage();
    const profiled = globalThis as { __profiling?: boolean; __profileReport?: () => void };
    profiled.__profiling = true;
    const advanced = await advanceClock(context, 3600);
    profiled.__profiling = false;
    const cpu = process.cpuUsage(cpuBefore);
    const advanceSeconds = (performance.now() - advanceStarted) / 1000;
    profiled.__profileReport?.();
    if (isFailure(advanced)) throw new Error(advanced.message);
    const after = process.memoryUsage();
    const stillRunning = await store.read(async (tx) => (await tx.instances.runningCounts()).reduce((sum, group) => sum + group.running, 0));
    if (stillRunning !== 0) throw new Error(`expected every instance ended, ${stillRunning} still run`);
    return [
      `advance the manual clock across a boundary ending ${running.toLocaleString('en-US')} instances over ${poolCount.toLocaleString('en-US')} pools (${storeName})`,
      `  advance:   ${advanceSeconds.toFixed(2)} s  (${Math.round((running / advanceSeconds)).toLocaleString('en-US')} instances/s, ${Math.round(poolCount / advanceSeconds).toLocaleString('en-US')} pools/s)`,
      `  cpu:       ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s of this process (user and system; a loaded machine stretches the wall time more)`,
      `  memory:    RSS ${megabytes(after.rss)} (before the advance ${megabytes(before.rss)}), heap used ${megabytes(after.heapUsed)}`,
      `  (set-up, not part of the figure: ${setUpSeconds.toFixed(1)} s)`,
    ];
  } finally {
    await store.close();
  }
}
