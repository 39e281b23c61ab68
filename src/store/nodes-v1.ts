// The v1 nodes API's own records: what a node keeps beside the v2 parts it is made of.

import type { NodeType } from '../domain/nodes-v1/nodes.js';
import type { NamedWrite } from './kernel.js';

export interface NodeRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly nodeType: NodeType;
  readonly poolId: string;
  readonly instanceSkuId: string;
  /** An autoreserved node's spot deployment. */
  readonly deploymentId: string | null;
  readonly maxPriceCents: number;
  readonly startAt: number | null;
  readonly endAt: number | null;
  readonly releasedAt: number | null;
  /** What its next VM runs: the image, and the cloud-init user data. */
  readonly imageId: string;
  readonly cloudInitUserData: string | null;
  readonly forward443: boolean;
  readonly infiniband: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly deletedAt: number | null;
}

/** A node with its zone and GPU (its SKU's) and its spot deployment's procurement. */
export interface NodeView extends NodeRecord {
  readonly zone: string;
  readonly gpuType: 'H100' | 'H200';
  readonly procurementId: string | null;
}

export interface NodeListFilter {
  readonly accountId: string;
  readonly ids: readonly string[] | null;
  readonly names: readonly string[] | null;
  readonly nodeType: NodeType | null;
}

export interface NodeRepository {
  insert(node: Omit<NodeRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<NodeView | undefined>;
  findByName(accountId: string, name: string): Promise<NodeView | undefined>;
  /** The account's live nodes, oldest first. */
  list(filter: NodeListFilter): Promise<NodeView[]>;
  update(id: string, changes: Partial<Pick<NodeRecord, 'endAt' | 'releasedAt' | 'imageId' | 'cloudInitUserData' | 'maxPriceCents'>> & { readonly updatedAt: number }): Promise<void>;
  softDelete(id: string, now: number): Promise<void>;
  /** Whether the node made of this pool asked for port 443 to be forwarded to its VMs (false for a pool that is no node's). */
  forwards443(poolId: string): Promise<boolean>;
}
