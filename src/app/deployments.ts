// Generic deployments: keep `target_instance_count` instances from an instance template on a
// pool's allocation of one SKU. Instances that end are replaced by new ones awaiting allocation,
// named from `instance_name_template`. (Spot deployments, which also buy allocation, come with
// the market.)

import { fail, type Failure, invalidField, isFailure } from '../domain/failures.js';
import { deploymentInstancesMax } from '../domain/limits.js';
import { defaultNameTemplate, parseNameTemplate } from '../domain/names.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../domain/pagination.js';
import { resourceTypes } from '../domain/resource-paths.js';
import type { DeploymentView, Tx, WorkspaceRecord } from '../store/store.js';
import { findInstanceSku } from './allocation.js';
import { type AppContext, newId, newName } from './context.js';
import { resolveInstanceTemplate } from './instance-templates.js';
import { resolvePool } from './pools.js';
import { runProcurementFor } from './procurements.js';
import { maintainDeployment, reconcilePoolSku } from './reconciler.js';
import { resolveScoped } from './references.js';
import { resolveWorkspace } from './workspaces.js';

/** A deployment as reads show it, with how many of its instances run and wait. */
export interface DeploymentReading {
  readonly deployment: DeploymentView;
  readonly running: number;
  readonly awaiting: number;
}

function deploymentNotFound(reference: string): Failure {
  return fail('deployment_not_found', `No deployment "${reference}"`);
}

export async function resolveDeployment(tx: Tx, accountId: string, reference: string, workspace?: WorkspaceRecord): Promise<DeploymentView | Failure> {
  const deployment = await resolveScoped(tx, accountId, reference, resourceTypes.deployment, {
    byId: (id) => tx.deployments.findById(accountId, id),
    byName: (workspaceId, name) => tx.deployments.findByName(workspaceId, name),
  }, workspace);
  return deployment ?? deploymentNotFound(reference);
}

async function readDeployment(tx: Tx, deployment: DeploymentView): Promise<DeploymentReading> {
  const live = await tx.instances.liveOfDeployment(deployment.id);
  const running = live.filter((instance) => instance.status === 'running').length;
  return { deployment, running, awaiting: live.length - running };
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
}

export async function createDeployment(context: AppContext, accountId: string, input: CreateDeploymentInput): Promise<DeploymentReading | Failure> {
  if (input.kind === 'spot') return fail('deployment_kind_unsupported', 'Spot deployments buy compute on the market, which this allot does not run yet; create a generic deployment on a pool that holds allocation');
  const badTarget = checkTarget(input.target_instance_count);
  if (badTarget !== null) return badTarget;
  const nameTemplateText = input.instance_name_template ?? defaultNameTemplate;
  const nameTemplate = parseNameTemplate(nameTemplateText, 'instance_name_template');
  if (isFailure(nameTemplate)) return nameTemplate;
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const pool = await resolvePool(tx, accountId, input.pool);
    if (isFailure(pool)) return pool;
    if (pool.kind === 'originating') return fail('pool_cannot_run_instances', `Pool "${pool.name}" is an originating pool: it sells compute and runs no instances`);
    const sku = await findInstanceSku(tx, input.instance_sku);
    if (isFailure(sku)) return sku;
    const template = await resolveInstanceTemplate(tx, accountId, input.instance_template);
    if (isFailure(template)) return template;
    const name = input.name ?? newName(context);
    const taken = fail('name_taken', `A deployment named "${name}" already exists in workspace "${pool.workspaceName}"`);
    if ((await tx.deployments.findByName(pool.workspaceId, name)) !== undefined) return taken;
    const id = newId(context, 'deployment');
    const deployment = {
      id,
      kind: 'generic' as const,
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
    await maintainDeployment(context, tx, id, now);
    await reconcilePoolSku(context, tx, pool.id, sku.id, now);
    await runProcurementFor(context, tx, pool.id, sku.id, now);
    return readDeployment(tx, (await tx.deployments.findById(accountId, id))!);
  });
}

export async function getDeployment(context: AppContext, accountId: string, reference: string): Promise<DeploymentReading | Failure> {
  return context.store.read(async (tx) => {
    const deployment = await resolveDeployment(tx, accountId, reference);
    return isFailure(deployment) ? deployment : readDeployment(tx, deployment);
  });
}

export async function listDeployments(context: AppContext, accountId: string, input: PageQuery & { workspace?: string | undefined; pool?: string | undefined }): Promise<Page<DeploymentReading> | Failure> {
  const page = parsePageQuery(cursorPrefixes.deployments, input);
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    let workspace: WorkspaceRecord | undefined;
    if (input.workspace !== undefined) {
      const resolved = await resolveWorkspace(tx, accountId, input.workspace);
      if (isFailure(resolved)) return resolved;
      workspace = resolved;
    }
    let poolId: string | null = null;
    if (input.pool !== undefined) {
      const pool = await resolvePool(tx, accountId, input.pool, workspace);
      if (isFailure(pool)) return pool;
      poolId = pool.id;
    }
    const rows = await tx.deployments.list({ accountId, workspaceId: workspace?.id ?? null, poolId }, page);
    const deployments = toPage(cursorPrefixes.deployments, page, rows);
    const data: DeploymentReading[] = [];
    for (const deployment of deployments.data) data.push(await readDeployment(tx, deployment));
    return { ...deployments, data };
  });
}

export interface PatchDeploymentInput {
  readonly name?: string | null | undefined;
  readonly instance_template?: string | null | undefined;
  readonly enabled?: boolean | null | undefined;
  readonly target_instance_count?: number | null | undefined;
  readonly instance_name_template?: string | null | undefined;
  readonly max_buy_price_dollars_per_node_hour?: string | null | undefined;
}

/** Changes a deployment. A new template applies to instances created from now on. */
export async function patchDeployment(context: AppContext, accountId: string, reference: string, input: PatchDeploymentInput): Promise<DeploymentReading | Failure> {
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
    if (input.max_buy_price_dollars_per_node_hour !== undefined && input.max_buy_price_dollars_per_node_hour !== null && deployment.kind === 'generic') {
      return invalidField('max_buy_price_dollars_per_node_hour', 'unsupported', 'max_buy_price_dollars_per_node_hour is only for spot deployments');
    }
    const changes: { -readonly [K in keyof Parameters<Tx['deployments']['update']>[1]]: Parameters<Tx['deployments']['update']>[1][K] } = { updatedAt: now };
    if (input.name !== undefined && input.name !== null && input.name !== deployment.name) {
      if ((await tx.deployments.findByName(deployment.workspaceId, input.name)) !== undefined) return fail('name_taken', `A deployment named "${input.name}" already exists`);
      changes.name = input.name;
    }
    if (input.instance_template !== undefined && input.instance_template !== null) {
      const template = await resolveInstanceTemplate(tx, accountId, input.instance_template);
      if (isFailure(template)) return template;
      changes.instanceTemplateId = template.id;
    }
    if (input.enabled !== undefined && input.enabled !== null) changes.enabled = input.enabled;
    if (input.target_instance_count !== undefined && input.target_instance_count !== null) changes.targetInstanceCount = input.target_instance_count;
    if (input.instance_name_template !== undefined && input.instance_name_template !== null) changes.instanceNameTemplate = input.instance_name_template;
    if ((await tx.deployments.update(deployment.id, changes)) === 'name_taken') return fail('name_taken', `A deployment named "${input.name}" already exists`);
    await maintainDeployment(context, tx, deployment.id, now);
    await reconcilePoolSku(context, tx, deployment.poolId, deployment.instanceSkuId, now);
    await runProcurementFor(context, tx, deployment.poolId, deployment.instanceSkuId, now);
    return readDeployment(tx, (await tx.deployments.findById(accountId, deployment.id))!);
  });
}

/** Deletes a deployment and terminates its instances. */
export async function deleteDeployment(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const deployment = await resolveDeployment(tx, accountId, reference);
    if (isFailure(deployment)) return deployment;
    const live = await tx.instances.liveOfDeployment(deployment.id);
    await tx.deployments.softDelete(deployment.id, now);
    await tx.instances.markEnded(live.map((instance) => instance.id), 'terminated', now);
    await reconcilePoolSku(context, tx, deployment.poolId, deployment.instanceSkuId, now);
    await runProcurementFor(context, tx, deployment.poolId, deployment.instanceSkuId, now);
    return null;
  });
}
