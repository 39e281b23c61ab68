// The guest worker: carries out the run intents that transactions record (app/compute/
// run-intents.ts) by calling the drivers, outside any transaction, and records each effect
// after the call (app/compute/runs.ts). What it does for one instance is decided by
// domain/compute/runs.ts from the run record, the instance and what the driver has, each time
// afresh, so the same decision repairs every crash: at start-up it is made for every recorded
// run and every guest the drivers still have — adopting guests that still run, failing instances
// whose guest died, stopping guests no running instance wants, starting what was asked but never
// started. It publishes what the guests it runs print and how to reach them into the store
// (console lines, SSH endpoint and host keys), so that every process answers the same, on this
// host or another. It is also the provider the use cases read logs and SSH details from: the
// instance's own driver where its guest is at this process's place, the store elsewhere.

import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { decideRun, type RunAction } from '../domain/compute/runs.js';
import { guestRunBatchSize, guestRunPollMillis } from '../domain/kernel/limits.js';
import type { AppContext, GuestRunNotifier } from '../app/kernel/context.js';
import { failInstanceOfGuest, type GuestOutput, joinedImageUnused, loadBootImage, loadRunFacts, pendingRuns, publishConsoleNote, publishedConsole, publishedConsoleEnds, publishGuestOutputs, recordRunEffect, recordRunRemoved, requestRunsForUnrecorded, type RunFacts, runRecord, unendedRuns } from '../app/compute/runs.js';
import type { InstanceRunRecord } from '../store/compute.js';
import { notLeadingWhileUnavailable } from '../store/store.js';
import { createDrivers, type DriverConfig, type Drivers, readDriverConfig } from '../providers/driver-config.js';
import type { DriverKind, InstanceDriver, LaunchSpec, RunStatus } from '../providers/driver.js';
import { sha256OfFile } from '../providers/qemu/disk-image.js';
import type { ConsoleLine, InstanceProvider, ProviderInstance, SshInfo } from '../providers/provider.js';
import { SimulatedProvider } from '../providers/simulated.js';
import { CoalescedPass } from './coalesced-pass.js';

export interface GuestRunnerOptions {
  readonly config: DriverConfig;
  readonly drivers: Drivers;
  /** Where uploaded images are put together as one file to boot from. */
  readonly imageDirectory: string;
  readonly onError: (error: unknown) => void;
}

/**
 * A fault to inject, for the crash tests, each killing the process with SIGKILL before allot
 * records the driver's answer: `ALLOT_GUESTS_CRASH_AFTER=start` once the driver has launched the
 * guest (its first process is on the host); `launch` as soon as the driver has accepted the start,
 * before it launched anything (a launch cut short).
 */
const crashAfter = process.env.ALLOT_GUESTS_CRASH_AFTER ?? null;

/** How often the leader looks for joined image files nothing needs any more. */
const imageSweepMillis = 5_000;

/** How long closing waits for decisions in progress. */
const closeWaitMillis = 5_000;

/** How often the leader publishes its guests' new console lines and changed SSH details. */
const publishMillis = 500;

/**
 * The place guests are launched in: the driver state directory, named by an id kept in it
 * (`place`), made once by the first process that uses the directory. Processes sharing the
 * directory (on one host) share the place and see the same guests; a process elsewhere does not.
 */
export function placeOf(stateDirectory: string): string {
  const path = join(stateDirectory, 'place');
  if (!existsSync(path)) {
    mkdirSync(stateDirectory, { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, `${hostname()}:${stateDirectory}#${randomBytes(4).toString('hex')}\n`);
    try {
      // Atomic, and refused when another process made it first: theirs is kept.
      linkSync(partial, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(partial, { force: true });
    }
  }
  return readFileSync(path, 'utf8').trim();
}

function crashNow(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: the process was killed');
}

/** Waits until the guest's first process is recorded on its host (run.json names it), or the guest ended, then crashes. */
async function crashOnceLaunched(driver: InstanceDriver, handle: string, instanceId: string): Promise<never> {
  const launched = () => {
    try {
      return ((JSON.parse(readFileSync(join(handle, 'run.json'), 'utf8')) as { pids?: number[] }).pids?.length ?? 0) > 0;
    } catch {
      return false;
    }
  };
  while (!launched() && driver.status(instanceId)?.state === 'starting') await new Promise((resolve) => setTimeout(resolve, 20));
  const status = driver.status(instanceId);
  // What the crash test sees in the server's output when the launch itself failed.
  if (status?.state === 'failed') process.stderr.write(`allot: the guest failed before the injected crash: ${status.failure ?? ''}\n`);
  return crashNow();
}

const endedRun = (state: string): boolean => state === 'stopped' || state === 'failed' || state === 'removed';

export class GuestRunner implements GuestRunNotifier, InstanceProvider {
  private context: AppContext | null = null;
  private readonly byKind = new Map<DriverKind, InstanceDriver>();
  private readonly busy = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly catalogueHashes = new Map<string, Promise<string>>();
  private readonly passes = new CoalescedPass(() => this.pass(), guestRunPollMillis, (error) => this.options.onError(error));
  private closed = false;
  /** Whether this process leads, as last asked. */
  private leading = false;
  /** When the joined image files were last looked over (wall clock, milliseconds). */
  private sweptAt = 0;
  /** Where this process launches guests (see `placeOf`). */
  readonly place: string;
  /**
   * The guests whose output this process publishes, with the last console seqnum and SSH
   * details published (null: not yet read back from the store since this process began leading).
   */
  private readonly publishing = new Map<string, { readonly driver: InstanceDriver; seqnum: number | null; ssh: string | null }>();
  private publishTimer: NodeJS.Timeout | null = null;
  private publishingNow: Promise<void> | null = null;

  constructor(private readonly options: GuestRunnerOptions) {
    for (const driver of options.drivers.all) this.byKind.set(driver.kind, driver);
    this.place = placeOf(options.config.host.stateDirectory);
  }

  /** Whether any driver runs real guests: only then are intents recorded and carried out. */
  get real(): boolean {
    return this.options.drivers.all.some((driver) => driver.persistent);
  }

  /**
   * Starts working for `context` (whose `guestRuns` and `provider` are this runner): reconciles
   * what runs with what was recorded, then carries out intents as they come. Of several processes
   * sharing a PostgreSQL database only the leader acts (`Store.isLeader`), as for the engine; a
   * process that becomes leader reconciles first.
   */
  async start(context: AppContext): Promise<void> {
    this.context = context;
    for (const driver of this.byKind.values()) this.unsubscribe.push(driver.subscribe((event) => void this.settle(event.status.instanceId)));
    this.leading = await context.store.isLeader();
    if (this.leading) await this.reconcileAll();
    this.requested();
    this.publishTimer = setInterval(() => {
      if (this.publishingNow !== null || !this.leading) return;
      this.publishingNow = this.publish()
        .catch((error: unknown) => this.options.onError(error))
        .finally(() => (this.publishingNow = null));
    }, publishMillis);
    this.publishTimer.unref();
  }

  /** Decides for every instance that has a record not yet ended and every guest a driver has. */
  private async reconcileAll(): Promise<void> {
    const context = this.context!;
    while ((await requestRunsForUnrecorded(context, guestRunBatchSize)) > 0);
    const settling: Promise<void>[] = [];
    for (const driver of this.byKind.values()) {
      if (!driver.persistent) continue;
      for (const guest of await driver.list()) settling.push(this.settle(guest.instanceId, driver));
    }
    for (let after = ''; ; ) {
      const records = await unendedRuns(context, after, guestRunBatchSize);
      for (const record of records) settling.push(this.settle(record.instanceId));
      if (records.length < guestRunBatchSize) break;
      after = records.at(-1)!.instanceId;
    }
    await Promise.all(settling);
  }

  /** Stops working; guests keep running for the next process to adopt. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.publishTimer !== null) clearInterval(this.publishTimer);
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    await this.passes.close();
    await this.publishingNow;
    // Decisions in progress finish, or are cut short: a stop waiting out its grace period is
    // seen through by the next process, which finds the stop requested.
    await Promise.race([Promise.all(this.busy.values()), new Promise((resolve) => setTimeout(resolve, closeWaitMillis).unref())]);
    for (const driver of this.byKind.values()) await driver.close();
  }

  /** Whether instances of this SKU run on a real driver, which forwards port 443 when asked. */
  forwardsPort443(instanceSku: { readonly id: string; readonly alias: string }): boolean {
    return this.driverOfSku(instanceSku).persistent;
  }

  requested(): void {
    if (this.context !== null) this.passes.request();
  }

  /** Settles what is pending, a batch at a time; answers whether a full batch was found. */
  private async pass(): Promise<boolean> {
    const leading = await this.context!.store.isLeader().catch(notLeadingWhileUnavailable);
    const newlyLeading = leading && !this.leading;
    this.leading = leading;
    // What was published meanwhile is read back from the store when it leads again.
    if (!leading) this.publishing.clear();
    if (!leading) return false;
    if (newlyLeading) await this.reconcileAll();
    const records = await pendingRuns(this.context!, guestRunBatchSize);
    for (const record of records) void this.settle(record.instanceId);
    if (Date.now() - this.sweptAt >= imageSweepMillis) await this.sweepJoinedImages();
    return records.length === guestRunBatchSize;
  }

  /** Decides and acts for one instance, one decision at a time per instance; asked again while busy, it decides again after. */
  settle(instanceId: string, driver?: InstanceDriver): Promise<void> {
    if (!this.leading) return Promise.resolve();
    const running = this.busy.get(instanceId);
    if (running !== undefined) {
      this.again.add(instanceId);
      return running;
    }
    const work = (async () => {
      for (let rounds = 0; rounds < 8 && !this.closed; rounds++) {
        this.again.delete(instanceId);
        const more = await this.settleOnce(instanceId, driver);
        if (!more && !this.again.has(instanceId)) return;
      }
    })()
      .catch((error: unknown) => this.options.onError(error))
      .finally(() => this.busy.delete(instanceId));
    this.busy.set(instanceId, work);
    return work;
  }

  /** One decision and its action; answers whether to decide again at once. */
  private async settleOnce(instanceId: string, hint?: InstanceDriver): Promise<boolean> {
    const context = this.context!;
    const facts = await loadRunFacts(context, instanceId);
    const driver = this.driverOfFacts(facts) ?? hint ?? null;
    const record = facts.record;
    if (driver === null) {
      // A deleted instance whose guest never started: nothing is on a host.
      if (record !== null && record.intent === 'remove' && record.state !== 'removed') await recordRunRemoved(context, instanceId, record);
      return false;
    }
    if (!driver.persistent) return this.settleSimulated(facts, driver);
    const guest = driver.status(instanceId);
    // A guest of this place whose record has not ended: what it prints is published (again, after
    // a restart or a change of leader: publishing is idempotent).
    if (guest !== null && record !== null && (record.place === null || record.place === this.place) && !endedRun(record.state)) this.publish_(instanceId, driver);
    const elsewhere = record !== null && record.place !== null && record.place !== this.place ? record.place : null;
    const action = decideRun(record === null ? null : { intent: record.intent, state: record.state, elsewhere }, facts.instance?.status ?? null, guest);
    if (action === null) return false;
    return this.act(action, facts, driver, guest, elsewhere);
  }

  /** Publishes the guest's output from now on, until it has ended and all of it is published. */
  private publish_(instanceId: string, driver: InstanceDriver): void {
    if (!this.publishing.has(instanceId)) this.publishing.set(instanceId, { driver, seqnum: null, ssh: null });
  }

  /** One round of publishing: every guest's new console lines and changed SSH details, in one transaction. */
  private async publish(): Promise<void> {
    const context = this.context!;
    const unknown = [...this.publishing].filter(([, entry]) => entry.seqnum === null).map(([id]) => id);
    if (unknown.length > 0) {
      for (const [id, seqnum] of await publishedConsoleEnds(context, unknown)) {
        const entry = this.publishing.get(id);
        if (entry !== undefined) entry.seqnum = seqnum;
      }
    }
    const outputs: GuestOutput[] = [];
    const done: string[] = [];
    const after = new Map<string, { seqnum: number; ssh: string | null }>();
    for (const [id, entry] of this.publishing) {
      if (entry.seqnum === null) continue;
      // Read before the lines, so that the lines of an ended guest are all in.
      const status = entry.driver.status(id);
      const lines = entry.driver.consoleAfter(id, entry.seqnum);
      const ssh = entry.driver.sshInfo({ id, name: id, imageName: '', cloudInitUserData: null, enablePublicIpv4: false, startedAt: null, endedAt: null, endReason: null }, 0);
      const sshText = ssh === null ? null : JSON.stringify(ssh);
      const sshChanged = sshText !== null && sshText !== entry.ssh;
      if (lines.length > 0 || sshChanged) {
        outputs.push({ instanceId: id, lines, ssh: sshChanged ? ssh : null });
        after.set(id, { seqnum: lines.at(-1)?.seqnum ?? entry.seqnum, ssh: sshText });
      }
      if (status === null || status.state === 'stopped' || status.state === 'failed') done.push(id);
    }
    await publishGuestOutputs(context, outputs);
    for (const [id, next] of after) {
      const entry = this.publishing.get(id);
      if (entry === undefined) continue;
      entry.seqnum = next.seqnum;
      entry.ssh = next.ssh;
    }
    for (const id of done) this.publishing.delete(id);
  }

  private async act(action: RunAction, facts: RunFacts, driver: InstanceDriver, guest: RunStatus | null, elsewhere: string | null): Promise<boolean> {
    const context = this.context!;
    const instanceId = facts.instance?.id ?? guest?.instanceId ?? facts.record!.instanceId;
    const record = facts.record;
    switch (action.kind) {
      case 'start': {
        const spec = await this.launchSpec(facts, driver);
        if (typeof spec === 'string') {
          // Ended at once, with the reason in its log; the next decision fails the instance.
          if ((await driver.refuse(instanceId, spec)) === null) await failInstanceOfGuest(context, instanceId, spec);
          return true;
        }
        // The launch is claimed for this place before it is made, so that a process that leads
        // after this one (on another machine, say) knows where the guest may be and never
        // launches it a second time (domain/compute/runs.ts). Claimed only while this process
        // leads, over the record as it was seen.
        if (!(await context.store.isLeader().catch(notLeadingWhileUnavailable))) return false;
        const claim = { intent: record!.intent, state: 'starting' as const, place: this.place };
        if (!(await recordRunEffect(context, instanceId, record!, { state: 'starting', driver: driver.kind, handle: this.handleOf(driver, instanceId), place: this.place }))) return true;
        const status = await driver.start(spec);
        this.publish_(instanceId, driver);
        if (crashAfter === 'launch') crashNow();
        if (crashAfter === 'start') await crashOnceLaunched(driver, this.handleOf(driver, instanceId), instanceId);
        await recordRunEffect(context, instanceId, claim, { state: status.state === 'running' ? 'running' : 'starting', sshPort: status.sshPort, httpsPort: status.httpsPort });
        return true;
      }
      case 'record':
        await recordRunEffect(context, instanceId, record!, { state: action.state, driver: driver.kind, handle: this.handleOf(driver, instanceId), sshPort: guest?.sshPort ?? null, httpsPort: guest?.httpsPort ?? null });
        return false;
      case 'stop':
        await driver.stop(instanceId);
        return record !== null;
      case 'record_ended':
        if (await recordRunEffect(context, instanceId, record!, { state: action.state, failure: action.failure })) {
          if (elsewhere !== null && action.failure !== null) await publishConsoleNote(context, instanceId, action.failure, facts.instance?.startedAt ?? null);
        }
        return false;
      case 'fail_instance':
        await failInstanceOfGuest(context, instanceId, action.reason);
        // The guest's own log is where this process cannot read it: the reason goes after what was published.
        if (elsewhere !== null) await publishConsoleNote(context, instanceId, action.reason, facts.instance?.startedAt ?? null);
        return false;
      case 'forget':
        this.publishing.delete(instanceId);
        await driver.remove(instanceId);
        return record !== null;
      case 'record_removed':
        await recordRunRemoved(context, instanceId, record!);
        return false;
    }
  }

  /** The simulated driver runs nothing: a start or stop is recorded as done. */
  private async settleSimulated(facts: RunFacts, driver: InstanceDriver): Promise<boolean> {
    const record = facts.record;
    if (record === null) return false;
    if (record.intent === 'run' && record.state === 'requested') await recordRunEffect(this.context!, record.instanceId, record, { state: 'running', driver: driver.kind });
    if (record.intent === 'stop' && record.state !== 'stopped' && record.state !== 'failed') await recordRunEffect(this.context!, record.instanceId, record, { state: 'stopped' });
    if (record.intent === 'remove' && record.state !== 'removed') await recordRunEffect(this.context!, record.instanceId, record, { state: 'removed' });
    return false;
  }

  /** The guest's directory on the host (createDrivers gives each kind a folder of the state directory). */
  private handleOf(driver: InstanceDriver, instanceId: string): string {
    return join(this.options.config.host.stateDirectory, driver.kind, instanceId);
  }

  private driverOfFacts(facts: RunFacts): InstanceDriver | null {
    if (facts.record?.driver != null) return this.byKind.get(facts.record.driver as DriverKind) ?? null;
    if (facts.instanceSku === null) return null;
    return this.driverOfSku(facts.instanceSku);
  }

  private driverOfSku(sku: { readonly id: string; readonly alias: string }): InstanceDriver {
    const { config } = this.options;
    const kind = config.skus[sku.id] ?? config.skus[sku.alias] ?? config.defaultDriver;
    return this.byKind.get(kind)!;
  }

  /** The name the operator's configuration knows a SKU by (for its driver and PCI devices): its id where the file names the id, else its alias. */
  private skuName(sku: { readonly id: string; readonly alias: string }): string {
    const { config } = this.options;
    return config.skus[sku.id] !== undefined || config.qemu.pciPassthrough[sku.id] !== undefined ? sku.id : sku.alias;
  }

  /** What the driver is asked to run, or why it cannot be (the image's bytes are missing). */
  private async launchSpec(facts: RunFacts, driver: InstanceDriver): Promise<LaunchSpec | string> {
    const instance = facts.instance!;
    const properties = facts.instanceSku?.properties;
    let image: LaunchSpec['image'] = null;
    // The sandbox runs the host's own system: only a VM boots the image.
    if (driver.kind === 'qemu') {
      const boot = await this.bootImage(instance.imageId);
      if (typeof boot === 'string') return boot;
      image = boot;
    }
    return {
      instanceId: instance.id,
      hostname: instance.name,
      instanceSku: facts.instanceSku === null ? instance.instanceSkuAlias : this.skuName(facts.instanceSku),
      vcpus: properties?.num_vcpus ?? null,
      memoryBytes: properties?.memory ?? null,
      image,
      userData: instance.cloudInitUserData === null ? null : Buffer.from(instance.cloudInitUserData, 'base64'),
      // The account's keys (`/v0/credentials`), besides any the user data's `ssh_authorized_keys` names.
      sshAuthorizedKeys: facts.sshAuthorizedKeys,
      forward443: facts.forward443,
    };
  }

  /**
   * The file an image boots from, and the SHA-256 it must have: an uploaded image's parts put
   * together once as one file (the driver checks its hash at each boot, as the reference says),
   * or the file the operator registered for a catalogue image, whose hash is taken the first time
   * it boots (it is the operator's) so that a file changed under a running allot is caught.
   */
  private async bootImage(imageId: string): Promise<{ path: string; sha256: string } | string> {
    const boot = await loadBootImage(this.context!, imageId);
    if (boot === null) return `the instance's image ${imageId} is gone`;
    if (boot.catalogue) {
      const path = this.options.config.images[boot.image.name];
      if (path === undefined) return `no file boots the catalogue image "${boot.image.name}": the operator's driver configuration registers none under "images"`;
      if (!existsSync(path)) return `the file registered for the catalogue image "${boot.image.name}" is missing: ${path}`;
      let hash = this.catalogueHashes.get(path);
      if (hash === undefined) {
        hash = sha256OfFile(path);
        this.catalogueHashes.set(path, hash);
      }
      return { path, sha256: await hash };
    }
    if (boot.image.sha256 === null || boot.partIds.length === 0) return `the image "${boot.image.name}" has no uploaded bytes to boot from`;
    const path = join(this.options.imageDirectory, `${boot.image.id}.img`);
    if (!existsSync(path)) {
      mkdirSync(this.options.imageDirectory, { recursive: true });
      const partial = `${path}.${process.pid}.partial`;
      try {
        await pipeline(this.context!.blobs.readParts(boot.image.id, boot.partIds), createWriteStream(partial));
        renameSync(partial, path);
      } catch (error) {
        rmSync(partial, { force: true });
        return `the image "${boot.image.name}" could not be read from the blob store: ${(error as Error).message}`;
      }
    }
    return { path, sha256: boot.image.sha256 };
  }

  /**
   * Deletes the files uploaded images were put together as (`<id>.img`) once their image is
   * deleted and no guest booted from them may still be on the host: a VM's overlay reads its
   * image file for as long as the VM runs.
   */
  private async sweepJoinedImages(): Promise<void> {
    this.sweptAt = Date.now();
    const directory = this.options.imageDirectory;
    if (!existsSync(directory)) return;
    for (const name of readdirSync(directory)) {
      const match = /^(.+)\.img$/.exec(name);
      if (match === null) continue;
      if (await joinedImageUnused(this.context!, match[1]!)) rmSync(join(directory, name), { force: true });
    }
  }

  // The read side: where the guest is at this process's place, its driver answers (it reads the
  // guest's directory, which processes sharing the place share); elsewhere, what the leader's
  // worker published to the store; a simulated instance's driver derives its own.

  /** The driver that has the guest's directory here, found without asking it (`status` adopts the guest, which only the leader's worker may do). */
  private localDriverOf(instanceId: string): InstanceDriver | null {
    for (const driver of this.byKind.values()) if (driver.persistent && existsSync(join(this.handleOf(driver, instanceId), 'run.json'))) return driver;
    return null;
  }

  private driverOfInstance(instance: ProviderInstance): InstanceDriver {
    const local = this.localDriverOf(instance.id);
    if (local !== null) return local;
    if (instance.instanceSku !== undefined) return this.driverOfSku(instance.instanceSku);
    return this.byKind.get(this.options.config.defaultDriver)!;
  }

  /** Where to read the instance's log and SSH details: a driver here, or the store's copy (its run record). */
  private async sourceOf(instance: ProviderInstance): Promise<{ readonly driver: InstanceDriver } | { readonly record: InstanceRunRecord }> {
    const record = await runRecord(this.context!, instance.id);
    if (record === null || (record.driver !== 'sandbox' && record.driver !== 'qemu')) return { driver: this.driverOfInstance(instance) };
    // A guest of this place is read from its directory (up to date, where the store's copy lags
    // by up to a publishing round); any other from the store.
    const here = record.place === null || record.place === this.place;
    const local = here ? this.localDriverOf(instance.id) : null;
    return local !== null ? { driver: local } : { record };
  }

  async consoleLog(instance: ProviderInstance, now: number): Promise<ConsoleLine[]> {
    const source = await this.sourceOf(instance);
    return 'driver' in source ? source.driver.consoleLog(instance, now) : publishedConsole(this.context!, instance.id);
  }

  async sshInfo(instance: ProviderInstance, now: number): Promise<SshInfo | null> {
    const source = await this.sourceOf(instance);
    return 'driver' in source ? source.driver.sshInfo(instance, now) : source.record.ssh;
  }

  publicIp(instance: ProviderInstance): string | null {
    const driver = instance.instanceSku === undefined ? this.byKind.get(this.options.config.defaultDriver)! : this.driverOfSku(instance.instanceSku);
    return driver.publicIp(instance);
  }
}

export interface GuestsSetup {
  /** What `--driver` names: the driver of every SKU the configuration file does not map. */
  readonly driver: DriverKind;
  /** The text of `--driver-config`'s file, or null. */
  readonly configText: string | null;
  /** The state directory when the file names none: each driver's guests go in a folder of it. */
  readonly stateDirectory: string;
  readonly simulatedBootSeconds: number;
  readonly onError: (error: unknown) => void;
}

/**
 * The provider instances run on and, when a real driver is configured, the worker that runs
 * them (hand it to the context as `guestRuns` too, then call `start`). Throws a
 * DriverConfigError for a mistaken file and a PrerequisiteError naming the Debian package a
 * driver lacks.
 */
export function createGuests(setup: GuestsSetup): { readonly provider: InstanceProvider; readonly runner: GuestRunner | null } {
  if (setup.configText === null && setup.driver === 'simulated') return { provider: new SimulatedProvider(setup.simulatedBootSeconds), runner: null };
  const config = readDriverConfig(setup.configText ?? '{}', { driver: setup.driver, stateDirectory: setup.stateDirectory });
  const drivers = createDrivers(config, setup.simulatedBootSeconds);
  if (!drivers.all.some((driver) => driver.persistent)) return { provider: drivers.all[0]!, runner: null };
  const runner = new GuestRunner({ config, drivers, imageDirectory: join(config.host.stateDirectory, 'images'), onError: setup.onError });
  return { provider: runner, runner };
}
