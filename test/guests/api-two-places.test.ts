// Two allot processes over one PostgreSQL database, each with a driver state directory of its own
// (as if on two machines): the leader runs the sandboxes, and publishes what they print and how to
// reach them into the store, so the other process — which cannot read the leader's directory —
// answers the same logs (the user data's marker, and later lines, which `allot instances logs -f`
// through it follows) and SSH details where `ssh` connects. And the leader dying in the
// middle of a launch, after its guest's first process started and before the start was recorded:
// the process that leads next cannot see the other place, so it fails the instance with the reason
// in its log instead of launching it a second time; an allot process back at the first place stops
// the guest left there. Deleting an instance deletes what was published of it.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { ApiClient } from '../support/client.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, postgresUrl, testDialects } from '../support/stores.js';
import { type KeyPair, ssh, sshKeyPair } from './guest-support.js';

const operatorToken = 'allot_admin_guests-two-places';
const allotBin = fileURLToPath(new URL('../../bin/allot.js', import.meta.url));

async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMillis = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Line = { seqnum: number; timestamp_realtime: number; data: string };
type Ssh = { hostname: string; port: number; host_keys: { key_type: string; key: string }[] };
const text = (data: Line[]) => data.map((line) => Buffer.from(line.data, 'base64').toString('utf8')).join('');
const lines = async (client: ApiClient, id: string) => (await client.get(`/preview/v2/instances/${id}/logs?limit=2500`)).body.data as Line[];

describe.runIf(testDialects.includes('postgres'))('two allot processes with driver directories of their own over one PostgreSQL database', { timeout: 240_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-guests-places-'));
  const servers: ServeProcess[] = [];
  const schemas: string[] = [];
  let key: KeyPair;

  afterAll(async () => {
    for (const server of servers) await server.stop('SIGKILL');
    for (const pid of processesWithMarker(`${directory}/`)) signalProcess(pid, `${directory}/`, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
    for (const schema of schemas) await dropSchema(schema);
  });

  /** A serve process with its own driver state directory. */
  const serve = async (db: string, place: string, env: Record<string, string> = {}) => {
    const configPath = join(directory, `${place}.json`);
    writeFileSync(configPath, JSON.stringify({ stateDirectory: join(directory, place), bootTimeoutSeconds: 60, stopGraceSeconds: 5 }));
    const server = await startServeProcess(['--db', db, '--seed', 'none', '--driver', 'sandbox', '--driver-config', configPath], { ALLOT_ADMIN_TOKEN: operatorToken, ...env });
    servers.push(server);
    return server;
  };

  /** An account with a pool holding two nodes of a SKU from now on, through `server`. */
  const account = async (server: ServeProcess, name: string) => {
    const operator = new ApiClient(server.baseUrl, operatorToken);
    const token = (await operator.post('/admin/v1/accounts', { name })).body.token as string;
    const client = new ApiClient(server.baseUrl, token);
    const sku = (await operator.post('/admin/v1/instance_skus', { alias: `${name.toLowerCase()}-sku`, accelerator: 'h100', num_accelerators: 8 })).body.id as string;
    const pool = (await client.post('/preview/v2/pools', { workspace: 'default', name: name.toLowerCase() })).body.id as string;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    expect((await operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 2 }] })).status).toBe(201);
    return { token, sku, pool };
  };

  const userData = (commands: string[]) => Buffer.from(['#cloud-config', 'ssh_authorized_keys:', `  - ${key.publicKey}`, 'runcmd:', ...commands.map((command) => `  - ${command}`), ''].join('\n')).toString('base64');

  it('answers logs and SSH details through the process that cannot read the guest\'s directory', async () => {
    key = await sshKeyPair();
    const schema = `allot_guests_places_${process.pid}`;
    schemas.push(schema);
    const db = await freshSchema(schema);
    const leader = await serve(db, 'leader');
    // It would kill itself if it ever launched a guest.
    const other = await serve(db, 'other', { ALLOT_GUESTS_CRASH_AFTER: 'launch' });
    const { token, sku, pool } = await account(other, 'Places');
    const viaOther = new ApiClient(other.baseUrl, token);
    const viaLeader = new ApiClient(leader.baseUrl, token);
    const created = await viaOther.post('/preview/v2/instances', { pool, image: 'ubuntu-24.04-cuda-12.8', instance_sku: sku, name: 'apart', cloud_init_user_data: userData(['echo "PLACES-MARKER from $(hostname)"']) });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    // Following its log through the other process, from before the guest printed anything.
    const follower = new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [allotBin, '--json', 'instances', 'logs', '-f', id, '--interval', '200'], { env: { ...process.env, ALLOT_URL: other.baseUrl, ALLOT_TOKEN: token }, timeout: 120_000 }, (error, stdout, stderr) => (error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`))));
    });

    const details = await eventually('SSH details with host keys through the other process', async () => {
      const answer = await viaOther.get(`/preview/v2/instances/${id}/ssh`);
      return answer.status === 200 && answer.body.host_keys.length > 0 ? (answer.body as Ssh) : null;
    });
    expect((await viaLeader.get(`/preview/v2/instances/${id}/ssh`)).body).toMatchObject({ hostname: details.hostname, port: details.port, host_keys: details.host_keys });
    const knownHosts = join(directory, 'known_hosts');
    writeFileSync(knownHosts, details.host_keys.map((hostKey) => `[${details.hostname}]:${details.port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    expect((await ssh(details.hostname, details.port, key, 'hostname', knownHosts)).trim()).toBe('apart');
    // The v0 and v1 paths answer the same through the other process.
    const v0 = await viaOther.get(`/v0/vms/ssh?vm_id=${id}`);
    expect(v0.status).toBe(200);
    expect(v0.body).toMatchObject({ ssh_hostname: details.hostname, ssh_port: details.port });

    const fromOther = await eventually('the marker in the other process\'s logs', async () => {
      const data = await lines(viaOther, id);
      return text(data).includes('PLACES-MARKER from apart') ? data : null;
    });
    const fromLeader = await lines(viaLeader, id);
    expect(fromOther.map((line) => [line.seqnum, line.timestamp_realtime, line.data])).toEqual(fromLeader.slice(0, fromOther.length).map((line) => [line.seqnum, line.timestamp_realtime, line.data]));
    expect(existsSync(join(directory, 'other', 'sandbox', id))).toBe(false);

    // Terminated through the other process: the leader stops the sandbox; its last line reaches
    // the other process, whose follower then ends.
    expect((await viaOther.post(`/preview/v2/instances/${id}/terminate`, {})).body.status).toBe('terminated');
    await eventually('the sandbox to end', async () => processesWithMarker(`${join(directory, 'leader', 'sandbox', id)}/`).length === 0);
    await eventually('the stop in the other process\'s logs', async () => text(await lines(viaOther, id)).includes('allot: the guest was stopped'), 30_000);
    // Every line once, in order, the marker among them.
    const followed = (await follower).trim().split('\n').map((line) => JSON.parse(line) as Line);
    expect(text(followed)).toContain('PLACES-MARKER from apart');
    expect(followed.map((line) => line.seqnum)).toEqual(followed.map((_, index) => index + 1));
    expect(text(await lines(viaOther, id))).toBe(text(await lines(viaLeader, id)));
    expect(other.child.exitCode === null && other.child.signalCode === null, other.output()).toBe(true);

    // Deleted, the instance has no log to read: what was published of it goes with its guest's directory.
    const published = async () => {
      const database = new pg.Client({ connectionString: postgresUrl });
      await database.connect();
      try {
        return Number((await database.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".instance_log_chunks WHERE instance_id = $1`, [id])).rows[0]!.n);
      } finally {
        await database.end();
      }
    };
    expect(await published()).toBeGreaterThan(0);
    expect((await viaOther.delete(`/preview/v2/instances/${id}`)).status).toBe(204);
    await eventually('the published lines to go', async () => (await published()) === 0);
    expect(existsSync(join(directory, 'leader', 'sandbox', id))).toBe(false);
    await leader.stop();
    await other.stop();
  });

  it('fails an instance whose launch the dying leader had begun elsewhere, and never launches it twice', async () => {
    const schema = `allot_guests_places_crash_${process.pid}`;
    schemas.push(schema);
    const db = await freshSchema(schema);
    // The leader dies once its guest's first process is on the host, before recording the start.
    const leader = await serve(db, 'first', { ALLOT_GUESTS_CRASH_AFTER: 'start' });
    const other = await serve(db, 'second', { ALLOT_GUESTS_CRASH_AFTER: 'launch' });
    const { token, sku, pool } = await account(other, 'Crash');
    const viaOther = new ApiClient(other.baseUrl, token);
    const created = await viaOther.post('/preview/v2/instances', { pool, image: 'ubuntu-24.04-cuda-12.8', instance_sku: sku, name: 'cut', cloud_init_user_data: userData(['echo "CUT-MARKER"']) });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    if (leader.child.exitCode === null && leader.child.signalCode === null) await new Promise((resolve) => leader.child.once('exit', resolve));
    expect(leader.child.signalCode, leader.output()).toBe('SIGKILL');
    const firstGuest = `${join(directory, 'first', 'sandbox', id)}/`;
    expect(processesWithMarker(firstGuest).length).toBeGreaterThan(0);

    // The other process leads now: it fails the instance, with the reason in its log.
    await eventually('the instance to fail', async () => (await viaOther.get(`/preview/v2/instances/${id}`)).body.status === 'failed');
    const log = await eventually('the reason in the log', async () => {
      const logged = text(await lines(viaOther, id));
      return logged.includes('allot lost its leadership while launching the guest') ? logged : null;
    });
    expect(log).toContain(join(directory, 'first'));
    // It launched nothing (it would have killed itself), and has nothing of the guest.
    expect(other.child.exitCode === null && other.child.signalCode === null, other.output()).toBe(true);
    expect(existsSync(join(directory, 'second', 'sandbox', id))).toBe(false);

    // The guest left at the first place is stopped by an allot process there once it leads.
    await other.stop();
    const back = await serve(db, 'first');
    await eventually('the guest left at the first place to end', async () => processesWithMarker(firstGuest).length === 0, 60_000);
    expect((await new ApiClient(back.baseUrl, token).get(`/preview/v2/instances/${id}`)).body.status).toBe('failed');
    await back.stop();
  });
});
