// The fleet's records and repository: host tokens, hosts, the SKUs whose hosts supply the market,
// where each instance run is placed (columns of compute's `instance_runs`), and the console log
// chunks agents send.

import type { Accelerator, HostKey } from '../domain/fleet/hosts.js';
import type { Schedule } from '../domain/kernel/schedule.js';
import type { RecordedRunState, RunIntent } from '../domain/compute/runs.js';
import type { InstanceStatus } from '../domain/compute/placement.js';
import type { PageRequest } from '../domain/kernel/pagination.js';

export interface HostTokenRecord {
  readonly seq: number;
  readonly id: string;
  readonly name: string;
  readonly tokenHash: string;
  readonly suffix: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export interface HostRecord {
  readonly seq: number;
  readonly id: string;
  readonly tokenId: string;
  readonly hostname: string;
  readonly address: string;
  readonly instanceSkuId: string;
  readonly nodeCount: number;
  readonly accelerators: readonly Accelerator[];
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly diskBytes: number;
  readonly driver: string;
  readonly registeredAt: number;
  readonly lastHeartbeatAt: number;
  readonly cordonedAt: number | null;
  readonly maintenanceStartAt: number | null;
  readonly maintenanceEndAt: number | null;
  readonly maintenanceStarted: boolean;
  readonly downAt: number | null;
  /** The pool the host issues its node-time into now, and how many nodes; null and 0 when it issues none. */
  readonly supplyPoolId: string | null;
  readonly supplyNodes: number;
  readonly removedAt: number | null;
  /** Node-time the host issued that is sold and no longer backed (it went down or was removed), not yet taken back. */
  readonly unbacked: Schedule;
  /** Up to when its unbacked node-time was taken back (null: none was). */
  readonly reclaimedUntil: number | null;
  /** When its last heartbeat was sent, on the agent's clock (null: the agent did not say). */
  readonly lastHeartbeatSentAt: number | null;
}

export interface HostView extends HostRecord {
  readonly instanceSkuAlias: string;
}

export type HostChanges = Partial<Omit<HostRecord, 'seq' | 'id' | 'tokenId' | 'registeredAt'>>;

/** A run placed on a host (or waiting for one), with its instance's status. */
export interface FleetRunRecord {
  readonly instanceId: string;
  readonly intent: RunIntent;
  readonly state: RecordedRunState;
  readonly hostId: string | null;
  readonly nodeIndex: number | null;
  readonly sshPort: number | null;
  readonly httpsPort: number | null;
  readonly hostKeys: readonly HostKey[];
  readonly failure: string | null;
  readonly reportedAt: number | null;
  /** When the run was asked for, on allot's clock. */
  readonly requestedAt: number;
  /** When its guest started, was ready, ended, as its agent reported them (on allot's clock). */
  readonly guestStartedAt: number | null;
  readonly guestReadyAt: number | null;
  readonly guestEndedAt: number | null;
  /** Null when the instance is gone (deleted rows stay, so this is rare). */
  readonly instanceStatus: InstanceStatus | null;
  readonly instanceSkuId: string | null;
}

export interface RunReportEffect {
  readonly state?: RecordedRunState;
  readonly failure?: string | null;
  readonly sshPort?: number | null;
  readonly httpsPort?: number | null;
  readonly hostKeys?: readonly HostKey[];
  readonly guestStartedAt?: number | null;
  readonly guestReadyAt?: number | null;
  readonly guestEndedAt?: number | null;
  readonly reportedAt: number;
}

export interface LogChunk {
  readonly seqnum: number;
  readonly at: number;
  readonly monotonicSeconds: number;
  readonly monotonicNanos: number;
  readonly dataBase64: string;
}

export interface MaintenanceWindowRecord {
  readonly hostId: string;
  readonly nodeCount: number;
  readonly startAt: number;
  readonly endAt: number;
}

export interface FleetRepository {
  /** Serialises the fleet's decisions (placement, health, the operator's changes): first in the lock order. */
  lock(): Promise<void>;
  insertToken(token: Omit<HostTokenRecord, 'seq' | 'revokedAt'>): Promise<void>;
  findTokenByHash(tokenHash: string): Promise<HostTokenRecord | undefined>;
  findToken(id: string): Promise<HostTokenRecord | undefined>;
  /** A page of the host tokens, revoked ones included, by insertion order (PageRequest). */
  listTokens(page: PageRequest): Promise<HostTokenRecord[]>;
  revokeToken(id: string, at: number): Promise<void>;
  insertHost(host: Omit<HostRecord, 'seq'>): Promise<void>;
  updateHost(id: string, changes: HostChanges): Promise<void>;
  findHost(id: string): Promise<HostView | undefined>;
  /** Hosts not removed, in id order; of one SKU when given. */
  liveHosts(instanceSkuId?: string): Promise<HostView[]>;
  /** A page of the hosts not removed, by registration order (PageRequest). */
  pageLiveHosts(page: PageRequest): Promise<HostView[]>;
  /** Runs placed on these hosts that are not removed. */
  runsOnHosts(hostIds: readonly string[]): Promise<FleetRunRecord[]>;
  /** The nodes whose runs have not ended, per host. */
  occupiedNodes(hostIds: readonly string[]): Promise<{ readonly hostId: string; readonly nodeIndex: number }[]>;
  /** Runs placed nowhere and not ended, oldest first, at most `limit`. */
  unplacedRuns(limit: number): Promise<FleetRunRecord[]>;
  /** Places a run that is placed nowhere; answers whether it did. */
  placeRun(instanceId: string, hostId: string, nodeIndex: number, at: number): Promise<boolean>;
  /** Records a report's effect when the run is still as seen; answers whether it did. */
  recordReport(instanceId: string, seen: { readonly intent: RunIntent; readonly state: RecordedRunState }, effect: RunReportEffect): Promise<boolean>;
  findRun(instanceId: string): Promise<FleetRunRecord | undefined>;
  saveLogChunks(instanceId: string, chunks: readonly LogChunk[]): Promise<void>;
  logChunks(instanceId: string): Promise<LogChunk[]>;
  supplyPoolOf(instanceSkuId: string): Promise<string | null>;
  setSupplyPool(instanceSkuId: string, poolId: string | null, at: number): Promise<void>;
  supplySettings(): Promise<{ readonly instanceSkuId: string; readonly supplyPoolId: string | null }[]>;
  /** For these instances, the start of a maintenance window not over at `now` on the host each runs on. */
  maintenanceStartsOf(instanceIds: readonly string[], now: number): Promise<Map<string, number>>;
  /** Sets an instance's started_at or ended_at to when its guest really started or ended. */
  setInstanceTimes(instanceId: string, times: { readonly startedAt?: number; readonly endedAt?: number }): Promise<void>;
  /** Every pool's balance of the SKU, with its account. */
  holdingsOf(instanceSkuId: string): Promise<{ readonly poolId: string; readonly accountId: string; readonly balance: Schedule }[]>;
  /** The contracts whose buy orders filled into the pool, of the SKU. */
  contractsInto(poolId: string, instanceSkuId: string): Promise<{ readonly contractId: string; readonly schedule: Schedule; readonly priceMicrosPerHour: number; readonly filledAt: number }[]>;
  /** Maintenance windows of the SKU's live hosts that overlap [from, to) (`to` null: no end). */
  maintenanceWindows(instanceSkuId: string, from: number, to: number | null): Promise<MaintenanceWindowRecord[]>;
}
