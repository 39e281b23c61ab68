// Keeps instances within allocation. For one pool and SKU at a time `at`, it starts and ends
// instances as placement decides (domain/compute/placement.ts), then lets the deployments that lost
// instances create replacements. Every mutation that changes allocation or instances calls it in
// its own transaction; the engine calls it at every schedule boundary.

import { assert } from '../../domain/kernel/assert.js';
import { parseNameTemplate, type NameTemplate } from '../../domain/kernel/names.js';
import { bereavedDeployments, deploymentStep, place, withoutDeletedAwaiting } from '../../domain/compute/placement.js';
import { valueAt } from '../../domain/kernel/schedule.js';
import { isFailure } from '../../domain/kernel/failures.js';
import { deploymentInstancesPerTransaction, nameDrawAttemptsMax } from '../../domain/kernel/limits.js';
import type { InstanceRecord, PlacedInstance } from '../../store/compute.js';
import type { BalanceRecord } from '../../store/allocation.js';
import type { Tx } from '../../store/store.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { lockPoolsForAdding } from '../allocation/pools.js';
import { recordEvent } from '../kernel/events.js';
import { markInstancesEnded, markInstancesRunning } from './run-intents.js';

/** Inserts an instance awaiting allocation, with a name no live instance of the workspace has. */
export async function insertInstance(
  context: AppContext,
  tx: Tx,
  instance: Omit<InstanceRecord, 'seq' | 'id' | 'status' | 'startedAt' | 'endedAt' | 'updatedAt' | 'name'> & { readonly name: string | null },
  nameTemplate?: NameTemplate,
): Promise<InstanceRecord | 'name_taken'> {
  const record = { ...instance, id: newId(context, 'instance'), status: 'awaiting_allocation' as const, startedAt: null, endedAt: null, updatedAt: instance.createdAt };
  const inserted = (name: string): InstanceRecord => {
    recordEvent(context, tx, { kind: 'instance_status_changed', instanceId: record.id, status: record.status, at: record.createdAt });
    return { ...record, name, seq: 0 };
  };
  if (instance.name !== null) {
    if ((await tx.instances.findByName(instance.workspaceId, instance.name)) !== undefined) return 'name_taken';
    const written = await tx.instances.insert({ ...record, name: instance.name });
    return written === 'written' ? inserted(instance.name) : 'name_taken';
  }
  // A generated name that happens to be taken is drawn again.
  for (let attempt = 0; attempt < nameDrawAttemptsMax; attempt++) {
    const name = newName(context, nameTemplate);
    if ((await tx.instances.findByName(instance.workspaceId, name)) !== undefined) continue;
    if ((await tx.instances.insert({ ...record, name })) === 'written') return inserted(name);
    return 'name_taken';
  }
  return 'name_taken';
}

/**
 * Inserts `count` instances awaiting allocation, alike but for their drawn names, in a few
 * statements for the lot rather than two per instance (a deployment creates up to
 * `deploymentInstancesPerTransaction` at once, and its lock is held meanwhile): the names are
 * drawn, those the workspace has are drawn again, and those another transaction took meanwhile
 * too, up to `nameDrawAttemptsMax` rounds, as `insertInstance` does for one. Any still unnamed
 * then are not created; the deployment stays short of its target until it is next maintained.
 */
async function insertDrawnNames(
  context: AppContext,
  tx: Tx,
  instance: Omit<InstanceRecord, 'seq' | 'id' | 'status' | 'startedAt' | 'endedAt' | 'updatedAt' | 'name'>,
  count: number,
  nameTemplate: NameTemplate | undefined,
): Promise<void> {
  let remaining = count;
  for (let attempt = 0; attempt < nameDrawAttemptsMax && remaining > 0; attempt++) {
    const drawn = new Map<string, string>();
    for (let index = 0; index < remaining; index++) {
      const id = newId(context, 'instance');
      drawn.set(newName(context, nameTemplate), id);
    }
    const taken = await tx.instances.namesTaken(instance.workspaceId, [...drawn.keys()]);
    const records = [...drawn]
      .filter(([name]) => !taken.has(name))
      .map(([name, id]) => ({ ...instance, id, name, status: 'awaiting_allocation' as const, startedAt: null, endedAt: null, updatedAt: instance.createdAt }));
    const written = await tx.instances.insertManyUnlessNameTaken(records);
    for (const record of records) {
      if (written.has(record.id)) recordEvent(context, tx, { kind: 'instance_status_changed', instanceId: record.id, status: record.status, at: record.createdAt });
    }
    remaining -= written.size;
  }
}

/** What the engine read for a batch of boundaries at once: the pool's live instances and its balance, as they stand now in this transaction. */
export interface PoolSkuState {
  readonly live: readonly PlacedInstance[];
  readonly balance: BalanceRecord | undefined;
  /** Given, the instances placement ends are handed to it when nothing else of the pool follows from
   * them (nothing starts, no deployment replaces them): the engine writes a batch's ends in one statement. */
  readonly endLater?: (ids: readonly string[]) => void;
}

/** Brings one pool and SKU to what placement decides at `at`. `current`, when given, is the pool's state now, read by the caller in this transaction; it stands for the first round's reads. */
export async function reconcilePoolSku(context: AppContext, tx: Tx, poolId: string, instanceSkuId: string, at: number, current?: PoolSkuState): Promise<void> {
  // Deployments that lose instances replace them, and a replacement may start at once (a yield
  // instance gave way); two rounds settle it, as replacements never end anything.
  for (let round = 0; round < 2; round++) {
    let live: readonly PlacedInstance[] = round === 0 && current !== undefined ? current.live : await tx.instances.liveInPoolSku(poolId, instanceSkuId);
    if (live.length === 0) return;
    const balance = round === 0 && current !== undefined ? current.balance : await tx.allocation.balanceOf(poolId, instanceSkuId);
    let decision = place(live, balance === undefined ? 0 : valueAt(balance.schedule, at));
    // Deployments being deleted start nothing more. Asked only when a deployment's instance would start, so the common cases (nothing starts, instances of no deployment) read nothing more.
    const starting = new Set(decision.start);
    const deleted = await tx.deployments.deletedAmong([...new Set(live.filter((instance) => starting.has(instance.id) && instance.deploymentId !== null).map((instance) => instance.deploymentId!))]);
    if (deleted.size > 0) {
      live = withoutDeletedAwaiting(live, deleted);
      decision = place(live, balance === undefined ? 0 : valueAt(balance.schedule, at));
    }
    if (decision.start.length === 0 && decision.terminate.length === 0) return;
    const statusOf = new Map(live.map((instance) => [instance.id, instance.status]));
    assert(decision.start.every((id) => statusOf.get(id) === 'awaiting_allocation'), () => `placement starts an instance of pool ${poolId} that is not awaiting allocation`);
    assert(decision.terminate.every((id) => statusOf.get(id) === 'running'), () => `placement ends an instance of pool ${poolId} that is not running`);
    const runningAfter = live.filter((instance) => instance.status === 'running').length - decision.terminate.length + decision.start.length;
    assert(runningAfter <= Math.max(0, balance === undefined ? 0 : valueAt(balance.schedule, at)), () => `placement runs ${runningAfter} instance(s) in pool ${poolId} beyond its allocation`);
    const bereaved = bereavedDeployments(live, decision.terminate);
    if (round === 0 && current?.endLater !== undefined && decision.start.length === 0 && bereaved.size === 0) {
      current.endLater(decision.terminate);
      return;
    }
    await markInstancesEnded(context, tx, decision.terminate, 'terminated', at);
    await markInstancesRunning(context, tx, decision.start, at);
    if (bereaved.size === 0) return;
    for (const deploymentId of bereaved) await maintainDeployment(context, tx, deploymentId, at);
  }
}

/**
 * Brings a deployment closer to its target, by at most `deploymentInstancesPerTransaction`
 * instances: creates instances awaiting allocation when it has too few, and ends the surplus when
 * it has too many — awaiting ones first, then running ones from the end of the keep order. When
 * more remains, the deployment is marked due and the engine continues it, a batch per
 * transaction (engine/boundaries.ts). A disabled deployment is left as it is. The caller
 * reconciles the deployment's pool afterwards.
 */
export async function maintainDeployment(context: AppContext, tx: Tx, deploymentId: string, at: number): Promise<void> {
  // Under the deployment's lock: a deletion at the same time either sees the instances created here or stops them being created.
  if (!(await tx.deployments.lockLive(deploymentId))) return;
  const deployment = await tx.deployments.findByIdForEngine(deploymentId);
  if (deployment === undefined) return;
  const live = deployment.enabled ? await tx.instances.liveOfDeployment(deployment.id) : [];
  const { create, end, more } = deploymentStep(deployment.enabled ? deployment.targetInstanceCount : live.length, live, deploymentInstancesPerTransaction);
  const template = create > 0 ? await tx.instanceTemplates.findById(deployment.accountId, deployment.instanceTemplateId) : undefined;
  // Disabled, at its target, or its template gone: nothing is due until it changes.
  if (more && (create === 0 || template !== undefined)) await tx.deployments.markDue(deployment.id, at);
  else await tx.deployments.clearDue(deployment.id);
  if (create > 0) {
    if (template === undefined) return;
    await lockPoolsForAdding(tx, [deployment.poolId]);
    const nameTemplate = parseNameTemplate(deployment.instanceNameTemplate, 'instance_name_template');
    await insertDrawnNames(
      context,
      tx,
      {
        accountId: deployment.accountId,
        workspaceId: deployment.workspaceId,
        poolId: deployment.poolId,
        instanceSkuId: deployment.instanceSkuId,
        imageId: template.imageId,
        deploymentId: deployment.id,
        cloudInitUserData: template.cloudInitUserData,
        tags: template.tags,
        priority: 'normal',
        enablePublicIpv4: false,
        firewall: null,
        infiniband: false,
        createdAt: at,
      },
      create,
      isFailure(nameTemplate) ? undefined : nameTemplate,
    );
  } else if (end.length > 0) {
    await markInstancesEnded(context, tx, end, 'terminated', at);
  }
}
