// The v1 nodes API as a view over v2. A node is a pool of its own in the account's default
// workspace, named like the node, holding one machine of its zone's SKU:
//
// - a reserved node buys its window at once (an all-or-nothing, immediate-or-cancel buy at no
//   more than its max price) and runs one instance on it; extending buys more hours;
// - an autoreserved node is a spot deployment of one instance on its pool (with an instance
//   template of the same name): its procurement buys an hour ahead at no more than the max price,
//   its instance runs while there is allocation, and a new one waits when the old one ended for
//   want of it. Releasing disables both: the instance runs out what was bought.
//
// A node's VMs are its pool's instances, `vm_` standing for `inst_`. The v2 API shows all of it as
// what it is: pools, orders, contracts, procurements, deployments, templates and instances.

import { nameLengthMax, spotWindowMinutes } from '../../domain/kernel/limits.js';
import { checkCloudInit } from '../../domain/compute/cloud-init.js';
import { createNodesOperation, deleteNodeOperation, extendNodeOperation, getNodeOperation, listNodesOperation, nodeSshOperation, redeployNodeOperation, releaseNodeOperation } from '../../domain/nodes-v1/operations.js';
import { declaring } from '../kernel/declaring.js';
import { fail, type Failure, invalidField, isFailure } from '../../domain/kernel/failures.js';
import { parseId } from '../../domain/kernel/ids.js';
import { formatDollars } from '../../domain/kernel/money.js';
import {
  checkExtension,
  checkNodeNames,
  maxPriceMicros,
  type NodeStatus,
  nodeStatus,
  type NodeType,
  autoreservedStart,
  reservedWindow,
} from '../../domain/nodes-v1/nodes.js';
import { isLive } from '../../domain/compute/placement.js';
import { procurementWindow } from '../../domain/market/procurement.js';
import { deletionRefusal, extensionRefusal, firstHourRefusal, nodeTypeOf, redeployRefusal, releasedEndAt, releaseRefusal } from '../../domain/nodes-v1/node-changes.js';
import type { InstanceRecord } from '../../store/compute.js';
import type { InstanceSkuRecord, PoolView } from '../../store/allocation.js';
import type { NodeView } from '../../store/nodes-v1.js';
import type { Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { insertDeployment } from '../compute/deployments.js';
import { publicImages, resolveImageForUse } from '../compute/images.js';
import { insertInstanceTemplate } from '../compute/instance-templates.js';
import { ledgerKeys } from '../market/money.js';
import { bestFill } from '../market/orderbook.js';
import { placeOrder } from '../market/book.js';
import { insertPool, removePool } from '../allocation/pools.js';
import { changeProcurement, removeProcurement } from '../market/procurements.js';
import { catchUpProcurements } from '../market/procurement-runs.js';
import { insertInstance, maintainDeployment, reconcilePoolSku } from '../compute/reconciler.js';
import { instanceSsh } from '../compute/instances.js';
import type { SshInfo } from '../../providers/provider.js';
import { markInstancesEnded } from '../compute/run-intents.js';
import { vmScriptOf } from './vms.js';
import { zoneSkus } from './zones.js';

/** A node with its VMs (oldest first) and its status now. */
export interface NodeReading {
  readonly node: NodeView;
  readonly vms: readonly InstanceRecord[];
  readonly status: NodeStatus;
}

function nodeNotFound(reference: string): Failure {
  return fail('node_not_found', `No node "${reference}"`);
}

/** Finds a node by id (`n_…`) or name. */
async function resolveNode(tx: Tx, accountId: string, reference: string): Promise<NodeView | Failure> {
  const id = parseId('node', reference);
  const node = (id === null ? undefined : await tx.nodes.findById(accountId, id)) ?? (await tx.nodes.findByName(accountId, reference));
  return node ?? nodeNotFound(reference);
}

async function readNodes(tx: Tx, nodes: readonly NodeView[], now: number): Promise<NodeReading[]> {
  const history = await tx.instances.historyOfPools(nodes.map((node) => node.poolId));
  return nodes.map((node) => {
    const vms = history.filter((instance) => instance.poolId === node.poolId);
    const latest = vms.at(-1);
    const status = nodeStatus({ nodeType: node.nodeType, deleted: node.deletedAt !== null, released: node.releasedAt !== null, startAt: node.startAt, vm: latest?.status ?? null }, now);
    return { node, vms, status };
  });
}

async function readNode(tx: Tx, node: NodeView, now: number): Promise<NodeReading> {
  const [reading] = await readNodes(tx, [node], now);
  return reading!;
}

export interface CreateNodesInput {
  readonly desired_count: number;
  readonly max_price_per_node_hour: number;
  readonly zone?: string | undefined;
  readonly any_zone?: boolean | undefined;
  readonly start_at?: number | undefined;
  readonly end_at?: number | null | undefined;
  readonly node_type?: NodeType | null | undefined;
  readonly names?: readonly string[] | undefined;
  readonly cloud_init_user_data?: string | undefined;
  readonly image_id?: string | undefined;
  readonly forward_443?: boolean | undefined;
  readonly _preview_enable_infiniband?: boolean | undefined;
}

/** What every node of one request shares, checked. */
interface NodePlan {
  readonly nodeType: NodeType;
  readonly maxMicros: number;
  readonly window: { readonly startAt: number; readonly endAt: number } | null;
  /** An autoreserved node's later `start_at`: its procurement buys from then on; null: from now. */
  readonly autoStartAt: number | null;
  readonly skus: readonly InstanceSkuRecord[];
  readonly imageId: string;
  readonly cloudInit: string | null;
  readonly infiniband: boolean;
  readonly workspace: WorkspaceRecord;
}

const forward443Refusal = invalidField('forward_443', 'unsupported', 'allot forwards port 443 only to VMs that run for real (the qemu or sandbox driver); this node\'s VMs are simulated, and only SSH reaches them');

/** The default image of a node created without one: the newest public image. */
const defaultNodeImage = publicImages.at(-1)!.name;

export const createNodes = declaring(createNodesOperation, async function createNodes(context: AppContext, accountId: string, input: CreateNodesInput): Promise<NodeReading[] | Failure> {
  const badNames = checkNodeNames(input.names, input.desired_count);
  if (badNames !== null) return badNames;
  const maxMicros = maxPriceMicros(input.max_price_per_node_hour, 'max_price_per_node_hour');
  if (isFailure(maxMicros)) return maxMicros;
  const endAt = input.end_at ?? null;
  const nodeType = nodeTypeOf({ nodeType: input.node_type, endAt, zone: input.zone, anyZone: input.any_zone });
  if (isFailure(nodeType)) return nodeType;
  const cloudInit = input.cloud_init_user_data === undefined ? null : checkCloudInit(input.cloud_init_user_data, 'cloud_init_user_data');
  if (isFailure(cloudInit)) return cloudInit;
  // A setting must take effect or be refused: port 443 is forwarded only to a VM that really runs
  // (the qemu or sandbox driver); a simulated VM has none to forward to.
  if (input.forward_443 === true && context.guestRuns?.forwardsPort443 === undefined) return forward443Refusal;
  const now = context.clock.now();
  const window = endAt === null ? null : reservedWindow(input.start_at, endAt, now);
  if (isFailure(window)) return window;
  const autoStartAt = endAt === null ? autoreservedStart(input.start_at, now) : null;
  if (isFailure(autoStartAt)) return autoStartAt;

  return context.store.transaction(async (tx) => {
    const account = (await tx.accounts.find(accountId))!;
    const workspace = (await tx.workspaces.findById(accountId, account.defaultWorkspaceId))!;
    let skus = await zoneSkus(tx);
    if (input.zone !== undefined && input.any_zone !== true) {
      skus = skus.filter((sku) => sku.properties.availability_zone === input.zone);
      if (skus.length === 0) return invalidField('zone', 'unknown_zone', `No zone "${input.zone}"; GET /v0/zones lists them`);
    }
    if (input._preview_enable_infiniband === true) {
      skus = skus.filter((sku) => sku.properties.rdma_type === 'infiniband');
      if (skus.length === 0) return invalidField('_preview_enable_infiniband', 'unsupported', 'No zone that meets the request has InfiniBand');
    }
    const image = await resolveImageForUse(tx, accountId, input.image_id ?? defaultNodeImage);
    if (isFailure(image)) return image;
    const plan: NodePlan = { nodeType, maxMicros, window, autoStartAt, skus, imageId: image.id, cloudInit: cloudInit ?? (await vmScriptOf(tx, accountId)), infiniband: input._preview_enable_infiniband ?? false, workspace };

    const names = input.names ?? Array.from({ length: input.desired_count }, () => newName(context));
    for (const name of names) {
      if ((await tx.nodes.findByName(accountId, name)) !== undefined) return fail('name_taken', `A node named "${name}" already exists`);
    }
    if (nodeType === 'autoreserved') {
      // The first hour of every node must be affordable at the max price.
      const cash = (await tx.money.balances([ledgerKeys.cash(accountId)])).get(ledgerKeys.cash(accountId))!;
      const unpaid = firstHourRefusal(cash, maxMicros, names.length);
      if (unpaid !== null) return unpaid;
    }
    const created: NodeView[] = [];
    for (const name of names) {
      const node = await insertNode(context, tx, accountId, name, plan, input, now);
      if (isFailure(node)) return node;
      created.push(node);
    }
    return readNodes(tx, created, now);
  });
});

async function insertNode(context: AppContext, tx: Tx, accountId: string, name: string, plan: NodePlan, input: CreateNodesInput, now: number): Promise<NodeView | Failure> {
  const sku = await chooseSku(tx, plan, now);
  if (isFailure(sku)) return sku;
  if (input.forward_443 === true && context.guestRuns?.forwardsPort443?.(sku) !== true) return forward443Refusal;
  const poolReading = await insertPool(context, tx, plan.workspace, 'market', { name }, now);
  if (isFailure(poolReading)) return poolReading;
  const pool = poolReading.pool;
  let deploymentId: string | null = null;
  if (plan.nodeType === 'reserved') {
    const bought = await buyHours(context, tx, accountId, pool, sku, plan.window!, plan.maxMicros, now);
    if (isFailure(bought)) return bought;
    const vm = await insertVm(context, tx, accountId, pool, sku.id, { imageId: plan.imageId, cloudInit: plan.cloudInit, infiniband: plan.infiniband }, now);
    if (isFailure(vm)) return vm;
  } else {
    const template = await insertInstanceTemplate(context, tx, plan.workspace, { name, image: plan.imageId, cloudInit: plan.cloudInit }, now);
    if (isFailure(template)) return template;
    const deployment = await insertDeployment(
      context,
      tx,
      accountId,
      { kind: 'spot', name, pool: pool.id, instance_sku: sku.id, instance_template: template.id, target_instance_count: 1, max_buy_price_dollars_per_node_hour: formatDollars(plan.maxMicros) },
      now,
      plan.autoStartAt,
    );
    if (isFailure(deployment)) return deployment;
    deploymentId = deployment.deployment.id;
  }
  const id = newId(context, 'node');
  const written = await tx.nodes.insert({
    id,
    accountId,
    workspaceId: plan.workspace.id,
    name,
    nodeType: plan.nodeType,
    poolId: pool.id,
    instanceSkuId: sku.id,
    deploymentId,
    maxPriceCents: input.max_price_per_node_hour,
    startAt: plan.window?.startAt ?? plan.autoStartAt ?? now,
    endAt: plan.window?.endAt ?? null,
    releasedAt: null,
    imageId: plan.imageId,
    cloudInitUserData: plan.cloudInit,
    forward443: input.forward_443 ?? false,
    infiniband: input._preview_enable_infiniband ?? false,
    createdAt: now,
    updatedAt: now,
    deletedAt: null,
  });
  if (written === 'name_taken') return fail('name_taken', `A node named "${name}" already exists`);
  return (await tx.nodes.findById(accountId, id))!;
}

/**
 * The zone a node goes to: the one asked for, or with `any_zone` the one where a reserved node's
 * window fills cheapest (a reserved node that fills nowhere is refused) and where an
 * autoreserved node's next hour is cheapest now (the first zone when none has sellers yet).
 */
async function chooseSku(tx: Tx, plan: NodePlan, now: number): Promise<InstanceSkuRecord | Failure> {
  if (plan.nodeType === 'reserved') {
    if (plan.skus.length === 1) return plan.skus[0]!;
    const best = await bestFill(tx, plan.skus, { side: 'buy', ...plan.window!, nodeCount: 1, limitMicros: plan.maxMicros, excludePoolId: null }, now);
    return best?.sku ?? noCapacity(plan.maxMicros);
  }
  if (plan.skus.length === 1) return plan.skus[0]!;
  // What the node's procurement would buy first: the blocks of its window.
  const firstBuy = procurementWindow(now, spotWindowMinutes);
  const best = await bestFill(tx, plan.skus, { side: 'buy', ...firstBuy, nodeCount: 1, limitMicros: plan.maxMicros, excludePoolId: null }, now);
  return best?.sku ?? plan.skus[0]!;
}

function noCapacity(maxMicros: number): Failure {
  return fail('no_capacity', `Not enough capacity for sale at or below ${formatDollars(maxMicros)} dollars per node-hour for the whole window; GET /v0/zones shows what is available`);
}

/** Buys one node of `sku` for the window into the pool, all or nothing; refused when it does not fill. */
async function buyHours(context: AppContext, tx: Tx, accountId: string, pool: PoolView, sku: InstanceSkuRecord, window: { readonly startAt: number; readonly endAt: number }, maxMicros: number, now: number): Promise<null | Failure> {
  await catchUpProcurements(context, tx, sku.id, now);
  const order = await placeOrder(
    context,
    tx,
    { accountId, pool, sku, side: 'buy', ...window, nodeCount: 1, limitMicros: maxMicros, allowStanding: false, allowPartial: false, procurementId: null, createdBy: null },
    now,
  );
  if (isFailure(order)) return order;
  return order.status === 'filled' ? null : noCapacity(maxMicros);
}

async function insertVm(
  context: AppContext,
  tx: Tx,
  accountId: string,
  pool: PoolView,
  instanceSkuId: string,
  vm: { readonly imageId: string; readonly cloudInit: string | null; readonly infiniband: boolean },
  now: number,
): Promise<null | Failure> {
  const inserted = await insertInstance(context, tx, {
    accountId,
    workspaceId: pool.workspaceId,
    name: null,
    poolId: pool.id,
    instanceSkuId,
    imageId: vm.imageId,
    deploymentId: null,
    cloudInitUserData: vm.cloudInit,
    tags: {},
    priority: 'normal',
    enablePublicIpv4: false,
    firewall: null,
    infiniband: vm.infiniband,
    createdAt: now,
  });
  if (inserted === 'name_taken') return fail('name_taken', 'No free instance name could be drawn for the VM');
  await reconcilePoolSku(context, tx, pool.id, instanceSkuId, now);
  return null;
}

export const getNode = declaring(getNodeOperation, async function getNode(context: AppContext, accountId: string, reference: string): Promise<NodeReading | Failure> {
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const node = await resolveNode(tx, accountId, reference);
    return isFailure(node) ? node : readNode(tx, node, now);
  });
});

export interface ListNodesInput {
  readonly id?: readonly string[] | undefined;
  readonly name?: readonly string[] | undefined;
  readonly type?: NodeType | undefined;
}

export const listNodes = declaring(listNodesOperation, async function listNodes(context: AppContext, accountId: string, input: ListNodesInput): Promise<NodeReading[] | Failure> {
  const given = [input.id, input.name, input.type].filter((filter) => filter !== undefined && !(Array.isArray(filter) && filter.length === 0));
  if (given.length > 1) return fail('invalid_request', 'Filter by id, name or type: they cannot be combined');
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const ids = input.id === undefined || input.id.length === 0 ? null : input.id.map((id) => parseId('node', id) ?? '');
    const names = input.name === undefined || input.name.length === 0 ? null : [...input.name];
    return readNodes(tx, await tx.nodes.list({ accountId, ids, names, nodeType: input.type ?? null }), now);
  });
});

/** The node, if nothing it runs is live: deleting it deletes what it made, and its pool when nothing holds it. */
export const deleteNode = declaring(deleteNodeOperation, async function deleteNode(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const node = await resolveNode(tx, accountId, reference);
    if (isFailure(node)) return node;
    const reading = await readNode(tx, node, now);
    const active = deletionRefusal(node, reading.vms.find((vm) => isLive(vm.status))?.id ?? null);
    if (active !== null) return active;
    if (node.deploymentId !== null) {
      const deployment = (await tx.deployments.findByIdForEngine(node.deploymentId))!;
      if (deployment.procurementId !== null) await removeProcurement(context, tx, (await tx.procurements.findByIdForEngine(deployment.procurementId))!, now);
      await tx.deployments.softDelete(deployment.id, now, false); // Its instance has ended: nothing is left to end.
      await tx.instanceTemplates.softDelete(deployment.instanceTemplateId, now);
    }
    await tx.nodes.softDelete(node.id, now);
    // The pool goes too when nothing holds it (and the v2 API has not deleted it already); otherwise it stays, with its allocation.
    const pool = await tx.pools.findById(accountId, node.poolId);
    if (pool !== undefined) await removePool(tx, pool, now);
    return null;
  });
});

/** A reserved node's window, extended by whole hours bought at no more than the given price. */
export const extendNode = declaring(extendNodeOperation, async function extendNode(context: AppContext, accountId: string, reference: string, input: { readonly duration_seconds: number; readonly max_price_per_node_hour: number }): Promise<NodeReading | Failure> {
  const badDuration = checkExtension(input.duration_seconds);
  if (badDuration !== null) return badDuration;
  const maxMicros = maxPriceMicros(input.max_price_per_node_hour, 'max_price_per_node_hour');
  if (isFailure(maxMicros)) return maxMicros;
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const node = await resolveNode(tx, accountId, reference);
    if (isFailure(node)) return node;
    const unextendable = extensionRefusal(node, now);
    if (unextendable !== null) return unextendable;
    const pool = (await tx.pools.findById(accountId, node.poolId))!;
    const sku = (await tx.instanceSkus.findById(node.instanceSkuId))!;
    const window = { startAt: node.endAt!, endAt: node.endAt! + input.duration_seconds };
    const bought = await buyHours(context, tx, accountId, pool, sku, window, maxMicros, now);
    if (isFailure(bought)) return bought;
    await tx.nodes.update(node.id, { endAt: window.endAt, updatedAt: now });
    return readNode(tx, (await tx.nodes.findById(accountId, node.id))!, now);
  });
});

export interface RedeployNodeInput {
  readonly image_id?: string | undefined;
  readonly cloud_init_user_data?: string | undefined;
  readonly override_empty?: boolean | undefined;
}

/**
 * Replaces the node's VM with a new one. Without `override_empty`, what the request leaves out
 * is kept from the node's current configuration; with it, left out means none (the default
 * image, no cloud-init).
 */
export const redeployNode = declaring(redeployNodeOperation, async function redeployNode(context: AppContext, accountId: string, reference: string, input: RedeployNodeInput): Promise<NodeReading | Failure> {
  const givenCloudInit = input.cloud_init_user_data === undefined ? undefined : checkCloudInit(input.cloud_init_user_data, 'cloud_init_user_data');
  if (isFailure(givenCloudInit)) return givenCloudInit;
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const node = await resolveNode(tx, accountId, reference);
    if (isFailure(node)) return node;
    const unredeployable = redeployRefusal(node, now);
    if (unredeployable !== null) return unredeployable;
    const override = input.override_empty ?? false;
    const image = await resolveImageForUse(tx, accountId, input.image_id ?? (override ? defaultNodeImage : node.imageId));
    if (isFailure(image)) return image;
    const cloudInit = givenCloudInit ?? (override ? null : node.cloudInitUserData);
    const live = (await tx.instances.historyOfPools([node.poolId])).filter((vm) => isLive(vm.status));
    if (node.deploymentId === null) {
      await markInstancesEnded(context, tx, live.map((vm) => vm.id), 'terminated', now);
      const pool = (await tx.pools.findById(accountId, node.poolId))!;
      const vm = await insertVm(context, tx, accountId, pool, node.instanceSkuId, { imageId: image.id, cloudInit, infiniband: node.infiniband }, now);
      if (isFailure(vm)) return vm;
    } else {
      // The spot deployment takes a new template; ending its VM makes it start one from it.
      const deployment = (await tx.deployments.findByIdForEngine(node.deploymentId))!;
      const workspace = (await tx.workspaces.findById(accountId, node.workspaceId))!;
      const template = await insertInstanceTemplate(context, tx, workspace, { name: `${node.name}-${newName(context)}`.slice(0, nameLengthMax), image: image.id, cloudInit }, now);
      if (isFailure(template)) return template;
      await tx.deployments.update(deployment.id, { instanceTemplateId: template.id, updatedAt: now });
      await tx.instanceTemplates.softDelete(deployment.instanceTemplateId, now);
      await markInstancesEnded(context, tx, live.map((vm) => vm.id), 'terminated', now);
      await maintainDeployment(context, tx, deployment.id, now);
      await reconcilePoolSku(context, tx, node.poolId, node.instanceSkuId, now);
    }
    await tx.nodes.update(node.id, { imageId: image.id, cloudInitUserData: cloudInit, updatedAt: now });
    return readNode(tx, (await tx.nodes.findById(accountId, node.id))!, now);
  });
});

/**
 * Releases an autoreserved node from its procurement: nothing more is bought and no new VM is
 * started. A running VM runs out the allocation already bought (the node's `end_at`); a waiting
 * one is ended at once.
 */
export const releaseNode = declaring(releaseNodeOperation, async function releaseNode(context: AppContext, accountId: string, reference: string): Promise<NodeReading | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const node = await resolveNode(tx, accountId, reference);
    if (isFailure(node)) return node;
    const unreleasable = releaseRefusal(node);
    if (unreleasable !== null) return unreleasable;
    const deployment = (await tx.deployments.findByIdForEngine(node.deploymentId!))!;
    await tx.deployments.update(deployment.id, { enabled: false, updatedAt: now });
    if (deployment.procurementId !== null) {
      const changed = await changeProcurement(context, tx, (await tx.procurements.findByIdForEngine(deployment.procurementId))!, { enabled: false }, now);
      if (isFailure(changed)) return changed;
    }
    const live = (await tx.instances.historyOfPools([node.poolId])).filter((vm) => isLive(vm.status));
    const waiting = live.filter((vm) => vm.status === 'awaiting_allocation');
    await markInstancesEnded(context, tx, waiting.map((vm) => vm.id), 'terminated', now);
    const running = live.length > waiting.length;
    const balance = await tx.allocation.balanceOf(node.poolId, node.instanceSkuId);
    const runsOutAt = releasedEndAt(running, balance?.schedule ?? null, now);
    await tx.nodes.update(node.id, { releasedAt: now, endAt: runsOutAt, updatedAt: now });
    return readNode(tx, (await tx.nodes.findById(accountId, node.id))!, now);
  });
});

/** `GET /v2/nodes/{id}/ssh`: the SSH details of the node's current VM (its latest, live or not). */
export const nodeSsh = declaring(nodeSshOperation, async function nodeSsh(context: AppContext, accountId: string, reference: string): Promise<SshInfo | Failure> {
  const now = context.clock.now();
  const reading = await context.store.read(async (tx) => {
    const node = await resolveNode(tx, accountId, reference);
    return isFailure(node) ? node : readNode(tx, node, now);
  });
  if (isFailure(reading)) return reading;
  const vm = reading.vms.at(-1);
  if (vm === undefined) return fail('instance_not_found', `Node "${reading.node.name}" has no VM yet: it has no SSH details`);
  return instanceSsh(context, accountId, vm.id);
});
