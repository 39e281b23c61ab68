// A fleet on one machine: `allot serve --driver fleet` and several `allot agent --driver sandbox`
// processes, each in a network namespace of its own where the test may make them (root, iproute2),
// reaching the server over a veth pair and advertising its namespace's address for SSH. Instances
// land on hosts of their SKU, never two on one node; ssh to an instance on an agent's host
// connects, with the host key the API reports; an agent killed with SIGKILL has its instances
// failed within the timeout, and its deployment replaces them on another host; an agent restarted
// adopts its guests and starts nothing twice; a server restarted while agents run is caught up
// with. The audit is clean after each scenario.

import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { ApiClient } from '../support/client.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, testDialects } from '../support/stores.js';
import { type KeyPair, ssh, sshKeyPair } from '../guests/guest-support.js';
import { type AgentProcess, eventually, makeNamespace, type Namespace, namespacesUnavailable, startAgentProcess } from './agent-support.js';

const operatorToken = 'allot_admin_agent-fleet-test';
// Long enough for a restart of the server under a loaded machine: a server away for longer than
// this finds its hosts down when it comes back (their heartbeats are that old), as it should.
const downAfterSeconds = 15;
const noNamespaces = namespacesUnavailable();
if (noNamespaces !== null) process.stdout.write(`[fleet] network namespaces unavailable (${noNamespaces}): the agents run in the test's own namespace, on 127.0.0.1\n`);

async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface HostView {
  id: string;
  hostname: string;
  address: string;
  status: string;
  node_count: number;
  instance_sku: { id: string } | string;
  instances: { id: string; node_index: number; status: string; state?: string; ssh: { hostname: string; port: number } | null }[];
}

const skuOf = (host: HostView) => (typeof host.instance_sku === 'string' ? host.instance_sku : host.instance_sku.id);

describe.each(testDialects)('a fleet of sandbox agents on %s', { timeout: 300_000 }, (dialect) => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-agent-fleet-'));
  const schema = `allot_agent_fleet_${process.pid}`;
  const tag = `f${process.pid % 10000}${dialect === 'sqlite' ? 's' : 'p'}`;
  let db = '';
  let port = 0;
  let server: ServeProcess | null = null;
  let key: KeyPair;
  let accountToken = '';
  let hostToken = '';
  let skuA = '';
  let skuB = '';
  let pool = '';
  const namespaces: Namespace[] = [];
  const agents = new Map<string, { process: AgentProcess; args: string[]; netns: string | null; address: string; stateDirectory: string }>();

  const operator = () => new ApiClient(server!.baseUrl, operatorToken);
  const client = () => new ApiClient(server!.baseUrl, accountToken);
  const serve = async () => {
    server = await startServeProcess(['--db', db, '--seed', 'none', '--driver', 'fleet', '--host', '0.0.0.0', '--port', String(port), '--fleet-down-after', String(downAfterSeconds), '--fleet-heartbeat', '1'], { ALLOT_ADMIN_TOKEN: operatorToken });
  };
  const startAgent = (name: string, sku: string, nodes: number) => {
    let entry = agents.get(name);
    if (entry === undefined) {
      const namespace = noNamespaces === null ? makeNamespace(tag, namespaces.length + 1) : null;
      if (namespace !== null) namespaces.push(namespace);
      const address = namespace?.agentAddress ?? '127.0.0.1';
      const serverAddress = namespace?.peerAddress ?? '127.0.0.1';
      const stateDirectory = join(directory, name);
      const args = ['--server', `http://${serverAddress}:${port}`, '--token', hostToken, '--driver', 'sandbox', '--sku', sku, '--nodes', String(nodes), '--accelerators', `${sku === 'fleet-a' ? 'H100' : 'A100'}:${8 * nodes}`, '--address', address, '--state-dir', stateDirectory, '--max-backoff', '1'];
      entry = { process: null as unknown as AgentProcess, args, netns: namespace?.name ?? null, address, stateDirectory };
      agents.set(name, entry);
    }
    entry.process = startAgentProcess(entry.args, { netns: entry.netns });
    return entry;
  };
  const hostIdOf = async (name: string) => (await agents.get(name)!.process.waitFor(/registered (?:as new host|again as host|as host) (\S+)/))[1]!;
  const hosts = async () => (await operator().get('/admin/v1/hosts')).body.data as HostView[];
  const host = async (id: string) => (await operator().get(`/admin/v1/hosts/${id}`)).body as HostView;
  const instance = async (id: string) => (await client().get(`/preview/v2/instances/${id}`)).body as { id: string; status: string };
  const hostOfInstance = async (id: string) => (await hosts()).find((entry) => entry.instances.some((placed) => placed.id === id)) ?? null;
  const audit = async () => {
    const answer = await operator().get('/admin/v1/audit');
    expect(answer.body.problems ?? [], JSON.stringify(answer.body)).toEqual([]);
    expect(answer.body.ok).toBe(true);
  };
  const userData = (marker: string) => Buffer.from(['#cloud-config', 'ssh_authorized_keys:', `  - ${key.publicKey}`, 'runcmd:', `  - echo "${marker} from $(hostname)"`, ''].join('\n')).toString('base64');
  const sshDetails = (id: string) =>
    eventually(`SSH details of ${id}`, async () => {
      const answer = await client().get(`/preview/v2/instances/${id}/ssh`);
      return answer.status === 200 && answer.body.host_keys.length > 0 ? (answer.body as { hostname: string; port: number; host_keys: { key_type: string; key: string }[] }) : null;
    }, 60_000);
  const guestMarker = (name: string, id: string) => `${agents.get(name)!.stateDirectory}/guests/sandbox/${id}/`;
  const runRecord = (name: string, id: string) => JSON.parse(readFileSync(join(guestMarker(name, id), 'run.json'), 'utf8')) as { pids: number[]; startedAt: number };

  beforeAll(async () => {
    key = await sshKeyPair();
    db = dialect === 'sqlite' ? `sqlite:${join(directory, 'allot.db')}` : await freshSchema(schema);
    port = await freeTcpPort();
    await serve();
    const created = await operator().post('/admin/v1/accounts', { name: 'Fleet' });
    accountToken = created.body.token;
    skuA = (await operator().post('/admin/v1/instance_skus', { alias: 'fleet-a', accelerator: 'h100', num_accelerators: 8 })).body.id;
    skuB = (await operator().post('/admin/v1/instance_skus', { alias: 'fleet-b', accelerator: 'a100', num_accelerators: 8 })).body.id;
    pool = (await client().post('/preview/v2/pools', { workspace: 'default', name: 'fleet' })).body.id;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    for (const [sku, nodes] of [[skuA, 4], [skuB, 1]] as const) {
      const issued = await operator().post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: nodes }] });
      expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    }
    const token = await operator().post('/admin/v1/host_tokens', { name: 'fleet-test' });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    hostToken = token.body.token;
  }, 120_000);

  afterAll(async () => {
    for (const entry of agents.values()) await entry.process?.stop('SIGKILL');
    await server?.stop();
    for (const entry of agents.values()) for (const pid of processesWithMarker(`${entry.stateDirectory}/`)) signalProcess(pid, `${entry.stateDirectory}/`, 'SIGKILL');
    for (const namespace of namespaces) namespace.remove();
    rmSync(directory, { recursive: true, force: true });
    if (dialect === 'postgres') await dropSchema(schema);
  }, 120_000);

  it('registers each agent as a ready host of its SKU', async () => {
    startAgent('a1', 'fleet-a', 2);
    startAgent('a2', 'fleet-a', 2);
    startAgent('b1', 'fleet-b', 1);
    const ids = await Promise.all(['a1', 'a2', 'b1'].map(hostIdOf));
    await eventually('three ready hosts', async () => (await hosts()).filter((entry) => ids.includes(entry.id) && entry.status === 'ready').length === 3);
    const listed = await hosts();
    expect(listed.find((entry) => entry.id === ids[0])).toMatchObject({ address: agents.get('a1')!.address, node_count: 2 });
    expect(skuOf(listed.find((entry) => entry.id === ids[0])!)).toBe(skuA);
    expect(skuOf(listed.find((entry) => entry.id === ids[2])!)).toBe(skuB);
  });

  let deployment = '';
  let standalone = '';

  it('places instances on hosts of their SKU, never two on one node, and ssh to one connects', async () => {
    const template = await client().post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-24.04-cuda-12.8', name: 'fleet-template', cloud_init_user_data: userData('FLEET-MARKER') });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const created = await client().post('/preview/v2/deployments', { kind: 'generic', name: 'fleet-deployment', pool, instance_sku: skuA, instance_template: template.body.id, target_instance_count: 2 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    deployment = created.body.id;
    const b = await client().post('/preview/v2/instances', { pool, image: 'ubuntu-24.04-cuda-12.8', instance_sku: skuB, name: 'on-b', cloud_init_user_data: userData('B-MARKER') });
    expect(b.status, JSON.stringify(b.body)).toBe(201);
    standalone = b.body.id;

    const placed = await eventually('three instances placed and running on hosts', async () => {
      const listed = await hosts();
      const all = listed.flatMap((entry) => entry.instances.map((placed) => ({ host: entry, placed })));
      return all.length === 3 && all.every(({ placed }) => placed.state === 'running') ? listed : null;
    }, 90_000);
    for (const entry of placed) {
      expect(entry.instances.length).toBeLessThanOrEqual(entry.node_count);
      const nodes = entry.instances.map((placed) => placed.node_index);
      expect(new Set(nodes).size, `two instances on one node of ${entry.id}`).toBe(nodes.length);
      for (const node of nodes) expect(node).toBeLessThan(entry.node_count);
    }
    const bHost = (await hostOfInstance(standalone))!;
    expect(skuOf(bHost)).toBe(skuB);
    // The listing includes ended instances: one whose guest failed to start (as under heavy load)
    // was replaced by the deployment, and stays listed as failed. Two live ones, and nothing the
    // deployment ended itself (a surplus it terminated would show a double creation).
    const managed = ((await client().get(`/preview/v2/instances?limit=200`)).body.data as { id: string; status: string; created_at: number; managed_by: { id: string } | null }[]).filter((entry) => entry.managed_by?.id === deployment);
    const statuses = JSON.stringify(managed.map((entry) => ({ id: entry.id, status: entry.status, created_at: entry.created_at })));
    const deployed = managed.filter((entry) => entry.status === 'running' || entry.status === 'awaiting_allocation');
    expect(deployed, `the deployment's instances: ${statuses}`).toHaveLength(2);
    expect(managed.filter((entry) => !deployed.includes(entry)).every((entry) => entry.status === 'failed'), `an instance of the deployment ended but did not fail: ${statuses}`).toBe(true);
    for (const entry of deployed) expect(skuOf((await hostOfInstance(entry.id))!)).toBe(skuA);

    const details = await sshDetails(standalone);
    expect(details.hostname).toBe(agents.get('b1')!.address);
    const knownHosts = join(directory, `known_hosts_${dialect}`);
    writeFileSync(knownHosts, details.host_keys.map((hostKey) => `[${details.hostname}]:${details.port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    expect((await ssh(details.hostname, details.port, key, 'hostname; echo ok', knownHosts)).split('\n').slice(0, 2)).toEqual(['on-b', 'ok']);
    await eventually('the marker in the instance logs', async () => {
      const logs = await client().get(`/preview/v2/instances/${standalone}/logs?limit=2500`);
      return (logs.body.data as { data: string }[]).map((line) => Buffer.from(line.data, 'base64').toString('utf8')).join('').includes('B-MARKER from on-b');
    });
    await audit();
  });

  it('adopts its guests when an agent restarts, and starts nothing twice', async () => {
    const a1 = await hostIdOf('a1');
    const onA1 = (await host(a1)).instances.map((placed) => placed.id);
    expect(onA1.length).toBeGreaterThan(0);
    const before = new Map(onA1.map((id) => [id, runRecord('a1', id)]));
    await agents.get('a1')!.process.stop('SIGKILL');
    startAgent('a1', 'fleet-a', 2);
    expect(await hostIdOf('a1')).toBe(a1);
    await agents.get('a1')!.process.waitFor(/registered again as host/);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const id of onA1) {
      expect(runRecord('a1', id)).toEqual(before.get(id));
      expect((await instance(id)).status).toBe('running');
    }
    expect(agents.get('a1')!.process.output()).not.toMatch(/starting inst_/);
    expect((await host(a1)).instances.map((placed) => placed.id).sort()).toEqual([...onA1].sort());
    await audit();
  });

  it('catches up after the server restarts while agents run', async () => {
    const running = (await hosts()).flatMap((entry) => entry.instances.map((placed) => placed.id));
    await server!.stop();
    for (const name of ['a1', 'a2', 'b1']) await agents.get(name)!.process.waitFor(/the server is unreachable/, 20_000);
    await serve();
    for (const name of ['a1', 'a2', 'b1']) await agents.get(name)!.process.waitFor(/caught up/, 20_000);
    await eventually('every host ready again', async () => (await hosts()).every((entry) => entry.status === 'ready'));
    for (const id of running) expect((await instance(id)).status).toBe('running');
    const details = await sshDetails(standalone);
    expect((await ssh(details.hostname, details.port, key, 'echo back')).trim()).toBe('back');
    await audit();
  });

  it('fails the instances of an agent killed with SIGKILL, and the deployment replaces them on another host', async () => {
    const a2 = await hostIdOf('a2');
    const a1 = await hostIdOf('a1');
    const onA2 = (await host(a2)).instances.map((placed) => placed.id);
    expect(onA2.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    await agents.get('a2')!.process.stop('SIGKILL');
    for (const id of onA2) await eventually(`${id} to fail`, async () => (await instance(id)).status === 'failed', (downAfterSeconds + 10) * 1000);
    const failedWithin = (Date.now() - killedAt) / 1000;
    process.stdout.write(`[fleet] ${dialect}: instances of a killed agent failed ${failedWithin.toFixed(1)} s after SIGKILL (down after ${downAfterSeconds} s)\n`);
    expect(failedWithin).toBeLessThan(downAfterSeconds + 10);
    expect((await host(a2)).status).toBe('down');
    await eventually('the deployment to run two instances on a1', async () => {
      const onA1 = (await host(a1)).instances.filter((placed) => placed.state === 'running').length;
      return onA1 === 2;
    }, 60_000);
    const deployed = ((await client().get(`/preview/v2/instances?limit=200`)).body.data as { id: string; status: string; managed_by: { id: string } | null }[]).filter((entry) => entry.managed_by?.id === deployment && entry.status === 'running');
    expect(deployed).toHaveLength(2);
    for (const entry of deployed) expect((await hostOfInstance(entry.id))!.id).toBe(a1);
    // The dead agent's sandboxes still run on this machine (as a partitioned host's would);
    // nothing stops them until an agent comes back for the host.
    await audit();
  });
});
