// Starts a real allot server for API tests: the same buildServer `allot serve` uses, listening
// on a free port, over a fresh store, on a manual clock. Tests talk to it over HTTP.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { establishOperatorToken } from '../../src/app/tenancy/auth.js';
import { ensurePublicImages } from '../../src/app/compute/images.js';
import { loadUrlSigningKey } from '../../src/app/compute/signed-urls.js';
import { SimulatedProvider } from '../../src/providers/simulated.js';
import { FileBlobStore } from '../../src/store/blobs.js';
import { KeyFile } from '../../src/store/key-file.js';
import { type AppContext, cryptoRandom, type RandomSource } from '../../src/app/kernel/context.js';
import { DomainEvents } from '../../src/app/kernel/events.js';
import { reconcilePoolSku } from '../../src/app/compute/reconciler.js';
import type { Clock } from '../../src/clock/clock.js';
import { ManualClock } from '../../src/clock/manual-clock.js';
import { RealClock } from '../../src/clock/real-clock.js';
import { buildServer } from '../../src/http/server.js';
import { failureAnswer } from '../../src/http/errors.js';
import type { FailureCode } from '../../src/domain/kernel/failures.js';
import type { Store, StoreDialect } from '../../src/store/store.js';
import { ApiClient } from './client.js';
import { openTestStore, type TestStore } from './stores.js';
import { verifiedStore } from '../../src/app/operator/verify.js';
import { FleetWorker } from '../../src/engine/fleet.js';
import type { FleetSettings } from '../../src/domain/fleet/hosts.js';

/** 2026-01-01T00:00:00Z: tests start their manual clock here. */
export const testEpoch = 1767225600;

export const testOperatorToken = 'allot_admin_test-operator-token';

/** Sellers pay $0.10 per node-hour plus 2%. */
export const testFeePolicy = { flatMicrosPerNodeHour: 100_000, basisPoints: 200 };

export interface TestServer {
  readonly baseUrl: string;
  readonly context: AppContext;
  readonly clock: ManualClock;
  readonly testStore: TestStore;
  /** A client authenticated as the operator. */
  readonly operator: ApiClient;
  /** A client with no token. */
  readonly anonymous: ApiClient;
  /** Creates an account and returns a client authenticated as it. */
  newAccount(name?: string): Promise<ApiClient & { accountId: string }>;
  /** Registers an instance SKU and returns its id. */
  newInstanceSku(alias?: string, properties?: Record<string, unknown>): Promise<string>;
  /** Issues allocation into a pool (as the operator). */
  issue(pool: string, instanceSku: string, schedule: { start_at: number; end_at: number | null; node_count: number }[]): Promise<void>;
  /** Advances the manual clock through the operator API, as a user would. */
  advance(seconds: number): Promise<number>;
  /** How the operation at `route` ("POST /preview/v2/pools") answers a failure: its status and error type. */
  failureAnswer(route: string, code: FailureCode): { status: number; type: string };
  /** The ledger's invariant violations (GET /admin/v1/audit); empty when sound. */
  audit(): Promise<string[]>;
  close(): Promise<void>;
}

let accountCounter = 0;

let skuCounter = 0;

/** `wrapStore` puts something between the use cases and the store, to watch what each transaction does. */
export async function startTestServer(dialect: StoreDialect, options: { clock?: 'manual' | 'real'; random?: RandomSource; /** Serve with a fleet (`--driver fleet`): instances run on the hosts agents register. */ fleet?: FleetSettings; wrapStore?: (store: Store) => Store; /** false: no whole-state audit at every commit (a test of thousands of commits audits at its end). */ verify?: boolean; /** Where the PostgreSQL store connects, if not to ALLOT_TEST_POSTGRES_URL (a proxy to it). */ postgresUrl?: string } = {}): Promise<TestServer> {
  const testStore = await openTestStore(dialect, testEpoch, options.postgresUrl);
  const manualClock = new ManualClock(testEpoch);
  const clock: Clock = options.clock === 'real' ? new RealClock() : manualClock;
  const blobDirectory = mkdtempSync(join(tmpdir(), 'allot-test-blobs-'));
  const fleet = options.fleet === undefined ? null : new FleetWorker(options.fleet, { warn: (fields, message) => console.warn(message, fields), error: (fields, message) => console.error(message, fields) });
  const context: AppContext = {
    // The verify switch: every transaction ends with the whole-state audit (ALLOT_VERIFY=0 turns it
    // off). On SQLite only: there a transaction holds the database, so the audit reads one state;
    // at PostgreSQL's READ COMMITTED each of its statements sees what other transactions committed
    // meanwhile (balances after one commit, entries before it), and it would fail sound states.
    // PostgreSQL's tests audit through GET /admin/v1/audit after their scenarios instead.
    store: (options.wrapStore ?? ((store) => store))(process.env.ALLOT_VERIFY === '0' || options.verify === false || testStore.store.dialect !== 'sqlite' ? testStore.store : verifiedStore(testStore.store, clock)),
    clock,
    random: options.random ?? cryptoRandom,
    provider: fleet ?? new SimulatedProvider(),
    ...(fleet === null ? {} : { guestRuns: fleet }),
    blobs: new FileBlobStore(blobDirectory),
    urlSigningKey: await loadUrlSigningKey(testStore.store, cryptoRandom, { file: new KeyFile(join(blobDirectory, 'url-signing.key')) }),
    feePolicy: testFeePolicy,
    followAllocation: reconcilePoolSku,
    events: new DomainEvents(),
  };
  const operatorToken = await establishOperatorToken(context, testOperatorToken);
  await ensurePublicImages(context);
  fleet?.start(context);
  const app = await buildServer({ context, operatorTokenHash: operatorToken.hash, logLevel: process.env.ALLOT_TEST_LOG ?? 'silent', metrics: { storeReadIntervalMs: 0 }, ...(options.fleet === undefined ? {} : { fleet: options.fleet }) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const operator = new ApiClient(baseUrl, testOperatorToken);
  return {
    baseUrl,
    context,
    clock: manualClock,
    testStore,
    operator,
    anonymous: new ApiClient(baseUrl, null),
    async newAccount(name = `Account ${++accountCounter}`) {
      const created = await operator.post('/admin/v1/accounts', { name });
      if (created.status !== 201) throw new Error(`account creation failed: ${JSON.stringify(created.body)}`);
      const body = created.body as { id: string; token: string };
      return Object.assign(new ApiClient(baseUrl, body.token), { accountId: body.id });
    },
    async newInstanceSku(alias = `sku-${++skuCounter}`, properties = {}) {
      const created = await operator.post('/admin/v1/instance_skus', { alias, accelerator: 'h100', num_accelerators: 8, rdma_type: 'infiniband', ...properties });
      if (created.status !== 201) throw new Error(`SKU registration failed: ${JSON.stringify(created.body)}`);
      return created.body.id as string;
    },
    async issue(pool, instanceSku, schedule) {
      const issued = await operator.post('/admin/v1/allocations', { pool, instance_sku: instanceSku, allocation_schedule: schedule });
      if (issued.status !== 201) throw new Error(`issuance failed: ${JSON.stringify(issued.body)}`);
    },
    async advance(seconds) {
      const advanced = await operator.post('/admin/v1/clock/advance', { seconds });
      if (advanced.status !== 200) throw new Error(`advance failed: ${JSON.stringify(advanced.body)}`);
      return advanced.body.now as number;
    },
    failureAnswer(route, code) {
      const [method, url] = route.split(' ') as [string, string];
      const choices = app.statusChoicesOf(method, url);
      if (choices === undefined) throw new Error(`no route ${route}`);
      return failureAnswer(code, choices.declared, choices.overrides);
    },
    async audit() {
      const audit = await operator.get('/admin/v1/audit');
      return audit.body.problems as string[];
    },
    async close() {
      await fleet?.close();
      await app.close();
      await testStore.dispose();
      rmSync(blobDirectory, { recursive: true, force: true });
    },
  };
}
