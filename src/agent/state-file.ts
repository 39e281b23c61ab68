// What an agent remembers across restarts, in agent.json of its state directory: the host id the
// control plane gave it (so a restarted agent registers as the same host) and, per instance, the
// last console line the server acknowledged (so logs resume where they stopped; resending is
// harmless, since the server keeps lines by seqnum). Written through a temporary file and renamed.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Stored {
  readonly server: string | null;
  readonly host_id: string | null;
  readonly logs_sent: Record<string, number>;
}

export class AgentState {
  private stored: Stored;
  private readonly path: string;

  constructor(stateDirectory: string) {
    mkdirSync(stateDirectory, { recursive: true });
    this.path = join(stateDirectory, 'agent.json');
    this.stored = existsSync(this.path) ? { server: null, host_id: null, logs_sent: {}, ...(JSON.parse(readFileSync(this.path, 'utf8')) as Partial<Stored>) } : { server: null, host_id: null, logs_sent: {} };
  }

  get hostId(): string | null {
    return this.stored.host_id;
  }

  get server(): string | null {
    return this.stored.server;
  }

  setHost(server: string, hostId: string | null): void {
    if (this.stored.host_id === hostId && this.stored.server === server) return;
    this.save({ ...this.stored, server, host_id: hostId });
  }

  logsSent(instanceId: string): number {
    return this.stored.logs_sent[instanceId] ?? 0;
  }

  setLogsSent(instanceId: string, seqnum: number): void {
    if (this.logsSent(instanceId) === seqnum) return;
    this.save({ ...this.stored, logs_sent: { ...this.stored.logs_sent, [instanceId]: seqnum } });
  }

  forget(instanceId: string): void {
    if (!(instanceId in this.stored.logs_sent)) return;
    const { [instanceId]: _gone, ...rest } = this.stored.logs_sent;
    this.save({ ...this.stored, logs_sent: rest });
  }

  private save(next: Stored): void {
    this.stored = next;
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(next, null, 1)}\n`);
    renameSync(`${this.path}.tmp`, this.path);
  }
}
