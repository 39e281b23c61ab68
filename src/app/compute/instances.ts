// Instances (seed 003): VMs that run on a pool's allocation of one SKU. They are created
// awaiting allocation; the reconciler starts them when allocation covers them and ends them,
// lowest-ranked first, when it no longer does. The simulated provider supplies their console log
// and SSH details.

import { createHash } from 'node:crypto';
import { createInstanceOperation, deleteInstanceOperation, failInstanceOperation, getInstanceOperation, instanceLogsOperation, instanceSshOperation, listInstancesOperation, replaceInstanceOperation, terminateInstanceOperation, updateInstanceOperation, updateInstancePrioritiesOperation } from '../../domain/compute/operations.js';
import { declaring } from '../kernel/declaring.js';
import { checkCloudInit } from '../../domain/compute/cloud-init.js';
import { fail, type Failure, type FailureDetail, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { batchPatchEntriesMax, logLinesDefault } from '../../domain/kernel/limits.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { compareKeepOrder, expectedShutdownAt, type InstancePriority, type InstanceStatus, isLive } from '../../domain/compute/placement.js';
import { resourceTypes } from '../../domain/kernel/resource-paths.js';
import { parseTagFilter, type Tags } from '../../domain/kernel/tags.js';
import type { ConsoleLine, ProviderInstance, SshInfo } from '../../providers/provider.js';
import type { InstanceView } from '../../store/compute.js';
import type { Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';
import { findInstanceSku } from '../allocation/instance-skus.js';
import type { AppContext } from '../kernel/context.js';
import { type Answerer, type IdempotentRequest, runIdempotentAnswer, type StoredAnswer } from '../kernel/idempotency.js';
import { resolveImageForUse } from './images.js';
import { lockPoolsForAdding, resolvePool, resolvePoolForInstances } from '../allocation/pools.js';
import { runProcurementFor } from '../market/procurement-runs.js';
import { maintainDeployment, insertInstance, reconcilePoolSku } from './reconciler.js';
import { markInstancesEnded, removeInstanceGuests } from './run-intents.js';
import { resolveEach, resolveScoped } from '../tenancy/references.js';
import { resolveWorkspaceFilter } from '../tenancy/workspaces.js';

const firewallIdPattern = /^frwl_[0-9a-zA-Z_-]{1,21}$/;
const firewallPathPattern = /^sfc:firewall:[a-zA-Z0-9._-]+(:[a-zA-Z0-9._-]+){2}$/;

/**
 * The firewall of an instance with a public address, as an id. allot does not model firewalls:
 * one named by resource path gets a stable id derived from the path.
 */
function firewallId(reference: string): string | Failure {
  if (firewallIdPattern.test(reference)) return reference;
  if (!firewallPathPattern.test(reference)) return invalidField('firewall', 'invalid_format', 'firewall must be a frwl_ id or an sfc:firewall:<account>:<workspace>:<name> path');
  return `frwl_${createHash('sha256').update(reference).digest('base64url').slice(0, 21)}`;
}

/** An instance as reads show it: with when it is expected to shut down, and its public address. */
export interface InstanceReading {
  readonly instance: InstanceView;
  readonly expectedShutdownAt: number | null;
  readonly publicIp: string | null;
}

function instanceNotFound(reference: string): Failure {
  return fail('instance_not_found', `No instance "${reference}"`);
}

export function providerView(instance: InstanceView): ProviderInstance {
  return {
    id: instance.id,
    name: instance.name,
    imageName: instance.imageName,
    cloudInitUserData: instance.cloudInitUserData,
    enablePublicIpv4: instance.enablePublicIpv4,
    startedAt: instance.startedAt,
    endedAt: instance.startedAt === null ? null : instance.endedAt,
    endReason: instance.status === 'failed' ? 'failed' : instance.status === 'terminated' ? 'terminated' : null,
    instanceSku: { id: instance.instanceSkuId, alias: instance.instanceSkuAlias },
  };
}

/** Finds one of the account's instances by id (`inst_`, legacy `vm_`), resource path or name. */
export async function resolveInstance(tx: Tx, accountId: string, reference: string, workspace?: WorkspaceRecord): Promise<InstanceView | Failure> {
  const instance = await resolveScoped(tx, accountId, reference, resourceTypes.instance, {
    byId: (id) => tx.instances.findById(accountId, id),
    byName: (workspaceId, name) => tx.instances.findByName(workspaceId, name),
  }, workspace);
  return instance ?? instanceNotFound(reference);
}

/** Attaches what reads show: expected shutdown (from each running instance's keep rank) and public IPs. */
export async function readInstances(context: AppContext, tx: Tx, instances: readonly InstanceView[], now: number): Promise<InstanceReading[]> {
  const keyOf = (instance: { poolId: string; instanceSkuId: string }) => `${instance.poolId} ${instance.instanceSkuId}`;
  const keys = new Map<string, { poolId: string; instanceSkuId: string }>();
  for (const instance of instances) if (instance.status === 'running') keys.set(keyOf(instance), { poolId: instance.poolId, instanceSkuId: instance.instanceSkuId });
  const ranks = new Map<string, number>();
  const schedules = new Map<string, Awaited<ReturnType<Tx['allocation']['balanceOf']>>>();
  if (keys.size > 0) {
    const running = (await tx.instances.runningInPoolSkus([...keys.values()])).sort(compareKeepOrder);
    const counts = new Map<string, number>();
    for (const instance of running) {
      const rank = (counts.get(keyOf(instance)) ?? 0) + 1;
      counts.set(keyOf(instance), rank);
      ranks.set(instance.id, rank);
    }
    for (const [key, value] of keys) schedules.set(key, await tx.allocation.balanceOf(value.poolId, value.instanceSkuId));
  }
  // An instance on a fleet's host that is to be drained ends at the maintenance's start, if not
  // before (read through the transaction: hosts are the fleet's, docs/fleet.md).
  const maintenance = ranks.size === 0 ? new Map<string, number>() : await tx.fleet.maintenanceStartsOf([...ranks.keys()].filter((id) => instances.some((instance) => instance.id === id)), now);
  return instances.map((instance) => {
    const rank = ranks.get(instance.id);
    const balance = schedules.get(keyOf(instance));
    const byAllocation = rank === undefined || balance === undefined ? null : expectedShutdownAt(balance.schedule, rank, now);
    const byMaintenance = maintenance.get(instance.id) ?? null;
    return {
      instance,
      expectedShutdownAt: byMaintenance === null ? byAllocation : byAllocation === null ? byMaintenance : Math.min(byAllocation, byMaintenance),
      publicIp: context.provider.publicIp(providerView(instance)),
    };
  });
}

async function readOne(context: AppContext, tx: Tx, instance: InstanceView, now: number): Promise<InstanceReading> {
  const [reading] = await readInstances(context, tx, [instance], now);
  return reading!;
}

export interface CreateInstanceInput {
  readonly pool?: string | undefined;
  /** Seed 003's older name for `pool`. */
  readonly capacity?: string | undefined;
  readonly image: string;
  readonly instance_sku: string;
  readonly name?: string | null | undefined;
  readonly cloud_init_user_data?: string | undefined;
  readonly tags?: Tags | null | undefined;
  readonly priority_level?: InstancePriority | null | undefined;
  readonly enable_public_ipv4?: boolean | undefined;
  readonly firewall?: string | null | undefined;
  readonly _preview_enable_infiniband?: boolean | undefined;
}

export const createInstance = declaring(createInstanceOperation, async function createInstance(context: AppContext, accountId: string, input: CreateInstanceInput): Promise<InstanceReading | Failure> {
  const poolReference = input.pool ?? input.capacity;
  if (poolReference === undefined) return invalidField('pool', 'missing', '"pool" is required');
  if (input.pool !== undefined && input.capacity !== undefined && input.pool !== input.capacity) {
    return invalidField('capacity', 'conflicting_parameters', '"capacity" is the older name of "pool"; give one, or the same value in both');
  }
  const cloudInit = input.cloud_init_user_data === undefined ? null : checkCloudInit(input.cloud_init_user_data, 'cloud_init_user_data');
  if (isFailure(cloudInit)) return cloudInit;
  const publicIpv4 = input.enable_public_ipv4 ?? false;
  if (!publicIpv4 && input.firewall !== undefined && input.firewall !== null) {
    return invalidField('firewall', 'forbidden', '"firewall" is only for instances with enable_public_ipv4');
  }
  if (publicIpv4 && (input.firewall === undefined || input.firewall === null)) {
    return invalidField('firewall', 'missing', '"firewall" is required with enable_public_ipv4: true (sfc:firewall:<account>:<workspace>:default is the workspace\'s own)');
  }
  const firewall = input.firewall === undefined || input.firewall === null ? null : firewallId(input.firewall);
  if (isFailure(firewall)) return firewall;
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const pool = await resolvePoolForInstances(tx, accountId, poolReference);
    if (isFailure(pool)) return pool;
    await lockPoolsForAdding(tx, [pool.id]);
    const sku = await findInstanceSku(tx, input.instance_sku);
    if (isFailure(sku)) return sku;
    const image = await resolveImageForUse(tx, accountId, input.image);
    if (isFailure(image)) return image;
    if (input._preview_enable_infiniband === true && sku.properties.rdma_type !== 'infiniband') {
      return fail('sku_lacks_feature', `Instance SKU ${sku.alias} has no InfiniBand`, [{ field: '_preview_enable_infiniband', code: 'unsupported', message: `Instance SKU ${sku.alias} has no InfiniBand` }]);
    }
    if (publicIpv4 && sku.properties.supports_public_ipv4 !== true) {
      return fail('sku_lacks_feature', `Instance SKU ${sku.alias} offers no public IPv4`, [{ field: 'enable_public_ipv4', code: 'unsupported', message: `Instance SKU ${sku.alias} offers no public IPv4` }]);
    }
    const inserted = await insertInstance(context, tx, {
      accountId,
      workspaceId: pool.workspaceId,
      name: input.name ?? null,
      poolId: pool.id,
      instanceSkuId: sku.id,
      imageId: image.id,
      deploymentId: null,
      cloudInitUserData: cloudInit,
      tags: input.tags ?? {},
      priority: input.priority_level ?? 'normal',
      enablePublicIpv4: publicIpv4,
      firewall: publicIpv4 ? (firewall ?? (firewallId(`sfc:firewall:${accountId}:${pool.workspaceName}:default`) as string)) : null,
      infiniband: input._preview_enable_infiniband ?? false,
      createdAt: now,
    });
    if (inserted === 'name_taken') return fail('name_taken', `An instance named "${input.name}" already exists in workspace "${pool.workspaceName}"`);
    await reconcilePoolSku(context, tx, pool.id, sku.id, now);
    await runProcurementFor(context, tx, pool.id, sku.id, now);
    return readOne(context, tx, (await tx.instances.findById(accountId, inserted.id))!, now);
  });
});

export const getInstance = declaring(getInstanceOperation, async function getInstance(context: AppContext, accountId: string, reference: string): Promise<InstanceReading | Failure> {
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const instance = await resolveInstance(tx, accountId, reference);
    return isFailure(instance) ? instance : readOne(context, tx, instance, now);
  });
});

export interface ListInstancesInput extends PageQuery {
  readonly workspace?: string | undefined;
  readonly id?: readonly string[] | undefined;
  readonly pool?: readonly string[] | undefined;
  readonly status?: readonly InstanceStatus[] | undefined;
  readonly instance_sku?: readonly string[] | undefined;
  readonly created_after?: number | undefined;
  readonly created_before?: number | undefined;
  readonly tag?: readonly string[] | undefined;
  readonly tag_key?: readonly string[] | undefined;
}

export const listInstances = declaring(listInstancesOperation, async function listInstances(context: AppContext, accountId: string, input: ListInstancesInput): Promise<Page<InstanceReading> | Failure> {
  const page = parsePageQuery(cursorPrefixes.instances, input);
  if (isFailure(page)) return page;
  const tags = parseTagFilter(input.tag ?? [], input.tag_key ?? []);
  if (isFailure(tags)) return tags;
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const workspace = await resolveWorkspaceFilter(tx, accountId, input.workspace);
    if (isFailure(workspace)) return workspace;
    const ids = await resolveEach(input.id, (reference) => resolveInstance(tx, accountId, reference, workspace));
    const poolIds = await resolveEach(input.pool, (reference) => resolvePool(tx, accountId, reference, workspace));
    const instanceSkuIds = await resolveEach(input.instance_sku, (reference) => findInstanceSku(tx, reference));
    const rows = await tx.instances.list(
      {
        accountId,
        workspaceId: workspace?.id ?? null,
        ids,
        poolIds,
        instanceSkuIds,
        statuses: input.status === undefined || input.status.length === 0 ? null : input.status,
        createdAfter: input.created_after ?? null,
        createdBefore: input.created_before ?? null,
        tags,
      },
      page,
    );
    const instances = toPage(cursorPrefixes.instances, page, rows);
    return { ...instances, data: await readInstances(context, tx, instances.data, now) };
  });
});

export interface UpdateInstanceInput {
  readonly name?: string | null | undefined;
  readonly tags?: Tags | null | undefined;
  readonly priority_level?: InstancePriority | null | undefined;
}

export const updateInstance = declaring(updateInstanceOperation, async function updateInstance(context: AppContext, accountId: string, reference: string, input: UpdateInstanceInput): Promise<InstanceReading | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const instance = await resolveInstance(tx, accountId, reference);
    if (isFailure(instance)) return instance;
    const changes: { name?: string; tags?: Tags; priority?: InstancePriority; updatedAt: number } = { updatedAt: now };
    if (input.name !== undefined && input.name !== null && input.name !== instance.name) {
      const taken = fail('name_taken', `An instance named "${input.name}" already exists in workspace "${instance.workspaceName}"`);
      if ((await tx.instances.findByName(instance.workspaceId, input.name)) !== undefined) return taken;
      changes.name = input.name;
    }
    if (input.tags !== undefined) changes.tags = input.tags ?? {};
    if (input.priority_level !== undefined && input.priority_level !== null) changes.priority = input.priority_level;
    if ((await tx.instances.update(instance.id, changes)) === 'name_taken') return fail('name_taken', `An instance named "${input.name}" already exists`);
    // A new priority changes who is kept: a yield instance may now give way, or be given way to.
    if (changes.priority !== undefined) await reconcilePoolSku(context, tx, instance.poolId, instance.instanceSkuId, now);
    return readOne(context, tx, (await tx.instances.findById(accountId, instance.id))!, now);
  });
});

/**
 * Sets the priority of several instances, all or none: one unknown instance refuses the whole
 * batch (422). The last entry for an id wins; the answer has one instance per id, in the order
 * the ids first appear.
 */
export const updateInstancePriorities = declaring(updateInstancePrioritiesOperation, async function updateInstancePriorities(
  context: AppContext,
  accountId: string,
  entries: readonly { readonly id: string; readonly priority_level: InstancePriority }[],
): Promise<InstanceReading[] | Failure> {
  if (entries.length > batchPatchEntriesMax) return invalidField('data', 'too_many', `data may hold at most ${batchPatchEntriesMax} entries`);
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const wanted = new Map<string, InstancePriority>();
    for (const entry of entries) wanted.set(entry.id, entry.priority_level);
    const found: { instance: InstanceView; priority: InstancePriority }[] = [];
    const missing: FailureDetail[] = [];
    for (const [reference, priority] of wanted) {
      const instance = await resolveInstance(tx, accountId, reference);
      const index = entries.findLastIndex((entry) => entry.id === reference);
      if (isFailure(instance)) missing.push({ field: `data.${index}.id`, code: 'not_found', message: `No instance "${reference}"` });
      else found.push({ instance, priority });
    }
    if (missing.length > 0) return fail('instance_not_found', `The batch was not applied: ${missing.map((problem) => problem.message).join('; ')}`, missing);
    // One batch, one workspace (SF Compute: "cross-workspace batch" is a 422).
    const workspaceId = found[0]?.instance.workspaceId;
    const elsewhere = found.findIndex(({ instance }) => instance.workspaceId !== workspaceId);
    if (elsewhere >= 0) {
      const reference = [...wanted.keys()][elsewhere]!;
      const index = entries.findLastIndex((entry) => entry.id === reference);
      return invalidField(`data.${index}.id`, 'invalid_value', `The batch was not applied: instance "${reference}" is in another workspace than "${[...wanted.keys()][0]!}"; a batch changes the instances of one workspace`);
    }
    const groups = new Map<string, InstanceView>();
    for (const { instance, priority } of found) {
      await tx.instances.update(instance.id, { priority, updatedAt: now });
      groups.set(`${instance.poolId} ${instance.instanceSkuId}`, instance);
    }
    for (const instance of groups.values()) await reconcilePoolSku(context, tx, instance.poolId, instance.instanceSkuId, now);
    const updated: InstanceView[] = [];
    for (const { instance } of found) updated.push((await tx.instances.findById(accountId, instance.id))!);
    return readInstances(context, tx, updated, now);
  });
});

/** Ends a live instance (terminated by its owner, or failed by the operator) and lets its pool and deployment react. */
export async function endInstance(context: AppContext, tx: Tx, instance: InstanceView, status: 'terminated' | 'failed', now: number): Promise<void> {
  if (!isLive(instance.status)) return;
  await markInstancesEnded(context, tx, [instance.id], status, now);
  if (instance.deploymentId !== null) await maintainDeployment(context, tx, instance.deploymentId, now);
  await reconcilePoolSku(context, tx, instance.poolId, instance.instanceSkuId, now);
  await runProcurementFor(context, tx, instance.poolId, instance.instanceSkuId, now);
}

export const terminateInstance = declaring(terminateInstanceOperation, async function terminateInstance(context: AppContext, accountId: string, reference: string): Promise<InstanceReading | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const instance = await resolveInstance(tx, accountId, reference);
    if (isFailure(instance)) return instance;
    // SF Compute: "404 Instance not found or already terminated".
    if (!isLive(instance.status)) return fail('instance_not_found', `Instance "${reference}" is already ${instance.status}`);
    await endInstance(context, tx, instance, 'terminated', now);
    return readOne(context, tx, (await tx.instances.findById(accountId, instance.id))!, now);
  });
});

/** The operator reports a hardware fault: the instance is `failed`, and never runs again. */
export const failInstance = declaring(failInstanceOperation, async function failInstance(context: AppContext, reference: string): Promise<InstanceReading | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const instance = reference.startsWith('inst_') || reference.startsWith('vm_') ? await tx.instances.findByIdForOperator(reference.replace(/^vm_/, 'inst_')) : undefined;
    if (instance === undefined) return instanceNotFound(reference);
    await endInstance(context, tx, instance, 'failed', now);
    return readOne(context, tx, (await tx.instances.findByIdForOperator(instance.id))!, now);
  });
});

export const deleteInstance = declaring(deleteInstanceOperation, async function deleteInstance(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const instance = await resolveInstance(tx, accountId, reference);
    if (isFailure(instance)) return instance;
    if (isLive(instance.status)) return fail('instance_not_deletable', `Instance "${instance.name}" is ${instance.status}: terminate it before deleting it`);
    await tx.instances.softDelete(instance.id, now);
    await removeInstanceGuests(context, tx, [instance.id], now);
    return null;
  });
});

export interface ReplaceInstanceInput {
  readonly image: string;
  readonly cloud_init_user_data?: string | undefined;
  readonly name?: string | null | undefined;
}

/** What a replacement is made of, named inside the keyed transaction (`replaceKeyed`). */
export interface Replacing {
  /** The instance replaced: its id, path or name. */
  readonly reference: string;
  readonly input: ReplaceInstanceInput;
  /** The replacement's startup script, already checked. */
  readonly cloudInit: string | null;
}

/**
 * Terminates an instance and creates its replacement on the same pool and SKU in one
 * transaction. The replacement inherits public IPv4, firewall, tags, priority, InfiniBand and
 * the managing deployment; it takes the new image, and the new startup script only if given.
 */
export const replaceInstance = declaring(replaceInstanceOperation, async function replaceInstance(
  context: AppContext,
  accountId: string,
  reference: string,
  input: ReplaceInstanceInput,
  idempotencyKey: string | undefined,
  answer: Answerer<InstanceReading>,
): Promise<StoredAnswer | Failure> {
  const cloudInit = input.cloud_init_user_data === undefined ? null : checkCloudInit(input.cloud_init_user_data, 'cloud_init_user_data');
  if (isFailure(cloudInit)) return cloudInit;
  return replaceKeyed(context, { accountId, key: idempotencyKey, operation: `replace_instance ${reference}`, body: input }, answer, async () => ({ reference, input, cloudInit }));
});

/**
 * A replacement under an idempotency key: `replacing` names, inside the transaction and only when
 * the key is new, what is replaced and by what — so that a replay answers the stored answer
 * whatever became of the instance since (ended, deleted), without reading it.
 */
export function replaceKeyed(
  context: AppContext,
  request: IdempotentRequest,
  answer: Answerer<InstanceReading>,
  replacing: (tx: Tx) => Promise<Replacing | Failure>,
): Promise<StoredAnswer | Failure> {
  const accountId = request.accountId;
  return runIdempotentAnswer(
    context,
    request,
    async (tx, now) => {
      const named = await replacing(tx);
      if (isFailure(named)) return named;
      const { reference, input, cloudInit } = named;
      const old = await resolveInstance(tx, accountId, reference);
      if (isFailure(old) || !isLive(old.status)) return fail('instance_not_replaceable', `Instance "${reference}" was not found or is already ${isFailure(old) ? 'gone' : old.status}`);
      if (input.name !== undefined && input.name !== null && input.name === old.name) {
        const message = `The replacement must have a different name from "${old.name}", which stays reserved while it lingers terminated`;
        return fail('name_taken', message, [{ field: 'name', code: 'same_name', message }]);
      }
      const image = await resolveImageForUse(tx, accountId, input.image);
      if (isFailure(image)) return image;
      await lockPoolsForAdding(tx, [old.poolId]);
      await markInstancesEnded(context, tx, [old.id], 'terminated', now);
      const replacement = await insertInstance(context, tx, {
        accountId,
        workspaceId: old.workspaceId,
        name: input.name ?? null,
        poolId: old.poolId,
        instanceSkuId: old.instanceSkuId,
        imageId: image.id,
        deploymentId: old.deploymentId,
        cloudInitUserData: cloudInit,
        tags: old.tags,
        priority: old.priority,
        enablePublicIpv4: old.enablePublicIpv4,
        firewall: old.firewall,
        infiniband: old.infiniband,
        createdAt: now,
      });
      if (replacement === 'name_taken') return fail('name_taken', `An instance named "${input.name}" already exists in workspace "${old.workspaceName}"`);
      await reconcilePoolSku(context, tx, old.poolId, old.instanceSkuId, now);
      return { id: replacement.id, result: await readOne(context, tx, (await tx.instances.findById(accountId, replacement.id))!, now) };
    },
    answer,
    async (tx, id) => {
      const instance = await tx.instances.findById(accountId, id);
      return instance === undefined ? instanceNotFound(id) : readOne(context, tx, instance, context.clock.now());
    },
  );
}

export interface LogQuery {
  readonly seqnum_before?: number | undefined;
  readonly seqnum_after?: number | undefined;
  readonly realtime_timestamp_before?: number | undefined;
  readonly realtime_timestamp_after?: number | undefined;
  readonly sort_by?: 'seqnum' | '-seqnum' | undefined;
  readonly limit?: number | undefined;
}

/** The instance's console log: windows by sequence number and time (bounds inclusive), sorted, limited. */
export const instanceLogs = declaring(instanceLogsOperation, async function instanceLogs(context: AppContext, accountId: string, reference: string, query: LogQuery): Promise<ConsoleLine[] | Failure> {
  const now = context.clock.now();
  const instance = await context.store.read((tx) => resolveInstance(tx, accountId, reference));
  if (isFailure(instance)) return instance;
  const lines = (await context.provider.consoleLog(providerView(instance), now))
    .filter((line) => query.seqnum_before === undefined || line.seqnum <= query.seqnum_before)
    .filter((line) => query.seqnum_after === undefined || line.seqnum >= query.seqnum_after)
    .filter((line) => query.realtime_timestamp_before === undefined || line.timestampRealtime <= query.realtime_timestamp_before)
    .filter((line) => query.realtime_timestamp_after === undefined || line.timestampRealtime >= query.realtime_timestamp_after);
  if (query.sort_by === '-seqnum') lines.reverse();
  return lines.slice(0, query.limit ?? logLinesDefault);
});

export const instanceSsh = declaring(instanceSshOperation, async function instanceSsh(context: AppContext, accountId: string, reference: string): Promise<SshInfo | Failure> {
  const now = context.clock.now();
  const instance = await context.store.read((tx) => resolveInstance(tx, accountId, reference));
  if (isFailure(instance)) return instance;
  const ssh = await context.provider.sshInfo(providerView(instance), now);
  return ssh ?? fail('instance_not_found', `Instance "${instance.name}" has not started yet: it has no SSH details`);
});
