// Keeps the code's shape honest: the domain stays pure, time and randomness come in as arguments,
// and dependencies point one way, between layers (cli → http → engine → app → domain/store/clock)
// and between bounded contexts (see contextsUsed), with no import cycles.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const sourceRoot = join(projectRoot, 'src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(sourceRoot).map((path) => ({ path: relative(sourceRoot, path), text: readFileSync(path, 'utf8') }));
const layer = (path: string) => path.split('/')[0]!;

/** Which layers each layer may import. */
const allowedImports: Readonly<Record<string, readonly string[]>> = {
  domain: ['domain'],
  clock: ['clock'],
  store: ['store', 'domain'],
  app: ['app', 'domain', 'store', 'clock', 'providers'],
  engine: ['engine', 'app', 'domain', 'store', 'clock', 'providers'],
  providers: ['providers', 'domain'],
  // A fleet's agent runs on other machines: the drivers and HTTP to the server, nothing of the store or the use cases.
  agent: ['agent', 'providers'],
  http: ['http', 'engine', 'app', 'domain', 'store', 'clock', 'providers'],
  cli: ['cli', 'http', 'app', 'engine', 'providers', 'domain', 'store', 'clock', 'agent'],
};

/**
 * The bounded contexts, and which others each may use, in every layer (domain, app, store,
 * routes, renderers). The kernel is what all share. Allocation is counted in instance SKUs and
 * moved by transfers; the market trades allocation; compute runs instances on it and buys it
 * through spot deployments' procurements; the v1 and v0 views are made of all of these, and
 * nothing is made of them; the fleet places compute's runs on hosts and issues their node-time,
 * and nothing is made of it; the operator's own operations (clock, seed, audit) reach everything
 * else.
 */
const contextsUsed: Readonly<Record<string, readonly string[]>> = {
  kernel: ['kernel'],
  tenancy: ['kernel', 'tenancy'],
  allocation: ['kernel', 'tenancy', 'allocation'],
  market: ['kernel', 'tenancy', 'allocation', 'market'],
  compute: ['kernel', 'tenancy', 'allocation', 'market', 'compute'],
  'nodes-v1': ['kernel', 'tenancy', 'allocation', 'market', 'compute', 'nodes-v1'],
  'legacy-v0': ['kernel', 'tenancy', 'allocation', 'market', 'compute', 'legacy-v0'],
  operator: ['kernel', 'tenancy', 'allocation', 'market', 'compute', 'operator'],
  fleet: ['kernel', 'tenancy', 'allocation', 'market', 'compute', 'fleet'],
};
const contexts = Object.keys(contextsUsed);

/**
 * The context a source file belongs to, or null for what serves all of them (the Store
 * contract and its engines, the engine, the HTTP plumbing, the CLI): `domain/<context>/`,
 * `app/<context>/`, `store/<context>.ts` and `store/repositories/<context>/`,
 * `http/routes/<context>/` and `http/render/<context>.ts`.
 */
function contextOf(path: string): string | null {
  const parts = path.replace(/\.ts$/, '').split('/');
  const candidate =
    parts[0] === 'domain' || parts[0] === 'app' ? parts[1]
    : parts[0] === 'store' ? (parts[1] === 'repositories' ? parts[2] : parts[1])
    : parts[0] === 'http' && (parts[1] === 'routes' || parts[1] === 'render') ? parts[2]
    : undefined;
  return candidate !== undefined && contexts.includes(candidate) ? candidate : null;
}

/** Each file's imports of project files, as paths relative to src/. */
const importsOf = new Map(
  files.map((file) => [
    file.path,
    [...file.text.matchAll(/(?:from|import) '(\.[^']+)'/g)].map((match) => relative(sourceRoot, join(sourceRoot, file.path, '..', match[1]!)).replace(/\.js$/, '.ts')),
  ]),
);

/** What the use cases may read of the store: its contract and the contexts' records, never how they are kept. */
const storeContract = (target: string) => target === 'store/store.ts' || target === 'store/blobs.ts' || (contextOf(target) !== null && !target.startsWith('store/repositories/'));

/**
 * The limits of domain/kernel/limits.ts no test names, each with why: the store's and the workers'
 * tunings (how much work one transaction, read or pass does, how long a wait lasts), which no
 * request meets as a bound, and the bounds a test cannot reach. Every other limit is tested at the
 * limit and one past it (test/api/limits.test.ts, test/api/request-bounds.test.ts and the tests of
 * each feature).
 */
const limitsNoTestNames: Readonly<Record<string, string>> = {
  imageBytesMax: 'a test cannot write 128 GiB; the bound is passed to the blob store, whose writes stop at any bound',
  logLinesDefault: 'a default page of log lines: no test guest writes more than 100 lines',
  postgresCommitListenHeartbeatMs: 'a tuning: how often the commit listener asks its connection; the bound it serves is postgresCommitListenStaleMs',
  postgresCommitListenRetryMs: 'a tuning: the pause before the commit listener connects again, which test/store/store.test.ts waits out',
  boundaryEndsPerStatementMax: 'a tuning: instances one statement of a batch of boundaries ends',
  deploymentBatchSize: 'a tuning: deployments the engine continues per transaction',
  advanceDueTimesPerTransactionMax: 'a tuning: due times one transaction of the manual clock\'s advance works through (test/engine/advance-chain.test.ts chains its own)',
  advanceTransactionMillisMax: 'a tuning: how long one transaction of the manual clock\'s advance goes on to later due times',
  bookViewReadBatch: 'a tuning: resting orders one read of the book\'s views takes',
  opposingOrdersMax: 'a tuning: how deep a procurement\'s coalesced runs look',
  nameDrawAttemptsMax: 'a tuning: draws of a generated name before giving up',
  derivedIdAttemptsMax: 'a tuning: suffixes tried for a derived account id',
  engineSleepMsMax: 'a tuning: the real clock\'s longest sleep',
  guestRunBatchSize: 'a tuning: run records per pass of the guest worker',
  guestRunPollMillis: 'a tuning: how often the guest worker looks for work',
  transactionRetryBackoffMs: 'a tuning of the store: first retry backoff',
  transactionRetryBackoffMaxMs: 'a tuning of the store: longest retry backoff',
  balanceLockOutOfOrderWaitMs: 'a tuning of the store: how long a balance lock out of key order waits before its transaction is retried',
  cachedReadsMax: 'a tuning of the store: cached reads kept',
  postgresPoolSize: 'a tuning of the store: connections per process',
  postgresNamedStatementsMax: 'a tuning of the store: prepared statements kept',
  postgresStatementRunsBeforeNamed: 'a tuning of the store: runs before a statement is prepared',
  deferredWriteTextsMax: 'a tuning of the store: statements of held writes kept built',
  postgresConnectTimeoutMs: 'a tuning of the store: how long a connect may take',
  storeCloseDrainMsMax: 'a tuning of the store: how long closing waits for work still running on it, which test/store/close.test.ts lets end',
  postgresConnectionWaitMs: 'a tuning of the store: how long a request waits for a connection',
  postgresTooManyConnectionsRetryMs: 'a tuning of the store: pause after too many connections',
  sqliteStatementCacheSize: 'a tuning of the store: prepared statements kept',
  preparedShapeCountMax: 'a tuning of the store: counts a count-shaped query keeps prepared',
  sqliteBusyTimeoutMs: 'a tuning of the store: how long a writer waits for a lock',
  sqliteWalCheckpointPages: 'a tuning of the store: WAL pages between checkpoints',
  healthStoreTimeoutMs: 'a tuning: how long the health check waits for the store',
  tokenHashesRememberedMax: 'a tuning: token hashes a process remembers (the hash depends on the token alone)',
};

describe('tidy', () => {
  it('names every limit in a test, but the tunings and bounds listed in limitsNoTestNames', () => {
    const limits = [...readFileSync(join(sourceRoot, 'domain/kernel/limits.ts'), 'utf8').matchAll(/^export const (\w+)/gm)].map((match) => match[1]!);
    const testTexts = sourceFiles(join(projectRoot, 'test')).filter((path) => !path.endsWith('tidy.test.ts')).map((path) => readFileSync(path, 'utf8'));
    const named = (limit: string) => testTexts.some((text) => new RegExp(`\\b${limit}\\b`).test(text));
    expect(limits.filter((limit) => !named(limit) && !(limit in limitsNoTestNames))).toEqual([]);
    // An exemption for a limit that is gone, or that a test now names, is stale.
    expect(Object.keys(limitsNoTestNames).filter((limit) => !limits.includes(limit) || named(limit))).toEqual([]);
  });

  it('keeps clock reads, randomness and console output out of the domain and the use cases', () => {
    const banned = [/Date\.now\(/, /new Date\(\)/, /Math\.random\(/, /console\.(log|info|warn|error)\(/, /performance\.now\(/];
    const offenders = files
      .filter((file) => ['domain', 'app'].includes(layer(file.path)))
      .flatMap((file) => banned.filter((pattern) => pattern.test(file.text)).map((pattern) => `${file.path}: ${pattern}`));
    expect(offenders).toEqual([]);
  });

  it('keeps the domain free of I/O and async', () => {
    const offenders = files
      .filter((file) => layer(file.path) === 'domain')
      .filter((file) => /from 'node:|from "node:|\basync\b|\bawait\b|from 'kysely'|from 'fastify'/.test(file.text))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('keeps money out of floating point in the domain and the use cases', () => {
    const offenders = files
      .filter((file) => ['domain', 'app'].includes(layer(file.path)))
      .filter((file) => /parseFloat\(|toFixed\(/.test(file.text))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('points dependencies one way between layers', () => {
    const offenders: string[] = [];
    for (const [path, targets] of importsOf) {
      const allowed = allowedImports[layer(path)] ?? [];
      for (const target of targets) if (!allowed.includes(layer(target))) offenders.push(`${path} imports ${target}`);
    }
    expect(offenders).toEqual([]);
  });

  it('points dependencies one way between contexts, in every layer', () => {
    const offenders: string[] = [];
    for (const [path, targets] of importsOf) {
      const context = contextOf(path);
      if (context === null) continue;
      for (const target of targets) {
        const used = contextOf(target);
        if (used !== null && !contextsUsed[context]!.includes(used)) offenders.push(`${path} (${context}) imports ${target} (${used})`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps how the store keeps its rows out of the use cases and the routes', () => {
    const offenders: string[] = [];
    for (const [path, targets] of importsOf) {
      if (layer(path) === 'app') offenders.push(...targets.filter((target) => layer(target) === 'store' && !storeContract(target)).map((target) => `${path} imports ${target}`));
      // Routes call use cases and renderers; only renderers know the records they render.
      if (path.startsWith('http/routes/')) offenders.push(...targets.filter((target) => layer(target) === 'store').map((target) => `${path} imports ${target}`));
    }
    expect(offenders).toEqual([]);
  });

  it('renders responses in http/render/, never in a route', () => {
    const offenders = files.filter((file) => file.path.startsWith('http/routes/') && /\bobject: '/.test(file.text)).map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (path: string) => {
      state.set(path, 'open');
      stack.push(path);
      for (const target of importsOf.get(path) ?? []) {
        if (state.get(target) === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target].join(' → '));
        else if (!state.has(target)) visit(target);
      }
      stack.pop();
      state.set(path, 'done');
    };
    for (const path of importsOf.keys()) if (!state.has(path)) visit(path);
    expect(cycles).toEqual([]);
  });

  it('keeps orders and procurements apart: each uses the book, neither reaches the other through its imports', () => {
    // What both need (placing, and the procurement runs that keep a SKU's book current before an
    // order meets it) is the book's (app/market/book.ts) and the runs' (app/market/procurement-runs.ts).
    const reached = (from: string): Set<string> => {
      const seen = new Set<string>();
      const pending = [from];
      for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
        for (const target of importsOf.get(path) ?? []) {
          if (seen.has(target)) continue;
          seen.add(target);
          pending.push(target);
        }
      }
      return seen;
    };
    const apart = ['app/market/orders.ts', 'app/market/procurements.ts'] as const;
    for (const path of apart) expect(importsOf.has(path), path).toBe(true);
    const offenders = apart.flatMap((path) => apart.filter((other) => other !== path && reached(path).has(other)).map((other) => `${path} reaches ${other}`));
    expect(offenders).toEqual([]);
  });

  it('keeps every context in its folder: no source file at the top of domain/ or app/', () => {
    const loose = files.filter((file) => ['domain', 'app'].includes(layer(file.path)) && file.path.split('/').length === 2).map((file) => file.path);
    expect(loose).toEqual([]);
  });

  it('gives every source file a header comment that says what it is for', () => {
    const missing = files.filter((file) => !file.text.startsWith('//')).map((file) => file.path);
    expect(missing).toEqual([]);
  });

  it('carries its own references: nothing outside reference/ reads the team folder beside the clone', () => {
    // A user's clone has only itself; reference/ holds verbatim copies, whose own text may name the folder.
    const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot, encoding: 'utf8' })
      .split('\n')
      .filter((path) => path !== '' && !path.startsWith('reference/') && !path.endsWith('package-lock.json'));
    const offenders = tracked.filter((path) => {
      try {
        return /\.\.\/shared\b|shared\/(reference|spec|seeds|notes)\b/.test(readFileSync(join(projectRoot, path), 'utf8'));
      } catch {
        return false; // listed but deleted in the work tree
      }
    });
    expect(offenders).toEqual([]);
  });
});
