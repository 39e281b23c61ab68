// Pool transfers committed per second through HTTP, on SQLite and on PostgreSQL, each beside the
// store's raw rate of an equivalent transaction — two rows updated and committed — measured in
// the same run against the same engine. Rounds alternate between the two and the ratio is the
// median of the rounds' ratios: single samples taken seconds apart compared whatever load each
// met (the same build read 0.28 and 0.50 on PostgreSQL in two runs back to back). With
// BENCH_COMPARE_BIN, a second build's server runs beside this one's and every round measures
// both, for an A/B on the same load.

import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { cpuMsOf, formatRate, load, median, startChild, urlWithSchema, withSchema } from './support.js';

/** Another build's `bin/allot.js` may be measured instead (BENCH_ALLOT_BIN), for A/B runs back to back. */
const allotBin = process.env.BENCH_ALLOT_BIN ?? fileURLToPath(new URL('../bin/allot.js', import.meta.url));
/** A second build measured in the same rounds, each round running both (BENCH_COMPARE_BIN): an
 * A/B whose sides meet the same load, as runs back to back on a shared machine do not. */
const compareBin = process.env.BENCH_COMPARE_BIN || null;
/** Node options for the allot process (BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/profiles`). */
const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
const operatorToken = 'bench-operator';
const connections = 16;
/** Rounds of transfers then the raw transaction, alternating, so that both meet the same load. */
const rounds = 5;

/** The local TCP ports of a process's sockets (Linux's /proc; none elsewhere). */
function tcpPortsOf(pid: number): number[] {
  try {
    const inodes = new Set(readdirSync(`/proc/${pid}/fd`).flatMap((fd) => /^socket:\[(\d+)\]$/.exec(readlinkOrEmpty(`/proc/${pid}/fd/${fd}`))?.[1] ?? []));
    const lines = ['tcp', 'tcp6'].flatMap((table) => readFileSync(`/proc/net/${table}`, 'utf8').split('\n').slice(1));
    return lines.map((line) => line.trim().split(/\s+/)).filter((fields) => inodes.has(fields[9]!)).map((fields) => parseInt(fields[1]!.split(':')[1]!, 16));
  } catch {
    return [];
  }
}

function readlinkOrEmpty(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** CPU used so far by the PostgreSQL backends serving a process's connections (same machine only). */
async function postgresBackendsCpuMs(postgresUrl: string, pid: number): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    const backends = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])', [tcpPortsOf(pid)]);
    return new Map(backends.rows.map((row) => [row.pid, cpuMsOf(row.pid)]));
  } finally {
    await client.end();
  }
}

interface TransfersMeasured {
  readonly perSecond: number;
  /** The allot process's CPU per transfer: on a shared machine steadier than the rate. */
  readonly cpuMsPerTransfer: number;
  /** On PostgreSQL, its backends' CPU per transfer for allot's connections. */
  readonly postgresCpuMsPerTransfer: number | null;
}

/** An allot process serving two pools of one account, the first holding a day of allocation,
 * ready to measure transfers between them for a round at a time. */
async function startTransfers(bin: string, db: string, postgresUrl: string | null): Promise<Started> {
  const allot = await startChild([...nodeArgs, bin, 'serve', '--port', '0', '--log-level', 'warn', '--seed', 'none', '--db', db], { ALLOT_ADMIN_TOKEN: operatorToken });
  try {
    const call = async (token: string, path: string, body: unknown) => {
      const response = await fetch(`${allot.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as Record<string, any>;
    };
    const account = await call(operatorToken, '/admin/v1/accounts', { name: 'Bench' });
    const sku = await call(operatorToken, '/admin/v1/instance_skus', { alias: 'bench' });
    const from = await call(account.token, '/preview/v2/pools', { workspace: 'default', name: 'from' });
    const to = await call(account.token, '/preview/v2/pools', { workspace: 'default', name: 'to' });
    const start = Math.ceil(Date.now() / 60_000) * 60 + 3600;
    await call(operatorToken, '/admin/v1/allocations', { pool: from.id, instance_sku: sku.id, allocation_schedule: [{ start_at: start, end_at: start + 86_400, node_count: 1_000_000_000 }] });
    const body = JSON.stringify({ from_pool: from.id, to_pool: to.id, instance_sku: sku.id, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }] });
    const headers = { authorization: `Bearer ${account.token}`, 'content-type': 'application/json' };
    const url = `${allot.baseUrl}/preview/v2/pool_transfers`;
    // A second's warm-up first, so that what is compiled once (schemas, statements, connections) is not measured.
    const warmUp = await load(url, headers, 1, connections, { method: 'POST', body });
    if (warmUp.non2xx > 0) throw new Error(`${warmUp.non2xx} transfers failed`);
    const pid = allot.process.pid!;
    const measure = async (seconds: number): Promise<TransfersMeasured> => {
      const cpuBeforeMs = cpuMsOf(pid);
      const backendsBefore = postgresUrl === null ? null : await postgresBackendsCpuMs(postgresUrl, pid);
      const result = await load(url, headers, seconds, connections, { method: 'POST', body });
      const cpuMs = cpuMsOf(pid) - cpuBeforeMs;
      const backendsAfter = postgresUrl === null ? null : await postgresBackendsCpuMs(postgresUrl, pid);
      if (result.non2xx > 0) throw new Error(`${result.non2xx} transfers failed`);
      const transfers = result.requestsPerSecond * seconds;
      const postgresCpuMs = backendsAfter === null ? null : [...backendsAfter].reduce((sum, [backend, cpuAfterMs]) => sum + cpuAfterMs - (backendsBefore!.get(backend) ?? 0), 0);
      return { perSecond: result.requestsPerSecond, cpuMsPerTransfer: cpuMs / transfers, postgresCpuMsPerTransfer: postgresCpuMs === null ? null : postgresCpuMs / transfers };
    };
    return { measure, stop: () => allot.stop() };
  } catch (error) {
    await allot.stop();
    throw error;
  }
}

/** The raw two-row transaction, run in a tight loop by one process for a round at a time. */
function sqliteRaw(path: string): { measure: (seconds: number) => number; close: () => void } {
  const database = new BetterSqlite3(path);
  database.pragma('locking_mode = EXCLUSIVE');
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.exec('CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL); INSERT INTO rows VALUES (1, \'\'), (2, \'\');');
  const update = database.prepare('UPDATE rows SET value = ? WHERE id = ?');
  const transaction = database.transaction((value: string) => {
    update.run(value, 1);
    update.run(value, 2);
  });
  let count = 0;
  return {
    measure: (seconds) => {
      const first = count;
      const deadline = Date.now() + seconds * 1000;
      while (Date.now() < deadline) transaction.immediate(`[[${count},1]]`), count++;
      return (count - first) / seconds;
    },
    close: () => database.close(),
  };
}

/** The raw two-row transaction from `connections` clients contending for the same two rows, as
 * the transfers do, for a round at a time. */
async function postgresRaw(url: string, schema: string): Promise<{ measure: (seconds: number) => Promise<number>; close: () => Promise<void> }> {
  const pool = new pg.Pool({ connectionString: url, max: connections, options: `-c search_path=${schema}` });
  await pool.query('CREATE TABLE rows (id INTEGER PRIMARY KEY, value TEXT NOT NULL)');
  await pool.query("INSERT INTO rows VALUES (1, ''), (2, '')");
  let count = 0;
  const measure = async (seconds: number) => {
    const first = count;
    const deadline = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await pool.connect();
        try {
          while (Date.now() < deadline) {
            await client.query('BEGIN');
            await client.query('SELECT value FROM rows WHERE id IN (1, 2) ORDER BY id FOR UPDATE');
            await client.query('UPDATE rows SET value = $1 WHERE id = 1', [String(count)]);
            await client.query('UPDATE rows SET value = $1 WHERE id = 2', [String(count)]);
            await client.query('COMMIT');
            count++;
          }
        } finally {
          client.release();
        }
      }),
    );
    return (count - first) / seconds;
  };
  return { measure, close: () => pool.end() };
}

type Measure = (seconds: number) => Promise<TransfersMeasured>;

/** Alternates rounds of allot's transfers (of each build measured) and of the raw transaction, so
 * that drift in the machine's load falls on all; each ratio is the median of the rounds' ratios. */
async function alternate(label: string, builds: readonly { readonly name: string; readonly measure: Measure }[], raw: (seconds: number) => Promise<number>, seconds: number): Promise<string[]> {
  const measured = builds.map(() => [] as { allot: TransfersMeasured; raw: number }[]);
  await raw(1); // the raw side's warm-up, as allot's
  for (let round = 0; round < rounds; round++) {
    const allot: TransfersMeasured[] = [];
    for (const build of builds) allot.push(await build.measure(seconds));
    const rawRate = await raw(seconds);
    allot.forEach((each, index) => measured[index]!.push({ allot: each, raw: rawRate }));
  }
  return builds.flatMap((build, index) => {
    const rows = measured[index]!;
    const ratio = median(rows.map((each) => each.allot.perSecond / each.raw));
    const backends = rows[0]!.allot.postgresCpuMsPerTransfer === null ? '' : `, its backends' ${median(rows.map((each) => each.allot.postgresCpuMsPerTransfer!)).toFixed(2)}`;
    return [
      `  ${label}${build.name} median ratio ${ratio.toFixed(2)}   transfers/s ${formatRate(median(rows.map((each) => each.allot.perSecond)))}   raw ${formatRate(median(rows.map((each) => each.raw)))} tx/s   allot CPU ${median(rows.map((each) => each.allot.cpuMsPerTransfer)).toFixed(2)} ms/transfer${backends}`,
      `    rounds (transfers/s / raw tx/s): ${rows.map((each) => `${formatRate(each.allot.perSecond)} / ${formatRate(each.raw)}`).join(', ')}`,
    ];
  });
}

/** The builds measured: this one (or BENCH_ALLOT_BIN's), and BENCH_COMPARE_BIN's if given. */
const builds = compareBin === null ? [{ name: '', bin: allotBin }] : [{ name: ' (A)', bin: allotBin }, { name: ` (B: ${compareBin})`, bin: compareBin }];

type Started = { readonly measure: Measure; readonly stop: () => Promise<void> };

/** Starts a server of each build, runs `work` with them, and stops them. */
async function startAll(start: (bin: string, index: number) => Promise<Started>, work: (started: Started[]) => Promise<string[]>): Promise<string[]> {
  const started: Started[] = [];
  try {
    for (const [index, build] of builds.entries()) started.push(await start(build.bin, index));
    return await work(started);
  } finally {
    for (const each of started) await each.stop();
  }
}

export async function benchTransfers(seconds: number, postgresUrl: string | undefined): Promise<string[]> {
  const lines = [`pool transfers committed per second (HTTP, ${connections} connections) beside a raw two-row transaction on the same engine, ${rounds} alternating rounds of ${seconds} s (medians)`];
  const directory = mkdtempSync(join(tmpdir(), 'allot-bench-transfers-'));
  try {
    const raw = sqliteRaw(join(directory, 'raw.db'));
    try {
      lines.push(
        ...(await startAll(
          (bin, index) => startTransfers(bin, `sqlite:${join(directory, `allot-${index}.db`)}`, null),
          (started) => alternate('SQLite:    ', started.map((each, index) => ({ name: builds[index]!.name, measure: each.measure })), async (s) => raw.measure(s), seconds),
        )),
      );
    } finally {
      raw.close();
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  if (postgresUrl === undefined) {
    lines.push('  PostgreSQL: skipped (set ALLOT_TEST_POSTGRES_URL)');
    return lines;
  }
  /** Runs `work` with a fresh schema for each name, all dropped afterwards. */
  const withSchemas = <T>(names: readonly string[], work: (schemas: string[]) => Promise<T>): Promise<T> =>
    names.length === 0 ? work([]) : withSchema(postgresUrl, names[0]!, (first) => withSchemas(names.slice(1), (rest) => work([first, ...rest])));
  const schemas = ['allot_bench_raw', ...builds.map((_, index) => `allot_bench_http${index === 0 ? '' : `_${index}`}`)];
  lines.push(
    ...(await withSchemas(schemas, async ([rawSchema, ...httpSchemas]) => {
      const raw = await postgresRaw(postgresUrl, rawSchema!);
      try {
        return await startAll(
          (bin, index) => startTransfers(bin, urlWithSchema(postgresUrl, httpSchemas[index]!), postgresUrl),
          (started) => alternate('PostgreSQL:', started.map((each, index) => ({ name: builds[index]!.name, measure: each.measure })), raw.measure, seconds),
        );
      } finally {
        await raw.close();
      }
    })),
  );
  return lines;
}
