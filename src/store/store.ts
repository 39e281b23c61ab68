// The one interface every use case talks to. Two implementations share it: SQLite (embedded, the
// default) and PostgreSQL (several allot processes over one database), both in
// kysely-store.ts with their differences in sqlite/ and postgres/. The contract suite in
// test/store runs against both.

import type { PageRequest } from '../domain/pagination.js';
import type { ImageUploadStatus } from '../domain/images.js';
import type { SkuProperties } from '../domain/instance-skus.js';
import type { EntryKind } from '../domain/ledger.js';
import type { NodeType } from '../domain/nodes.js';
import type { Side } from '../domain/matching.js';
import type { OrderStatus } from '../domain/orders.js';
import type { InstancePriority, InstanceStatus } from '../domain/placement.js';
import type { PoolKind } from '../domain/pools.js';
import type { Schedule } from '../domain/schedule.js';
import type { TagFilter, Tags } from '../domain/tags.js';

export interface AccountRecord {
  readonly seq: number;
  readonly id: string;
  readonly name: string;
  readonly defaultWorkspaceId: string;
  readonly createdAt: number;
}

export interface TokenRecord {
  readonly id: string;
  readonly accountId: string;
  readonly tokenHash: string;
  readonly suffix: string;
  readonly createdAt: number;
}

export interface WorkspaceRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly createdAt: number;
}


export interface PoolRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly kind: PoolKind;
  readonly tags: Tags;
  readonly createdAt: number;
}

/** A pool with the workspace name its resource path needs, as reads return it. */
export interface PoolView extends PoolRecord {
  readonly workspaceName: string;
}

/** A pool with what it holds, read in one statement: its allocation by SKU and the live
 * deployments and procurements that target it, each list in a fixed order. */
export interface PoolWithHoldings extends PoolView {
  /** By SKU id. */
  readonly balances: readonly { readonly instanceSkuId: string; readonly schedule: Schedule }[];
  /** Oldest first. */
  readonly deployments: readonly { readonly id: string; readonly name: string; readonly kind: DeploymentKind }[];
  /** Oldest first. */
  readonly procurements: readonly { readonly id: string; readonly name: string }[];
}

export interface PoolListFilter {
  readonly accountId: string;
  readonly workspaceId: string | null;
  /** When set, only these pool ids (already resolved from ids, paths and names). */
  readonly ids: readonly string[] | null;
  readonly tags: TagFilter;
}

export interface InstanceSkuRecord {
  readonly seq: number;
  readonly id: string;
  readonly alias: string;
  readonly properties: SkuProperties;
  readonly createdAt: number;
}

/** One balanced change of allocation: `delta` leaves `fromPoolId` and enters `toPoolId`. */
export interface AllocationEntryRecord {
  readonly id: string;
  readonly kind: EntryKind;
  readonly instanceSkuId: string;
  /** Null for an issuance: the allocation comes from outside the system. */
  readonly fromPoolId: string | null;
  /** Null for a retirement: the allocation leaves the system. */
  readonly toPoolId: string | null;
  readonly delta: Schedule;
  /** The transfer (or, later, contract) the entry belongs to. */
  readonly referenceId: string | null;
  readonly createdAt: number;
}

/** What one pool holds of one SKU. */
export interface BalanceRecord {
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly schedule: Schedule;
  /** When the schedule next changes after it was last written or reconciled (null: never). */
  readonly nextBoundaryAt?: number | null;
}

/** A pool and SKU whose allocation changes at `at`, which is due for reconciling then. */
export interface DueBoundary {
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly at: number;
}

export type PoolTransferStatus = 'pending' | 'executed' | 'rejected';

export interface PoolTransferRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly fromPoolId: string;
  readonly toPoolId: string;
  readonly instanceSkuId: string;
  readonly delta: Schedule;
  readonly status: PoolTransferStatus;
  readonly rejectedReason: string | null;
  readonly createdAt: number;
}

/** A transfer with its SKU's alias, as reads return it. */
export interface PoolTransferView extends PoolTransferRecord {
  readonly instanceSkuAlias: string;
}

export interface PoolTransferListFilter {
  readonly accountId: string;
  /** When set, transfers from or to any of these pools. */
  readonly poolIds: readonly string[] | null;
  readonly status: PoolTransferStatus | null;
}

export interface ImageRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly uploadStatus: ImageUploadStatus;
  readonly sha256: string | null;
  readonly size: number | null;
  readonly isPublic: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ImageView extends ImageRecord {
  readonly workspaceName: string;
}

export interface ImageListFilter {
  readonly workspaceId: string;
  readonly ids: readonly string[] | null;
}

export interface InstanceTemplateRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly imageId: string;
  readonly cloudInitUserData: string | null;
  readonly tags: Tags;
  readonly createdAt: number;
}

export interface InstanceTemplateView extends InstanceTemplateRecord {
  readonly workspaceName: string;
  readonly imageName: string;
}

export interface InstanceTemplateListFilter {
  readonly accountId: string;
  readonly workspaceId: string | null;
  readonly ids: readonly string[] | null;
}

export type DeploymentKind = 'generic' | 'spot';

export interface DeploymentRecord {
  readonly seq: number;
  readonly id: string;
  readonly kind: DeploymentKind;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly instanceTemplateId: string;
  readonly enabled: boolean;
  readonly targetInstanceCount: number;
  readonly instanceNameTemplate: string;
  /** A spot deployment's procurement. */
  readonly procurementId: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A deployment with the names its responses carry. */
export interface DeploymentView extends DeploymentRecord {
  readonly workspaceName: string;
  readonly poolName: string;
  readonly instanceSkuAlias: string;
  readonly instanceTemplateName: string;
}

export interface DeploymentSummary {
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly kind: DeploymentKind;
  readonly id: string;
  readonly name: string;
}

export interface DeploymentListFilter {
  readonly accountId: string;
  readonly workspaceId: string | null;
  readonly poolId: string | null;
}

export interface InstanceRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly poolId: string;
  readonly instanceSkuId: string;
  readonly imageId: string;
  readonly deploymentId: string | null;
  readonly cloudInitUserData: string | null;
  readonly tags: Tags;
  readonly priority: InstancePriority;
  readonly status: InstanceStatus;
  readonly enablePublicIpv4: boolean;
  readonly firewall: string | null;
  readonly infiniband: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
}

/** An instance with the names its responses carry. */
export interface InstanceView extends InstanceRecord {
  readonly workspaceName: string;
  readonly poolName: string;
  readonly instanceSkuAlias: string;
  readonly imageName: string;
  readonly deploymentName: string | null;
  readonly deploymentKind: DeploymentKind | null;
}

export interface InstanceListFilter {
  readonly accountId: string;
  readonly workspaceId: string | null;
  readonly ids: readonly string[] | null;
  readonly poolIds: readonly string[] | null;
  readonly instanceSkuIds: readonly string[] | null;
  readonly statuses: readonly InstanceStatus[] | null;
  readonly createdAfter: number | null;
  readonly createdBefore: number | null;
  readonly tags: TagFilter;
}

export type OrderSide = Side;

export interface OrderRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly poolId: string;
  readonly side: OrderSide;
  readonly instanceSkuId: string;
  readonly startAt: number;
  readonly endAt: number;
  readonly nodeCount: number;
  /** Micro-dollars per node-hour. */
  readonly limitMicros: number;
  readonly allowStanding: boolean;
  readonly allowPartial: boolean;
  readonly status: OrderStatus;
  /** Nodes not yet filled, over time. */
  readonly remaining: Schedule;
  /** Nodes filled so far, over time. */
  readonly filled: Schedule;
  /** Money a buy still holds out of its account's balance. */
  readonly holdMicros: number;
  readonly procurementId: string | null;
  /** The API token that placed it. */
  readonly createdBy: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly filledAt: number | null;
  readonly cancelledAt: number | null;
  readonly rejectedReason: string | null;
}

export interface OrderView extends OrderRecord {
  readonly poolName: string;
  readonly instanceSkuAlias: string;
}

export type OrderChanges = Partial<Pick<OrderRecord, 'status' | 'remaining' | 'filled' | 'holdMicros' | 'filledAt' | 'cancelledAt' | 'rejectedReason'>> & { readonly updatedAt: number };

export type OrderSort = 'created_at' | '-created_at' | 'start_at' | '-start_at';

export interface OrderListFilter {
  readonly accountId: string;
  readonly ids: readonly string[] | null;
  readonly poolId: string | null;
  readonly workspaceId: string | null;
  readonly side: OrderSide | null;
  readonly statuses: readonly OrderStatus[] | null;
  readonly createdAfter: number | null;
  readonly createdBefore: number | null;
  /** null: only orders no procurement placed; otherwise that procurement's. */
  readonly procurementId: string | null;
  readonly sort: OrderSort;
}

export interface DueExpiry {
  readonly id: string;
  readonly instanceSkuId: string;
  readonly endAt: number;
}

/** Which resting orders a book read wants: one side of one or more SKUs, overlapping a window. */
export interface BookQuery {
  readonly instanceSkuIds: readonly string[];
  readonly side: OrderSide;
  /** Buys at or above, or sells at or below, this price; null for any. */
  readonly priceBound: number | null;
  readonly overlapsFrom: number;
  readonly overlapsTo: number;
}

export interface ContractRecord {
  readonly seq: number;
  readonly id: string;
  readonly instanceSkuId: string;
  readonly buyOrderId: string;
  readonly sellOrderId: string;
  readonly schedule: Schedule;
  readonly startAt: number;
  readonly endAt: number;
  readonly priceMicros: number;
  readonly totalMicros: number;
  readonly feeMicros: number;
  readonly filledAt: number;
}

export interface ContractListFilter {
  readonly instanceSkuIds: readonly string[];
  readonly overlapsFrom: number;
  readonly overlapsTo: number;
  readonly since: number;
}

export interface MoneyEntryRecord {
  readonly id: string;
  readonly fromKey: string;
  readonly toKey: string;
  readonly amountMicros: number;
  readonly reason: string;
  readonly orderId: string | null;
  readonly contractId: string | null;
  readonly createdAt: number;
}

export type AccountTransactionType = 'credit_grant' | 'buy_order' | 'sell_order' | 'refund' | 'manual_payment' | 'stripe_card_payment';

export interface AccountTransactionRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly type: AccountTransactionType;
  readonly amountMicros: number;
  readonly balanceAfterMicros: number;
  readonly orderId: string | null;
  readonly memo: string | null;
  readonly createdAt: number;
}

export interface AccountTransactionFilter {
  readonly accountId: string;
  readonly after: number | null;
  readonly before: number | null;
  readonly type: AccountTransactionType | null;
}

export interface ProcurementRecord {
  readonly seq: number;
  readonly id: string;
  readonly accountId: string;
  readonly workspaceId: string;
  readonly name: string;
  readonly poolId: string;
  readonly instanceSkuId: string;
  /** Nodes, or `node_count`: the pool's non-terminated instances of the SKU. */
  readonly target: number | 'node_count';
  readonly minSellMicros: number;
  readonly maxBuyMicros: number;
  readonly managedWindowMinutes: number;
  readonly enabled: boolean;
  readonly statusState: 'info' | 'warning' | 'error';
  readonly statusMessage: string;
  readonly nextRunAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface ProcurementView extends ProcurementRecord {
  readonly workspaceName: string;
  readonly poolName: string;
  readonly instanceSkuAlias: string;
}

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

export interface IdempotencyRecord {
  readonly accountId: string;
  readonly key: string;
  readonly operation: string;
  readonly requestHash: string;
  readonly statusCode: number;
  readonly responseBody: unknown;
  readonly createdAt: number;
}

export interface AccountRepository {
  insert(account: Omit<AccountRecord, 'seq'>): Promise<void>;
  find(id: string): Promise<AccountRecord | undefined>;
  list(page: PageRequest): Promise<AccountRecord[]>;
  count(): Promise<number>;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<void>;
  findByHash(tokenHash: string): Promise<{ readonly accountId: string; readonly tokenId: string } | undefined>;
}

/**
 * The outcome of a write that a uniqueness rule can refuse when a concurrent transaction took the
 * name first. After `name_taken` the transaction must end: PostgreSQL has aborted it.
 */
export type NamedWrite = 'written' | 'name_taken';

export interface WorkspaceRepository {
  insert(workspace: Omit<WorkspaceRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<WorkspaceRecord | undefined>;
  findByName(accountId: string, name: string): Promise<WorkspaceRecord | undefined>;
  /** The account's live workspaces, newest first. */
  list(accountId: string): Promise<WorkspaceRecord[]>;
  count(accountId: string): Promise<number>;
  rename(id: string, name: string): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
}

export interface PoolRepository {
  insert(pool: Omit<PoolRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<PoolView | undefined>;
  /** Any account's pool: for the operator. */
  findByIdForOperator(id: string): Promise<PoolView | undefined>;
  findByName(workspaceId: string, name: string): Promise<PoolView | undefined>;
  findWithHoldingsById(accountId: string, id: string): Promise<PoolWithHoldings | undefined>;
  findWithHoldingsByName(workspaceId: string, name: string): Promise<PoolWithHoldings | undefined>;
  listWithHoldings(filter: PoolListFilter, page: PageRequest): Promise<PoolWithHoldings[]>;
  countInWorkspace(workspaceId: string): Promise<number>;
  update(id: string, changes: { readonly name?: string; readonly tags?: Tags }): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
}

export interface InstanceSkuRepository {
  /** Refused with `name_taken` when the alias is in use. */
  insert(sku: Omit<InstanceSkuRecord, 'seq'>): Promise<NamedWrite>;
  findById(id: string): Promise<InstanceSkuRecord | undefined>;
  list(page: PageRequest): Promise<InstanceSkuRecord[]>;
  /** Every SKU, newest first: the catalogue is small. */
  listAll(): Promise<InstanceSkuRecord[]>;
}

export interface AllocationRepository {
  insertEntry(entry: AllocationEntryRecord): Promise<void>;
  /**
   * The balances of these pools' SKUs, locked until the transaction ends so that no concurrent
   * transaction can spend them (rows are locked in key order, so two transactions never wait on
   * each other in a cycle). Keys must be distinct. A pool that holds none of a SKU reads as the empty schedule.
   */
  lockBalances(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<BalanceRecord[]>;
  /** Writes a balance, with the time it next changes after now (null: never). */
  setBalance(balance: BalanceRecord, nextBoundaryAt: number | null): Promise<void>;
  balanceOf(poolId: string, instanceSkuId: string): Promise<BalanceRecord | undefined>;
  /** Balances whose next boundary is at or before `upTo`, earliest first. */
  dueBoundaries(upTo: number, limit: number): Promise<DueBoundary[]>;
  setNextBoundary(poolId: string, instanceSkuId: string, nextBoundaryAt: number | null): Promise<void>;
  /** Everything, for audits: every entry and every balance. */
  allEntries(): Promise<AllocationEntryRecord[]>;
  allBalances(): Promise<BalanceRecord[]>;
}

export interface PoolTransferRepository {
  insert(transfer: Omit<PoolTransferRecord, 'seq'>): Promise<void>;
  findById(accountId: string, id: string): Promise<PoolTransferView | undefined>;
  list(filter: PoolTransferListFilter, page: PageRequest): Promise<PoolTransferView[]>;
}

export interface ImageRepository {
  insert(image: Omit<ImageRecord, 'seq'>): Promise<NamedWrite>;
  /** Any account's image; visibility is the caller's to decide. */
  findById(id: string): Promise<ImageView | undefined>;
  findByName(workspaceId: string, name: string): Promise<ImageView | undefined>;
  list(filter: ImageListFilter, page: PageRequest): Promise<ImageView[]>;
  update(id: string, changes: { readonly uploadStatus?: ImageUploadStatus; readonly sha256?: string | null; readonly size?: number | null; readonly updatedAt: number }): Promise<void>;
  softDelete(id: string, now: number): Promise<void>;
  savePart(imageId: string, partId: number, size: number): Promise<void>;
  parts(imageId: string): Promise<{ readonly partId: number; readonly size: number }[]>;
  /** Live instances and templates that use the image. */
  countUsers(imageId: string): Promise<number>;
  countInWorkspace(workspaceId: string): Promise<number>;
}

export interface InstanceTemplateRepository {
  insert(template: Omit<InstanceTemplateRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<InstanceTemplateView | undefined>;
  findByName(workspaceId: string, name: string): Promise<InstanceTemplateView | undefined>;
  list(filter: InstanceTemplateListFilter, page: PageRequest): Promise<InstanceTemplateView[]>;
  softDelete(id: string, now: number): Promise<void>;
  countInWorkspace(workspaceId: string): Promise<number>;
}

export interface DeploymentRepository {
  insert(deployment: Omit<DeploymentRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<DeploymentView | undefined>;
  /** Any account's deployment: for the reconciler. */
  findByIdForEngine(id: string): Promise<DeploymentView | undefined>;
  findByName(workspaceId: string, name: string): Promise<DeploymentView | undefined>;
  list(filter: DeploymentListFilter, page: PageRequest): Promise<DeploymentView[]>;
  update(id: string, changes: Partial<Pick<DeploymentRecord, 'name' | 'instanceTemplateId' | 'enabled' | 'targetInstanceCount' | 'instanceNameTemplate' | 'procurementId'>> & { readonly updatedAt: number }): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
  /** The live deployments of a pool, for conflicts between automations. */
  activeInPool(poolId: string): Promise<DeploymentSummary[]>;
  /** The live spot deployment that runs a procurement. */
  findByProcurement(procurementId: string): Promise<DeploymentView | undefined>;
  countUsingTemplate(templateId: string): Promise<number>;
}

export interface InstanceRepository {
  insert(instance: Omit<InstanceRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<InstanceView | undefined>;
  findByIdForOperator(id: string): Promise<InstanceView | undefined>;
  findByName(workspaceId: string, name: string): Promise<InstanceView | undefined>;
  list(filter: InstanceListFilter, page: PageRequest): Promise<InstanceView[]>;
  /** The awaiting and running instances of one pool and SKU. */
  liveInPoolSku(poolId: string, instanceSkuId: string): Promise<InstanceRecord[]>;
  /** The running instances of these pools and SKUs, for ranking them. */
  runningInPoolSkus(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<InstanceRecord[]>;
  liveOfDeployment(deploymentId: string): Promise<InstanceRecord[]>;
  /** Every instance these pools have had, oldest first: the VMs of v1 nodes. */
  historyOfPools(poolIds: readonly string[]): Promise<InstanceRecord[]>;
  /** Every instance of the account, oldest first: `/v0/vms/instances`. */
  ofAccount(accountId: string): Promise<InstanceRecord[]>;
  markRunning(ids: readonly string[], at: number): Promise<void>;
  markEnded(ids: readonly string[], status: 'terminated' | 'failed', at: number): Promise<void>;
  update(id: string, changes: { readonly name?: string; readonly tags?: Tags; readonly priority?: InstancePriority; readonly updatedAt: number }): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
  countLiveInPool(poolId: string): Promise<number>;
  /** Running instances per pool and SKU, for audits. */
  runningCounts(): Promise<{ readonly poolId: string; readonly instanceSkuId: string; readonly running: number }[]>;
}

export interface OrderRepository {
  /**
   * Takes one SKU's book for the rest of the transaction: whatever places, matches, cancels or
   * expires that SKU's orders takes it first, so that a match never reads resting orders another
   * transaction is changing. Matching is serial per SKU, as in a real exchange.
   */
  lockBook(instanceSkuId: string): Promise<void>;
  insert(order: Omit<OrderRecord, 'seq'>): Promise<void>;
  findById(accountId: string, id: string): Promise<OrderView | undefined>;
  findByIdForEngine(id: string): Promise<OrderRecord | undefined>;
  list(filter: OrderListFilter, page: PageRequest): Promise<OrderView[]>;
  /** Resting orders (standing or partially filled), best price first, then first come. */
  resting(query: BookQuery, limit: number, offset: number): Promise<OrderRecord[]>;
  update(id: string, changes: OrderChanges): Promise<void>;
  /** Resting orders whose end is at or before `upTo`, earliest first. */
  dueExpiries(upTo: number, limit: number): Promise<DueExpiry[]>;
  restingOfProcurement(procurementId: string): Promise<OrderRecord[]>;
  countRestingInPool(poolId: string): Promise<number>;
  /** What open buy orders hold, summed per account, for audits. */
  holdsByAccount(): Promise<Map<string, number>>;
}

export interface ContractRepository {
  insert(contract: Omit<ContractRecord, 'seq'>): Promise<void>;
  ofOrders(orderIds: readonly string[]): Promise<ContractRecord[]>;
  /** Contracts overlapping a window, newest first, filled at or after `since`. */
  list(filter: ContractListFilter, page: PageRequest): Promise<ContractRecord[]>;
}

export interface MoneyRepository {
  /** The balances of these ledger accounts (zero when new), locked until the transaction ends. */
  lock(keys: readonly string[]): Promise<Map<string, number>>;
  /** Moves money from one ledger account to another, and records the entry. Lock both first. */
  move(entry: MoneyEntryRecord): Promise<void>;
  balances(keys: readonly string[]): Promise<Map<string, number>>;
  allBalances(): Promise<Map<string, number>>;
  allEntries(): Promise<MoneyEntryRecord[]>;
}

export interface AccountTransactionRepository {
  insert(transaction: Omit<AccountTransactionRecord, 'seq'>): Promise<void>;
  list(filter: AccountTransactionFilter, page: PageRequest): Promise<AccountTransactionRecord[]>;
}

export interface ProcurementRepository {
  insert(procurement: Omit<ProcurementRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<ProcurementView | undefined>;
  findByName(workspaceId: string, name: string): Promise<ProcurementView | undefined>;
  findForPoolSku(poolId: string, instanceSkuId: string): Promise<ProcurementView | undefined>;
  /** Any account's procurement: for the engine. */
  findByIdForEngine(id: string): Promise<ProcurementView | undefined>;
  list(filter: { readonly accountId: string; readonly workspaceId: string | null; readonly poolId: string | null }, page: PageRequest): Promise<ProcurementView[]>;
  update(id: string, changes: Partial<Omit<ProcurementRecord, 'seq' | 'id' | 'accountId' | 'workspaceId' | 'poolId' | 'createdAt'>> & { readonly updatedAt: number }): Promise<NamedWrite>;
  softDelete(id: string, now: number): Promise<void>;
  dueRuns(upTo: number, limit: number): Promise<{ readonly id: string; readonly at: number }[]>;
}

export interface NodeRepository {
  insert(node: Omit<NodeRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<NodeView | undefined>;
  findByName(accountId: string, name: string): Promise<NodeView | undefined>;
  /** The account's live nodes, oldest first. */
  list(filter: NodeListFilter): Promise<NodeView[]>;
  update(id: string, changes: Partial<Pick<NodeRecord, 'endAt' | 'releasedAt' | 'imageId' | 'cloudInitUserData' | 'maxPriceCents'>> & { readonly updatedAt: number }): Promise<void>;
  softDelete(id: string, now: number): Promise<void>;
}

export interface SettingRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Sets the value unless the key has one, and returns the value the key ends up with: the
   * first writer wins when several processes start at once. */
  setIfAbsent(key: string, value: string): Promise<string>;
}

export interface IdempotencyRepository {
  find(accountId: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** Returns false, writing nothing, when the key was stored meanwhile by another transaction. */
  insert(record: IdempotencyRecord): Promise<boolean>;
  delete(accountId: string, key: string): Promise<void>;
  deleteOlderThan(createdBefore: number): Promise<number>;
}

/** What one transaction can read and write. */
export interface Tx {
  readonly accounts: AccountRepository;
  readonly tokens: TokenRepository;
  readonly workspaces: WorkspaceRepository;
  readonly pools: PoolRepository;
  readonly instanceSkus: InstanceSkuRepository;
  readonly allocation: AllocationRepository;
  readonly poolTransfers: PoolTransferRepository;
  readonly images: ImageRepository;
  readonly instanceTemplates: InstanceTemplateRepository;
  readonly deployments: DeploymentRepository;
  readonly instances: InstanceRepository;
  readonly orders: OrderRepository;
  readonly contracts: ContractRepository;
  readonly money: MoneyRepository;
  readonly accountTransactions: AccountTransactionRepository;
  readonly procurements: ProcurementRepository;
  readonly nodes: NodeRepository;
  readonly settings: SettingRepository;
  readonly idempotency: IdempotencyRepository;
}

export type StoreDialect = 'sqlite' | 'postgres';

export interface Store {
  readonly dialect: StoreDialect;
  /**
   * Runs `work` as one transaction. It commits when `work` returns a result and rolls back when
   * it returns a Failure (see domain/failures.ts) or throws, so a refused request never leaves a trace. Transient
   * conflicts between concurrent transactions (PostgreSQL serialization failures and deadlocks)
   * are retried a bounded number of times.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs `work`, which only reads, on one connection held for its duration, without BEGIN and
   * COMMIT. On SQLite the connection is the process's only one, so nothing interleaves; on
   * PostgreSQL at READ COMMITTED a transaction would give each statement its own snapshot all
   * the same. Reads that must see one snapshot, or that decide a write, use `transaction`.
   */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * `read`, for a read that depends on nothing but what is stored (not on the time), so that its
   * result stays true until the next write. Where this process is the database's only writer
   * (SQLite), the result is remembered under `key` until a transaction begins, and every caller
   * until then gets the same, frozen, object. Where other processes write too (PostgreSQL), it
   * reads every time. For what clients poll: a read of a pool.
   */
  readCached<T>(key: string, work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Whether this process leads time-driven work. Processes sharing a PostgreSQL database elect
   * one through an advisory lock held for the process's life; an SQLite file has one process.
   * Asked again and again: a process takes over when the leader goes.
   */
  isLeader(): Promise<boolean>;
  close(): Promise<void>;
}
