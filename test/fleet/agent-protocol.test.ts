// `allot agent` against a stand-in control plane that speaks the agent protocol (docs/fleet.md)
// and nothing else, so the agent's own behaviour is seen apart from placement: it registers and
// keeps its host id across restarts; it starts what the answers say to run, once, with the
// sandbox driver, and reports its SSH port and host key (ssh with that key connects); it sends
// console lines by seqnum, resuming after a restart; a restart (even after SIGKILL) adopts what
// runs and starts nothing twice; with the server gone the guests keep running, and the agent
// catches up once it is back; what the answers stop, or no longer name, is stopped and removed.

import { readFileSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWithMarker, signalProcess } from '../../src/providers/host-processes.js';
import { type KeyPair, ssh, sshKeyPair } from '../guests/guest-support.js';
import { type AgentProcess, eventually, startAgentProcess } from './agent-support.js';

const hostToken = 'allot_host_agent-protocol-test';

interface Report {
  instance_id: string;
  state: string;
  failure: string | null;
  ssh_port: number | null;
  host_keys: { key_type: string; key: string }[];
  started_at: number;
}

/** The stand-in: one host token, hosts by id, what the test wants run, what the agent reported and the log lines it sent. */
class FakeControlPlane {
  server: Server | null = null;
  port = 0;
  readonly hosts = new Map<string, Record<string, unknown>>();
  readonly wanted = new Map<string, { instance_id: string; action: 'run' | 'stop' | 'remove'; launch: unknown }>();
  reports = new Map<string, Report>();
  readonly logs = new Map<string, Map<number, string>>();
  registrations = 0;
  heartbeats = 0;
  refusals: string[] = [];

  async listen(port = 0): Promise<void> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
    this.server = null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  logText(id: string): string {
    return [...(this.logs.get(id) ?? new Map<number, string>()).entries()].sort(([a], [b]) => a - b).map(([, data]) => Buffer.from(data, 'base64').toString('utf8')).join('');
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    const send = (status: number, body?: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body === undefined ? '' : JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${hostToken}`) {
      this.refusals.push(`${request.url} 401`);
      return send(401, { error: { type: 'authentication_error', message: 'unknown host token' } });
    }
    const body = JSON.parse(text) as Record<string, any>;
    const url = request.url ?? '';
    if (request.method === 'POST' && url === '/agent/v1/hosts') {
      this.registrations++;
      let id = body.host_id as string | null;
      if (id !== null && !this.hosts.has(id)) return send(404, { error: { type: 'not_found_error', message: `no host ${id}` } });
      id ??= `host_fake${this.hosts.size + 1}`;
      this.hosts.set(id, body);
      return send(200, { host_id: id, heartbeat_interval_seconds: 0.5, down_after_seconds: 10 });
    }
    const heartbeat = /^\/agent\/v1\/hosts\/([^/]+)\/heartbeat$/.exec(url);
    if (request.method === 'POST' && heartbeat !== null) {
      if (!this.hosts.has(heartbeat[1]!)) return send(404, { error: { type: 'not_found_error', message: 'no such host' } });
      this.heartbeats++;
      this.reports = new Map((body.runs as Report[]).map((run) => [run.instance_id, run]));
      return send(200, { runs: [...this.wanted.values()] });
    }
    const logs = /^\/agent\/v1\/hosts\/([^/]+)\/logs$/.exec(url);
    if (request.method === 'POST' && logs !== null) {
      const lines = this.logs.get(body.instance_id) ?? new Map<number, string>();
      for (const chunk of body.chunks as { seqnum: number; data_base64: string }[]) lines.set(chunk.seqnum, chunk.data_base64);
      this.logs.set(body.instance_id, lines);
      return send(204);
    }
    return send(404, { error: { type: 'not_found_error', message: `no route ${url}` } });
  }
}

describe('allot agent against a stand-in control plane', { timeout: 180_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-agent-protocol-'));
  const stateDirectory = join(directory, 'agent');
  const guests = join(stateDirectory, 'guests');
  const plane = new FakeControlPlane();
  let key: KeyPair;
  let agent: AgentProcess | null = null;

  const startAgent = () => {
    agent = startAgentProcess(['--server', plane.url, '--token', hostToken, '--driver', 'sandbox', '--sku', 'sandbox-sku', '--nodes', '2', '--address', '127.0.0.1', '--state-dir', stateDirectory, '--accelerators', 'H100:8', '--max-backoff', '1']);
    return agent;
  };
  const launch = (id: string, marker: string) => ({
    instance_id: id,
    action: 'run' as const,
    launch: {
      instance_id: id,
      hostname: id.replace(/_/g, '-'),
      instance_sku: 'sandbox-sku',
      vcpus: 1,
      memory_bytes: 256 * 2 ** 20,
      image: null,
      user_data_base64: Buffer.from(`#!/bin/sh\necho "${marker} from $(hostname)"\n`).toString('base64'),
      ssh_authorized_keys: [key.publicKey],
      forward_443: false,
    },
  });
  const running = (id: string) => eventually(`${id} to run with its host key`, () => {
    const report = plane.reports.get(id);
    return report?.state === 'running' && report.host_keys.length > 0 ? report : null;
  });
  const runRecord = (id: string) => JSON.parse(readFileSync(join(guests, 'sandbox', id, 'run.json'), 'utf8')) as { pids: number[]; startedAt: number };

  beforeAll(async () => {
    key = await sshKeyPair();
    await plane.listen();
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await plane.close();
    for (const pid of processesWithMarker(`${guests}/`)) signalProcess(pid, `${guests}/`, 'SIGKILL');
    rmSync(directory, { recursive: true, force: true });
  });

  it('registers with what it found of the host and keeps its host id', async () => {
    startAgent();
    const [, hostId] = await agent!.waitFor(/registered as new host (\S+)/);
    const registration = plane.hosts.get(hostId!)!;
    expect(registration).toMatchObject({ host_id: null, address: '127.0.0.1', instance_sku: 'sandbox-sku', node_count: 2, driver: 'sandbox', accelerators: [{ model: 'H100', count: 8 }] });
    expect(registration.cpus).toBeGreaterThan(0);
    expect(registration.memory_bytes).toBeGreaterThan(0);
    expect(registration.disk_bytes).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(stateDirectory, 'agent.json'), 'utf8')).host_id).toBe(hostId);
    await eventually('a heartbeat', () => plane.heartbeats > 0);
  });

  it('runs what the answer says, reports its SSH port and host key, and sends its console', async () => {
    plane.wanted.set('inst_a', launch('inst_a', 'MARKER-A'));
    const report = await running('inst_a');
    const knownHosts = join(directory, 'known_hosts');
    writeFileSync(knownHosts, report.host_keys.map((hostKey) => `[127.0.0.1]:${report.ssh_port} ${hostKey.key_type} ${hostKey.key}\n`).join(''));
    expect((await ssh('127.0.0.1', report.ssh_port!, key, 'hostname', knownHosts)).trim()).toBe('inst-a');
    await eventually('the marker in the logs the server has', () => plane.logText('inst_a').includes('MARKER-A from inst-a'));
    // Seqnums from 1, no gaps.
    const seqnums = [...plane.logs.get('inst_a')!.keys()].sort((a, b) => a - b);
    expect(seqnums).toEqual(seqnums.map((_, index) => index + 1));
  });

  it('adopts its guests after SIGKILL and starts nothing twice', async () => {
    const before = runRecord('inst_a');
    const sentBefore = plane.logs.get('inst_a')!.size;
    await agent!.stop('SIGKILL');
    plane.logs.delete('inst_a');
    const registrations = plane.registrations;
    startAgent();
    const [, hostId] = await agent!.waitFor(/registered again as host (\S+)/);
    expect(plane.hosts.has(hostId!)).toBe(true);
    expect(plane.registrations).toBe(registrations + 1);
    const heartbeats = plane.heartbeats;
    await eventually('some heartbeats', () => plane.heartbeats >= heartbeats + 4);
    expect(plane.reports.get('inst_a')).toMatchObject({ state: 'running', started_at: before.startedAt });
    expect(runRecord('inst_a').pids).toEqual(before.pids);
    expect(agent!.output()).not.toMatch(/starting inst_a/);
    // Lines already acknowledged are not sent again.
    expect(plane.logs.get('inst_a')?.size ?? 0).toBeLessThan(sentBefore);
  });

  it('keeps its guests running while the server is gone, and catches up when it is back', async () => {
    const port = plane.port;
    await plane.close();
    await agent!.waitFor(/the server is unreachable/);
    const report = plane.reports.get('inst_a')!;
    const pids = runRecord('inst_a').pids;
    // Wanted while the server was away: started once it answers again.
    plane.wanted.set('inst_b', launch('inst_b', 'MARKER-B'));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await ssh('127.0.0.1', report.ssh_port!, key, 'echo still')).trim()).toBe('still');
    await plane.listen(port);
    await agent!.waitFor(/caught up/);
    await running('inst_b');
    expect(runRecord('inst_a').pids).toEqual(pids);
  });

  it('stops what the answer stops or no longer names, and removes what it removes', async () => {
    plane.wanted.set('inst_a', { instance_id: 'inst_a', action: 'stop', launch: null });
    plane.wanted.delete('inst_b');
    await eventually('both to stop', () => plane.reports.get('inst_a')?.state === 'stopped' && processesWithMarker(join(guests, 'sandbox', 'inst_b') + '/').length === 0, 60_000);
    expect(processesWithMarker(join(guests, 'sandbox', 'inst_a') + '/')).toEqual([]);
    // Not named and ended: removed from the host.
    await eventually('inst_b to be removed', () => !existsSync(join(guests, 'sandbox', 'inst_b')));
    plane.wanted.set('inst_a', { instance_id: 'inst_a', action: 'remove', launch: null });
    await eventually('inst_a to be removed', () => !existsSync(join(guests, 'sandbox', 'inst_a')));
    await eventually('no reports', () => plane.reports.size === 0);
  });

  it('leaves at SIGTERM without touching its guests', async () => {
    plane.wanted.clear();
    plane.wanted.set('inst_c', launch('inst_c', 'MARKER-C'));
    await running('inst_c');
    expect(await agent!.stop('SIGTERM')).toBe(0);
    expect(processesWithMarker(join(guests, 'sandbox', 'inst_c') + '/').length).toBeGreaterThan(0);
  });

  it('refuses to start with a wrong token, saying so', async () => {
    const wrong = startAgentProcess(['--server', plane.url, '--token', 'allot_host_wrong', '--driver', 'sandbox', '--sku', 'sandbox-sku', '--state-dir', join(directory, 'other')]);
    await eventually('the wrong agent to exit', () => wrong.child.exitCode !== null, 30_000);
    expect(wrong.child.exitCode).toBe(4);
    expect(wrong.output()).toMatch(/refused the host token/);
  });
});
