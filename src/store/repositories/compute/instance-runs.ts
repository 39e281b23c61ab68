// Instance runs: the outbox between the reconciler and the drivers. An intent is written in the
// transaction that starts or ends the instance; the worker's effects are written after each
// driver call, each guarded by the state the worker saw, so effects recorded twice or late are
// harmless.

import { type Kysely, type Selectable, sql } from 'kysely';
import type { RecordedRunState, RunIntent } from '../../../domain/compute/runs.js';
import type { Database } from '../../database.js';
import type { InstanceRunEffect, InstanceRunRecord, InstanceRunRepository, PublishedConsoleLine, PublishedSsh } from '../../compute.js';

type Row = Selectable<Database['instance_runs']>;

const endedStates: RecordedRunState[] = ['stopped', 'failed', 'removed'];

function toRecord(row: Row): InstanceRunRecord {
  return {
    instanceId: row.instance_id,
    intent: row.intent as RunIntent,
    state: row.state as RecordedRunState,
    driver: row.driver,
    handle: row.handle,
    sshPort: row.ssh_port,
    httpsPort: row.https_port,
    failure: row.failure,
    requestedAt: row.requested_at,
    updatedAt: row.updated_at,
    place: row.place,
    ssh: row.ssh === null ? null : (JSON.parse(row.ssh) as PublishedSsh),
  };
}

export class SqlInstanceRunRepository implements InstanceRunRepository {
  constructor(private readonly trx: Kysely<Database>) {}

  async requestRun(instanceIds: readonly string[], at: number): Promise<void> {
    if (instanceIds.length === 0) return;
    await this.trx
      .insertInto('instance_runs')
      .values(instanceIds.map((id) => ({ instance_id: id, intent: 'run', state: 'requested', requested_at: at, updated_at: at })))
      .onConflict((oc) => oc.column('instance_id').doNothing())
      .execute();
  }

  async requestStop(instanceIds: readonly string[], at: number): Promise<void> {
    if (instanceIds.length === 0) return;
    await this.trx.updateTable('instance_runs').set({ intent: 'stop', updated_at: at }).where('instance_id', 'in', instanceIds).where('intent', '=', 'run').execute();
  }

  async requestRemove(instanceIds: readonly string[], at: number): Promise<void> {
    if (instanceIds.length === 0) return;
    await this.trx.updateTable('instance_runs').set({ intent: 'remove', updated_at: at }).where('instance_id', 'in', instanceIds).execute();
  }

  async find(instanceId: string): Promise<InstanceRunRecord | undefined> {
    const row = await this.trx.selectFrom('instance_runs').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();
    return row === undefined ? undefined : toRecord(row);
  }

  async record(instanceId: string, seen: { readonly intent: RunIntent; readonly state: RecordedRunState; readonly place?: string | null }, effect: InstanceRunEffect): Promise<boolean> {
    const set: Partial<Row> = { state: effect.state, updated_at: effect.updatedAt };
    if (effect.driver !== undefined) set.driver = effect.driver;
    if (effect.handle !== undefined) set.handle = effect.handle;
    if (effect.sshPort !== undefined) set.ssh_port = effect.sshPort;
    if (effect.httpsPort !== undefined) set.https_port = effect.httpsPort;
    if (effect.failure !== undefined) set.failure = effect.failure;
    if (effect.place !== undefined) set.place = effect.place;
    let update = this.trx.updateTable('instance_runs').set(set).where('instance_id', '=', instanceId).where('intent', '=', seen.intent).where('state', '=', seen.state);
    // A claim for a launch is made only over the place the caller saw (none, or its own).
    if (seen.place !== undefined) update = seen.place === null ? update.where('place', 'is', null) : update.where('place', '=', seen.place);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async pending(limit: number): Promise<InstanceRunRecord[]> {
    const rows = await this.trx
      .selectFrom('instance_runs')
      .selectAll()
      .where((eb) => eb.or([eb.and([eb('intent', '=', 'run'), eb('state', '=', 'requested')]), eb.and([eb('intent', '=', 'stop'), eb('state', 'not in', endedStates)]), eb.and([eb('intent', '=', 'remove'), eb('state', '!=', 'removed')])]))
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async unended(afterInstanceId: string, limit: number): Promise<InstanceRunRecord[]> {
    const rows = await this.trx.selectFrom('instance_runs').selectAll().where('state', 'not in', endedStates).where('instance_id', '>', afterInstanceId).orderBy('instance_id').limit(limit).execute();
    return rows.map(toRecord);
  }

  async unendedForImage(imageId: string): Promise<number> {
    const row = await this.trx
      .selectFrom('instance_runs')
      .innerJoin('instances', 'instances.id', 'instance_runs.instance_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('instances.image_id', '=', imageId)
      .where('instance_runs.state', 'not in', endedStates)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async publishSsh(instanceId: string, ssh: PublishedSsh): Promise<void> {
    await this.trx.updateTable('instance_runs').set({ ssh: JSON.stringify(ssh) }).where('instance_id', '=', instanceId).execute();
  }

  async publishConsole(instanceId: string, lines: readonly PublishedConsoleLine[]): Promise<void> {
    if (lines.length === 0) return;
    await this.trx
      .insertInto('instance_log_chunks')
      .values(lines.map((line) => ({ instance_id: instanceId, seqnum: line.seqnum, at: line.timestampRealtime, monotonic_seconds: line.monotonicSeconds, monotonic_nanos: line.monotonicNanos, data_base64: Buffer.from(line.data, 'utf8').toString('base64') })))
      .onConflict((oc) => oc.columns(['instance_id', 'seqnum']).doNothing())
      .execute();
  }

  async lastConsoleSeqnums(instanceIds: readonly string[]): Promise<Map<string, number>> {
    if (instanceIds.length === 0) return new Map();
    const rows = await this.trx
      .selectFrom('instance_log_chunks')
      .select(['instance_id', (eb) => eb.fn.max<number>('seqnum').as('last')])
      .where('instance_id', 'in', instanceIds)
      .groupBy('instance_id')
      .execute();
    return new Map(rows.map((row) => [row.instance_id, Number(row.last)]));
  }

  async forgetConsole(instanceId: string): Promise<void> {
    await this.trx.deleteFrom('instance_log_chunks').where('instance_id', '=', instanceId).execute();
  }

  async console(instanceId: string): Promise<PublishedConsoleLine[]> {
    const rows = await this.trx.selectFrom('instance_log_chunks').selectAll().where('instance_id', '=', instanceId).orderBy('seqnum').execute();
    return rows.map((row) => ({ seqnum: Number(row.seqnum), timestampRealtime: Number(row.at), monotonicSeconds: Number(row.monotonic_seconds), monotonicNanos: Number(row.monotonic_nanos), data: Buffer.from(row.data_base64, 'base64').toString('utf8') }));
  }

  async runningWithout(limit: number): Promise<string[]> {
    const rows = await this.trx
      .selectFrom('instances')
      .select('id')
      .where('status', '=', 'running')
      .where('deleted_at', 'is', null)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('instance_runs').select(sql<number>`1`.as('one')).whereRef('instance_runs.instance_id', '=', 'instances.id'))))
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }
}
