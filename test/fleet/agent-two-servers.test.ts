// Two `allot serve --driver fleet` processes on one PostgreSQL database, an agent attached to
// each (in network namespaces where the test may make them): both processes list the same two
// hosts, instances are placed on both whichever process was asked, and the audit is clean.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { ApiClient } from '../support/client.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { dropSchema, freshSchema, postgresUrl } from '../support/stores.js';
import { type AgentProcess, eventually, makeNamespace, type Namespace, namespacesUnavailable, startAgentProcess } from './agent-support.js';

const operatorToken = 'allot_admin_agent-two-servers';
const noNamespaces = namespacesUnavailable();

describe.skipIf(postgresUrl === undefined || postgresUrl === '')('two allot processes on one PostgreSQL database with agents attached to each', { timeout: 240_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-agent-two-'));
  const schema = `allot_agent_two_${process.pid}`;
  const servers: ServeProcess[] = [];
  const agents: AgentProcess[] = [];
  const namespaces: Namespace[] = [];
  const stateDirectories: string[] = [];
  let accountToken = '';

  const operator = (index: number) => new ApiClient(servers[index]!.baseUrl, operatorToken);
  const portOf = (server: ServeProcess) => new URL(server.baseUrl).port;

  beforeAll(async () => {
    const db = await freshSchema(schema);
    // One after the other: the first migrates the schema.
    for (let index = 0; index < 2; index++) servers.push(await startServeProcess(['--db', db, '--seed', 'none', '--driver', 'fleet', '--host', '0.0.0.0', '--fleet-down-after', '10', '--fleet-heartbeat', '1'], { ALLOT_ADMIN_TOKEN: operatorToken }));
    accountToken = (await operator(0).post('/admin/v1/accounts', { name: 'Two' })).body.token;
    const sku = (await operator(0).post('/admin/v1/instance_skus', { alias: 'two-sku', accelerator: 'h100', num_accelerators: 8 })).body.id;
    const client = new ApiClient(servers[1]!.baseUrl, accountToken);
    const pool = (await client.post('/preview/v2/pools', { workspace: 'default', name: 'two' })).body.id;
    const minute = Math.floor(Date.now() / 60_000) * 60;
    expect((await operator(1).post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: [{ start_at: minute, end_at: null, node_count: 2 }] })).status).toBe(201);
    const hostToken = (await operator(1).post('/admin/v1/host_tokens', { name: 'two' })).body.token as string;
    for (let index = 0; index < 2; index++) {
      const namespace = noNamespaces === null ? makeNamespace(`t${process.pid % 10000}`, index + 1) : null;
      if (namespace !== null) namespaces.push(namespace);
      const stateDirectory = join(directory, `agent${index}`);
      stateDirectories.push(stateDirectory);
      const server = `http://${namespace?.peerAddress ?? '127.0.0.1'}:${portOf(servers[index]!)}`;
      agents.push(startAgentProcess(['--server', server, '--token', hostToken, '--driver', 'sandbox', '--sku', 'two-sku', '--nodes', '1', '--accelerators', 'H100:8', '--address', namespace?.agentAddress ?? '127.0.0.1', '--state-dir', stateDirectory, '--max-backoff', '1'], { netns: namespace?.name ?? null }));
    }
    for (const agent of agents) await agent.waitFor(/registered as new host/);
    // Placed by whichever process leads; asked of the other.
    for (const name of ['one', 'two']) expect((await client.post('/preview/v2/instances', { pool, image: 'ubuntu-24.04-cuda-12.8', instance_sku: sku, name })).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    for (const agent of agents) await agent.stop('SIGKILL');
    for (const server of servers) await server.stop();
    for (const stateDirectory of stateDirectories) for (const pid of processesWithMarker(`${stateDirectory}/`)) signalProcess(pid, `${stateDirectory}/`, 'SIGKILL');
    for (const namespace of namespaces) namespace.remove();
    rmSync(directory, { recursive: true, force: true });
    await dropSchema(schema);
  }, 120_000);

  it('shows one fleet from both processes, with an instance running on each host', async () => {
    const summary = async (index: number) =>
      ((await operator(index).get('/admin/v1/hosts')).body.data as { id: string; status: string; instances: { id: string; state?: string }[] }[])
        .map((host) => ({ id: host.id, status: host.status, instances: host.instances.map((placed) => `${placed.id}:${placed.state}`).sort() }))
        .sort((a, b) => a.id.localeCompare(b.id));
    const seen = await eventually('both hosts running one instance each', async () => {
      const hosts = await summary(0);
      return hosts.length === 2 && hosts.every((host) => host.status === 'ready' && host.instances.length === 1 && host.instances[0]!.endsWith(':running')) ? hosts : null;
    }, 90_000);
    expect(await summary(1)).toEqual(seen);
    for (const index of [0, 1]) {
      const audit = await operator(index).get('/admin/v1/audit');
      expect(audit.body.ok, JSON.stringify(audit.body)).toBe(true);
    }
  });
});
