// The fleet's guest worker, for `allot serve --driver fleet`: instead of calling a local driver
// it places run intents on the fleet's hosts (app/fleet/placement.ts) after each commit that
// recorded some, and on a poll; every second it judges the fleet's health (app/fleet/health.ts).
// Only the leader acts (`Store.isLeader`), as for the engine. It is also the provider instances
// are read through: their console logs and SSH details are what their agents reported.

import { agentConsoleLog, agentSsh } from '../app/fleet/agents.js';
import { checkFleetHealth } from '../app/fleet/health.js';
import { placeWaitingRuns } from '../app/fleet/placement.js';
import { requestRunsForUnrecorded } from '../app/compute/runs.js';
import type { AppContext, GuestRunNotifier } from '../app/kernel/context.js';
import type { FleetSettings } from '../domain/fleet/hosts.js';
import { guestRunBatchSize, guestRunPollMillis } from '../domain/kernel/limits.js';
import type { ConsoleLine, InstanceProvider, ProviderInstance, SshInfo } from '../providers/provider.js';
import { SimulatedProvider } from '../providers/simulated.js';

/** How often the leader judges the fleet's health, in real time. */
const healthCheckMillis = 1000;

export class FleetWorker implements GuestRunNotifier, InstanceProvider {
  private context: AppContext | null = null;
  private timer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private passing: Promise<void> | null = null;
  private checking: Promise<void> | null = null;
  private passAgain = false;
  private recorded = false;
  private closed = false;
  /** Public addresses are made up, as the simulated provider makes them (a host's own are not known per instance). */
  private readonly addresses = new SimulatedProvider();

  constructor(
    readonly settings: FleetSettings,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(context: AppContext): void {
    this.context = context;
    this.requested();
    this.scheduleHealth();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.healthTimer !== null) clearTimeout(this.healthTimer);
    await this.passing;
    await this.checking;
  }

  requested(): void {
    if (this.closed || this.context === null) return;
    if (this.passing !== null) {
      this.passAgain = true;
      return;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    // After the current transaction commits.
    this.timer = setTimeout(() => this.pass(), 0);
  }

  private pass(): void {
    this.timer = null;
    this.passing = (async () => {
      do {
        this.passAgain = false;
        if (!(await this.context!.store.isLeader())) break;
        // Instances that started while no real driver ran have no run record yet: they get one.
        if (!this.recorded) {
          while ((await requestRunsForUnrecorded(this.context!, guestRunBatchSize)) > 0);
          this.recorded = true;
        }
        if ((await placeWaitingRuns(this.context!, this.settings, guestRunBatchSize)) === guestRunBatchSize) this.passAgain = true;
      } while (this.passAgain && !this.closed);
    })()
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.passing = null;
        if (!this.closed) this.timer = setTimeout(() => this.pass(), guestRunPollMillis * 4);
      });
  }

  private scheduleHealth(): void {
    if (this.closed) return;
    this.healthTimer = setTimeout(() => {
      this.checking = (async () => {
        if (!(await this.context!.store.isLeader())) return;
        await checkFleetHealth(this.context!, this.settings);
      })()
        .catch((error: unknown) => this.onError(error))
        .finally(() => {
          this.checking = null;
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
