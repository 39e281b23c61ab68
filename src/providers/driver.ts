// The lifecycle side of where instances run: a driver starts, stops and watches the machine behind
// each instance (a QEMU VM, a bubblewrap sandbox, or nothing at all for the simulated driver).
// The engine calls it outside store transactions and records what it did, so every call is
// idempotent and addressed by the instance id: starting a started instance answers its status,
// stopping a stopped one does nothing, and `list()` says at start-up what exists, for allot to
// reconcile with what it recorded. A driver depends on nothing but its host (no store, no HTTP),
// so the fleet's agents run the same drivers on other machines.

import type { ConsoleLine, InstanceProvider, ProviderInstance, SshInfo } from './provider.js';

export type DriverKind = 'simulated' | 'sandbox' | 'qemu';

/** What a driver is asked to run. */
export interface LaunchSpec {
  readonly instanceId: string;
  /** The guest's hostname: the instance's name. */
  readonly hostname: string;
  /** The instance SKU (id or alias), which the operator's configuration may map to devices. */
  readonly instanceSku: string;
  /** What the SKU gives one node; the driver scales it to the host (see `GuestResources`). */
  readonly vcpus: number | null;
  readonly memoryBytes: number | null;
  /** The disk image to boot (raw or qcow2) and the SHA-256 it must have; the sandbox runs the host's own system and ignores it. */
  readonly image: { readonly path: string; readonly sha256: string } | null;
  /** Cloud-init user data, decoded: a `#!` script or `#cloud-config`. */
  readonly userData: Uint8Array | null;
  /** The account's SSH public keys, authorised for root (and given to cloud-init as public-keys). */
  readonly sshAuthorizedKeys: readonly string[];
  /** Whether the guest's port 443 is forwarded too. */
  readonly forward443: boolean;
}

/**
 * `starting`: accepted, waiting for a boot slot or booting; `running`: its SSH server answers;
 * `stopping`: asked to power off; `stopped`: ended because it was asked to; `failed`: could not
 * boot, or ended without being asked (`failure` says why).
 */
export type RunState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface RunStatus {
  readonly instanceId: string;
  readonly state: RunState;
  /** Why it failed, as its console log says too; null unless `failed`. */
  readonly failure: string | null;
  /** Unix seconds. */
  readonly startedAt: number;
  readonly readyAt: number | null;
  readonly endedAt: number | null;
  /** Host ports forwarded to the guest's 22 and (when asked) 443. */
  readonly sshPort: number | null;
  readonly httpsPort: number | null;
}

export type DriverEvent =
  | { readonly type: 'ready'; readonly status: RunStatus }
  | { readonly type: 'ended'; readonly status: RunStatus };

export interface InstanceDriver extends InstanceProvider {
  readonly kind: DriverKind;
  /**
   * Whether what it runs outlives the allot process (VMs and sandboxes do). The simulated
   * driver's instances are nothing but the store's records, so there is nothing to reconcile.
   */
  readonly persistent: boolean;
  /** A driver reads its own host: its answers are at hand. */
  consoleLog(instance: ProviderInstance, now: number): ConsoleLine[];
  sshInfo(instance: ProviderInstance, now: number): SshInfo | null;
  /** The console lines after `seqnum` of a guest this driver has started or adopted (what the guest worker publishes); none for others. */
  consoleAfter(instanceId: string, seqnum: number): ConsoleLine[];
  /** Throws a PrerequisiteError naming what to install when the host lacks something it needs. */
  checkPrerequisites(): void;
  /** Starts the instance unless it exists already; answers at once, before the boot ends. */
  start(spec: LaunchSpec): Promise<RunStatus>;
  /**
   * Records an instance that cannot be started (its image is missing, say) as `failed`, with the
   * reason in its console log, so that it reads like any failed boot; null where nothing is kept.
   */
  refuse(instanceId: string, failure: string): Promise<RunStatus | null>;
  /** Powers the instance off (then kills it after the grace period) and answers once it has ended. */
  stop(instanceId: string): Promise<RunStatus | null>;
  status(instanceId: string): RunStatus | null;
  /** Everything the driver has on this host, running or ended but not removed. */
  list(): Promise<RunStatus[]>;
  /** Forgets an ended instance and deletes what it kept (disk overlay, console log). */
  remove(instanceId: string): Promise<void>;
  /** Calls `listener` when an instance becomes ready or ends; returns the unsubscribe. */
  subscribe(listener: (event: DriverEvent) => void): () => void;
  /** Stops watching; what runs keeps running, for the next process to adopt. */
  close(): Promise<void>;
}
