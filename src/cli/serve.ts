// `allot serve`: the one place that wires everything together. It opens the store, sets up the
// clock, establishes the operator token, seeds a new database, and serves the API until SIGINT or
// SIGTERM.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { establishOperatorToken } from '../app/tenancy/auth.js';
import { loadManualClockTime } from '../app/operator/clock-setting.js';
import { type AppContext, cryptoRandom } from '../app/kernel/context.js';
import { DomainEvents } from '../app/kernel/events.js';
import { Stopping } from '../app/kernel/stopping.js';
import { reconcilePoolSku } from '../app/compute/reconciler.js';
import { ensurePublicImages } from '../app/compute/images.js';
import { ensureDemoToken, rollDemoSupply } from '../app/operator/seed.js';
import { seedNewDatabase, type StateSeed } from '../app/operator/reset.js';
import { parseFixtures } from '../http/fixtures-file.js';
import { loadUrlSigningKey, type UrlSigningKeySource } from '../app/compute/signed-urls.js';
import type { Clock } from '../clock/clock.js';
import { ManualClock } from '../clock/manual-clock.js';
import { RealClock } from '../clock/real-clock.js';
import { isFailure } from '../domain/kernel/failures.js';
import { defaultFeePolicy, type FeePolicy, formatDollars, parseDollarsPerNodeHour } from '../domain/kernel/money.js';
import { Engine } from '../engine/engine.js';
import { createGuests } from '../engine/guests.js';
import { FleetWorker } from '../engine/fleet.js';
import { DatabaseWait, type WorkLog } from '../engine/database-wait.js';
import { defaultFleetSettings, type FleetSettings } from '../domain/fleet/hosts.js';
import type { DriverKind } from '../providers/driver.js';
import { buildServer } from '../http/server.js';
import { defaultBootSeconds } from '../providers/simulated.js';
import { FileBlobStore } from '../store/blobs.js';
import { KeyFile } from '../store/key-file.js';
import { DatabaseUrlError, describeDatabaseUrl, openStore } from '../store/open-store.js';
import { SchemaTooNewError } from '../store/migrator.js';
import { allotVersion } from './version.js';

export const serveHelp = `Usage: allot serve [options]

Serves the SF Compute API.

Options:
  --host <host>         Address to listen on (default 127.0.0.1)
  --port <port>         Port to listen on (default 8080; 0 picks a free one)
  --db <url>            Where to keep state (default sqlite:./.allot/allot.db):
                          sqlite:<path>     an embedded SQLite file
                          sqlite::memory:   in memory, gone when allot stops
                          postgres://...    PostgreSQL; several allot processes may share it
  --clock real|manual   real (default) follows the wall clock; manual stands still until
                        the operator advances it (POST /admin/v1/clock/advance)
  --seed demo|none|<file>
                        What to put into a new database (default demo: a demo account whose
                        API token is printed; a file: fixtures, see docs/cli.md). An existing
                        database is never seeded (POST /admin/v1/reset starts over). It is
                        seeded once allot listens, in one transaction, so a start that fails
                        seeds nothing. A reset with no body seeds the same.
  --demo-token <token>  A fixed token for the demo account (also ALLOT_DEMO_TOKEN), for CI and
                        scripts; added to an existing database's demo account too
  --blobs <dir>         Where image bytes are kept (default: blobs/ beside an SQLite file,
                        otherwise ./.allot/blobs)
  --boot-seconds <n>    How long a simulated instance takes from running to SSH (default 60)
  --driver simulated|sandbox|qemu|fleet
                        Where instances run (default simulated: nothing runs; sandbox:
                        bubblewrap sandboxes on this host; qemu: a VM each; fleet: on the
                        hosts that \`allot agent\` registers). See docs/guests.md, docs/fleet.md
  --fleet-down-after <s>  A host whose last heartbeat is older is down (default 30)
  --fleet-heartbeat <s> The interval agents are told to heartbeat at (default 5)
  --driver-config <file>  The operator's JSON configuration of the drivers (per-SKU driver,
                        state directory, QEMU settings, catalogue image files)
  --fee-flat <dollars>  Fee on sells, in dollars per node-hour (default 0.000000)
  --fee-bps <n>         Fee on sells, in basis points of the total (default 200, 2%)
  --log-level <level>   fatal, error, warn, info (default), debug or trace
  -h, --help            Show this help

Environment:
  ALLOT_ADMIN_TOKEN     The operator token for /admin/v1. When unset, allot generates one at
                        the first start of a database and prints it once.
  ALLOT_DEMO_TOKEN      As --demo-token.
`;

interface ServeOptions {
  host: string;
  port: number;
  db: string;
  blobs: string;
  clock: 'real' | 'manual';
  seed: StateSeed;
  seedName: string;
  demoToken: string | undefined;
  bootSeconds: number;
  driver: DriverKind | 'fleet';
  fleet: FleetSettings;
  driverConfig: string | null;
  feePolicy: FeePolicy;
  logLevel: string;
}

/**
 * The URL-signing key: derived from ALLOT_URL_SIGNING_SECRET when set (give every process the
 * same), otherwise kept in url-signing.key, owner-only, beside the blob directory (beside the
 * SQLite file by default; for PostgreSQL beside the blobs its processes share already).
 */
function urlSigningKeySource(blobs: string): UrlSigningKeySource {
  const secret = process.env.ALLOT_URL_SIGNING_SECRET;
  return secret !== undefined && secret !== '' ? { secret } : { file: new KeyFile(join(dirname(blobs), 'url-signing.key')) };
}

/** Image bytes go beside the SQLite file; for other stores, into ./.allot/blobs. */
function defaultBlobDirectory(db: string): string {
  const { dialect, location } = describeDatabaseUrl(db);
  return dialect === 'sqlite' && location !== ':memory:' ? join(dirname(location), 'blobs') : join('.allot', 'blobs');
}

/** A fixtures file, read and checked against the schema POST /admin/v1/reset takes it by. */
function readFixturesFile(path: string, demoToken: string | undefined): StateSeed | string {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return `--seed must be demo, none or a fixtures file; cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
  }
  const fixtures = parseFixtures(text);
  return typeof fixtures === 'string' ? `--seed ${path}: ${fixtures}` : { kind: 'fixtures', fixtures, demoToken };
}

function parseServeOptions(args: readonly string[]): ServeOptions | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8080' },
        db: { type: 'string', default: 'sqlite:./.allot/allot.db' },
        clock: { type: 'string', default: 'real' },
        seed: { type: 'string', default: 'demo' },
        'demo-token': { type: 'string' },
        blobs: { type: 'string' },
        'boot-seconds': { type: 'string', default: String(defaultBootSeconds) },
        driver: { type: 'string', default: 'simulated' },
        'driver-config': { type: 'string' },
        'fleet-down-after': { type: 'string', default: String(defaultFleetSettings.downAfterSeconds) },
        'fleet-heartbeat': { type: 'string', default: String(defaultFleetSettings.heartbeatIntervalSeconds) },
        'fee-flat': { type: 'string', default: formatDollars(defaultFeePolicy.flatMicrosPerNodeHour) },
        'fee-bps': { type: 'string', default: String(defaultFeePolicy.basisPoints) },
        'log-level': { type: 'string', default: 'info' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return (error as Error).message;
  }
  const port = Number(parsed.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `--port must be a port number, not "${parsed.port}"`;
  if (parsed.clock !== 'real' && parsed.clock !== 'manual') return `--clock must be real or manual, not "${parsed.clock}"`;
  const demoToken = parsed['demo-token'] ?? (process.env.ALLOT_DEMO_TOKEN || undefined);
  const seed: StateSeed | string =
    parsed.seed === 'demo' ? { kind: 'demo', demoToken } : parsed.seed === 'none' ? { kind: 'none' } : readFixturesFile(parsed.seed, demoToken);
  if (typeof seed === 'string') return seed;
  if (demoToken !== undefined && !/^[A-Za-z0-9_-]{16,128}$/.test(demoToken)) return '--demo-token (or ALLOT_DEMO_TOKEN) must be 16 to 128 letters, digits, _ or -';
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(parsed['log-level'])) return `--log-level must be one of ${levels.join(', ')}`;
  try {
    describeDatabaseUrl(parsed.db);
  } catch (error) {
    if (error instanceof DatabaseUrlError) return error.message;
    throw error;
  }
  const bootSeconds = Number(parsed['boot-seconds']);
  if (!Number.isInteger(bootSeconds) || bootSeconds < 1 || bootSeconds > 3600) return `--boot-seconds must be a whole number from 1 to 3600, not "${parsed['boot-seconds']}"`;
  if (!['simulated', 'sandbox', 'qemu', 'fleet'].includes(parsed.driver)) return `--driver must be simulated, sandbox, qemu or fleet, not "${parsed.driver}"`;
  const downAfter = Number(parsed['fleet-down-after']);
  if (!Number.isInteger(downAfter) || downAfter < 1 || downAfter > 86_400) return `--fleet-down-after must be a whole number of seconds from 1 to 86400, not "${parsed['fleet-down-after']}"`;
  const heartbeatInterval = Number(parsed['fleet-heartbeat']);
  if (!Number.isInteger(heartbeatInterval) || heartbeatInterval < 1 || heartbeatInterval > 3600) return `--fleet-heartbeat must be a whole number of seconds from 1 to 3600, not "${parsed['fleet-heartbeat']}"`;
  const flat = parseDollarsPerNodeHour(parsed['fee-flat'], '--fee-flat');
  if (typeof flat !== 'number') return `--fee-flat must be dollars per node-hour such as 0.10, not "${parsed['fee-flat']}"`;
  const basisPoints = Number(parsed['fee-bps']);
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > 10_000) return `--fee-bps must be a whole number from 0 to 10000, not "${parsed['fee-bps']}"`;
  return {
    host: parsed.host,
    port,
    db: parsed.db,
    blobs: parsed.blobs ?? defaultBlobDirectory(parsed.db),
    clock: parsed.clock,
    seed,
    seedName: parsed.seed,
    demoToken,
    bootSeconds,
    driver: parsed.driver as DriverKind | 'fleet',
    fleet: { downAfterSeconds: downAfter, heartbeatIntervalSeconds: heartbeatInterval },
    driverConfig: parsed['driver-config'] ?? null,
    feePolicy: { flatMicrosPerNodeHour: flat, basisPoints },
    logLevel: parsed['log-level'],
  };
}

export interface ServeHooks {
  /** Writes V8's code cache of the server's build for the next start (bin/load-dist.js). */
  readonly saveCodeCache?: (() => void) | undefined;
}

/** `allot serve <args>`: its help, or the server. bin/allot.js calls it without loading the client commands. */
export async function serveCommand(args: readonly string[], hooks: ServeHooks = {}): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(serveHelp);
    return 0;
  }
  return serve(args, hooks);
}

export async function serve(args: readonly string[], hooks: ServeHooks = {}): Promise<number> {
  const options = parseServeOptions(args);
  if (typeof options === 'string') {
    process.stderr.write(`allot serve: ${options}\n\nRun allot serve --help for the options.\n`);
    return 2;
  }

  const wallClock = new RealClock();
  let store;
  try {
    store = await openStore(options.db, wallClock.now());
  } catch (error) {
    if (error instanceof SchemaTooNewError) {
      process.stderr.write(`allot serve: ${error.message}\n`);
      return 1;
    }
    const busy = (error as { code?: string }).code === 'SQLITE_BUSY';
    const reason = busy ? 'another process holds it (an SQLite file is served by one allot process; use PostgreSQL to run several)' : (error as Error).message;
    process.stderr.write(`allot serve: cannot open ${options.db}: ${reason}\n`);
    return 1;
  }

  let clock: Clock = wallClock;
  if (options.clock === 'manual') {
    const minute = Math.floor(wallClock.now() / 60) * 60;
    clock = new ManualClock(await loadManualClockTime(store, minute));
  }
  let guests;
  // Before the server (and its logger) exists: the fleet worker says what happened on stderr.
  const fleetLog: WorkLog = {
    warn: (fields, message) => process.stderr.write(`allot serve: ${message} ${JSON.stringify(fields)}\n`),
    error: (fields, message) => {
      const error = (fields as { err?: unknown }).err;
      process.stderr.write(`allot serve: ${message}: ${(error as Error | undefined)?.stack ?? String(error)}\n`);
    },
  };
  const fleet = options.driver === 'fleet' ? new FleetWorker(options.fleet, fleetLog) : null;
  try {
    const configText = options.driverConfig === null ? null : readFileSync(options.driverConfig, 'utf8');
    const onError = (error: unknown) => process.stderr.write(`allot serve: guests: ${(error as Error).stack ?? String(error)}\n`);
    guests = fleet !== null ? { provider: fleet, runner: null } : createGuests({ driver: options.driver as DriverKind, configText, stateDirectory: join(dirname(options.blobs), 'guests'), simulatedBootSeconds: options.bootSeconds, onError });
  } catch (error) {
    process.stderr.write(`allot serve: ${(error as Error).message}\n`);
    await store.close();
    return 1;
  }
  // Heard by long work (an advance of the manual clock), which ends early when allot stops.
  const stopping = new Stopping();
  const context: AppContext = {
    store,
    stopping,
    clock,
    random: cryptoRandom,
    provider: guests.provider,
    ...(guests.runner === null ? {} : { guestRuns: guests.runner }),
    ...(fleet === null ? {} : { guestRuns: fleet }),
    blobs: new FileBlobStore(options.blobs),
    urlSigningKey: await loadUrlSigningKey(store, cryptoRandom, urlSigningKeySource(options.blobs)),
    feePolicy: options.feePolicy,
    followAllocation: reconcilePoolSku,
    // Logged at info and counted by the metrics (http/event-log.ts, http/metrics.ts).
    events: new DomainEvents((error, event) => process.stderr.write(`allot serve: a listener of ${event.kind} events failed: ${(error as Error).stack ?? String(error)}\n`)),
  };

  const operator = await establishOperatorToken(context, process.env.ALLOT_ADMIN_TOKEN);
  // Adopts the guests that still run, fails instances whose guest died, stops the unwanted.
  await guests.runner?.start(context);
  fleet?.start(context);

  // Under the real clock the engine processes schedule boundaries as time passes them; made once
  // the server (whose logger it writes to) is.
  let engine: Engine | null = null;
  const app = await buildServer({
    context,
    operatorTokenHash: operator.hash,
    logLevel: options.logLevel,
    version: allotVersion,
    fleet: options.fleet,
    reset: { seed: options.seed, demoToken: options.demoToken },
    ...(clock.mode === 'real' ? { metrics: { enginePaused: () => engine?.paused ?? false } } : {}),
  });
  // The demo market rolls forward as time passes: after each advance of the manual clock (before
  // the advance is answered), and every few seconds under the real clock.
  const roll = async () => {
    const rolled = await rollDemoSupply(context);
    if (isFailure(rolled)) app.log.error({ failure: rolled }, 'rolling the demo supply failed');
  };
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.routeOptions.url === '/admin/v1/clock/advance' && reply.statusCode === 200) await roll();
    return payload;
  });
  // Stop signals are taken from listening on: a server that answers is stopped in order, its
  // store closed and V8's code cache written (bin/load-dist.js), even when the signal comes while
  // it still seeds (a script that stops it at its first answer; the bench does). One that comes
  // before the start is done stops the server once it is.
  const stopSignals = takeStopSignals();
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    stopSignals.release();
    process.stderr.write(`allot serve: cannot listen on ${options.host}:${options.port}: ${(error as Error).message}\n`);
    // Nothing was seeded; the operator token made at this first start is still this database's.
    if (operator.generatedToken !== null) process.stderr.write(`  Operator token of ${options.db}: ${operator.generatedToken}\n`);
    await store.close();
    return 1;
  }
  // Seeded only once listening, so a failed first start leaves nothing whose token was never
  // printed; it runs only on a database with no accounts yet.
  // Another process sharing the database may have seeded it first (this one's seed then fails
  // on a name or id the other took, and rolls back): then it is seeded, by the other.
  const seededElsewhere = async () => (await store.read((tx) => tx.accounts.count())) > 0;
  let seeded;
  try {
    seeded = await seedNewDatabase(context, options.seed);
  } catch (error) {
    if (!(await seededElsewhere())) throw error;
    seeded = null;
  }
  if (isFailure(seeded) && (await seededElsewhere())) seeded = null;
  if (isFailure(seeded)) {
    process.stderr.write(`allot serve: --seed ${options.seedName}: ${seeded.message}\n  The database is as new as it was; nothing was seeded.\n`);
    stopSignals.release();
    await app.close();
    await store.close();
    return 1;
  }
  if (seeded === null && options.seed.kind === 'fixtures') process.stderr.write(`allot serve: --seed ${options.seedName}: not applied, this database has been seeded before (allot reset --seed ${options.seedName} starts over)\n`);
  await ensurePublicImages(context);
  let demoToken = seeded?.demoToken ?? null;
  if (seeded === null && options.demoToken !== undefined) {
    const ensured = await ensureDemoToken(context, options.demoToken);
    if (ensured === true) demoToken = options.demoToken;
    else if (ensured === false) process.stderr.write('allot serve: --demo-token: this database has no demo account (it was seeded with --seed none)\n');
    else {
      process.stderr.write(`allot serve: --demo-token: ${ensured.message}\n`);
      stopSignals.release();
      await app.close();
      await store.close();
      return 2;
    }
  }
  await roll();
  // A tick's failure is logged, never thrown: a rejection nobody handles ends the process, and a
  // tick that finds the database away (stopped, restarting) would take every request in flight
  // down with it. The next tick rolls what this one could not. A database away is said once, as
  // the engine does, not at every tick it lasts.
  const rollWait = new DatabaseWait(app.log, {
    waits: 'rolling the demo supply waits for the database',
    resumed: 'rolling the demo supply resumed: the database is back',
    failed: 'rolling the demo supply failed',
  });
  const rollTick = () => roll().then(() => rollWait.succeeded(), (error: unknown) => void rollWait.failed(error));
  const rolling = clock.mode === 'real' ? setInterval(() => void rollTick(), 5000) : null;
  rolling?.unref();
  engine = clock.mode === 'real' ? new Engine(context, app.log) : null;
  engine?.start();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const base = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

  const lines = [`allot listening on ${base} (db ${options.db}, clock ${clock.mode})`, `  API reference: ${base}/docs`];
  if (operator.generatedToken !== null) {
    lines.push(`  Operator token: ${operator.generatedToken}`, '    (shown once; keep it, or set ALLOT_ADMIN_TOKEN to choose your own)');
  } else if (process.env.ALLOT_ADMIN_TOKEN === undefined || process.env.ALLOT_ADMIN_TOKEN === '') {
    lines.push('  Operator token: printed at this database\'s first start; set ALLOT_ADMIN_TOKEN to use your own');
  }
  if (seeded !== null && options.seed.kind === 'fixtures') lines.push(`  Seeded ${options.seedName}: accounts ${seeded.accounts.join(', ') || '(none)'}`);
  if (demoToken !== null) {
    const token = demoToken;
    lines.push(
      `  Demo account "demo" token: ${token}`,
      options.demoToken === undefined ? '    (shown once; the operator can issue more: allot tokens create demo)' : '    (fixed by --demo-token / ALLOT_DEMO_TOKEN)',
      `  Try: ALLOT_URL=${base} ALLOT_TOKEN=${token} allot pools ls`,
      `   or: curl -H "Authorization: Bearer ${token}" ${base}/preview/v2/me`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  // The code V8 compiled for this start and its first requests, kept for the next start
  // (bin/load-dist.js): when it stops, or after a while if it runs on.
  const codeCached = hooks.saveCodeCache === undefined ? null : setTimeout(hooks.saveCodeCache, 30_000);
  codeCached?.unref();

  return new Promise<number>((resolve) => {
    let stopped = false;
    const stop = (signal: string) => {
      if (stopped) return;
      stopped = true;
      app.log.info({ signal }, 'shutting down');
      void (async () => {
        if (rolling !== null) clearInterval(rolling);
        // Long work ends at its next commit. Awaited before the store closes also when its
        // request is gone (a client that gave up waiting), which app.close does not wait for.
        const longWorkStopped = stopping.stop();
        await engine?.stop();
        await app.close();
        await longWorkStopped;
        await guests.runner?.close();
        await fleet?.close();
        await store.close();
        if (codeCached !== null) clearTimeout(codeCached);
        hooks.saveCodeCache?.();
        resolve(0);
      })();
    };
    stopSignals.onStop(stop);
  });
}

/**
 * Takes SIGINT and SIGTERM from now on. A signal is kept until `onStop` names what stops the
 * server, which then runs at once for a signal already taken; `release` gives the signals back
 * (their default ends the process) when the start fails on its own.
 */
function takeStopSignals(): { onStop(stop: (signal: string) => void): void; release(): void } {
  let taken: string | null = null;
  let stopper: ((signal: string) => void) | null = null;
  const take = (signal: string) => {
    if (stopper !== null) stopper(signal);
    else taken ??= signal;
  };
  const onSigint = () => take('SIGINT');
  const onSigterm = () => take('SIGTERM');
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  return {
    onStop(stop) {
      stopper = stop;
      if (taken !== null) stop(taken);
    },
    release() {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    },
  };
}
