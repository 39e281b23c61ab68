// Where instances run. The control plane decides when an instance runs (the reconciler); a
// provider is what a running instance looks like from inside: its console log and how to reach
// it over SSH. The simulated provider derives both from the clock; a real provider would ask the
// hardware.

export interface ProviderInstance {
  readonly id: string;
  readonly name: string;
  readonly imageName: string;
  /** Base64 cloud-init user data, or null. */
  readonly cloudInitUserData: string | null;
  readonly enablePublicIpv4: boolean;
  /** When the instance started running, or null if it never ran. */
  readonly startedAt: number | null;
  /** When it stopped running (terminated or failed), or null. */
  readonly endedAt: number | null;
  readonly endReason: 'terminated' | 'failed' | null;
  /** Its instance SKU: where drivers differ per SKU, it says which driver runs the instance. */
  readonly instanceSku?: { readonly id: string; readonly alias: string };
}

export interface ConsoleLine {
  readonly seqnum: number;
  readonly timestampRealtime: number;
  readonly monotonicSeconds: number;
  readonly monotonicNanos: number;
  /** Raw console bytes. */
  readonly data: string;
}

export interface SshHostKey {
  readonly keyType: string;
  /** Base64 public key. */
  readonly key: string;
}

export interface SshInfo {
  readonly hostname: string;
  readonly port: number;
  readonly hostKeys: readonly SshHostKey[];
  readonly lastSuccessfulKeyUpdateAt: number | null;
  readonly lastAttemptedKeyUpdateAt: number | null;
}

export interface InstanceProvider {
  /** The console log written up to `now`, in order (read from the store where a fleet's agents sent it). */
  consoleLog(instance: ProviderInstance, now: number): ConsoleLine[] | Promise<ConsoleLine[]>;
  /** How to reach the instance over SSH as of `now`, or null if it never ran. */
  sshInfo(instance: ProviderInstance, now: number): SshInfo | null | Promise<SshInfo | null>;
  /** The public IPv4 address of an instance that asked for one. */
  publicIp(instance: ProviderInstance): string | null;
}
