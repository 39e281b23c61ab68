// Every `allot` client command, run as a subprocess against a real `allot serve` (manual clock,
// demo seed), as a user or script would: tables by default, --json for scripts, and the exit
// codes docs/cli.md promises.

import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServeProcess } from '../support/process.js';

const allotBin = fileURLToPath(new URL('../../bin/allot.js', import.meta.url));
const operatorToken = 'allot_admin_cli-test-operator';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

// Each command is a process of its own (about 0.3 s alone, several seconds on a loaded machine),
// and the longest scenarios run some twenty of them.
describe('the allot CLI', { timeout: 120_000 }, () => {
  let server: ServeProcess;
  let demoToken: string;
  const directory = mkdtempSync(join(tmpdir(), 'allot-cli-commands-'));

  function allot(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [allotBin, ...args], { env: { ...process.env, ALLOT_URL: server.baseUrl, ALLOT_TOKEN: demoToken, ALLOT_ADMIN_TOKEN: operatorToken, HOME: directory, ...env } }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? 1), stdout, stderr });
      });
    });
  }
  async function json<T = any>(...args: string[]): Promise<T> {
    const run = await allot(['--json', ...args]);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    return JSON.parse(run.stdout) as T;
  }
  async function ok(...args: string[]): Promise<string> {
    const run = await allot(args);
    expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
    return run.stdout;
  }

  beforeAll(async () => {
    server = await startServeProcess(['--db', 'sqlite::memory:', '--clock', 'manual'], { ALLOT_ADMIN_TOKEN: operatorToken });
    demoToken = server.demoToken!;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  it('has --help on every command, and --version', async () => {
    const top = await ok('--help');
    for (const command of ['serve', 'pools', 'buy', 'sell', 'orders', 'transfer', 'instances', 'images', 'balance', 'env', 'clock', 'skus', 'accounts', 'credit', 'tokens', 'ALLOT_URL', 'Exit codes']) expect(top).toContain(command);
    for (const command of [['pools', 'create'], ['pools', 'ls'], ['pools', 'get'], ['buy'], ['sell'], ['orders', 'ls'], ['orders', 'get'], ['orders', 'cancel'], ['transfer'], ['instances', 'create'], ['instances', 'ls'], ['instances', 'logs'], ['instances', 'ssh'], ['instances', 'terminate'], ['images', 'upload'], ['balance'], ['env'], ['clock'], ['clock', 'advance'], ['clock', 'set'], ['skus'], ['accounts', 'create'], ['accounts', 'ls'], ['credit'], ['tokens', 'create'], ['tokens', 'ls'], ['tokens', 'revoke']]) {
      expect(await ok(...command, '--help'), command.join(' ')).toContain(`Usage: allot ${command.join(' ')}`);
    }
    expect((await ok('--version')).trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on a bad command line, 3 when the server is unreachable, 4 without a good token, 5 for what does not exist', async () => {
    expect((await allot([])).code).toBe(2);
    expect((await allot(['frobnicate'])).code).toBe(2);
    expect((await allot(['pools', 'ls', '--bogus'])).code).toBe(2);
    const badTime = await allot(['buy', '--pool', 'x', '--accelerator', 'H100', '--nodes', '1', '--duration', '1 hour']);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--duration');
    expect((await allot(['clock', 'set', 'yesterday'])).code).toBe(2);
    const unreachable = await allot(['pools', 'ls'], { ALLOT_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('cannot reach allot at http://127.0.0.1:9');
    expect((await allot(['pools', 'ls'], { ALLOT_TOKEN: '' })).code).toBe(4);
    expect((await allot(['pools', 'ls'], { ALLOT_TOKEN: 'allot_sk_wrong' })).code).toBe(4);
    expect((await allot(['accounts', 'ls'], { ALLOT_ADMIN_TOKEN: 'wrong' })).code).toBe(4);
    const missing = await allot(['orders', 'get', 'ordr_doesnotexist']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('HTTP 404');
  });

  it('reads, advances and sets the clock, and reads it without a token', async () => {
    const clock = await json('clock');
    expect(clock.mode).toBe('manual');
    expect((await allot(['--json', 'clock'], { ALLOT_TOKEN: '', ALLOT_ADMIN_TOKEN: '' })).code).toBe(0);
    expect((await json('clock', 'advance', '1h')).now).toBe(clock.now + 3600);
    expect((await json('clock', 'set', 'in 30m')).now).toBe(clock.now + 3600 + 1800);
    expect((await json('clock', 'set', String(clock.now + 7200))).now).toBe(clock.now + 7200);
    const back = await allot(['clock', 'set', String(clock.now)]);
    expect(back.code).toBe(2);
    expect(back.stderr).toContain('never goes back');
    expect(await ok('clock')).toContain('manual');
  });

  it('runs the operator\'s accounts, credit, tokens and skus', async () => {
    const account = await json('accounts', 'create', 'Acme Corp', '--id', 'acme');
    expect(account.id).toBe('acme');
    expect(account.token).toMatch(/^allot_sk_/);
    expect(await ok('accounts', 'ls')).toMatch(/acme\s.*Acme Corp/);
    const grant = await json('credit', 'acme', '250.50', '--memo', 'trial');
    expect(grant.amount_dollars).toBe('250.500000');
    expect((await allot(['credit', 'acme', 'lots'])).code).toBe(2);
    expect(await ok('balance', '--token', account.token)).toContain('$250.50');

    const issued = await json('tokens', 'create', 'acme', '--name', 'ci', '--expires', 'in 30d');
    expect(issued.token).toMatch(/^allot_sk_/);
    expect((await json('--token', issued.token, 'balance')).available_balance_cents).toBe(25_050);
    const listed = await ok('tokens', 'ls', 'acme');
    expect(listed).toContain(issued.id);
    expect(listed).toContain(`…${issued.token.slice(-4)}`);
    expect(listed).not.toContain(issued.token);
    expect((await json('tokens', 'revoke', issued.id)).status).toBe('revoked');
    expect((await allot(['balance', '--token', issued.token])).code).toBe(4);

    const skus = await json<{ data: { alias: string }[] }>('skus');
    expect(skus.data.map((sku) => sku.alias)).toContain('h100-richmond');
    expect(await ok('skus')).toMatch(/h100-richmond\s.*H100/i);
  });

  it('creates pools, buys through order_preview, sells, lists and cancels orders, and transfers', async () => {
    const pool = await json('pools', 'create', 'training', '--tag', 'team=ml');
    expect(pool.name).toBe('training');
    await json('pools', 'create', 'spare');
    expect(await ok('pools', 'ls')).toMatch(/training/);

    const dry = await json('buy', '--pool', 'training', '--accelerator', 'h100', '--zone', 'richmond', '--nodes', '2', '--start', 'now', '--duration', '2h', '--dry-run');
    expect(dry.preview.type).toBe('quoted');
    expect((await json('orders', 'ls')).data).toEqual([]);

    const now = (await json('clock')).now as number;
    const bought = await json('buy', '--pool', 'training', '--sku', 'h100-richmond', '--nodes', '2', '--start', 'now', '--duration', '2h', '--max-rate', '100');
    expect(bought.status).toBe('filled');
    // The limit is --max-rate, as the server keeps prices (whole micro-dollars per node-minute).
    expect(Number(bought.limit_price_dollars_per_node_hour)).toBeCloseTo(100, 3);
    expect(bought.allocation_schedule_delta[0]).toEqual({ start_at: Math.floor(now / 60) * 60, end_at: Math.floor(now / 60) * 60 + 7200, node_count: 2 });
    const shown = await ok('pools', 'get', 'training');
    expect(shown).toContain('2 ×');
    expect(await ok('orders', 'get', bought.id)).toContain('filled');

    // Too cheap to fill at once: cancelled, and the exit code says the order did not fill.
    const cheap = await allot(['buy', '--pool', 'training', '--accelerator', 'H100', '--nodes', '1', '--start', 'in 3h', '--duration', '1h', '--max-rate', '0.01']);
    expect(cheap.code).toBe(1);
    expect(cheap.stderr).toContain('did not fill');

    // A sell resting on the book, then cancelled.
    const sell = await json('sell', '--pool', 'training', '--sku', 'h100-richmond', '--nodes', '1', '--start', 'in 1h', '--duration', '1h', '--min-rate', '5000', '--standing');
    expect(sell.status).toBe('standing');
    expect((await json('orders', 'ls', '--status', 'standing')).data.map((order: { id: string }) => order.id)).toEqual([sell.id]);
    expect((await json('orders', 'cancel', sell.id)).status).toBe('cancelled');
    expect(await ok('orders', 'ls')).toContain(bought.id);

    const transfer = await json('transfer', '--from', 'training', '--to', 'spare', '--sku', bought.instance_sku.id, '--nodes', '1', '--start', 'in 1h', '--duration', '1h');
    expect(transfer.status).toBe('executed');
    const refused = await allot(['transfer', '--from', 'spare', '--to', 'training', '--sku', bought.instance_sku.id, '--nodes', '5', '--duration', '1h']);
    expect(refused.code).toBe(1);
  });

  it('creates, lists, follows, reaches and terminates instances', async () => {
    const instance = await json('instances', 'create', '--pool', 'training', '--sku', 'h100-richmond', '--name', 'trainer');
    expect(instance.name).toBe('trainer');
    expect(await ok('instances', 'ls')).toMatch(/trainer/);
    await json('clock', 'advance', '2m');
    const log = await ok('instances', 'logs', instance.id);
    expect(log).toContain('Command line');

    // Followed: the command keeps printing until the instance ends, then exits 0.
    const follower = spawn(process.execPath, [allotBin, 'instances', 'logs', instance.id, '-f', '--interval', '100'], { env: { ...process.env, ALLOT_URL: server.baseUrl, ALLOT_TOKEN: demoToken } });
    let followed = '';
    follower.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follower.once('exit', resolve));
    await expect.poll(() => followed, { timeout: 10_000 }).toContain('Command line');
    await json('clock', 'advance', '5m');
    const ssh = await ok('instances', 'ssh', instance.id, '--print');
    expect(ssh).toMatch(/^ssh -p \d+ -o HostKeyAlias=inst_\S+\.allot -o UserKnownHostsFile=\S+ -o StrictHostKeyChecking=yes root@\S+\n$/);
    expect((await json('instances', 'terminate', instance.id)).status).toBe('terminated');
    expect(await exited).toBe(0);
    expect(followed.length).toBeGreaterThanOrEqual(log.length);
  });

  it('starts an instance as the SKU its pool holds when none is named, and asks for one otherwise', async () => {
    await json('pools', 'create', 'by-accelerator');
    const none = await allot(['instances', 'create', '--pool', 'by-accelerator']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('holds no allocation from now on');

    // Bought by accelerator and zone, as the README does: whichever SKU filled it is the one.
    const bought = await json('buy', '--pool', 'by-accelerator', '--accelerator', 'H100', '--zone', 'richmond', '--nodes', '1', '--start', 'in 1h', '--duration', '1h', '--max-rate', '100');
    expect(bought.status).toBe('filled');
    const instance = await json('instances', 'create', '--pool', 'by-accelerator');
    expect(instance.instance_sku.id).toBe(bought.instance_sku.id);
    expect((await json('instances', 'terminate', instance.id)).status).toBe('terminated');

    await json('buy', '--pool', 'by-accelerator', '--accelerator', 'H200', '--nodes', '1', '--start', 'in 1h', '--duration', '1h', '--max-rate', '100');
    const two = await allot(['instances', 'create', '--pool', 'by-accelerator']);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('holds allocation of 2 SKUs');
  });

  it('uploads an image in parts, and lists it', async () => {
    const file = join(directory, 'tiny.img');
    const bytes = Buffer.alloc(1024 * 1024 + 4096, 7);
    writeFileSync(file, bytes);
    const image = await json('images', 'upload', file, '--name', 'tiny', '--part-size', '1');
    expect(image.upload_status).toBe('completed');
    expect(image.sha256).toBe((await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'));
    expect(await ok('images', 'ls')).toContain('tiny');
    expect(await ok('images', 'ls', '--public')).toContain('ubuntu');
    expect((await allot(['images', 'upload', join(directory, 'missing.img')])).code).toBe(2);
  });

  it('prints the exports and the sf config that point SF Compute\'s tools here, and writes the config', async () => {
    const printed = await ok('env');
    expect(printed).toContain(`export ALLOT_URL='${server.baseUrl}'`);
    expect(printed).toContain(`export SFC_NODES_BASE_URL='${server.baseUrl}'`);
    expect(printed).toContain(`export SFC_NODES_BEARER_TOKEN='${demoToken}'`);
    const env = await json('env', '--write-sf-config');
    expect(env.sf_config).toEqual({ api_url: server.baseUrl, auth_token: demoToken, account_id: 'demo' });
    expect(JSON.parse(readFileSync(join(directory, '.sfcompute', 'config'), 'utf8'))).toEqual(env.sf_config);
  });
});
