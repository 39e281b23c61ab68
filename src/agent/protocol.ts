// What an agent and the control plane say to each other over HTTP (docs/fleet.md): the bodies of
// the agent API, as the agent sends and reads them. The server's schemas are the authority; these
// are the agent's view of them, checked as they are read (`readHeartbeatAnswer`), so that a
// server of another version fails loudly instead of being misread.

import type { RunState } from '../providers/driver.js';

export interface Accelerator {
  readonly model: string;
  readonly count: number;
}

/** `POST /agent/v1/hosts`. */
export interface Registration {
  readonly host_id: string | null;
  readonly hostname: string;
  readonly address: string;
  readonly instance_sku: string;
  readonly node_count: number;
  readonly accelerators: readonly Accelerator[];
  readonly cpus: number;
  readonly memory_bytes: number;
  readonly disk_bytes: number;
  readonly driver: 'sandbox' | 'qemu';
}

export interface RegistrationAnswer {
  readonly host_id: string;
  readonly heartbeat_interval_seconds: number;
  readonly down_after_seconds: number;
}

/** One guest as the agent reports it in a heartbeat. */
export interface RunReport {
  readonly instance_id: string;
  readonly state: RunState;
  readonly failure: string | null;
  readonly ssh_port: number | null;
  readonly https_port: number | null;
  readonly host_keys: readonly { readonly key_type: string; readonly key: string }[];
  readonly started_at: number;
  readonly ready_at: number | null;
  readonly ended_at: number | null;
}

/** What the server wants run: the driver's LaunchSpec, as JSON. */
export interface LaunchSpecJson {
  readonly instance_id: string;
  readonly hostname: string;
  readonly instance_sku: string;
  readonly node_index?: number;
  readonly vcpus: number | null;
  readonly memory_bytes: number | null;
  /**
   * An uploaded image: a signed download URL (absolute, or relative to the server) and the
   * SHA-256 its bytes must have. A catalogue image has neither: the agent's driver configuration
   * names the file that boots for its `name`.
   */
  readonly image: { readonly id?: string; readonly name: string; readonly url: string | null; readonly sha256: string | null; readonly size_bytes?: number | null } | null;
  readonly user_data_base64: string | null;
  readonly ssh_authorized_keys: readonly string[];
  readonly forward_443: boolean;
}

export type RunAction = 'run' | 'stop' | 'remove';

export interface WantedRun {
  readonly instance_id: string;
  readonly action: RunAction;
  readonly launch: LaunchSpecJson | null;
}

export interface HeartbeatAnswer {
  readonly runs: readonly WantedRun[];
  /** The interval the server wants now, when it says. */
  readonly heartbeat_interval_seconds?: number;
}

export interface LogChunk {
  readonly seqnum: number;
  /** Unix seconds. */
  readonly at: number;
  /** Since the guest started. */
  readonly monotonic_seconds: number;
  readonly monotonic_nanos: number;
  readonly data_base64: string;
}

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function readRegistrationAnswer(body: unknown): RegistrationAnswer {
  if (!isRecord(body) || typeof body.host_id !== 'string' || typeof body.heartbeat_interval_seconds !== 'number' || typeof body.down_after_seconds !== 'number') {
    throw new ProtocolError(`the server's answer to registration is not {host_id, heartbeat_interval_seconds, down_after_seconds}: ${JSON.stringify(body)}`);
  }
  return { host_id: body.host_id, heartbeat_interval_seconds: body.heartbeat_interval_seconds, down_after_seconds: body.down_after_seconds };
}

export function readHeartbeatAnswer(body: unknown): HeartbeatAnswer {
  if (!isRecord(body) || !Array.isArray(body.runs)) throw new ProtocolError(`the server's answer to a heartbeat has no runs: ${JSON.stringify(body)}`);
  const runs = body.runs.map((run: unknown): WantedRun => {
    if (!isRecord(run) || typeof run.instance_id !== 'string' || !['run', 'stop', 'remove'].includes(run.action as string)) {
      throw new ProtocolError(`a run in the server's heartbeat answer is not {instance_id, action, launch}: ${JSON.stringify(run)}`);
    }
    if (!/^[A-Za-z0-9_-]+$/.test(run.instance_id)) throw new ProtocolError(`the server named an instance id the agent will not use as a folder name: ${JSON.stringify(run.instance_id)}`);
    const launch = run.launch ?? null;
    // `run` without a launch: keep what runs (the server has seen it reported).
    if (run.action === 'run' && launch !== null && !isLaunchSpec(launch)) throw new ProtocolError(`the server asked to run ${run.instance_id} with a launch spec the agent cannot read: ${JSON.stringify(launch)}`);
    return { instance_id: run.instance_id, action: run.action as RunAction, launch: run.action === 'run' ? (launch as LaunchSpecJson | null) : null };
  });
  const interval = typeof body.heartbeat_interval_seconds === 'number' ? body.heartbeat_interval_seconds : undefined;
  return interval === undefined ? { runs } : { runs, heartbeat_interval_seconds: interval };
}

function isLaunchSpec(value: unknown): value is LaunchSpecJson {
  if (!isRecord(value)) return false;
  if (typeof value.instance_id !== 'string' || typeof value.hostname !== 'string') return false;
  const image = value.image;
  if (image !== null && image !== undefined) {
    if (!isRecord(image)) return false;
    if (!(image.url === null || image.url === undefined || typeof image.url === 'string') || !(image.sha256 === null || image.sha256 === undefined || typeof image.sha256 === 'string')) return false;
    if (typeof image.url === 'string' && typeof image.sha256 !== 'string') return false;
  }
  return true;
}
