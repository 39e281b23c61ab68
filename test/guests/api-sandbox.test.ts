// Real guests through the API: `allot serve --driver sandbox` runs each instance as a bubblewrap
// sandbox. An instance created over HTTP runs its user data (the marker shows in its logs, on
// both log APIs), answers `ssh` with the account's key on the host and port /ssh names, with the
// host key /ssh reports; terminate ends its processes and deleting it what it left on the host; a sandbox killed by hand fails its
// instance, and so does the end of its allocation. Across restarts and kill -9 of the server, what runs and what is recorded agree: a
// guest started just before a crash (before its start was recorded) is adopted, a guest that died
// while allot was down fails its instance, a guest no instance wants is stopped, and a guest whose
// launch a crash cut short (before the driver launched anything) is launched again.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { createSandboxDriver } from '../../src/providers/sandbox/sandbox-driver.js';
import { ApiClient } from '../support/client.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { dropSchema, postgresUrl, testDialects } from '../support/stores.js';
import { type KeyPair, launchSpec, readFromPort, ssh, sshKeyPair, until } from './guest-support.js';

const operatorToken = 'allot_admin_guests-api-test';

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMillis = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.each(testDialects)('allot serve --driver sandbox on %s', { timeout: 180_000 }, (dialect) => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-guests-api-'));
  const guestsDirectory = join(directory, 'guests');
  const configPath = join(directory, 'drivers.json');
  const schema = `allot_guests_${process.pid}`;
  const db = dialect === 'sqlite' ? `sqlite:${join(directory, 'allot.db')}` : `${postgresUrl}?options=-c%20search_path%3D${schema}`;
  let key: KeyPair;
  let server: ServeProcess | null = null;
  let pool: string;
  let sku: string;

  const serve = async (env: Record<string, string> = {}) => {
    server = await startServeProcess(['--db', db, '--seed', 'none', '--driver', 'sandbox', '--driver-config', configPath], { ALLOT_ADMIN_TOKEN: operatorToken, ...env });
    return server;
  };
  let accountToken = '';
  const client = () => new ApiClient(server!.baseUrl, accountToken);
  const operator = () => new ApiClient(server!.baseUrl, operatorToken);

  const userData = (marker: string) =>
    Buffer.from(['#cloud-config', 'ssh_authorized_keys:', `  - ${key.publicKey}`, 'runcmd:', `  - echo "${marker} from $(hostname)"`, ''].join('\n')).toString('base64');

  const createInstance = async (name: string, marker: string) => {
    const created = await client().post('/preview/v2/instances', { pool, image: 'ubuntu-24.04-cuda-12.8', instance_sku: sku, name, cloud_init_user_data: userData(marker) });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('running');
    return created.body.id as string;
  };

  const sshDetails = (id: string) =>
    eventually(`SSH details of ${id}`, async () => {
      const answer = await client().get(`/preview/v2/instances/${id}/ssh`);
      return answer.status === 200 && answer.body.host_keys.length > 0 ? (answer.body as { hostname: string; port: number; host_keys: { key_type: string; key: string }[] }) : null;
    });

  const logText = async (id: string) => ((await client().get(`/preview/v2/instances/${id}/logs?limit=2500`)).body.data as { data: string }[]).map((line) => Buffer.from(line.data, 'base64').toString('utf8')).join('');

  const status = async (id: string) => (await client().get(`/preview/v2/instances/${id}`)).body.status as string;

  beforeAll(async () => {
    key = await sshKeyPair();
    if (dialect === 'postgres') {
      await dropSchema(schema);
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.end();
    }
    writeFileSync(configPath, JSON.stringify({ stateDirectory: guestsDirectory, bootTimeoutSeconds: 60, stopGraceSeconds: 5, skus: { 'simulated-node-sku': 'simulated' } }));
    await serve();
    const created = await operator().post('/admin/v1/accounts', { name: 'Guests' });
    accountToken = created.body.token;
    sku = (await operator().post('/admin/v1/instance_skus', { alias: 'sandbox-sku', accelerator: 'h100', num_accelerators: 8 })).body.id;
    pool = (await client().post('/preview/v2/pools', { workspace: 'default', name: 'guests' })).body.id;
    const now = Math.floor(Date.now() / 1000);
    const issued = await operator().post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: Math.floor(now / 60) * 60, end_at: null, node_count: 8 }] });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
  });

  afterAll(async () => {
    await server?.stop();
    // Whatever a failed test left behind.
    for (const pid of processesWithMarker(`${guestsDirectory}/`)) signalProcess(pid, `${guestsDirectory}/`, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    if (dialect === 'postgres') await dropSchema(schema);
  });

  it('runs the user data, answers ssh with the reported host key, and terminate ends it', async () => {
    const startedAt = Date.now();
    const id = await createInstance('first', 'API-MARKER');
    const details = await sshDetails(id);
    expect(details.hostname).toBe('127.0.0.1');
    const knownHosts = join(directory, 'known_hosts');
    writeFileSync(knownHosts, details.host_keys.map((hostKey) => `[127.0.0.1]:${details.port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    expect((await ssh(details.hostname, details.port, key, 'hostname; echo ok', knownHosts)).split('\n').slice(0, 2)).toEqual(['first', 'ok']);
    // The meta-data's instance id reaches the guest too.
    expect((await ssh(details.hostname, details.port, key, 'cat /run/allot/instance-id', knownHosts)).trim()).toBe(id);
    process.stdout.write(`[guests] sandbox on ${dialect}: instance created to ssh answered in ${Date.now() - startedAt} ms\n`);
    await eventually('the marker in the logs', async () => (await logText(id)).includes('API-MARKER from first'));

    const v0 = await client().get(`/v0/vms/ssh?vm_id=${id}`);
    expect(v0.body).toMatchObject({ ssh_hostname: '127.0.0.1', ssh_port: details.port });
    const v0Logs = await client().get(`/v0/vms/logs2?instance_id=${id}&order_by=seqnum_asc&limit=2500`);
    expect(v0Logs.status).toBe(200);
    expect((v0Logs.body.data as { data: string }[]).map((line) => Buffer.from(line.data, 'base64').toString('utf8')).join('')).toContain('API-MARKER from first');

    const marker = `${guestsDirectory}/sandbox/${id}/`;
    expect(processesWithMarker(marker).length).toBeGreaterThan(0);
    expect((await client().post(`/preview/v2/instances/${id}/terminate`, {})).body.status).toBe('terminated');
    await eventually('the sandbox to end', async () => processesWithMarker(marker).length === 0, 30_000);
    await eventually('the power-off in the log', async () => (await logText(id)).includes('allot: the guest was stopped'));
    // Deleting the instance deletes what its sandbox left on the host.
    expect((await client().delete(`/preview/v2/instances/${id}`)).status).toBe(204);
    await eventually('the sandbox directory to go', async () => !existsSync(marker), 30_000);
  });

  it('fails the instance of a sandbox killed by hand', async () => {
    const id = await createInstance('killed', 'KILL-MARKER');
    await sshDetails(id);
    const marker = `${guestsDirectory}/sandbox/${id}/`;
    for (const pid of processesWithMarker(marker)) signalProcess(pid, marker, 'SIGKILL');
    await eventually('the instance to fail', async () => (await status(id)) === 'failed', 30_000);
  });

  it('stops the sandbox when its allocation ends', async () => {
    const id = await createInstance('retired', 'RETIRE-MARKER');
    await sshDetails(id);
    const marker = `${guestsDirectory}/sandbox/${id}/`;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    // The operator retires the pool's allocation from this minute on: the reconciler ends the
    // instance in the same transaction, as at a schedule boundary, and the worker stops its guest.
    const retired = await operator().post('/admin/v1/retirements', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 8 }] });
    expect(retired.status, JSON.stringify(retired.body)).toBe(201);
    expect(await status(id)).toBe('terminated');
    await eventually('the sandbox to end', async () => processesWithMarker(marker).length === 0, 30_000);
    expect((await operator().post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 8 }] })).status).toBe(201);
  });

  it('forwards port 443 to a v1 node\'s VM that asks for it, and says where in its log; refuses it for a SKU that runs simulated', async () => {
    const zone = 'guestzone';
    const nodeSku = (await operator().post('/admin/v1/instance_skus', { alias: 'sandbox-node-sku', accelerator: 'h100', num_accelerators: 8, region: 'us-west', availability_zone: zone })).body.id as string;
    const simulatedSku = (await operator().post('/admin/v1/instance_skus', { alias: 'simulated-node-sku', accelerator: 'h200', num_accelerators: 8, region: 'us-west', availability_zone: 'simzone' })).body.id as string;
    const provider = (await operator().post('/admin/v1/accounts', { name: 'Node supply' })).body as { id: string; token: string };
    const supply = (await operator().post('/admin/v1/pools', { account: provider.id, name: 'supply', kind: 'originating' })).body.id as string;
    const now = Math.floor(Date.now() / 1000);
    const hour = 3600;
    const providerClient = new ApiClient(server!.baseUrl, provider.token);
    for (const id of [nodeSku, simulatedSku]) {
      // The current minute as each request is made (one computed before may have passed by then).
      const minute = () => Math.floor(Date.now() / 60_000) * 60;
      expect((await operator().post('/admin/v1/allocations', { pool: supply, instance_sku: id, allocation_schedule: [{ start_at: minute(), end_at: null, node_count: 2 }] })).status).toBe(201);
      const ask = await providerClient.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: id, allocation_schedule_delta: [{ start_at: minute(), end_at: Math.ceil(now / hour) * hour + 4 * hour, node_count: 2 }], limit_price_dollars_per_node_hour: '1.00', allow_standing: true, allow_partial: true });
      expect(ask.status, JSON.stringify(ask.body)).toBe(201);
    }
    const customer = (await operator().post('/admin/v1/accounts', { name: 'Node customer' })).body as { id: string; token: string };
    await operator().post(`/admin/v1/accounts/${customer.id}/credits`, { amount_dollars: 1000 });
    const buyer = new ApiClient(server!.baseUrl, customer.token);
    const endAt = Math.ceil(now / hour) * hour + hour;

    const refused = await buyer.post('/v1/nodes', { desired_count: 1, max_price_per_node_hour: 200, zone: 'simzone', end_at: endAt, forward_443: true });
    expect(refused.status, JSON.stringify(refused.body)).toBe(400);
    expect(refused.body.error.details[0]).toMatchObject({ field: 'forward_443', code: 'unsupported' });

    const created = await buyer.post('/v1/nodes', { desired_count: 1, max_price_per_node_hour: 200, zone, end_at: endAt, forward_443: true, names: ['https-node'], cloud_init_user_data: userData('HTTPS-MARKER') });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const instance = await eventually('the node\'s VM', async () => ((await buyer.get('/preview/v2/instances')).body.data as { id: string; status: string }[]).find((listed) => listed.status === 'running'));
    const id = instance.id;
    const log = async () => ((await buyer.get(`/preview/v2/instances/${id}/logs?limit=2500`)).body.data as { data: string }[]).map((line) => Buffer.from(line.data, 'base64').toString('utf8')).join('');
    // What to look at when it times out (it did once on PostgreSQL under load): the instances, the log, the server's output.
    const state = async () => `${JSON.stringify((await buyer.get('/preview/v2/instances')).body.data.map((listed: { id: string; status: string }) => [listed.id, listed.status]))}\n${await log()}\n${server!.output()}`;
    const answer = await eventually('SSH details', async () => {
      const got = await buyer.get(`/preview/v2/instances/${id}/ssh`);
      return got.status === 200 && got.body.host_keys.length > 0 ? (got.body as { hostname: string; port: number }) : null;
    }).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await state()}`);
    });
    // SF Compute's `sf nodes ssh` reads the node's: the same host and port, and `ssh` checks the host key it names.
    const nodeSsh = await buyer.get('/v2/nodes/https-node/ssh');
    expect(nodeSsh.status, JSON.stringify(nodeSsh.body)).toBe(200);
    expect(nodeSsh.body).toMatchObject({ hostname: answer.hostname, port: answer.port });
    const nodeKnownHosts = join(directory, 'node_known_hosts');
    writeFileSync(nodeKnownHosts, (nodeSsh.body.host_keys as { key_type: string; key: string }[]).map((hostKey) => `[${answer.hostname}]:${answer.port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    expect((await ssh(answer.hostname, answer.port, key, 'echo node-ok', nodeKnownHosts)).trim()).toBe('node-ok');
    const forwarded = await eventually('the forwarded port in the log', async () => /allot: the guest's port 443 is forwarded from 127\.0\.0\.1:(\d+)/.exec(await log()));
    const httpsPort = Number(forwarded[1]);
    expect(httpsPort).not.toBe(answer.port);
    await ssh(answer.hostname, answer.port, key, 'nohup sh -c "echo https-answer | timeout 20 nc -l -p 443 || echo https-answer | timeout 20 busybox nc -l -p 443" > /dev/null 2>&1 &');
    expect(await eventually('an answer on the forwarded port', () => readFromPort(httpsPort).then((text) => (text.includes('https-answer') ? text : null)), 20_000)).toContain('https-answer');
    expect((await buyer.post(`/preview/v2/instances/${id}/terminate`, {})).status).toBe(200);
  });

  it('adopts a guest started just before a crash, fails an instance whose guest died while allot was down, and stops a guest nobody wants', async () => {
    await server!.stop();
    // The server dies (SIGKILL) once the driver has started the guest, before allot records it.
    await serve({ ALLOT_GUESTS_CRASH_AFTER: 'start' });
    const created = await client().post('/preview/v2/instances', { pool, image: 'ubuntu-24.04-cuda-12.8', instance_sku: sku, name: 'crashed', cloud_init_user_data: userData('CRASH-MARKER') });
    const adoptedId = created.body.id as string;
    const crashed = server!;
    await eventually('the server to crash', async () => crashed.child.signalCode !== null || crashed.child.exitCode !== null, 60_000);
    expect(crashed.child.signalCode).toBe('SIGKILL');
    expect(created.status).toBe(201);
    const adoptedMarker = `${guestsDirectory}/sandbox/${adoptedId}/`;
    // The crash came once the guest's first process was recorded on the host: it is there.
    expect(processesWithMarker(adoptedMarker).length, crashed.output()).toBeGreaterThan(0);

    // A guest allot never recorded, as if its database had been replaced.
    const stray = createSandboxDriver({ stateDirectory: join(guestsDirectory, 'sandbox'), advertisedHost: '127.0.0.1', bootConcurrency: 1, bootTimeoutSeconds: 60, stopGraceSeconds: 5 });
    const straySpec = launchSpec({ sshAuthorizedKeys: [key.publicKey] });
    await stray.start(straySpec);
    await until(stray, straySpec.instanceId, (guest) => guest.state === 'running', 60_000);
    await stray.close();
    const strayMarker = `${guestsDirectory}/sandbox/${straySpec.instanceId}/`;

    await serve();
    const details = await sshDetails(adoptedId);
    expect(await status(adoptedId), await logText(adoptedId)).toBe('running');
    expect((await ssh(details.hostname, details.port, key, 'hostname')).trim()).toBe('crashed');
    await eventually('the stray guest to be stopped', async () => processesWithMarker(strayMarker).length === 0, 30_000);

    // The adopted guest dies while allot is down: the next start fails its instance.
    await server!.stop('SIGKILL');
    for (const pid of processesWithMarker(adoptedMarker)) signalProcess(pid, adoptedMarker, 'SIGKILL');
    await serve();
    await eventually('the instance to fail', async () => (await status(adoptedId)) === 'failed', 30_000);
  });

  it('launches again a guest whose launch a crash cut short', async () => {
    await server!.stop();
    // The server dies (SIGKILL) as soon as the driver has accepted the start, before it launched
    // anything and before allot recorded the start.
    await serve({ ALLOT_GUESTS_CRASH_AFTER: 'launch' });
    const created = await client().post('/preview/v2/instances', { pool, image: 'ubuntu-24.04-cuda-12.8', instance_sku: sku, name: 'relaunched', cloud_init_user_data: userData('RELAUNCH-MARKER') });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const crashed = server!;
    await eventually('the server to crash', async () => crashed.child.signalCode !== null || crashed.child.exitCode !== null, 60_000);
    expect(crashed.child.signalCode).toBe('SIGKILL');
    const marker = `${guestsDirectory}/sandbox/${id}/`;
    expect(existsSync(`${marker}run.json`)).toBe(true);

    await serve();
    const details = await sshDetails(id);
    expect(await status(id), await logText(id)).toBe('running');
    expect((await ssh(details.hostname, details.port, key, 'hostname')).trim()).toBe('relaunched');
    await eventually('the marker in the logs', async () => (await logText(id)).includes('RELAUNCH-MARKER from relaunched'));
    expect(await logText(id)).not.toContain('allot: ');
    expect((await client().post(`/preview/v2/instances/${id}/terminate`, {})).body.status).toBe('terminated');
    await eventually('the sandbox to end', async () => processesWithMarker(marker).length === 0, 30_000);
  });
});
