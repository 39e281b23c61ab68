// The simulated provider: an instance boots on the clock. Its console shows the kernel, then
// each cloud-init stage (with the first line of the user's script), and SSH host keys appear
// once it has booted, `bootSeconds` after it started running. Everything is derived from the
// instance and the time, so reads are deterministic and nothing needs scheduling. Its lifecycle
// calls only note what was asked: nothing runs, so nothing can be lost or reconciled.

import { createHash } from 'node:crypto';
import type { DriverEvent, InstanceDriver, LaunchSpec, RunStatus } from './driver.js';
import type { ConsoleLine, ProviderInstance, SshInfo } from './provider.js';

/** Seconds from running to SSH host keys, unless the operator says otherwise. */
export const defaultBootSeconds = 60;

interface Stage {
  /** Seconds after the instance started running, as a fraction of the boot time. */
  readonly at: number;
  readonly line: (instance: ProviderInstance) => string;
}

function firstScriptLine(instance: ProviderInstance): string | null {
  if (instance.cloudInitUserData === null) return null;
  const script = Buffer.from(instance.cloudInitUserData, 'base64').toString('utf8');
  const lines = script.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('#!'));
  return lines[0] ?? script.split('\n')[0] ?? null;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class SimulatedProvider implements InstanceDriver {
  readonly kind = 'simulated';
  readonly persistent = false;
  private readonly stages: readonly Stage[];
  private readonly runs = new Map<string, RunStatus>();
  private readonly listeners = new Set<(event: DriverEvent) => void>();

  constructor(private readonly bootSeconds: number = defaultBootSeconds) {
    const at = (fraction: number) => Math.floor(bootSeconds * fraction);
    this.stages = [
      { at: 0, line: () => '[    0.000000] Linux version 6.8.0-allot (simulated) #1 SMP PREEMPT_DYNAMIC' },
      { at: 0, line: (instance) => `[    0.000000] Command line: BOOT_IMAGE=/vmlinuz root=LABEL=${instance.imageName} ro console=ttyS0` },
      { at: at(0.1), line: () => '[    3.141592] systemd[1]: Detected virtualization kvm.' },
      { at: at(0.15), line: (instance) => `[    4.000000] systemd[1]: Set hostname to <${instance.name}>.` },
      { at: at(0.25), line: () => 'cloud-init[812]: Cloud-init v. 24.1 running \'init-local\'.' },
      { at: at(0.35), line: () => 'cloud-init[901]: Cloud-init v. 24.1 running \'init\'. Up 20.00 seconds.' },
      { at: at(0.5), line: () => 'cloud-init[1020]: Cloud-init v. 24.1 running \'modules:config\'.' },
      {
        at: at(0.65),
        line: (instance) => {
          const first = firstScriptLine(instance);
          return first === null
            ? 'cloud-init[1107]: Cloud-init v. 24.1 running \'modules:final\'. No user data.'
            : `cloud-init[1107]: Cloud-init v. 24.1 running 'modules:final'. Running user script: ${first}`;
        },
      },
      { at: at(0.9), line: () => 'cloud-init[1107]: Generating public/private ed25519 key pair.' },
      { at: bootSeconds, line: (instance) => `cloud-init[1107]: Cloud-init v. 24.1 finished. Datasource allot. ${instance.name} is ready.` },
    ];
  }

  consoleLog(instance: ProviderInstance, now: number): ConsoleLine[] {
    if (instance.startedAt === null) return [];
    const startedAt = instance.startedAt;
    const until = Math.min(now, instance.endedAt ?? now);
    const lines: ConsoleLine[] = [];
    for (const stage of this.stages) {
      if (startedAt + stage.at > until) break;
      lines.push({ seqnum: lines.length + 1, timestampRealtime: startedAt + stage.at, monotonicSeconds: stage.at, monotonicNanos: (lines.length * 1_000_003) % 1_000_000_000, data: `${stage.line(instance)}\n` });
    }
    if (instance.endedAt !== null && instance.endedAt <= now) {
      const message = instance.endReason === 'failed' ? 'kernel: Machine check events logged: hardware error. Instance failed.' : 'systemd-shutdown[1]: Powering off.';
      lines.push({ seqnum: lines.length + 1, timestampRealtime: instance.endedAt, monotonicSeconds: instance.endedAt - startedAt, monotonicNanos: 0, data: `${message}\n` });
    }
    return lines;
  }

  /** Its console is derived from the instance's record, never published. */
  consoleAfter(): ConsoleLine[] {
    return [];
  }

  sshInfo(instance: ProviderInstance, now: number): SshInfo | null {
    if (instance.startedAt === null) return null;
    const bootedAt = instance.startedAt + this.bootSeconds;
    const booted = now >= bootedAt && (instance.endedAt === null || instance.endedAt >= bootedAt);
    const key = digest(`host-key ${instance.id}`);
    // An OpenSSH ed25519 public key: the type, then 32 bytes of key, each length-prefixed.
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), key]);
    return {
      hostname: this.publicIp(instance) ?? this.sshAddress(instance),
      port: 22,
      hostKeys: booted ? [{ keyType: 'ssh-ed25519', key: blob.toString('base64') }] : [],
      lastSuccessfulKeyUpdateAt: booted ? bootedAt : null,
      lastAttemptedKeyUpdateAt: booted ? bootedAt : instance.startedAt,
    };
  }

  publicIp(instance: ProviderInstance): string | null {
    if (!instance.enablePublicIpv4) return null;
    return benchmarkingAddress(`public ${instance.id}`);
  }

  /**
   * Where SSH would reach an instance without a public address. Not a private network's
   * address (10.x): a client that really runs `ssh` against a simulated instance must not
   * reach some machine of the user's own network.
   */
  private sshAddress(instance: ProviderInstance): string {
    return benchmarkingAddress(`ssh ${instance.id}`);
  }

  checkPrerequisites(): void {
    // Nothing to check: nothing runs.
  }

  /** `startedAt` is the wall clock's: the simulated console itself follows the instance's recorded times. */
  async start(spec: LaunchSpec): Promise<RunStatus> {
    const existing = this.runs.get(spec.instanceId);
    if (existing !== undefined) return existing;
    const startedAt = Math.floor(Date.now() / 1000);
    const status: RunStatus = { instanceId: spec.instanceId, state: 'running', failure: null, startedAt, readyAt: startedAt, endedAt: null, sshPort: 22, httpsPort: spec.forward443 ? 443 : null };
    this.runs.set(spec.instanceId, status);
    for (const listener of this.listeners) listener({ type: 'ready', status });
    return status;
  }

  async refuse(): Promise<RunStatus | null> {
    return null;
  }

  async stop(instanceId: string): Promise<RunStatus | null> {
    const status = this.runs.get(instanceId);
    if (status === undefined || status.state === 'stopped') return status ?? null;
    const stopped: RunStatus = { ...status, state: 'stopped', endedAt: Math.floor(Date.now() / 1000) };
    this.runs.set(instanceId, stopped);
    for (const listener of this.listeners) listener({ type: 'ended', status: stopped });
    return stopped;
  }

  status(instanceId: string): RunStatus | null {
    return this.runs.get(instanceId) ?? null;
  }

  async list(): Promise<RunStatus[]> {
    return [...this.runs.values()];
  }

  async remove(instanceId: string): Promise<void> {
    this.runs.delete(instanceId);
  }

  subscribe(listener: (event: DriverEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** An address in 198.18.0.0/15, set aside for benchmarking (RFC 2544): it never collides with a real host's. */
function benchmarkingAddress(seed: string): string {
  const bytes = digest(seed);
  return `198.${18 + (bytes[0]! & 1)}.${bytes[1]}.${1 + (bytes[2]! % 254)}`;
}
