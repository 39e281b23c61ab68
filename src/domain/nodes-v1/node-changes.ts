// What may be done to a v1 node, decided from the node and what the use case read: the type a
// request creates, whether the account can pay a first hour, and when a node can be deleted,
// extended, redeployed or released. Each refusal is a value; the use case only loads and writes.

import { fail, type Failure, invalidField } from '../kernel/failures.js';
import { formatDollars } from '../kernel/money.js';
import { firstBelow, type Schedule } from '../kernel/schedule.js';
import type { NodeType } from './nodes.js';

/** What the rules read of a node. */
export interface NodeFacts {
  readonly name: string;
  readonly nodeType: NodeType;
  readonly endAt: number | null;
  readonly releasedAt: number | null;
  readonly deploymentId: string | null;
}

export interface NodeTypeRequest {
  readonly nodeType: NodeType | null | undefined;
  readonly endAt: number | null;
  readonly zone: string | undefined;
  readonly anyZone: boolean | undefined;
}

/** The type of the nodes a request creates: as asked, or reserved when it has an end and autoreserved when not; checked against its end and zone. */
export function nodeTypeOf(request: NodeTypeRequest): NodeType | Failure {
  const nodeType = request.nodeType ?? (request.endAt === null ? 'autoreserved' : 'reserved');
  if (nodeType === 'reserved' && request.endAt === null) return invalidField('end_at', 'missing', 'A reserved node needs an end_at on the hour');
  if (nodeType === 'autoreserved' && request.endAt !== null) return invalidField('end_at', 'forbidden', 'An autoreserved node has no end_at: it runs until released');
  if (nodeType === 'autoreserved' && request.zone === undefined && request.anyZone !== true) return invalidField('zone', 'missing', 'An autoreserved node needs a zone, or any_zone: true');
  return nodeType;
}

/** Autoreserved nodes start buying at once: the first hour of every node must be affordable at the max price. */
export function firstHourRefusal(cashMicros: number, maxMicros: number, nodeCount: number): Failure | null {
  const firstHour = maxMicros * nodeCount;
  if (cashMicros >= firstHour) return null;
  return fail('insufficient_balance', `Insufficient balance: ${nodeCount} node(s) at ${formatDollars(maxMicros)} dollars per node-hour need ${formatDollars(firstHour)} for their first hour, and ${formatDollars(cashMicros)} are available`);
}

/** A node is deleted only when none of its VMs is live (`liveVmId`: the first live one's id, or null). */
export function deletionRefusal(node: NodeFacts, liveVmId: string | null): Failure | null {
  if (liveVmId === null) return null;
  const hint = node.nodeType === 'autoreserved' && node.releasedAt === null ? '; release it first' : '';
  return fail('node_active', `Node "${node.name}" has an active VM (vm_${liveVmId.slice('inst_'.length)})${hint}`);
}

/** Only a reserved node whose window has not ended is extended. */
export function extensionRefusal(node: NodeFacts, now: number): Failure | null {
  if (node.nodeType !== 'reserved') return fail('node_not_changeable', `Node "${node.name}" is autoreserved: only reserved nodes are extended; its procurement keeps buying`);
  if (node.endAt === null || node.endAt <= now) return fail('node_not_changeable', `Node "${node.name}" has ended: only a node whose window has not ended can be extended`);
  return null;
}

/** A released node, or a reserved one whose window has ended, runs no new VMs. */
export function redeployRefusal(node: NodeFacts, now: number): Failure | null {
  if (node.releasedAt !== null) return fail('node_not_changeable', `Node "${node.name}" is released: it runs no new VMs`);
  if (node.nodeType === 'reserved' && node.endAt !== null && node.endAt <= now) return fail('node_not_changeable', `Node "${node.name}" has ended: it runs no new VMs`);
  return null;
}

/** Only an autoreserved node is released from its procurement, and only once. */
export function releaseRefusal(node: NodeFacts): Failure | null {
  if (node.nodeType !== 'autoreserved' || node.deploymentId === null) return fail('node_not_changeable', `Node "${node.name}" is reserved: only autoreserved nodes are released from a procurement`);
  if (node.releasedAt !== null) return fail('node_already_released', `Node "${node.name}" is already released`);
  return null;
}

/** A released node ends when its running VM runs out of what was bought (its pool's balance below one node), or now when none runs. */
export function releasedEndAt(running: boolean, balance: Schedule | null, now: number): number {
  return running && balance !== null ? (firstBelow(balance, 1, now) ?? now) : now;
}
