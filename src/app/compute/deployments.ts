// Deployments keep `target_instance_count` instances from an instance template on a pool's
// allocation of one SKU. Instances that end are replaced by new ones awaiting allocation, named
// from `instance_name_template`. A generic deployment runs on the allocation the pool holds; a
// spot deployment also buys it, through a procurement it owns whose target is the pool's
// instances of the SKU (`node_count`), bought at no more than its max price an hour ahead.

import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { createDeploymentOperation, deleteDeploymentOperation, getDeploymentOperation, listDeploymentsOperation, patchDeploymentOperation } from '../../domain/compute/operations.js';
import { declaring } from '../kernel/declaring.js';
import { deploymentInstancesMax, deploymentInstancesPerTransaction, spotWindowMinutes } from '../../domain/kernel/limits.js';
import { deploymentStep } from '../../domain/compute/placement.js';
import { defaultNameTemplate, parseNameTemplate } from '../../domain/kernel/names.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { resourceTypes } from '../../domain/kernel/resource-paths.js';
import { parseDollarsPerNodeHour } from '../../domain/kernel/money.js';
import type { DeploymentView } from '../../store/compute.js';
import type { ProcurementView } from '../../store/market.js';
import type { Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';
import { findInstanceSku } from '../allocation/instance-skus.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { markInstancesEnded } from './run-intents.js';
import { resolveInstanceTemplateForUse } from './instance-templates.js';
import { lockPoolsForAdding, resolvePoolFilter, resolvePoolForInstances } from '../allocation/pools.js';
import { changeProcurement, insertProcurement, removeProcurement } from '../market/procurements.js';
import { runProcurementFor } from '../market/procurement-runs.js';
import { maintainDeployment, reconcilePoolSku } from './reconciler.js';
import { resolveScoped } from '../tenancy/references.js';

/** A deployment as reads show it, with how many of its instances run and wait, and a spot deployment's procurement. */
export interface DeploymentReading {
  readonly deployment: DeploymentView;
  readonly running: number;
  readonly awaiting: number;
  readonly procurement: ProcurementView | null;
}

function deploymentNotFound(reference: string): Failure {
  return fail('deployment_not_found', `No deployment "${reference}"`);
}

/** Finds a deployment of either kind: `depl_` and `sfc:deployment:` name generic ones, `spot_` and `sfc:spot_deployment:` spot ones, a bare name either. */
export async function resolveDeployment(tx: Tx, accountId: string, reference: string, workspace?: WorkspaceRecord): Promise<DeploymentView | Failure> {
  for (const [type, kind] of [[resourceTypes.deployment, 'generic'], [resourceTypes.spotDeployment, 'spot']] as const) {
    const ofKind = (deployment: DeploymentView | undefined) => (deployment?.kind === kind ? deployment : undefined);
    const deployment = await resolveScoped(tx, accountId, reference, type, {
      byId: async (id) => ofKind(await tx.deployments.findById(accountId, id)),
      byName: async (workspaceId, name) => ofKind(await tx.deployments.findByName(workspaceId, name)),
    }, workspace);
    if (deployment !== undefined) return deployment;
  }
  return deploymentNotFound(reference);
}

async function readDeployment(tx: Tx, deployment: DeploymentView): Promise<DeploymentReading> {
  const live = await tx.instances.liveOfDeployment(deployment.id);
  const running = live.filter((instance) => instance.status === 'running').length;
  const procurement = deployment.procurementId === null ? null : ((await tx.procurements.findByIdForEngine(deployment.procurementId)) ?? null);
  return { deployment, running, awaiting: live.length - running, procurement };
}

/** The prices of a spot deployment's procurement: it buys at no more than the max price and sells surplus at no less. */
function spotPrices(maxBuy: string) {
  return { max_buy_price_dollars_per_node_hour: maxBuy, min_sell_price_dollars_per_node_hour: maxBuy };
}

/** Why a new deployment of this kind cannot share the pool and SKU with the automations already there, or null. */
async function automationConflict(tx: Tx, poolId: string, instanceSkuId: string, kind: 'generic' | 'spot'): Promise<Failure | null> {
  const others = (await tx.deployments.activeInPool(poolId)).filter((deployment) => deployment.instanceSkuId === instanceSkuId);
  const spot = others.find((deployment) => deployment.kind === 'spot');
  if (spot !== undefined) return fail('automation_conflict', `The pool and instance SKU already have spot deployment "${spot.name}", which runs their instances`);
  if (kind === 'spot' && others.length > 0) return fail('automation_conflict', `The pool and instance SKU already have deployment "${others[0]!.name}"; a spot deployment must be their only one`);
  return null;
}

function checkTarget(target: number): Failure | null {
  if (!Number.isInteger(target) || target < 0 || target > deploymentInstancesMax) {
    return invalidField('target_instance_count', 'out_of_range', `target_instance_count must be from 0 to ${deploymentInstancesMax}`);
  }
  return null;
}

export interface CreateDeploymentInput {
  readonly kind?: 'generic' | 'spot' | undefined;
  readonly name?: string | null | undefined;
  readonly pool: string;
  readonly instance_sku: string;
  readonly instance_template: string;
  readonly target_instance_count: number;
  readonly instance_name_template?: string | undefined;
  readonly max_buy_price_dollars_per_node_hour?: string | undefined;
}

export const createDeployment = declaring(createDeploymentOperation, async function createDeployment(context: AppContext, accountId: string, input: CreateDeploymentInput): Promise<DeploymentReading | Failure> {
  const kind = input.kind ?? 'generic';
  const maxBuy = input.max_buy_price_dollars_per_node_hour;
  if (kind === 'spot') {
    if (maxBuy === undefined) return invalidField('max_buy_price_dollars_per_node_hour', 'missing', 'A spot deployment needs max_buy_price_dollars_per_node_hour');
    const price = parseDollarsPerNodeHour(maxBuy, 'max_buy_price_dollars_per_node_hour');
    if (isFailure(price)) return price;
  } else if (maxBuy !== undefined) {
    return invalidField('max_buy_price_dollars_per_node_hour', 'unsupported', 'max_buy_price_dollars_per_node_hour is only for spot deployments');
  }
  const badTarget = checkTarget(input.target_instance_count);
  if (badTarget !== null) return badTarget;
  const nameTemplate = parseNameTemplate(input.instance_name_template ?? defaultNameTemplate, 'instance_name_template');
  if (isFailure(nameTemplate)) return nameTemplate;
  const now = context.clock.now();
  return context.store.transaction((tx) => insertDeployment(context, tx, accountId, input, now));
});

/** Creates a deployment in the caller's transaction (v1 autoreserved nodes make spot deployments too); the input is checked already. */
/** `startsAt` (a spot deployment's, for an autoreserved v1 node's `start_at`): its procurement buys nothing before it. */
export async function insertDeployment(context: AppContext, tx: Tx, accountId: string, input: CreateDeploymentInput, now: number, startsAt: number | null = null): Promise<DeploymentReading | Failure> {
  const kind = input.kind ?? 'generic';
  const maxBuy = input.max_buy_price_dollars_per_node_hour;
  const nameTemplateText = input.instance_name_template ?? defaultNameTemplate;
  const pool = await resolvePoolForInstances(tx, accountId, input.pool);
  if (isFailure(pool)) return pool;
  await lockPoolsForAdding(tx, [pool.id]);
  const sku = await findInstanceSku(tx, input.instance_sku);
  if (isFailure(sku)) return sku;
  const template = await resolveInstanceTemplateForUse(tx, accountId, input.instance_template);
  if (isFailure(template)) return template;
  const conflict = await automationConflict(tx, pool.id, sku.id, kind);
  if (conflict !== null) return conflict;
  const name = input.name ?? newName(context);
  const taken = fail('name_taken', `A deployment named "${name}" already exists in workspace "${pool.workspaceName}"`);
  if ((await tx.deployments.findByName(pool.workspaceId, name)) !== undefined) return taken;
  const id = newId(context, kind === 'spot' ? 'spotDeployment' : 'deployment');
  const deployment = {
    id,
    kind,
    accountId,
    workspaceId: pool.workspaceId,
    name,
    poolId: pool.id,
    instanceSkuId: sku.id,
    instanceTemplateId: template.id,
    enabled: true,
    targetInstanceCount: input.target_instance_count,
    instanceNameTemplate: nameTemplateText,
    procurementId: null,
    createdAt: now,
    updatedAt: now,
  };
  if ((await tx.deployments.insert(deployment)) === 'name_taken') return taken;
  // The instances come first, so that the procurement's first run counts them.
  await maintainDeployment(context, tx, id, now);
  if (kind === 'spot') {
    // The procurement takes the deployment's name when no procurement has it.
    const procurementName = (await tx.procurements.findByName(pool.workspaceId, name)) === undefined ? name : newName(context);
    const procurement = await insertProcurement(
      context,
      tx,
      accountId,
      { name: procurementName, pool: pool.id, instance_sku: sku.id, target: 'node_count', ...spotPrices(maxBuy!), managed_window_minutes: spotWindowMinutes, startsAt },
      now,
    );
    if (isFailure(procurement)) return procurement;
    await tx.deployments.update(id, { procurementId: procurement.id, updatedAt: now });
  }
  await reconcilePoolSku(context, tx, pool.id, sku.id, now);
  await runProcurementFor(context, tx, pool.id, sku.id, now);
  return readDeployment(tx, (await tx.deployments.findById(accountId, id))!);
}

/**
 * The engine continues a deployment a request left short of (or over) its target, or a deletion
 * that left instances to end: one more batch, then its pool is reconciled.
 */
export async function continueDeployment(context: AppContext, tx: Tx, deploymentId: string, at: number): Promise<void> {
  const deployment = await tx.deployments.findByIdForEngine(deploymentId);
  if (deployment === undefined) return continueDeletion(context, tx, deploymentId, at);
  await maintainDeployment(context, tx, deployment.id, at);
  await reconcilePoolSku(context, tx, deployment.poolId, deployment.instanceSkuId, at);
  await runProcurementFor(context, tx, deployment.poolId, deployment.instanceSkuId, at);
}

export const getDeployment = declaring(getDeploymentOperation, async function getDeployment(context: AppContext, accountId: string, reference: string): Promise<DeploymentReading | Failure> {
  return context.store.read(async (tx) => {
    const deployment = await resolveDeployment(tx, accountId, reference);
    return isFailure(deployment) ? deployment : readDeployment(tx, deployment);
  });
});

export const listDeployments = declaring(listDeploymentsOperation, async function listDeployments(context: AppContext, accountId: string, input: PageQuery & { workspace?: string | undefined; pool?: string | undefined }): Promise<Page<DeploymentReading> | Failure> {
  const page = parsePageQuery(cursorPrefixes.deployments, input);
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    const scope = await resolvePoolFilter(tx, accountId, input);
    if (isFailure(scope)) return scope;
    const rows = await tx.deployments.list({ accountId, ...scope }, page);
    const deployments = toPage(cursorPrefixes.deployments, page, rows);
    const data: DeploymentReading[] = [];
    for (const deployment of deployments.data) data.push(await readDeployment(tx, deployment));
    return { ...deployments, data };
  });
});

export interface PatchDeploymentInput {
  readonly name?: string | null | undefined;
  readonly instance_template?: string | null | undefined;
  readonly enabled?: boolean | null | undefined;
  readonly target_instance_count?: number | null | undefined;
  readonly instance_name_template?: string | null | undefined;
  readonly max_buy_price_dollars_per_node_hour?: string | null | undefined;
}

/** Changes a deployment. A new template applies to instances created from now on. */
export const patchDeployment = declaring(patchDeploymentOperation, async function patchDeployment(context: AppContext, accountId: string, reference: string, input: PatchDeploymentInput): Promise<DeploymentReading | Failure> {
  if (input.target_instance_count !== undefined && input.target_instance_count !== null) {
    const badTarget = checkTarget(input.target_instance_count);
    if (badTarget !== null) return badTarget;
  }
  if (input.instance_name_template !== undefined && input.instance_name_template !== null) {
    const template = parseNameTemplate(input.instance_name_template, 'instance_name_template');
    if (isFailure(template)) return template;
  }
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const deployment = await resolveDeployment(tx, accountId, reference);
    if (isFailure(deployment)) return deployment;
    const maxBuy = input.max_buy_price_dollars_per_node_hour ?? null;
    if (maxBuy !== null && deployment.kind === 'generic') {
      return invalidField('max_buy_price_dollars_per_node_hour', 'unsupported', 'max_buy_price_dollars_per_node_hour is only for spot deployments');
    }
    const changes: { -readonly [K in keyof Parameters<Tx['deployments']['update']>[1]]: Parameters<Tx['deployments']['update']>[1][K] } = { updatedAt: now };
    if (input.name !== undefined && input.name !== null && input.name !== deployment.name) {
      if ((await tx.deployments.findByName(deployment.workspaceId, input.name)) !== undefined) return fail('name_taken', `A deployment named "${input.name}" already exists`);
      changes.name = input.name;
    }
    if (input.instance_template !== undefined && input.instance_template !== null) {
      const template = await resolveInstanceTemplateForUse(tx, accountId, input.instance_template);
      if (isFailure(template)) return template;
      changes.instanceTemplateId = template.id;
    }
    if (input.enabled !== undefined && input.enabled !== null) changes.enabled = input.enabled;
    if (input.target_instance_count !== undefined && input.target_instance_count !== null) changes.targetInstanceCount = input.target_instance_count;
    if (input.instance_name_template !== undefined && input.instance_name_template !== null) changes.instanceNameTemplate = input.instance_name_template;
    if ((await tx.deployments.update(deployment.id, changes)) === 'name_taken') return fail('name_taken', `A deployment named "${input.name}" already exists`);
    await maintainDeployment(context, tx, deployment.id, now);
    if (deployment.procurementId !== null) {
      // The spot deployment's procurement follows its price and its switch, and runs again (in changeProcurement).
      const procurement = (await tx.procurements.findByIdForEngine(deployment.procurementId))!;
      const changed = await changeProcurement(context, tx, procurement, { ...(maxBuy === null ? {} : spotPrices(maxBuy)), enabled: changes.enabled }, now);
      if (isFailure(changed)) return changed;
    }
    await reconcilePoolSku(context, tx, deployment.poolId, deployment.instanceSkuId, now);
    await runProcurementFor(context, tx, deployment.poolId, deployment.instanceSkuId, now);
    return readDeployment(tx, (await tx.deployments.findById(accountId, deployment.id))!);
  });
});

/**
 * Ends the next batch of a deleted deployment's instances (at most
 * `deploymentInstancesPerTransaction`: awaiting ones first, then running ones from the end of the
 * keep order, as a scale-down ends them) and answers whether more remain.
 */
async function endDeletedInstances(context: AppContext, tx: Tx, deploymentId: string, at: number): Promise<boolean> {
  const { end, more } = deploymentStep(0, await tx.instances.liveOfDeployment(deploymentId), deploymentInstancesPerTransaction);
  await markInstancesEnded(context, tx, end, 'terminated', at);
  return more;
}

/** One more batch of a deletion's instances, by the engine; the deletion is done (nothing due) once none is left. */
async function continueDeletion(context: AppContext, tx: Tx, deploymentId: string, at: number): Promise<void> {
  const deleting = await tx.deployments.lockDeleting(deploymentId);
  if (deleting === undefined) return;
  if (!(await endDeletedInstances(context, tx, deploymentId, at))) await tx.deployments.clearDue(deploymentId);
  await reconcilePoolSku(context, tx, deleting.poolId, deleting.instanceSkuId, at);
  await runProcurementFor(context, tx, deleting.poolId, deleting.instanceSkuId, at);
}

/**
 * Deletes a deployment and terminates its instances; a spot deployment's procurement goes too,
 * cancelling its resting orders. The allocation bought stays in the pool. The deployment is gone
 * at once (reads answer 404) and its first `deploymentInstancesPerTransaction` instances end in
 * the request's transaction; when it has more, the deletion stays due and the engine ends the
 * rest, a batch per transaction, from the deletion's time (a restart finds it due too). Until
 * then its remaining instances are live as they were, but none awaiting allocation starts
 * (`withoutDeletedAwaiting`).
 */
export const deleteDeployment = declaring(deleteDeploymentOperation, async function deleteDeployment(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const deployment = await resolveDeployment(tx, accountId, reference);
    if (isFailure(deployment)) return deployment;
    // Under the deployment's lock, so that no instance is created for it between the read and the deletion.
    if (!(await tx.deployments.lockLive(deployment.id))) return deploymentNotFound(reference);
    await tx.deployments.softDelete(deployment.id, now, true);
    if (!(await endDeletedInstances(context, tx, deployment.id, now))) await tx.deployments.clearDue(deployment.id);
    if (deployment.procurementId !== null) await removeProcurement(context, tx, (await tx.procurements.findByIdForEngine(deployment.procurementId))!, now);
    await reconcilePoolSku(context, tx, deployment.poolId, deployment.instanceSkuId, now);
    await runProcurementFor(context, tx, deployment.poolId, deployment.instanceSkuId, now);
    return null;
  });
});
