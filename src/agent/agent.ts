// `allot agent`'s runtime: one machine of a fleet, level-triggered like a kubelet. It registers
// its host (keeping the host id across restarts), then heartbeats: each heartbeat reports every
// guest its driver has, and the server answers what should run; the agent starts what is to run
// and does not yet (the driver is idempotent by instance id, and what an earlier agent process
// started is found again by the driver's `list()`, so nothing starts twice), stops what is to
// stop or is not named, removes what is to be removed, and sends the console lines the server
// has not acknowledged. Images are downloaded by their signed URL into a cache by SHA-256.
//
// When the server cannot be reached the guests keep running: the agent backs off (doubling, with
// jitter) and on reconnect reports everything as it stands, which is all the catching up there
// is. A refusal it cannot mend (a revoked token) is logged and retried at the longest backoff,
// guests untouched; a host the server no longer knows registers again as a new host, whose first
// answer names none of the old guests, so they are stopped (docs/fleet.md: an agent whose host
// was removed registers again as new).

import { existsSync } from 'node:fs';
import type { InstanceDriver, LaunchSpec, RunStatus } from '../providers/driver.js';
import { sha256OfFile } from '../providers/qemu/disk-image.js';
import type { ProviderInstance } from '../providers/provider.js';
import type { HostFacts } from './host-facts.js';
import { ImageCache } from './image-cache.js';
import type { LaunchSpecJson, LogChunk, Registration, RunReport, WantedRun } from './protocol.js';
import { AgentApi, Refused, Unreachable } from './server-api.js';
import { AgentState } from './state-file.js';

export interface AgentOptions {
  readonly server: string;
  readonly token: string;
  readonly driver: InstanceDriver & { readonly kind: 'sandbox' | 'qemu' };
  readonly host: HostFacts;
  readonly address: string;
  readonly instanceSku: string;
  readonly nodeCount: number;
  /** Where agent.json and the image cache are kept. */
  readonly stateDirectory: string;
  readonly log: (line: string) => void;
  /** Catalogue image name → the file that boots for it (the driver configuration's `images`). */
  readonly catalogueImages?: Readonly<Record<string, string>>;
  /** The longest wait between attempts while the server is unreachable (default 30 s). */
  readonly maxBackoffMillis?: number;
}

/** Refused at registration: the agent cannot work until the operator acts (a wrong token, another host's id). */
export class RegistrationRefused extends Error {
  override readonly name = 'RegistrationRefused';
}

const initialBackoffMillis = 250;
/** Lines per logs call, and bytes. */
const logBatchLines = 1000;
const logBatchBytes = 512 * 1024;
/** How soon after one heartbeat a driver event may trigger the next. */
const minimumGapMillis = 200;

interface Preparing {
  readonly startedAt: number;
  cancelled: boolean;
}

function providerInstance(id: string): ProviderInstance {
  return { id, name: id, imageName: '', cloudInitUserData: null, enablePublicIpv4: false, startedAt: null, endedAt: null, endReason: null };
}

const isEnded = (status: RunStatus) => status.state === 'stopped' || status.state === 'failed';

export class Agent {
  private readonly api: AgentApi;
  private readonly state: AgentState;
  private readonly images: ImageCache;
  private readonly preparing = new Map<string, Preparing>();
  private readonly catalogueHashes = new Map<string, Promise<string>>();
  private readonly busy = new Map<string, Promise<void>>();
  private hostId: string | null;
  private registered = false;
  private intervalMillis = 5_000;
  private failures = 0;
  private closed = false;
  private wake: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;
  private lastProblem: string | null = null;
  private readonly maxBackoffMillis: number;

  constructor(private readonly options: AgentOptions) {
    this.api = new AgentApi(options.server, options.token);
    this.state = new AgentState(options.stateDirectory);
    this.images = new ImageCache(`${options.stateDirectory}/images`);
    this.hostId = this.state.hostId;
    this.maxBackoffMillis = options.maxBackoffMillis ?? 15_000;
  }

  get id(): string | null {
    return this.hostId;
  }

  /**
   * Registers, then heartbeats until `close`. Resolves once registered; a refusal at the first
   * registration rejects (RegistrationRefused), an unreachable server is waited for.
   */
  async start(): Promise<void> {
    this.unsubscribe = this.options.driver.subscribe(() => this.poke());
    for (;;) {
      try {
        await this.register();
        break;
      } catch (error) {
        if (error instanceof Refused && (error.status === 403 || error.status === 404) && this.hostId !== null) {
          // Removed by the operator, or another token's: join as a new host (docs/fleet.md).
          this.options.log(`the server does not know host ${this.hostId} under this token (${error.message}); registering as a new host`);
          this.hostId = null;
          continue;
        }
        if (error instanceof Refused) throw new RegistrationRefused(this.describeRefusal(error));
        if (!(error instanceof Unreachable)) throw error;
        this.problem(`the server is unreachable (${error.message}); retrying`);
        await this.sleep(this.backoff());
        if (this.closed) return;
      }
    }
    this.loop = this.run();
  }

  /** Stops heartbeating; the guests keep running, for the next agent process to adopt. */
  async close(): Promise<void> {
    this.closed = true;
    this.poke();
    await this.loop;
    this.unsubscribe?.();
    await Promise.race([Promise.all(this.busy.values()), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    await this.options.driver.close();
  }

  private describeRefusal(error: Refused): string {
    if (error.status === 401) return `the server refused the host token (${error.message}); ask the operator for a valid one (allot host-tokens create)`;
    return error.message;
  }

  private async register(): Promise<void> {
    const { host } = this.options;
    const registration: Registration = {
      host_id: this.hostId,
      hostname: host.hostname,
      address: this.options.address,
      instance_sku: this.options.instanceSku,
      node_count: this.options.nodeCount,
      accelerators: host.accelerators,
      cpus: host.cpus,
      memory_bytes: host.memoryBytes,
      disk_bytes: host.diskBytes,
      driver: this.options.driver.kind,
    };
    const answer = await this.api.register(registration);
    const joined = this.hostId === null ? 'registered as new host' : answer.host_id === this.hostId ? 'registered again as host' : 'registered as host';
    this.hostId = answer.host_id;
    this.state.setHost(this.api.baseUrl, answer.host_id);
    this.intervalMillis = Math.max(100, answer.heartbeat_interval_seconds * 1000);
    this.registered = true;
    this.failures = 0;
    this.options.log(`${joined} ${answer.host_id} (heartbeat every ${answer.heartbeat_interval_seconds} s; down after ${answer.down_after_seconds} s)`);
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      let wait: number;
      try {
        if (!this.registered) await this.register();
        this.woken = false;
        await this.beat();
        if (this.lastProblem !== null) this.options.log('the server answers again; caught up');
        this.lastProblem = null;
        this.failures = 0;
        wait = this.intervalMillis;
      } catch (error) {
        if (error instanceof Unreachable) {
          this.problem(`the server is unreachable (${error.message}); guests keep running, retrying`);
          wait = this.backoff();
        } else if (error instanceof Refused && error.status === 404 && this.registered) {
          this.problem(`the server no longer knows host ${this.hostId} (${error.message}); registering as a new host`);
          this.hostId = null;
          this.registered = false;
          wait = this.backoff();
        } else if (error instanceof Refused) {
          this.problem(`${this.describeRefusal(error)}; guests keep running, retrying`);
          this.failures = Math.max(this.failures, 30);
          wait = this.backoff();
        } else {
          this.problem(`the heartbeat failed: ${(error as Error).stack ?? String(error)}`);
          wait = this.backoff();
        }
      }
      await this.sleep(wait);
    }
  }

  /** Logs a problem once until it changes or clears. */
  private problem(text: string): void {
    if (text !== this.lastProblem) this.options.log(text);
    this.lastProblem = text;
  }

  /** Full jitter below a bound that doubles from 250 ms to the longest backoff. */
  private backoff(): number {
    this.failures++;
    const bound = Math.min(this.maxBackoffMillis, initialBackoffMillis * 2 ** Math.min(this.failures, 20));
    return Math.max(initialBackoffMillis / 2, Math.random() * bound);
  }

  private poke(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Waits `millis`, or less when a driver event (or close) pokes, but never under the minimum gap. */
  private async sleep(millis: number): Promise<void> {
    if (this.closed) return;
    const started = Date.now();
    await new Promise<void>((resolve) => {
      let timer = setTimeout(done, millis);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = () => {
        const since = Date.now() - started;
        if (this.closed || since >= minimumGapMillis) return done();
        clearTimeout(timer);
        timer = setTimeout(done, minimumGapMillis - since);
      };
      if (this.woken || this.closed) this.wake();
    });
  }

  /** One heartbeat: report, act on the answer, send the logs. */
  private async beat(): Promise<void> {
    const hostId = this.hostId!;
    const guests = await this.options.driver.list();
    const answer = await this.api.heartbeat(hostId, this.reports(guests));
    if (answer.heartbeat_interval_seconds !== undefined) this.intervalMillis = Math.max(100, answer.heartbeat_interval_seconds * 1000);
    const named = new Set<string>();
    for (const wanted of answer.runs) {
      named.add(wanted.instance_id);
      this.apply(wanted);
    }
    // What the server did not name, it does not want here (it forgot the instance, or moved it).
    for (const guest of guests) {
      if (named.has(guest.instanceId) || this.busy.has(guest.instanceId)) continue;
      if (!isEnded(guest)) this.track(guest.instanceId, 'stop', () => this.options.driver.stop(guest.instanceId));
    }
    for (const [id, preparing] of this.preparing) if (!named.has(id)) preparing.cancelled = true;
    await this.sendLogs(hostId, guests);
    for (const guest of guests) {
      if (!named.has(guest.instanceId) && isEnded(guest) && !this.busy.has(guest.instanceId)) this.track(guest.instanceId, 'remove', () => this.removeGuest(guest.instanceId));
    }
  }

  private reports(guests: readonly RunStatus[]): RunReport[] {
    const reports: RunReport[] = guests.map((guest) => {
      const ssh = this.options.driver.sshInfo(providerInstance(guest.instanceId), 0);
      return {
        instance_id: guest.instanceId,
        state: guest.state,
        failure: guest.failure,
        ssh_port: guest.sshPort,
        https_port: guest.httpsPort,
        host_keys: (ssh?.hostKeys ?? []).map((key) => ({ key_type: key.keyType, key: key.key })),
        started_at: guest.startedAt,
        ready_at: guest.readyAt,
        ended_at: guest.endedAt,
      };
    });
    const listed = new Set(guests.map((guest) => guest.instanceId));
    // Accepted and waiting for its image: starting, as far as the server is concerned.
    for (const [id, preparing] of this.preparing) {
      if (listed.has(id) || preparing.cancelled) continue;
      reports.push({ instance_id: id, state: 'starting', failure: null, ssh_port: null, https_port: null, host_keys: [], started_at: preparing.startedAt, ready_at: null, ended_at: null });
    }
    return reports;
  }

  private apply(wanted: WantedRun): void {
    const id = wanted.instance_id;
    const driver = this.options.driver;
    if (this.busy.has(id)) return;
    const guest = driver.status(id);
    switch (wanted.action) {
      case 'run':
        // Whatever the driver has of it — booting, running or ended — it was started once
        // already. Without a launch the server has seen it reported: one the driver no longer
        // has is left alone (the server fails its instance).
        if (guest !== null || this.preparing.has(id) || wanted.launch === null) return;
        this.prepare(wanted.launch);
        return;
      case 'stop': {
        const preparing = this.preparing.get(id);
        if (preparing !== undefined) preparing.cancelled = true;
        if (guest !== null && !isEnded(guest)) this.track(id, 'stop', () => driver.stop(id));
        return;
      }
      case 'remove':
        if (guest !== null || this.state.logsSent(id) > 0) this.track(id, 'remove', () => this.removeGuest(id));
        return;
    }
  }

  private async removeGuest(id: string): Promise<void> {
    await this.options.driver.remove(id);
    this.state.forget(id);
  }

  /** Runs one change of a guest at a time; a failure is logged and the next heartbeat decides again. */
  private track(id: string, what: string, work: () => Promise<unknown>): void {
    const done = work()
      .then(() => undefined)
      .catch((error: unknown) => this.options.log(`could not ${what} ${id}: ${(error as Error).message}`))
      .finally(() => {
        this.busy.delete(id);
        this.poke();
      });
    this.busy.set(id, done);
  }

  /** Fetches the image (for a VM), then starts the guest; a failed download fails it, with the reason in its log. */
  private prepare(launch: LaunchSpecJson): void {
    const id = launch.instance_id;
    const preparing: Preparing = { startedAt: Math.floor(Date.now() / 1000), cancelled: false };
    this.preparing.set(id, preparing);
    this.options.log(`starting ${id} (${launch.hostname})`);
    const work = async () => {
      let image: LaunchSpec['image'] = null;
      // The sandbox runs the host's own system: only a VM boots the image.
      if (this.options.driver.kind === 'qemu' && launch.image !== null) {
        const found = await this.bootImage(launch.image);
        if (typeof found === 'string') {
          if (!preparing.cancelled) await this.options.driver.refuse(id, found);
          return;
        }
        image = found;
      }
      if (preparing.cancelled) return;
      await this.options.driver.start({
        instanceId: id,
        hostname: launch.hostname,
        instanceSku: launch.instance_sku,
        vcpus: launch.vcpus ?? null,
        memoryBytes: launch.memory_bytes ?? null,
        image,
        userData: launch.user_data_base64 === null || launch.user_data_base64 === undefined ? null : Buffer.from(launch.user_data_base64, 'base64'),
        sshAuthorizedKeys: launch.ssh_authorized_keys ?? [],
        forward443: launch.forward_443 ?? false,
      });
    };
    this.track(id, 'start', () => work().finally(() => this.preparing.delete(id)));
  }

  /** The file a VM boots: an uploaded image from the cache (downloaded first), or the file the driver configuration registers for a catalogue image; or why there is none. */
  private async bootImage(image: NonNullable<LaunchSpecJson['image']>): Promise<{ path: string; sha256: string } | string> {
    if (image.url !== null && image.sha256 !== null) {
      try {
        return { path: await this.images.fetch(this.api.resolve(image.url), image.sha256), sha256: image.sha256 };
      } catch (error) {
        return `the agent could not download the instance's image: ${(error as Error).message}`;
      }
    }
    const path = this.options.catalogueImages?.[image.name];
    if (path === undefined) return `no file boots the catalogue image "${image.name}" on this host: the agent's driver configuration registers none under "images"`;
    if (!existsSync(path)) return `the file registered for the catalogue image "${image.name}" is missing on this host: ${path}`;
    let hash = this.catalogueHashes.get(path);
    if (hash === undefined) {
      hash = sha256OfFile(path);
      this.catalogueHashes.set(path, hash);
    }
    return { path, sha256: await hash };
  }

  /** Sends every guest's console lines past the last the server acknowledged. */
  private async sendLogs(hostId: string, guests: readonly RunStatus[]): Promise<void> {
    for (const guest of guests) {
      const id = guest.instanceId;
      const sent = this.state.logsSent(id);
      const lines = this.options.driver.consoleLog(providerInstance(id), 0).filter((line) => line.seqnum > sent);
      for (let start = 0; start < lines.length; ) {
        const chunks: LogChunk[] = [];
        let bytes = 0;
        for (; start < lines.length && chunks.length < logBatchLines && bytes < logBatchBytes; start++) {
          const line = lines[start]!;
          const data = Buffer.from(line.data, 'utf8').toString('base64');
          bytes += data.length;
          chunks.push({ seqnum: line.seqnum, at: line.timestampRealtime, monotonic_seconds: line.monotonicSeconds, monotonic_nanos: line.monotonicNanos, data_base64: data });
        }
        try {
          await this.api.sendLogs(hostId, id, chunks);
        } catch (error) {
          // The server may not know this instance (anymore): its logs are not wanted. Anything
          // else is a heartbeat problem, dealt with there.
          if (error instanceof Refused && error.status !== 401) break;
          throw error;
        }
        this.state.setLogsSent(id, chunks.at(-1)!.seqnum);
      }
    }
  }
}
