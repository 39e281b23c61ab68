// The fleet's queries, for both engines: host tokens, hosts, supply settings, the placement columns
// of `instance_runs` and agents' console log chunks.

import { type Kysely, type Selectable } from 'kysely';
import type { RecordedRunState, RunIntent } from '../../../domain/compute/runs.js';
import type { InstanceStatus } from '../../../domain/compute/placement.js';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import { pageBySeq } from '../paging.js';
import { decodeSchedule, encodeSchedule } from '../schedules.js';
import type { Schedule } from '../../../domain/kernel/schedule.js';
import type { FleetRepository, FleetRunRecord, HostChanges, HostRecord, HostTokenRecord, HostView, LogChunk, MaintenanceWindowRecord, RunReportEffect } from '../../fleet.js';

const endedStates: RecordedRunState[] = ['stopped', 'failed', 'removed'];

function toToken(row: Selectable<Database['host_tokens']>): HostTokenRecord {
  return { seq: row.seq, id: row.id, name: row.name, tokenHash: row.token_hash, suffix: row.suffix, createdAt: row.created_at, revokedAt: row.revoked_at };
}

type HostRow = Selectable<Database['hosts']> & { instance_sku_alias: string };

function toHost(row: HostRow): HostView {
  return {
    seq: row.seq,
    id: row.id,
    tokenId: row.token_id,
    hostname: row.hostname,
    address: row.address,
    instanceSkuId: row.instance_sku_id,
    instanceSkuAlias: row.instance_sku_alias,
    nodeCount: row.node_count,
    accelerators: JSON.parse(row.accelerators),
    cpus: row.cpus,
    memoryBytes: row.memory_bytes,
    diskBytes: row.disk_bytes,
    driver: row.driver,
    registeredAt: row.registered_at,
    lastHeartbeatAt: row.last_heartbeat_at,
    cordonedAt: row.cordoned_at,
    maintenanceStartAt: row.maintenance_start_at,
    maintenanceEndAt: row.maintenance_end_at,
    maintenanceStarted: Boolean(row.maintenance_started),
    downAt: row.down_at,
    supplyPoolId: row.supply_pool_id,
    supplyNodes: row.supply_nodes,
    removedAt: row.removed_at,
    unbacked: decodeSchedule(row.unbacked),
    reclaimedUntil: row.reclaimed_until,
    lastHeartbeatSentAt: row.last_heartbeat_sent_at,
  };
}

const hostColumns: Record<keyof HostChanges, keyof Database['hosts']> = {
  hostname: 'hostname',
  address: 'address',
  instanceSkuId: 'instance_sku_id',
  nodeCount: 'node_count',
  accelerators: 'accelerators',
  cpus: 'cpus',
  memoryBytes: 'memory_bytes',
  diskBytes: 'disk_bytes',
  driver: 'driver',
  lastHeartbeatAt: 'last_heartbeat_at',
  cordonedAt: 'cordoned_at',
  maintenanceStartAt: 'maintenance_start_at',
  maintenanceEndAt: 'maintenance_end_at',
  maintenanceStarted: 'maintenance_started',
  downAt: 'down_at',
  supplyPoolId: 'supply_pool_id',
  supplyNodes: 'supply_nodes',
  removedAt: 'removed_at',
  unbacked: 'unbacked',
  reclaimedUntil: 'reclaimed_until',
  lastHeartbeatSentAt: 'last_heartbeat_sent_at',
};

function hostRow(changes: HostChanges): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    const column = hostColumns[key as keyof HostChanges];
    if (value === undefined || column === undefined) continue;
    row[column] = key === 'accelerators' ? JSON.stringify(value) : key === 'maintenanceStarted' ? (value ? 1 : 0) : key === 'unbacked' ? encodeSchedule(value as Schedule) : value;
  }
  return row;
}

interface RunRow {
  instance_id: string;
  intent: string;
  state: string;
  host_id: string | null;
  node_index: number | null;
  ssh_port: number | null;
  https_port: number | null;
  host_keys: string | null;
  failure: string | null;
  reported_at: number | null;
  requested_at: number;
  guest_started_at: number | null;
  guest_ready_at: number | null;
  guest_ended_at: number | null;
  instance_status: string | null;
  instance_sku_id: string | null;
}

function toRun(row: RunRow): FleetRunRecord {
  return {
    instanceId: row.instance_id,
    intent: row.intent as RunIntent,
    state: row.state as RecordedRunState,
    hostId: row.host_id,
    nodeIndex: row.node_index,
    sshPort: row.ssh_port,
    httpsPort: row.https_port,
    hostKeys: row.host_keys === null ? [] : JSON.parse(row.host_keys),
    failure: row.failure,
    reportedAt: row.reported_at,
    requestedAt: row.requested_at,
    guestStartedAt: row.guest_started_at,
    guestReadyAt: row.guest_ready_at,
    guestEndedAt: row.guest_ended_at,
    instanceStatus: row.instance_status as InstanceStatus | null,
    instanceSkuId: row.instance_sku_id,
  };
}

export class SqlFleetRepository implements FleetRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async lock(): Promise<void> {
    await this.adapter.transactionLock(this.trx, 'fleet');
  }

  async insertToken(token: Omit<HostTokenRecord, 'seq' | 'revokedAt'>): Promise<void> {
    await this.trx.insertInto('host_tokens').values({ id: token.id, name: token.name, token_hash: token.tokenHash, suffix: token.suffix, created_at: token.createdAt, revoked_at: null }).execute();
  }

  async findTokenByHash(tokenHash: string): Promise<HostTokenRecord | undefined> {
    const row = await this.trx.selectFrom('host_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return row === undefined ? undefined : toToken(row);
  }

  async findToken(id: string): Promise<HostTokenRecord | undefined> {
    const row = await this.trx.selectFrom('host_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toToken(row);
  }

  async listTokens(page: PageRequest): Promise<HostTokenRecord[]> {
    return (await pageBySeq(this.trx.selectFrom('host_tokens').selectAll(), 'seq', page).execute()).map(toToken);
  }

  async revokeToken(id: string, at: number): Promise<void> {
    await this.trx.updateTable('host_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async insertHost(host: Omit<HostRecord, 'seq'>): Promise<void> {
    await this.trx
      .insertInto('hosts')
      .values({
        id: host.id,
        token_id: host.tokenId,
        registered_at: host.registeredAt,
        ...(hostRow(host) as Omit<Database['hosts'], 'seq' | 'id' | 'token_id' | 'registered_at'>),
      })
      .execute();
  }

  async updateHost(id: string, changes: HostChanges): Promise<void> {
    const row = hostRow(changes);
    if (Object.keys(row).length === 0) return;
    await this.trx.updateTable('hosts').set(row).where('id', '=', id).execute();
  }

  private hosts() {
    return this.trx.selectFrom('hosts').innerJoin('instance_skus', 'instance_skus.id', 'hosts.instance_sku_id').selectAll('hosts').select('instance_skus.alias as instance_sku_alias');
  }

  async findHost(id: string): Promise<HostView | undefined> {
    const row = await this.hosts().where('hosts.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toHost(row as HostRow);
  }

  async liveHosts(instanceSkuId?: string): Promise<HostView[]> {
    let query = this.hosts().where('hosts.removed_at', 'is', null);
    if (instanceSkuId !== undefined) query = query.where('hosts.instance_sku_id', '=', instanceSkuId);
    return (await query.orderBy('hosts.id').execute()).map((row) => toHost(row as HostRow));
  }

  async pageLiveHosts(page: PageRequest): Promise<HostView[]> {
    return (await pageBySeq(this.hosts().where('hosts.removed_at', 'is', null), 'hosts.seq', page).execute()).map((row) => toHost(row as HostRow));
  }

  private runs() {
    return this.trx
      .selectFrom('instance_runs')
      .leftJoin('instances', 'instances.id', 'instance_runs.instance_id')
      .select([
        'instance_runs.instance_id',
        'instance_runs.intent',
        'instance_runs.state',
        'instance_runs.host_id',
        'instance_runs.node_index',
        'instance_runs.ssh_port',
        'instance_runs.https_port',
        'instance_runs.host_keys',
        'instance_runs.failure',
        'instance_runs.reported_at',
        'instance_runs.requested_at',
        'instance_runs.guest_started_at',
        'instance_runs.guest_ready_at',
        'instance_runs.guest_ended_at',
        'instances.status as instance_status',
        'instances.instance_sku_id as instance_sku_id',
      ]);
  }

  async runsOnHosts(hostIds: readonly string[]): Promise<FleetRunRecord[]> {
    if (hostIds.length === 0) return [];
    const rows = await this.runs().where('instance_runs.host_id', 'in', hostIds).where('instance_runs.state', '!=', 'removed').orderBy('instance_runs.instance_id').execute();
    return rows.map((row) => toRun(row as RunRow));
  }

  async occupiedNodes(hostIds: readonly string[]): Promise<{ readonly hostId: string; readonly nodeIndex: number }[]> {
    if (hostIds.length === 0) return [];
    const rows = await this.trx
      .selectFrom('instance_runs')
      .select(['host_id', 'node_index'])
      .where('host_id', 'in', hostIds)
      .where('state', 'not in', endedStates)
      .execute();
    return rows.map((row) => ({ hostId: row.host_id!, nodeIndex: row.node_index! }));
  }

  async unplacedRuns(limit: number): Promise<FleetRunRecord[]> {
    const rows = await this.runs().where('instance_runs.host_id', 'is', null).where('instance_runs.state', 'not in', endedStates).orderBy('instance_runs.seq').limit(limit).execute();
    return rows.map((row) => toRun(row as RunRow));
  }

  async placeRun(instanceId: string, hostId: string, nodeIndex: number, at: number): Promise<boolean> {
    const result = await this.trx
      .updateTable('instance_runs')
      .set({ host_id: hostId, node_index: nodeIndex, driver: 'fleet', updated_at: at })
      .where('instance_id', '=', instanceId)
      .where('host_id', 'is', null)
      .where('state', 'not in', endedStates)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordReport(instanceId: string, seen: { readonly intent: RunIntent; readonly state: RecordedRunState }, effect: RunReportEffect): Promise<boolean> {
    const set: Record<string, unknown> = { reported_at: effect.reportedAt };
    if (effect.state !== undefined) {
      set.state = effect.state;
      set.updated_at = effect.reportedAt;
    }
    if (effect.failure !== undefined) set.failure = effect.failure;
    if (effect.sshPort !== undefined) set.ssh_port = effect.sshPort;
    if (effect.httpsPort !== undefined) set.https_port = effect.httpsPort;
    if (effect.hostKeys !== undefined) set.host_keys = JSON.stringify(effect.hostKeys);
    if (effect.guestStartedAt !== undefined) set.guest_started_at = effect.guestStartedAt;
    if (effect.guestReadyAt !== undefined) set.guest_ready_at = effect.guestReadyAt;
    if (effect.guestEndedAt !== undefined) set.guest_ended_at = effect.guestEndedAt;
    const result = await this.trx.updateTable('instance_runs').set(set).where('instance_id', '=', instanceId).where('intent', '=', seen.intent).where('state', '=', seen.state).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async findRun(instanceId: string): Promise<FleetRunRecord | undefined> {
    const row = await this.runs().where('instance_runs.instance_id', '=', instanceId).executeTakeFirst();
    return row === undefined ? undefined : toRun(row as RunRow);
  }

  async saveLogChunks(instanceId: string, chunks: readonly LogChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    await this.trx
      .insertInto('instance_log_chunks')
      .values(chunks.map((chunk) => ({ instance_id: instanceId, seqnum: chunk.seqnum, at: chunk.at, monotonic_seconds: chunk.monotonicSeconds, monotonic_nanos: chunk.monotonicNanos, data_base64: chunk.dataBase64 })))
      .onConflict((oc) => oc.columns(['instance_id', 'seqnum']).doNothing())
      .execute();
  }

  async logChunks(instanceId: string): Promise<LogChunk[]> {
    const rows = await this.trx.selectFrom('instance_log_chunks').selectAll().where('instance_id', '=', instanceId).orderBy('seqnum').execute();
    return rows.map((row) => ({ seqnum: row.seqnum, at: row.at, monotonicSeconds: row.monotonic_seconds, monotonicNanos: row.monotonic_nanos, dataBase64: row.data_base64 }));
  }

  async supplyPoolOf(instanceSkuId: string): Promise<string | null> {
    const row = await this.trx.selectFrom('fleet_instance_skus').select('supply_pool_id').where('instance_sku_id', '=', instanceSkuId).executeTakeFirst();
    return row?.supply_pool_id ?? null;
  }

  async setSupplyPool(instanceSkuId: string, poolId: string | null, at: number): Promise<void> {
    await this.trx
      .insertInto('fleet_instance_skus')
      .values({ instance_sku_id: instanceSkuId, supply_pool_id: poolId, updated_at: at })
      .onConflict((oc) => oc.column('instance_sku_id').doUpdateSet({ supply_pool_id: poolId, updated_at: at }))
      .execute();
  }

  async supplySettings(): Promise<{ readonly instanceSkuId: string; readonly supplyPoolId: string | null }[]> {
    const rows = await this.trx.selectFrom('fleet_instance_skus').selectAll().orderBy('instance_sku_id').execute();
    return rows.map((row) => ({ instanceSkuId: row.instance_sku_id, supplyPoolId: row.supply_pool_id }));
  }

  async maintenanceStartsOf(instanceIds: readonly string[], now: number): Promise<Map<string, number>> {
    if (instanceIds.length === 0) return new Map();
    const rows = await this.trx
      .selectFrom('instance_runs')
      .innerJoin('hosts', 'hosts.id', 'instance_runs.host_id')
      .select(['instance_runs.instance_id', 'hosts.maintenance_start_at'])
      .where('instance_runs.instance_id', 'in', instanceIds)
      .where('instance_runs.state', 'not in', endedStates)
      .where('hosts.removed_at', 'is', null)
      .where('hosts.maintenance_end_at', '>', now)
      .execute();
    return new Map(rows.map((row) => [row.instance_id, row.maintenance_start_at!]));
  }

  async setInstanceTimes(instanceId: string, times: { readonly startedAt?: number; readonly endedAt?: number }): Promise<void> {
    const set: Record<string, number> = {};
    if (times.startedAt !== undefined) set.started_at = times.startedAt;
    if (times.endedAt !== undefined) set.ended_at = times.endedAt;
    if (Object.keys(set).length === 0) return;
    await this.trx.updateTable('instances').set(set).where('id', '=', instanceId).execute();
  }

  async holdingsOf(instanceSkuId: string): Promise<{ readonly poolId: string; readonly accountId: string; readonly balance: Schedule }[]> {
    const rows = await this.trx
      .selectFrom('allocation_balances')
      .innerJoin('pools', 'pools.id', 'allocation_balances.pool_id')
      .select(['allocation_balances.pool_id', 'pools.account_id', 'allocation_balances.schedule'])
      .where('allocation_balances.instance_sku_id', '=', instanceSkuId)
      .orderBy('allocation_balances.pool_id')
      .execute();
    return rows.map((row) => ({ poolId: row.pool_id, accountId: row.account_id, balance: decodeSchedule(row.schedule) }));
  }

  async contractsInto(poolId: string, instanceSkuId: string): Promise<{ readonly contractId: string; readonly schedule: Schedule; readonly priceMicrosPerHour: number; readonly filledAt: number }[]> {
    const rows = await this.trx
      .selectFrom('contracts')
      .innerJoin('orders', 'orders.id', 'contracts.buy_order_id')
      .select(['contracts.id', 'contracts.schedule', 'contracts.price_micros', 'contracts.filled_at'])
      .where('orders.pool_id', '=', poolId)
      .where('contracts.instance_sku_id', '=', instanceSkuId)
      .orderBy('contracts.seq')
      .execute();
    return rows.map((row) => ({ contractId: row.id, schedule: decodeSchedule(row.schedule), priceMicrosPerHour: row.price_micros, filledAt: row.filled_at }));
  }

  async maintenanceWindows(instanceSkuId: string, from: number, to: number | null): Promise<MaintenanceWindowRecord[]> {
    let query = this.trx
      .selectFrom('hosts')
      .select(['id', 'node_count', 'maintenance_start_at', 'maintenance_end_at'])
      .where('instance_sku_id', '=', instanceSkuId)
      .where('removed_at', 'is', null)
      .where('maintenance_end_at', 'is not', null)
      .where('maintenance_end_at', '>', from);
    if (to !== null) query = query.where('maintenance_start_at', '<', to);
    const rows = await query.orderBy('maintenance_start_at').orderBy('id').execute();
    return rows.map((row) => ({ hostId: row.id, nodeCount: row.node_count, startAt: row.maintenance_start_at!, endAt: row.maintenance_end_at! }));
  }
}
