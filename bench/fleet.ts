// The fleet's control plane under 1,000 agents: an in-process agent simulator (HTTP only, no
// drivers) registers 1,000 hosts of one node each with `allot serve --driver fleet`, heartbeats
// them, and reports as running whatever it is told to run. Measured: registrations per second,
// heartbeats per second (and what 1,000 agents at the default 5 s interval cost of that), and
// placements per second (instances created, then placed by the leader, until the agents have been
// told of every one), each beside the store's raw rate of a one-row write transaction on the same
// engine in the same run. `BENCH_ONLY=fleet npm run bench` runs this section alone.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { formatRate, startChild, urlWithSchema, withSchema } from './support.js';

const allotBin = fileURLToPath(new URL('../bin/allot.js', import.meta.url));
const operatorToken = 'bench-operator';
const agentCount = 1_000;
const instanceCount = 500;
const concurrency = 32;
const defaultHeartbeatSeconds = 5;

interface Run {
  readonly instance_id: string;
  readonly state: 'running';
  readonly failure: null;
  readonly ssh_port: number;
  readonly https_port: null;
  readonly host_keys: readonly { key_type: string; key: string }[];
  readonly started_at: number;
  readonly ready_at: number;
  readonly ended_at: null;
}

/** One simulated agent: its host id and what it runs (everything it was told to). */
interface SimulatedAgent {
  hostId: string;
  readonly runs: Map<string, Run>;
}

async function post(baseUrl: string, token: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Runs `work` for each item, `concurrency` at a time; answers each call's latency in ms. */
async function eachConcurrently<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        const started = performance.now();
        await work(item);
        latencies.push(performance.now() - started);
      }
    }),
  );
  return latencies;
}

const percentile = (values: readonly number[], fraction: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
};

async function heartbeat(baseUrl: string, token: string, agent: SimulatedAgent): Promise<number> {
  const answer = (await post(baseUrl, token, `/agent/v1/hosts/${agent.hostId}/heartbeat`, { runs: [...agent.runs.values()] })) as { runs: { instance_id: string; action: string; launch: unknown }[] };
  let launched = 0;
  const now = Math.floor(Date.now() / 1000);
  for (const run of answer.runs) {
    if (run.action === 'run' && run.launch !== null && !agent.runs.has(run.instance_id)) {
      agent.runs.set(run.instance_id, { instance_id: run.instance_id, state: 'running', failure: null, ssh_port: 2200, https_port: null, host_keys: [{ key_type: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIBench' }], started_at: now, ready_at: now, ended_at: null });
      launched++;
    }
  }
  return launched;
}

interface FleetFigures {
  readonly registrationsPerSecond: number;
  readonly heartbeatsPerSecond: number;
  readonly heartbeatP50Ms: number;
  readonly heartbeatP99Ms: number;
  readonly aloneP50Ms: number;
  readonly loadedHeartbeatsPerSecond: number;
  readonly createsPerSecond: number;
  readonly placementsPerSecond: number;
}

async function fleetThroughHttp(db: string, seconds: number): Promise<FleetFigures> {
  const allot = await startChild([allotBin, 'serve', '--port', '0', '--log-level', 'warn', '--seed', 'none', '--db', db, '--driver', 'fleet', '--fleet-down-after', '3600', '--fleet-heartbeat', String(defaultHeartbeatSeconds)], { ALLOT_ADMIN_TOKEN: operatorToken });
  try {
    const base = allot.baseUrl;
    const account = await post(base, operatorToken, '/admin/v1/accounts', { name: 'Bench' });
    const sku = await post(base, operatorToken, '/admin/v1/instance_skus', { alias: 'bench-fleet', accelerator: 'h100', num_accelerators: 8 });
    const pool = await post(base, account.token, '/preview/v2/pools', { workspace: 'default', name: 'fleet' });
    const minute = Math.floor(Date.now() / 60_000) * 60;
    await post(base, operatorToken, '/admin/v1/allocations', { pool: pool.id, instance_sku: sku.id, allocation_schedule: [{ start_at: minute, end_at: null, node_count: agentCount }] });
    const hostToken = (await post(base, operatorToken, '/admin/v1/host_tokens', { name: 'bench' })).token as string;

    const agents: SimulatedAgent[] = Array.from({ length: agentCount }, () => ({ hostId: '', runs: new Map() }));
    let started = performance.now();
    await eachConcurrently(agents.map((agent, index) => ({ agent, index })), async ({ agent, index }) => {
      const answer = await post(base, hostToken, '/agent/v1/hosts', { host_id: null, hostname: `sim-${index}`, address: `10.1.${index >> 8}.${index & 255}`, instance_sku: 'bench-fleet', node_count: 1, accelerators: [{ model: 'H100', count: 8 }], cpus: 192, memory_bytes: 2 ** 40, disk_bytes: 2 ** 43, driver: 'qemu' });
      agent.hostId = answer.host_id;
    });
    const registrationsPerSecond = agentCount / ((performance.now() - started) / 1000);

    // Heartbeats of idle hosts, round after round, for `seconds`.
    const beatFor = async (): Promise<{ rate: number; latencies: number[] }> => {
      const latencies: number[] = [];
      const deadline = performance.now() + seconds * 1000;
      const begun = performance.now();
      while (performance.now() < deadline) latencies.push(...(await eachConcurrently(agents, async (agent) => void (await heartbeat(base, hostToken, agent)))));
      return { rate: latencies.length / ((performance.now() - begun) / 1000), latencies };
    };
    const idle = await beatFor();
    // One agent alone, one heartbeat after another: the cost of one, without queueing.
    const alone: number[] = [];
    for (let count = 0; count < 200; count++) {
      const begun = performance.now();
      await heartbeat(base, hostToken, agents[0]!);
      alone.push(performance.now() - begun);
    }

    // Placements: instances created as fast as the API takes them, then heartbeats until every
    // one has been handed to an agent with its launch.
    started = performance.now();
    await eachConcurrently(Array.from({ length: instanceCount }, (_, index) => index), async (index) => {
      await post(base, account.token, '/preview/v2/instances', { pool: pool.id, image: 'ubuntu-24.04-cuda-12.8', instance_sku: sku.id, name: `bench-${index}` });
    });
    const createsPerSecond = instanceCount / ((performance.now() - started) / 1000);
    let launched = 0;
    while (launched < instanceCount) {
      await eachConcurrently(agents, async (agent) => {
        const told = await heartbeat(base, hostToken, agent);
        launched += told;
      });
      if (performance.now() - started > 300_000) throw new Error(`only ${launched} of ${instanceCount} instances were placed within 300 s`);
    }
    const placementsPerSecond = instanceCount / ((performance.now() - started) / 1000);
    const loaded = await beatFor();
    return {
      registrationsPerSecond,
      heartbeatsPerSecond: idle.rate,
      heartbeatP50Ms: percentile(idle.latencies, 0.5),
      heartbeatP99Ms: percentile(idle.latencies, 0.99),
      aloneP50Ms: percentile(alone, 0.5),
      loadedHeartbeatsPerSecond: loaded.rate,
      createsPerSecond,
      placementsPerSecond,
    };
  } finally {
    await allot.stop();
  }
}

/** Commits of a one-row update per second, with allot's pragmas. */
function sqliteRawRate(path: string, seconds: number): number {
  const database = new BetterSqlite3(path);
  database.pragma('locking_mode = EXCLUSIVE');
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL); INSERT INTO rows VALUES (1, '');");
  const update = database.prepare('UPDATE rows SET value = ? WHERE id = 1');
  const transaction = database.transaction((value: string) => void update.run(value));
  let count = 0;
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) transaction.immediate(String(count++));
  database.close();
  return count / seconds;
}

/** The same on PostgreSQL, one row per client (as heartbeats touch one host row each). */
async function postgresRawRate(url: string, schema: string, seconds: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency, options: `-c search_path=${schema}` });
  await pool.query('CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)');
  await pool.query(`INSERT INTO rows SELECT g, '' FROM generate_series(1, ${concurrency}) g`);
  let count = 0;
  const deadline = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, index) => {
      const client = await pool.connect();
      try {
        while (Date.now() < deadline) {
          await client.query('BEGIN');
          await client.query('UPDATE rows SET value = $1 WHERE id = $2', [String(count), index + 1]);
          await client.query('COMMIT');
          count++;
        }
      } finally {
        client.release();
      }
    }),
  );
  await pool.end();
  return count / seconds;
}

function describe(engine: string, figures: FleetFigures, raw: number): string[] {
  const share = ((agentCount / defaultHeartbeatSeconds / figures.heartbeatsPerSecond) * 100).toFixed(0);
  return [
    `  ${engine}: raw one-row write ${formatRate(raw)} tx/s`,
    `    registrations ${formatRate(figures.registrationsPerSecond)}/s`,
    `    heartbeats (idle hosts) ${formatRate(figures.heartbeatsPerSecond)}/s, p50 ${figures.heartbeatP50Ms.toFixed(1)} ms, p99 ${figures.heartbeatP99Ms.toFixed(1)} ms; ${formatRate(agentCount)} agents every ${defaultHeartbeatSeconds} s use ${share}% of that; ratio to raw ${(figures.heartbeatsPerSecond / raw).toFixed(2)}`,
    `    one heartbeat alone (no concurrency): p50 ${figures.aloneP50Ms.toFixed(1)} ms`,
    `    heartbeats (each host running one instance) ${formatRate(figures.loadedHeartbeatsPerSecond)}/s`,
    `    ${instanceCount} instances: created ${formatRate(figures.createsPerSecond)}/s; created and placed (told to their agents) ${formatRate(figures.placementsPerSecond)}/s; ratio to raw ${(figures.placementsPerSecond / raw).toFixed(3)}`,
  ];
}

export async function benchFleet(seconds: number, postgresUrl: string | undefined): Promise<string[]> {
  const lines = [`the fleet's control plane with ${formatRate(agentCount)} simulated agents (HTTP, ${concurrency} at a time), beside the store's raw write rate`];
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-fleet-'));
  try {
    const figures = await fleetThroughHttp(`sqlite:${join(directory, 'allot.db')}`, seconds);
    lines.push(...describe('SQLite', figures, sqliteRawRate(join(directory, 'raw.db'), seconds)));
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  if (postgresUrl === undefined) {
    lines.push('  PostgreSQL: skipped (set ALLOT_TEST_POSTGRES_URL)');
    return lines;
  }
  const figures = await withSchema(postgresUrl, 'allot_bench_fleet', (schema) => fleetThroughHttp(urlWithSchema(postgresUrl, schema), seconds));
  const raw = await withSchema(postgresUrl, 'allot_bench_fleet_raw', (schema) => postgresRawRate(postgresUrl, schema, seconds));
  lines.push(...describe('PostgreSQL', figures, raw));
  return lines;
}
