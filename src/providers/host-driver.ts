// The lifecycle both real drivers share, around a backend that knows how to launch one kind of
// guest (QEMU, bubblewrap). Each instance has a directory of its own on the host, named by its id,
// holding what the driver knows of it (run.json, written before every step it takes, so a crash
// leaves the truth behind), its console log and whatever the backend keeps (disk overlay, sockets).
// The guest's processes outlive allot; a new driver over the same directory adopts them.
//
// A start is accepted at once and waits for a boot slot (the operator bounds concurrent boots);
// the guest is `running` once its SSH server answers, and `failed` if it has not within the boot
// timeout, if its process ends without being asked, or if it could not be launched — always with
// the reason as the last line of its console log.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { guestLaunchAttemptsMax } from '../domain/kernel/limits.js';
import { ConsoleLog } from './console-log.js';
import type { DriverEvent, DriverKind, InstanceDriver, LaunchSpec, RunState, RunStatus } from './driver.js';
import { HostKeyReader } from './host-keys.js';
import { freePort, processAlive, processesWithMarker, signalProcess, sshAnswers } from './host-processes.js';
import type { ConsoleLine, ProviderInstance, SshHostKey, SshInfo } from './provider.js';

export interface HostDriverOptions {
  /** Where each instance's directory is made. */
  readonly stateDirectory: string;
  /** The address SSH details name: where clients reach this host's forwarded ports. */
  readonly advertisedHost: string;
  /**
   * The host address the forwarded ports listen on: 127.0.0.1 (the default) for guests reached
   * from this host only, 0.0.0.0 or an address of the host for a fleet's agent, whose clients
   * come from elsewhere.
   */
  readonly forwardAddress?: string;
  /** How many guests may boot at once; the others wait. */
  readonly bootConcurrency: number;
  /** How long a guest has to answer SSH before it is failed. */
  readonly bootTimeoutSeconds: number;
  /** How long a guest has to power off when asked before it is killed. */
  readonly stopGraceSeconds: number;
  /** The wall clock; tests may give another. */
  readonly nowMillis?: () => number;
}

export const hostDriverDefaults = {
  advertisedHost: '127.0.0.1',
  bootConcurrency: 2,
  bootTimeoutSeconds: 300,
  stopGraceSeconds: 30,
} as const;

/** The files of one instance's directory that every backend uses. */
export interface RunFiles {
  readonly directory: string;
  readonly consoleLog: string;
}

/** The host ports a guest's SSH (and HTTPS) are forwarded from, and the host address they listen on. */
export interface ForwardedPorts {
  readonly ssh: number;
  readonly https: number | null;
  readonly address: string;
}

/** What a backend answers to a launch: the guest's processes (the first is the guest itself), or why it could not. */
export type LaunchResult =
  | { readonly pids: readonly number[] }
  | {
      readonly failure: string;
      /** A forwarded port was taken meanwhile: launching again on other ports may succeed. */
      readonly portTaken?: boolean;
      /** The backend's own setup failed by chance, before the guest ran (bubblewrap's netlink
       * reply, bwrap-failure.ts): launching again as it was may succeed. Never a guest's failure. */
      readonly transient?: boolean;
    };

export interface GuestBackend {
  readonly kind: Exclude<DriverKind, 'simulated'>;
  checkPrerequisites(): void;
  /** Starts the guest with its SSH (and HTTPS) port forwarded to these host ports, listening on `address`. */
  launch(spec: LaunchSpec, files: RunFiles, ports: ForwardedPorts): Promise<LaunchResult>;
  /** Asks the guest to power off (ACPI, or a signal to its init). */
  powerOff(files: RunFiles, pids: readonly number[]): Promise<void>;
  /** A guest started by an earlier process, found running: the backend may watch it again. */
  adopted(files: RunFiles): Promise<void>;
  /** Why the guest ended, when the backend knows more than that its process is gone. */
  endReason(files: RunFiles): string | null;
  /** After the guest ended, for whatever reason: lets go of what it held. */
  ended(files: RunFiles): Promise<void>;
}

/** What run.json holds: the status, and what the driver needs to find the guest again. */
interface RunRecord extends RunStatus {
  readonly pids: readonly number[];
  readonly stopRequested: boolean;
  readonly hostKeys: readonly SshHostKey[];
  readonly keysSeenAt: number | null;
}

interface ActiveRun {
  record: RunRecord;
  readonly files: RunFiles;
  readonly console: ConsoleLog;
  readonly keys: HostKeyReader;
  /** The boot in progress (slot, launch, wait for SSH), if any. */
  boot: Promise<void> | null;
  /** Whether the boot has its slot (before that, nothing of the guest exists yet). */
  launching: boolean;
  /** The end in progress, so that two observers of one end record it once. */
  ending: Promise<void> | null;
}

const watchIntervalMillis = 250;
const sshProbeIntervalMillis = 500;
/** What an interrupted launch's directory is renamed to begin with, until it is deleted. */
const discardedPrefix = '.discarded-';

/** What every process of a guest has in its command line: a path inside the instance's directory. */
function markerOf(files: RunFiles): string {
  return `${files.directory}/`;
}

function isEnded(state: RunState): boolean {
  return state === 'stopped' || state === 'failed';
}

function statusOf(record: RunRecord): RunStatus {
  const { instanceId, state, failure, startedAt, readyAt, endedAt, sshPort, httpsPort } = record;
  return { instanceId, state, failure, startedAt, readyAt, endedAt, sshPort, httpsPort };
}

const sleep = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis));

/** Bounds how many guests boot at once. */
class BootSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(count: number) {
    this.free = count;
  }

  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.free++;
    else next();
  }
}

export class HostDriver implements InstanceDriver {
  readonly persistent = true;
  private readonly runs = new Map<string, ActiveRun>();
  /** What the read side has read of guests this driver has not adopted (another process's). */
  private readonly views = new Map<string, { readonly startedAt: number; readonly console: ConsoleLog }>();
  private readonly listeners = new Set<(event: DriverEvent) => void>();
  private readonly slots: BootSlots;
  private readonly nowMillis: () => number;
  private readonly timer: NodeJS.Timeout;
  private ticks = 0;
  private closed = false;

  constructor(
    private readonly backend: GuestBackend,
    private readonly options: HostDriverOptions,
  ) {
    this.nowMillis = options.nowMillis ?? Date.now;
    this.slots = new BootSlots(options.bootConcurrency);
    mkdirSync(options.stateDirectory, { recursive: true });
    this.timer = setInterval(() => this.watch(), watchIntervalMillis);
    this.timer.unref();
  }

  private get forwardAddress(): string {
    return this.options.forwardAddress ?? '127.0.0.1';
  }

  get kind(): Exclude<DriverKind, 'simulated'> {
    return this.backend.kind;
  }

  checkPrerequisites(): void {
    this.backend.checkPrerequisites();
  }

  async start(spec: LaunchSpec): Promise<RunStatus> {
    const existing = this.adopt(spec.instanceId);
    if (existing !== null) return statusOf(existing.record);
    const directory = this.directoryOf(spec.instanceId);
    mkdirSync(directory, { recursive: true });
    const startedAtMillis = this.nowMillis();
    const record = this.newRecord(spec.instanceId, startedAtMillis);
    this.write(directory, record);
    const run = this.activate(directory, record, startedAtMillis);
    run.boot = this.boot(run, spec);
    return statusOf(record);
  }

  async refuse(instanceId: string, failure: string): Promise<RunStatus> {
    const existing = this.adopt(instanceId);
    if (existing !== null) return statusOf(existing.record);
    const directory = this.directoryOf(instanceId);
    mkdirSync(directory, { recursive: true });
    const startedAtMillis = this.nowMillis();
    const record = this.newRecord(instanceId, startedAtMillis);
    this.write(directory, record);
    const run = this.activate(directory, record, startedAtMillis);
    await this.end(run, failure);
    return statusOf(run.record);
  }

  async stop(instanceId: string): Promise<RunStatus | null> {
    const run = this.adopt(instanceId);
    if (run === null) return null;
    if (isEnded(run.record.state)) return statusOf(run.record);
    this.update(run, { stopRequested: true, state: 'stopping' });
    // A guest still waiting for a boot slot has nothing to power off; a boot in progress sees
    // the request and stops at its next step.
    if (run.boot !== null && !run.launching) await this.end(run, null);
    if (run.boot !== null) await run.boot;
    if (isEnded(run.record.state)) return statusOf(run.record);
    const marker = markerOf(run.files);
    const alive = () => run.record.pids.length > 0 && processAlive(run.record.pids[0]!, marker);
    if (alive()) {
      await this.backend.powerOff(run.files, run.record.pids);
      const deadline = this.nowMillis() + this.options.stopGraceSeconds * 1000;
      while (alive() && this.nowMillis() < deadline) await sleep(100);
      if (alive()) this.note(run, `the guest did not power off within ${this.options.stopGraceSeconds} s; killed`);
    }
    await this.end(run, null);
    return statusOf(run.record);
  }

  status(instanceId: string): RunStatus | null {
    const run = this.adopt(instanceId);
    return run === null ? null : statusOf(run.record);
  }

  async list(): Promise<RunStatus[]> {
    const statuses: RunStatus[] = [];
    for (const entry of readdirSync(this.options.stateDirectory, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(discardedPrefix)) continue;
      const run = this.adopt(entry.name);
      if (run !== null) statuses.push(statusOf(run.record));
    }
    return statuses;
  }

  async remove(instanceId: string): Promise<void> {
    const run = this.adopt(instanceId);
    if (run !== null && !isEnded(run.record.state)) await this.stop(instanceId);
    this.runs.delete(instanceId);
    rmSync(this.directoryOf(instanceId), { recursive: true, force: true });
  }

  subscribe(listener: (event: DriverEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Boots in progress give up waiting; a guest not yet launched is failed by the next process that looks. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.listeners.clear();
  }

  // The read side never adopts: a process that only answers logs and SSH (one that does not lead,
  // beside the one whose worker runs the guests) reads the guest's directory and changes nothing
  // in it, so it can neither end a guest nor discard a launch in progress that another process owns.

  consoleLog(instance: ProviderInstance): ConsoleLine[] {
    const run = this.runs.get(instance.id);
    if (run === undefined) {
      const view = this.view(instance.id);
      if (view === null) return [];
      view.console.poll();
      return [...view.console.all()];
    }
    if (!isEnded(run.record.state)) this.readConsole(run);
    return [...run.console.all()];
  }

  consoleAfter(instanceId: string, seqnum: number): ConsoleLine[] {
    const run = this.runs.get(instanceId);
    if (run === undefined) return [];
    if (!isEnded(run.record.state)) this.readConsole(run);
    // Lines are numbered from 1, one after another.
    return run.console.all().slice(seqnum);
  }

  sshInfo(instance: ProviderInstance): SshInfo | null {
    const run = this.runs.get(instance.id) ?? this.view(instance.id);
    if (run === null || run === undefined || run.record.sshPort === null) return null;
    return {
      hostname: this.options.advertisedHost,
      port: run.record.sshPort,
      hostKeys: run.record.hostKeys,
      lastSuccessfulKeyUpdateAt: run.record.keysSeenAt,
      lastAttemptedKeyUpdateAt: run.record.keysSeenAt ?? run.record.startedAt,
    };
  }

  publicIp(instance: ProviderInstance): string | null {
    return instance.enablePublicIpv4 ? this.options.advertisedHost : null;
  }

  /** The guest as its directory has it, read without adopting it or writing anything; null when there is none. */
  private view(instanceId: string): { record: RunRecord; console: ConsoleLog } | null {
    const directory = this.directoryOf(instanceId);
    const recordPath = join(directory, 'run.json');
    if (!existsSync(recordPath)) {
      this.views.delete(instanceId);
      return null;
    }
    let record: RunRecord;
    try {
      record = JSON.parse(readFileSync(recordPath, 'utf8')) as RunRecord;
    } catch {
      return null;
    }
    let view = this.views.get(instanceId);
    if (view === undefined || view.startedAt !== record.startedAt) {
      view = { startedAt: record.startedAt, console: new ConsoleLog(join(directory, 'console.log'), join(directory, 'console.times'), record.startedAt * 1000, this.nowMillis, true) };
      this.views.set(instanceId, view);
    }
    return { record, console: view.console };
  }

  private newRecord(instanceId: string, startedAtMillis: number): RunRecord {
    return {
      instanceId,
      state: 'starting',
      failure: null,
      startedAt: Math.floor(startedAtMillis / 1000),
      readyAt: null,
      endedAt: null,
      sshPort: null,
      httpsPort: null,
      pids: [],
      stopRequested: false,
      hostKeys: [],
      keysSeenAt: null,
    };
  }

  private directoryOf(instanceId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(instanceId)) throw new Error(`not an instance id: ${JSON.stringify(instanceId)}`);
    return join(this.options.stateDirectory, instanceId);
  }

  /** The run in memory, or read back from its directory (a guest started by an earlier process), or null. */
  private adopt(instanceId: string): ActiveRun | null {
    const known = this.runs.get(instanceId);
    if (known !== undefined) return known;
    const directory = this.directoryOf(instanceId);
    const recordPath = join(directory, 'run.json');
    if (!existsSync(recordPath)) return null;
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as RunRecord;
    if (!isEnded(record.state) && record.pids.length === 0 && !record.stopRequested) {
      // Its launch was cut short: the process that launched it died before the guest's first
      // process was recorded. Nothing ran for anyone yet, so the driver discards what was begun
      // (killing any process of it already started) and answers that it has no such guest; the
      // worker then launches it again (domain/compute/runs.ts).
      this.discard(directory);
      return null;
    }
    const run = this.activate(directory, record, record.startedAt * 1000);
    if (isEnded(record.state)) return run;
    if (record.pids.length === 0 || !processAlive(record.pids[0]!, markerOf(run.files))) {
      // It ended (or, asked to stop, was being launched) while no allot process watched it;
      // `end` kills any process of it that is left, so nothing runs that allot does not know of.
      void this.end(run, record.stopRequested ? null : 'the guest ended while allot was not running');
      return run;
    }
    void this.backend.adopted(run.files);
    if (record.state === 'starting') run.boot = this.awaitSsh(run, false);
    if (record.state === 'stopping') void this.stop(instanceId);
    return run;
  }

  /**
   * Kills every process of an interrupted launch and moves its directory aside at once (so the
   * guest is unknown from now on), then deletes it once the processes are gone.
   */
  private discard(directory: string): void {
    const marker = `${directory}/`;
    const pids = processesWithMarker(marker);
    for (const pid of pids) signalProcess(pid, marker, 'SIGKILL');
    const aside = join(this.options.stateDirectory, `${discardedPrefix}${basename(directory)}-${this.nowMillis()}`);
    renameSync(directory, aside);
    void (async () => {
      for (let waited = 0; waited < 50 && pids.some((pid) => processAlive(pid, marker)); waited++) await sleep(100);
      rmSync(aside, { recursive: true, force: true });
    })();
  }

  private activate(directory: string, record: RunRecord, startedAtMillis: number): ActiveRun {
    const files: RunFiles = { directory, consoleLog: join(directory, 'console.log') };
    const keys = new HostKeyReader();
    const console = new ConsoleLog(files.consoleLog, join(directory, 'console.times'), startedAtMillis, this.nowMillis);
    let keysSeenAt: number | null = null;
    for (const line of console.all()) if (keys.read(line.data) && keys.keys !== null) keysSeenAt = line.timestampRealtime;
    const run: ActiveRun = { record, files, console, keys, boot: null, launching: false, ending: null };
    this.runs.set(record.instanceId, run);
    // Host keys the guest printed while no driver read its console (allot was down).
    if (keys.keys !== null && record.hostKeys.length === 0) this.update(run, { hostKeys: keys.keys, keysSeenAt });
    return run;
  }

  private write(directory: string, record: RunRecord): void {
    const path = join(directory, 'run.json');
    // A guest removed meanwhile (its directory deleted) has nothing left to record.
    if (!existsSync(directory)) return;
    writeFileSync(`${path}.tmp`, `${JSON.stringify(record)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  private update(run: ActiveRun, change: Partial<RunRecord>): void {
    run.record = { ...run.record, ...change };
    this.write(run.files.directory, run.record);
  }

  private emit(event: DriverEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private readConsole(run: ActiveRun): void {
    this.readLines(run, run.console.poll());
  }

  /**
   * Writes a line of allot's own into the guest's log. The write reads on to the end of the log,
   * so the guest's lines it reads with it go through the host-key reader too (a block the guest
   * printed just before was once lost this way, and its instance never had host keys).
   */
  private note(run: ActiveRun, text: string): void {
    this.readLines(run, run.console.note(text));
  }

  private readLines(run: ActiveRun, lines: readonly ConsoleLine[]): void {
    for (const line of lines) {
      if (run.keys.read(line.data) && run.keys.keys !== null) this.update(run, { hostKeys: run.keys.keys, keysSeenAt: line.timestampRealtime });
    }
  }

  /** Waits for a slot, launches the guest (on other ports if one was taken), then waits for its SSH. */
  private async boot(run: ActiveRun, spec: LaunchSpec): Promise<void> {
    await this.slots.take();
    run.launching = true;
    try {
      if (this.closed) return;
      if (run.record.stopRequested) return await this.end(run, null);
      for (let attempt = 1; ; attempt++) {
        const ssh = await this.unusedPort();
        const ports = { ssh, https: spec.forward443 ? await this.unusedPort([ssh]) : null, address: this.forwardAddress };
        this.update(run, { sshPort: ports.ssh, httpsPort: ports.https });
        const result = await this.backend.launch(spec, run.files, ports).catch((error: Error): LaunchResult => ({ failure: `allot could not launch the guest: ${error.message}` }));
        if ('pids' in result) {
          this.update(run, { pids: result.pids });
          // SF Compute's API has no field for it: the console log says where port 443 is reached.
          if (ports.https !== null) this.note(run, `the guest's port 443 is forwarded from ${this.options.advertisedHost}:${ports.https}`);
          break;
        }
        if ((result.portTaken !== true && result.transient !== true) || attempt >= guestLaunchAttemptsMax) return await this.end(run, result.failure);
        if (result.transient === true) this.note(run, `${result.failure}; launching again`);
      }
      await this.awaitSsh(run, true);
    } finally {
      this.slots.give();
    }
  }

  /** A free port that no guest of this driver forwards (the system may offer the same free port twice). */
  private async unusedPort(alsoTaken: readonly number[] = []): Promise<number> {
    const taken = new Set(alsoTaken);
    for (const run of this.runs.values()) {
      if (isEnded(run.record.state)) continue;
      if (run.record.sshPort !== null) taken.add(run.record.sshPort);
      if (run.record.httpsPort !== null) taken.add(run.record.httpsPort);
    }
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) return port;
    }
  }

  /** Until the guest's SSH answers (`running`), it ends, a stop is asked, or the boot timeout passes. */
  private async awaitSsh(run: ActiveRun, holdsSlot: boolean): Promise<void> {
    const deadline = run.record.startedAt * 1000 + this.options.bootTimeoutSeconds * 1000;
    const marker = markerOf(run.files);
    while (run.record.state === 'starting' && !this.closed) {
      if (!processAlive(run.record.pids[0]!, marker)) return;
      if (await sshAnswers(this.forwardAddress === '0.0.0.0' ? '127.0.0.1' : this.forwardAddress, run.record.sshPort!, 2000)) {
        if (run.record.state !== 'starting') return;
        this.readConsole(run);
        this.update(run, { state: 'running', readyAt: Math.floor(this.nowMillis() / 1000) });
        this.emit({ type: 'ready', status: statusOf(run.record) });
        return;
      }
      if (this.nowMillis() > deadline) {
        run.boot = null;
        await this.end(run, `the guest did not answer SSH within ${this.options.bootTimeoutSeconds} s of its start`);
        return;
      }
      await sleep(holdsSlot ? sshProbeIntervalMillis : sshProbeIntervalMillis * 2);
    }
  }

  /** The guest has ended, or must: kills what is left, and records `stopped`, or `failed` with `failure`. */
  private end(run: ActiveRun, failure: string | null): Promise<void> {
    if (isEnded(run.record.state)) return Promise.resolve();
    run.ending ??= this.ending(run, failure);
    return run.ending;
  }

  private async ending(run: ActiveRun, failure: string | null): Promise<void> {
    // Every process of the guest has its directory in its command line: kill them all, recorded or not.
    const marker = markerOf(run.files);
    const pids = new Set([...run.record.pids, ...processesWithMarker(marker)]);
    for (const pid of pids) signalProcess(pid, marker, 'SIGKILL');
    for (let waited = 0; waited < 50 && [...pids].some((pid) => processAlive(pid, marker)); waited++) await sleep(100);
    await this.backend.ended(run.files);
    this.readConsole(run);
    this.readLines(run, run.console.finish());
    this.note(run, failure ?? 'the guest was stopped');
    this.update(run, { state: failure === null ? 'stopped' : 'failed', failure, endedAt: Math.floor(this.nowMillis() / 1000) });
    this.emit({ type: 'ended', status: statusOf(run.record) });
  }

  private stopRequestedOnDisk(run: ActiveRun): boolean {
    try {
      return (JSON.parse(readFileSync(join(run.files.directory, 'run.json'), 'utf8')) as RunRecord).stopRequested;
    } catch {
      return false;
    }
  }

  /** Every tick: reads new console output; every fourth, notices guests that ended unasked. */
  private watch(): void {
    this.ticks++;
    for (const run of this.runs.values()) {
      if (isEnded(run.record.state) || run.record.pids.length === 0) continue;
      this.readConsole(run);
      if (this.ticks % 4 !== 0 || run.record.stopRequested) continue;
      if (!processAlive(run.record.pids[0]!, markerOf(run.files))) {
        // Another process (a restarted allot, an agent) may have asked it to stop.
        if (this.stopRequestedOnDisk(run)) {
          void this.end(run, null);
          continue;
        }
        const reason = this.backend.endReason(run.files) ?? `the guest's process ended without being asked to (killed, or it crashed)`;
        void this.end(run, reason);
      }
    }
  }
}
