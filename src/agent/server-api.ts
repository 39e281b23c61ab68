// The agent's HTTP client of the control plane's agent API (docs/fleet.md): JSON over fetch with
// the host token, a timeout on every call, and two kinds of failure the agent treats apart — the
// server could not be asked (`Unreachable`: connection refused, timeout, 5xx, an allot behind a
// lost database answering 503) and the server refused (`Refused`: a 4xx with SF Compute's envelope).

import { type HeartbeatAnswer, type LogChunk, readHeartbeatAnswer, readRegistrationAnswer, type Registration, type RegistrationAnswer, type RunReport } from './protocol.js';

const callTimeoutMillis = 15_000;

export class Unreachable extends Error {
  override readonly name = 'Unreachable';
}

export class Refused extends Error {
  override readonly name = 'Refused';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

export class AgentApi {
  readonly baseUrl: string;

  constructor(server: string, private readonly token: string) {
    this.baseUrl = server.replace(/\/+$/, '');
  }

  async register(registration: Registration): Promise<RegistrationAnswer> {
    return readRegistrationAnswer(await this.call('POST', '/agent/v1/hosts', registration));
  }

  async heartbeat(hostId: string, runs: readonly RunReport[]): Promise<HeartbeatAnswer> {
    // When it was sent, on this machine's clock: the server reads the reported times against it.
    return readHeartbeatAnswer(await this.call('POST', `/agent/v1/hosts/${encodeURIComponent(hostId)}/heartbeat`, { sent_at: Math.floor(Date.now() / 1000), runs }));
  }

  async sendLogs(hostId: string, instanceId: string, chunks: readonly LogChunk[]): Promise<void> {
    await this.call('POST', `/agent/v1/hosts/${encodeURIComponent(hostId)}/logs`, { instance_id: instanceId, chunks });
  }

  /** A URL the server gave (a signed image URL), made absolute against the server's. */
  resolve(url: string): string {
    return new URL(url, `${this.baseUrl}/`).toString();
  }

  private async call(method: string, path: string, body: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(callTimeoutMillis),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Unreachable(`${method} ${path}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500 || response.status === 429) throw new Unreachable(`${method} ${path} answered HTTP ${response.status}`);
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!response.ok) {
      const message = (parsed as { error?: { message?: string } } | undefined)?.error?.message ?? text;
      throw new Refused(`${method} ${path} was refused with HTTP ${response.status}: ${message}`, response.status);
    }
    return parsed;
  }
}
