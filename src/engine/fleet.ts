// The fleet's guest worker, for `allot serve --driver fleet`: instead of calling a local driver
// it places run intents on the fleet's hosts (app/fleet/placement.ts) after each commit that
// recorded some, and on a poll; every second it judges the fleet's health (app/fleet/health.ts),
// never holding against a host the time this process was not watching.
// Only the leader acts (`Store.isLeader`), as for the engine. It is also the provider instances
// are read through: their console logs and SSH details are what their agents reported.
// While the database is away its passes and checks fail with StoreUnavailable: it says so once,
// and once that it resumed (engine/database-wait.ts), and tries again on its usual timers.

import { agentConsoleLog, agentSsh } from '../app/fleet/agents.js';
import { checkFleetHealth } from '../app/fleet/health.js';
import { placeWaitingRuns } from '../app/fleet/placement.js';
import { requestRunsForUnrecorded } from '../app/compute/runs.js';
import type { AppContext, GuestRunNotifier } from '../app/kernel/context.js';
import type { FleetSettings } from '../domain/fleet/hosts.js';
import { guestRunBatchSize, guestRunPollMillis } from '../domain/kernel/limits.js';
import type { ConsoleLine, InstanceProvider, ProviderInstance, SshInfo } from '../providers/provider.js';
import { SimulatedProvider } from '../providers/simulated.js';
import { CoalescedPass } from './coalesced-pass.js';
import { DatabaseWait, type WorkLog } from './database-wait.js';

/** How often the leader judges the fleet's health, in real time. */
const healthCheckMillis = 1000;

export class FleetWorker implements GuestRunNotifier, InstanceProvider {
  private context: AppContext | null = null;
  private readonly passes: CoalescedPass;
  private healthTimer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  private recorded = false;
  /**
   * Allot's clock when this process began judging the fleet without a break; null while it does
   * not lead, after a check failed (the database was away: no heartbeat could land either) and
   * after checks stalled for longer than half of `down_after` in real time.
   */
  private watchingSince: number | null = null;
  /** `performance.now()` when the last check ended, to notice a stall. */
  private lastCheckEndedMillis: number | null = null;
  private closed = false;
  /** Public addresses are made up, as the simulated provider makes them (a host's own are not known per instance). */
  private readonly addresses = new SimulatedProvider();
  private readonly wait: DatabaseWait;

  constructor(
    readonly settings: FleetSettings,
    log: WorkLog,
  ) {
    this.wait = new DatabaseWait(log, {
      waits: 'fleet worker paused: the database is unavailable; placements and health checks wait until it returns',
      resumed: 'fleet worker resumed: the database is back',
      failed: 'fleet worker: a placement pass or health check failed',
    });
    this.passes = new CoalescedPass(
      async () => {
        const more = await this.pass();
        this.wait.succeeded();
        return more;
      },
      guestRunPollMillis * 4,
      (error) => this.wait.failed(error),
    );
  }

  start(context: AppContext): void {
    this.context = context;
    this.requested();
    this.scheduleHealth();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.healthTimer !== null) clearTimeout(this.healthTimer);
    await this.passes.close();
    await this.checking;
  }

  requested(): void {
    if (this.context !== null) this.passes.request();
  }

  /** Places waiting runs, a batch at a time; answers whether a full batch was placed. */
  private async pass(): Promise<boolean> {
    if (!(await this.context!.store.isLeader())) return false;
    // Instances that started while no real driver ran have no run record yet: they get one.
    if (!this.recorded) {
      while ((await requestRunsForUnrecorded(this.context!, guestRunBatchSize)) > 0);
      this.recorded = true;
    }
    return (await placeWaitingRuns(this.context!, this.settings, guestRunBatchSize)) === guestRunBatchSize;
  }

  private scheduleHealth(): void {
    if (this.closed) return;
    this.healthTimer = setTimeout(() => {
      this.checking = (async () => {
        const stalled = this.lastCheckEndedMillis !== null && performance.now() - this.lastCheckEndedMillis > this.settings.downAfterSeconds * 500;
        const leads = await this.context!.store.isLeader();
        if (stalled || !leads) this.watchingSince = null;
        if (!leads) return;
        this.watchingSince ??= this.context!.clock.now();
        await checkFleetHealth(this.context!, this.settings, this.watchingSince);
      })()
        .then(
          () => this.wait.succeeded(),
          (error: unknown) => {
            this.watchingSince = null;
            this.wait.failed(error);
          },
        )
        .finally(() => {
          this.checking = null;
          this.lastCheckEndedMillis = performance.now();
          this.scheduleHealth();
        });
    }, healthCheckMillis);
  }

  async consoleLog(instance: ProviderInstance): Promise<ConsoleLine[]> {
    return (await agentConsoleLog(this.context!, instance.id)).map((chunk) => ({ seqnum: chunk.seqnum, timestampRealtime: chunk.at, monotonicSeconds: chunk.monotonicSeconds, monotonicNanos: chunk.monotonicNanos, data: chunk.data }));
  }

  async sshInfo(instance: ProviderInstance): Promise<SshInfo | null> {
    const ssh = await agentSsh(this.context!, instance.id);
    if (ssh === null) return null;
    return { hostname: ssh.hostname, port: ssh.port, hostKeys: ssh.hostKeys, lastSuccessfulKeyUpdateAt: ssh.hostKeys.length > 0 ? ssh.reportedAt : null, lastAttemptedKeyUpdateAt: ssh.reportedAt };
  }

  publicIp(instance: ProviderInstance): string | null {
    return this.addresses.publicIp(instance);
  }
}
