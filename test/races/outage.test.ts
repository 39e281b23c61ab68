// PostgreSQL stopped and started again under two running `allot serve` processes, on a private
// cluster this test creates (initdb into a temporary directory, pg_ctl on a free port): both stay
// up, answer 503 with Retry-After in SF Compute's error envelope while the database is away, and
// reconnect by themselves when it returns. Every transfer it acknowledged is still there afterwards,
// and the ledger adds up. Their engines pause while it is away, each saying so once, and resume
// when it returns: one process leads again, and what fell due meanwhile (an allocation's end, a
// standing order's) is done then, not before. Runs where PostgreSQL's programs are installed;
// with ALLOT_TEST_REQUIRE_PG_CTL=1 (set by .ci/run, which installs them) their absence fails.

import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startServeProcess, type ServeProcess } from '../support/process.js';

const operatorToken = 'allot_admin_outage-operator';
/** How long each outage lasts at least: past `allot serve`'s 5 s demo-roll tick, with a margin. */
const outageMsMin = 7_000;

function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((version) => existsSync(join(root, version, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions.length === 0 ? null : join(root, versions[0]!, 'bin');
}

const bin = postgresBin();
/** initdb refuses to run as root: as root, the cluster belongs to the `postgres` user. */
const asPostgres = userInfo().uid === 0;

function run(program: string, args: readonly string[]): string {
  const command = asPostgres ? ['runuser', ['-u', 'postgres', '--', join(bin!, program), ...args]] as const : [join(bin!, program), args] as const;
  return execFileSync(command[0], [...command[1]], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Answer {
  /** Which process answered. */
  readonly via?: number;
  readonly status: number;
  readonly body: any;
  readonly retryAfter: string | null;
}

describe.runIf(bin === null && process.env.ALLOT_TEST_REQUIRE_PG_CTL === '1')('PostgreSQL stopped and restarted under load, required', () => {
  it('finds pg_ctl under /usr/lib/postgresql', () => {
    expect(bin, 'PostgreSQL\'s server programs (pg_ctl, initdb) are not installed').not.toBeNull();
  });
});

describe.runIf(bin !== null)('PostgreSQL stopped and restarted under load', () => {
  let directory: string;
  let data: string;
  let port: number;
  let serves: ServeProcess[] = [];
  const start = () => run('pg_ctl', ['-D', data, '-l', join(directory, 'log'), '-w', '-t', '30', '-o', `-p ${port} -k ${directory} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const stop = (mode: 'fast' | 'immediate') => run('pg_ctl', ['-D', data, '-w', '-m', mode, 'stop']);

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'allot-outage-'));
    data = join(directory, 'data');
    if (asPostgres) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(directory, uid, gid);
    }
    port = await freePort();
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    start();
    const db = `postgres://postgres@127.0.0.1:${port}/postgres`;
    serves = await Promise.all([0, 1].map(() => startServeProcess(['--db', db, '--seed', 'none'], { ALLOT_ADMIN_TOKEN: operatorToken })));
  }, 120_000);

  const output = () => serves.map((serve, index) => `process ${index}:\n${serve.output().slice(-4000)}`).join('\n');
  const call = async (token: string, method: string, path: string, body?: unknown, via = 0): Promise<Answer> => {
    const response = await fetch(`${serves[via]!.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text), retryAfter: response.headers.get('retry-after') };
  };
  const waitFor = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (serves.some((serve) => serve.child.exitCode !== null || serve.child.signalCode !== null)) throw new Error(`allot serve ended while waiting for ${what}:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  afterAll(async () => {
    await Promise.all(serves.map((serve) => serve.stop()));
    try {
      stop('immediate');
    } catch {
      // Already stopped.
    }
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers 503 while the database is away, reconnects, and loses nothing acknowledged', async () => {
    const account = (await call(operatorToken, 'POST', '/admin/v1/accounts', { name: 'Outage' })).body;
    const token = account.token as string;
    const sku = (await call(operatorToken, 'POST', '/admin/v1/instance_skus', { alias: 'outage' })).body.id as string;
    const from = Math.ceil(Date.now() / 1000 / 60) * 60 + 3600;
    const source = (await call(token, 'POST', '/preview/v2/pools', { workspace: 'default', name: 'source' })).body.id as string;
    const destination = (await call(token, 'POST', '/preview/v2/pools', { workspace: 'default', name: 'destination' })).body.id as string;
    expect((await call(operatorToken, 'POST', '/admin/v1/allocations', { pool: source, instance_sku: sku, allocation_schedule: [{ start_at: from, end_at: from + 3600, node_count: 100_000 }] })).status).toBe(201);

    // Load: transfers of one node, eight at a time, four through each process, until told to stop.
    const answers: Answer[] = [];
    let loading = true;
    const worker = async (via: number) => {
      while (loading) {
        const answer = await call(token, 'POST', '/preview/v2/pool_transfers', { from_pool: source, to_pool: destination, instance_sku: sku, allocation_schedule_delta: [{ start_at: from, end_at: from + 3600, node_count: 1 }] }, via).catch(
          // What undici says of a dropped connection is in the cause (ECONNRESET, "other side closed").
          (error: unknown) => ({ status: 0, body: `${String(error)}: ${String((error as { cause?: unknown }).cause)}`, retryAfter: null }),
        );
        answers.push({ ...answer, via });
        if (answer.status === 503) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const workers = Array.from({ length: 8 }, (_, index) => worker(index % serves.length));
    try {
      for (const mode of ['fast', 'immediate'] as const) {
        const before = answers.length;
        await waitFor(() => answers.slice(before).filter((answer) => answer.status === 202).length >= 20, 'transfers before the stop');
        stop(mode);
        const stopped = answers.length;
        const stoppedAt = Date.now();
        // Away for longer than any periodic work of allot's waits (the demo market's roll every
        // 5 s), so that each meets the outage at least once: a tick that let its failure escape
        // ended the process, and the requests in flight saw their connections reset.
        await waitFor(() => answers.slice(stopped).filter((answer) => answer.status === 503).length >= 10 && Date.now() - stoppedAt >= outageMsMin, '503s while the database is away');
        for (const [via, serve] of serves.entries()) {
          expect(serve.child.exitCode, output()).toBeNull();
          const unavailable = await call(token, 'GET', `/preview/v2/pools/${source}`, undefined, via);
          expect(unavailable.status).toBe(503);
          expect(unavailable.retryAfter).toMatch(/^\d+$/);
          expect(unavailable.body).toMatchObject({ error: { type: 'service_unavailable', message: expect.any(String) } });
        }
        start();
        const restarted = answers.length;
        await waitFor(() => serves.every((_, via) => answers.slice(restarted).filter((answer) => answer.via === via && answer.status === 202).length >= 10), 'transfers through each process after the restart');
      }
    } finally {
      loading = false;
      await Promise.all(workers);
    }

    // Every answer was a 202, or a 503 in the envelope while the database was away: no 500, no
    // dropped connection.
    const unexpected = answers.filter((answer) => answer.status !== 202 && answer.status !== 503);
    expect(unexpected, output()).toEqual([]);
    for (const answer of answers.filter((candidate) => candidate.status === 503)) {
      expect(answer.retryAfter).toMatch(/^\d+$/);
      expect(answer.body.error.type).toBe('service_unavailable');
    }
    // Nothing acknowledged is lost: every executed transfer is there, and the destination holds
    // exactly what they moved (a 503 may or may not have committed, but moved one node if so).
    const executed = answers.filter((answer) => answer.status === 202 && answer.body.status === 'executed');
    for (const answer of executed) expect((await call(token, 'GET', `/preview/v2/pool_transfers/${answer.body.id}`)).status).toBe(200);
    const heldVia = async (via: number) => ((await call(token, 'GET', `/preview/v2/pools/${destination}`, undefined, via)).body.allocation_schedule.by_instance_sku[sku] as { node_count: number }[]).find((step) => step.node_count > 0)!.node_count;
    const nodes = await heldVia(0);
    // The other process, which may have missed notifications while the database was away, reads the same.
    await eventually(async () => (await heldVia(1)) === nodes, 'the second process reading what the first does');
    expect(nodes).toBeGreaterThanOrEqual(executed.length);
    expect(nodes).toBeLessThanOrEqual(executed.length + answers.filter((answer) => answer.status === 503).length);
    const audit = await call(operatorToken, 'GET', '/admin/v1/audit');
    expect(audit.body).toEqual({ object: 'audit', ok: true, problems: [] });
  }, 180_000);

  it('pauses the engines while the database is away; once it returns one process leads and does what fell due meanwhile', async () => {
    // The engines run again after the last test's outage (one may still have been waiting out its backoff).
    await waitFor(async () => (await enginePausedGauge(0)) === 0 && (await enginePausedGauge(1)) === 0, 'both engines running before this outage', 60_000);
    const account = (await call(operatorToken, 'POST', '/admin/v1/accounts', { name: 'Boundary' })).body;
    const token = account.token as string;
    const sku = (await call(operatorToken, 'POST', '/admin/v1/instance_skus', { alias: 'boundary' })).body.id as string;
    const pool = (await call(token, 'POST', '/preview/v2/pools', { workspace: 'default', name: 'boundary' })).body.id as string;
    // The allocation ends at a whole minute far enough ahead to set up and stop the database before it.
    const startAt = Math.floor(Date.now() / 1000 / 60) * 60;
    const endAt = Math.ceil((Date.now() / 1000 + boundaryLeadSeconds) / 60) * 60;
    expect((await call(operatorToken, 'POST', '/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: startAt, end_at: endAt, node_count: 1 }] })).status).toBe(201);
    const instance = await call(token, 'POST', '/preview/v2/instances', { pool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: sku });
    expect(instance.status, JSON.stringify(instance.body)).toBe(201);
    expect(instance.body.status).not.toBe('terminated');
    const instanceId = instance.body.id as string;
    // And a standing sell of the minute before that end, from a pool of its own, which no buyer
    // takes: it is cancelled when its end passes.
    const seller = (await call(token, 'POST', '/preview/v2/pools', { workspace: 'default', name: 'seller' })).body.id as string;
    expect((await call(operatorToken, 'POST', '/admin/v1/allocations', { pool: seller, instance_sku: sku, allocation_schedule: [{ start_at: startAt, end_at: endAt, node_count: 1 }] })).status).toBe(201);
    const sell = await call(token, 'POST', '/preview/v2/orders', { pool: seller, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: endAt - 60, end_at: endAt, node_count: 1 }], limit_price_dollars_per_node_hour: '1000.00', allow_standing: true });
    expect(sell.status, JSON.stringify(sell.body)).toBeLessThan(300);
    expect(sell.body.status).toBe('standing');
    const sellId = sell.body.id as string;

    const marks = serves.map((serve) => serve.output().length);
    const logSince = (via: number, prefix: string) => logLines(serves[via]!.output().slice(marks[via])).filter((line) => line.msg.startsWith(prefix));
    const engineLog = (via: number) => logSince(via, 'engine');
    stop('fast');
    const stoppedAtMs = Date.now();
    // Checked, not assumed: were the machine so slow that the boundary passed before the
    // database stopped, the test would prove nothing.
    if (stoppedAtMs >= endAt * 1000) throw new Error(`the database stopped after the allocation's end (${endAt}): set-up took over ${boundaryLeadSeconds} s`);
    // Both engines pause (the follower's too: whether it leads cannot be known), each saying so
    // once; the boundary passes while they are paused.
    await waitFor(() => serves.every((_, via) => engineLog(via).some((line) => line.msg.startsWith('engine paused'))) && Date.now() > endAt * 1000 + outageMsMin, 'both engines paused and the boundary passed', 120_000);
    for (const via of serves.keys()) {
      expect(await enginePausedGauge(via)).toBe(1);
      expect(engineLog(via).map((line) => [line.level, line.msg.split(':')[0]]), output()).toEqual([[warnLevel, 'engine paused']]);
      expect(engineLog(via)[0]!.reason).toMatch(/^The database is unavailable: /);
    }

    const restartedAt = Math.floor(Date.now() / 1000);
    start();
    // The boundary that fell during the outage is processed once the database is back, at the
    // present (a late boundary is not dated in the past), by whichever process leads now.
    let ended: Answer | null = null;
    await waitFor(async () => {
      const answer = await call(token, 'GET', `/preview/v2/instances/${instanceId}`);
      if (answer.status !== 200 || answer.body.status !== 'terminated') return false;
      ended = answer;
      return true;
    }, 'the instance ended after the restart', 120_000);
    expect(ended!.body.updated_at).toBeGreaterThanOrEqual(restartedAt);
    expect(ended!.body.updated_at).toBeGreaterThanOrEqual(endAt);
    let cancelled: Answer | null = null;
    await waitFor(async () => {
      cancelled = await call(token, 'GET', `/preview/v2/orders/${sellId}`);
      return cancelled.status === 200 && cancelled.body.status === 'cancelled';
    }, 'the sell cancelled after the restart', 60_000);
    expect(cancelled!.body.cancelled_at).toBeGreaterThanOrEqual(restartedAt);
    // Each engine resumed after its last pause (a connection found dead only after the restart
    // may pause it again briefly); no tick failed otherwise.
    await waitFor(() => serves.every((_, via) => engineLog(via).at(-1)?.msg.startsWith('engine resumed') === true), 'both engines resumed', 60_000);
    for (const via of serves.keys()) {
      expect(engineLog(via).filter((line) => line.level !== warnLevel), output()).toEqual([]);
      expect(await enginePausedGauge(via)).toBe(0);
    }
    // The demo supply's roll, which meets the outage too, says so once per wait, not at every
    // tick: its lines alternate (its 5 s ticks may have met only the last test's outage, whose
    // wait then lasted through this one).
    const rollLog = (via: number) => logSince(via, 'rolling the demo supply').map((line) => line.msg.split(':')[0]);
    await waitFor(() => serves.every((_, via) => rollLog(via).at(-1) === 'rolling the demo supply resumed'), 'both rolls resumed', 60_000);
    for (const via of serves.keys()) {
      const said = rollLog(via);
      expect(said.filter((line, index) => line === said[index - 1]), output()).toEqual([]);
    }
    // Exactly one process leads: the old leader's advisory lock went with its session, and the
    // lock admits one.
    await waitFor(async () => {
      const leaders = await Promise.all(serves.map(async (_, via) => (await call(operatorToken, 'GET', '/healthz', undefined, via)).body.leadership.leader as boolean));
      expect(leaders.filter(Boolean).length).toBeLessThanOrEqual(1);
      return leaders.filter(Boolean).length === 1;
    }, 'one process leading', 60_000);
    const audit = await call(operatorToken, 'GET', '/admin/v1/audit');
    expect(audit.body).toEqual({ object: 'audit', ok: true, problems: [] });
  }, 300_000);

  /** Each process's `allot_engine_paused`, from its own /metrics (answered while the database is away). */
  async function enginePausedGauge(via: number): Promise<number> {
    const response = await fetch(`${serves[via]!.baseUrl}/metrics`, { headers: { authorization: `Bearer ${operatorToken}` }, signal: AbortSignal.timeout(20_000) });
    const match = /^allot_engine_paused (\d+)$/m.exec(await response.text());
    if (match === null) throw new Error('no allot_engine_paused in /metrics');
    return Number(match[1]);
  }
});

/** pino's level for warn. */
const warnLevel = 40;
/** How far ahead of the set-up the allocation ends, at least: time to set up and stop the database before it. */
const boundaryLeadSeconds = 30;

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** The JSON lines `allot serve` logged (pino's, one object a line) in `text`; a line cut where the text begins is skipped. */
function logLines(text: string): LogLine[] {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const parsed = JSON.parse(line) as LogLine;
      return typeof parsed.msg === 'string' ? [parsed] : [];
    } catch {
      return [];
    }
  });
}
