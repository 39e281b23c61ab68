// Helpers for the fleet's API tests: a server with a fleet, host tokens, and a test that acts as
// an agent by calling the agent API over HTTP (docs/fleet.md).

import { expect } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import type { StoreDialect } from '../../src/store/store.js';

export const downAfterSeconds = 30;

export function startFleetServer(dialect: StoreDialect, downAfter = downAfterSeconds): Promise<TestServer> {
  return startTestServer(dialect, { fleet: { downAfterSeconds: downAfter, heartbeatIntervalSeconds: 5 } });
}

/** The hosts the operator lists, by id. */
export async function hostsById(server: TestServer): Promise<Map<string, any>> {
  const listed = await server.operator.get('/admin/v1/hosts?limit=200');
  expect(listed.status).toBe(200);
  return new Map((listed.body.data as any[]).map((host) => [host.id, host]));
}

/** Every (host, node) pair that runs an instance, checking none is taken twice. */
export function occupiedNodes(hosts: Map<string, any>): Map<string, string> {
  const nodes = new Map<string, string>();
  for (const host of hosts.values()) {
    for (const instance of host.instances) {
      const key = `${host.id}/${instance.node_index}`;
      expect(nodes.has(key), `two instances on ${key}`).toBe(false);
      expect(instance.node_index).toBeLessThan(host.node_count);
      nodes.set(key, instance.id);
    }
  }
  return nodes;
}

export async function newHostToken(server: TestServer, name = 'rack'): Promise<{ id: string; token: string; agent: ApiClient }> {
  const created = await server.operator.post('/admin/v1/host_tokens', { name });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return { id: created.body.id, token: created.body.token, agent: server.anonymous.withToken(created.body.token) };
}

let hostCounter = 0;

/** A host's registration; its accelerators are what the test SKUs want (H100, 8 per node) unless `extra` says. */
export function hostFacts(instanceSku: string, extra: Record<string, unknown> = {}) {
  const n = ++hostCounter;
  const nodes = typeof extra.node_count === 'number' ? extra.node_count : 2;
  return {
    host_id: null,
    hostname: `gpu-${n}`,
    address: `10.0.0.${n}`,
    instance_sku: instanceSku,
    node_count: 2,
    accelerators: [{ model: 'H100', count: 8 * nodes }],
    cpus: 64,
    memory_bytes: 2 ** 40,
    disk_bytes: 2 ** 42,
    driver: 'sandbox',
    ...extra,
  };
}

export async function register(agent: ApiClient, facts: Record<string, unknown>): Promise<string> {
  const registered = await agent.post('/agent/v1/hosts', facts);
  expect(registered.status, JSON.stringify(registered.body)).toBe(200);
  return registered.body.host_id as string;
}

export interface Report {
  instance_id: string;
  state: 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';
  failure?: string | null;
  ssh_port?: number | null;
  host_keys?: { key_type: string; key: string }[];
}

export interface Answer {
  host_id: string;
  status: string;
  runs: { instance_id: string; node_index: number; action: 'run' | 'stop' | 'remove'; launch: Record<string, any> | null }[];
}

export async function beat(agent: ApiClient, hostId: string, runs: Report[] = []): Promise<Answer> {
  const answered = await agent.post(`/agent/v1/hosts/${hostId}/heartbeat`, { runs });
  expect(answered.status, JSON.stringify(answered.body)).toBe(200);
  return answered.body as Answer;
}

/** A simple agent: keeps what it was told to run, and reports it as running (stopped once asked to stop). */
export class FakeAgent {
  readonly guests = new Map<string, Report>();
  lastAnswer: Answer | null = null;
  constructor(
    readonly client: ApiClient,
    readonly hostId: string,
    private nextPort = 2200,
  ) {}

  async beat(): Promise<Answer> {
    const answer = await beat(this.client, this.hostId, [...this.guests.values()]);
    const named = new Set(answer.runs.map((run) => run.instance_id));
    for (const run of answer.runs) {
      const guest = this.guests.get(run.instance_id);
      if (run.action === 'run' && guest === undefined && run.launch !== null) this.guests.set(run.instance_id, { instance_id: run.instance_id, state: 'running', ssh_port: this.nextPort++, host_keys: [{ key_type: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIFakeKey' }] });
      if (run.action === 'stop' && guest !== undefined) this.guests.set(run.instance_id, { ...guest, state: 'stopped' });
      if (run.action === 'remove') this.guests.delete(run.instance_id);
    }
    for (const id of [...this.guests.keys()]) if (!named.has(id)) this.guests.delete(id);
    this.lastAnswer = answer;
    return answer;
  }
}

/** Polls until `check` holds (the fleet worker acts after commits and on a timer). The wait is
 * generous: CI runs every test file at once on two cores. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMillis = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value: ${describe(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Lets every host but the `alive` ones fall silent past `down_after` until `check` holds: allot's
 * clock moves on 35 s in two steps shorter than `down_after` (30 s in these tests), the alive
 * agents beating at each, and then waits with the clock still. A host is judged silent from the
 * later of its last heartbeat and the moment allot began watching without a break
 * (domain/fleet/hosts.ts silentTooLong); on a loaded machine a stalled or failed health check
 * restarts that watch, and a clock frozen from then on would never reach `down_after` again, so a
 * wait that sees nothing moves the clock on once more. The clock stands still while a host is
 * judged, so what it decided is dated at the clock the caller reads afterwards.
 */
export async function silenceUntil<T>(server: TestServer, alive: readonly FakeAgent[], read: () => Promise<T>, check: (value: T) => boolean, timeoutMillis = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  const step = async (seconds: number) => {
    await server.advance(seconds);
    for (const agent of alive) await agent.beat();
  };
  await step(20);
  await step(15);
  for (;;) {
    try {
      return await eventually(read, check, Math.min(10_000, Math.max(0, deadline - Date.now())));
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await step(15);
  }
}

function describe(value: unknown): string {
  return JSON.stringify(value instanceof Map ? Object.fromEntries(value) : value);
}
