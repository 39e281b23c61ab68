// Compute's records and repositories: images, instance templates, deployments, instances and
// their runs (what allot asked a driver to run).

import type { PageRequest } from '../domain/kernel/pagination.js';
import type { ImageUploadStatus } from '../domain/compute/images.js';
import type { InstancePriority, InstanceStatus } from '../domain/compute/placement.js';
import type { RecordedRunState, RunIntent } from '../domain/compute/runs.js';
import type { TagFilter, Tags } from '../domain/kernel/tags.js';
import type { DeletedContainerContent, NamedWrite } from './kernel.js';

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

export interface ImageRepository {
  insert(image: Omit<ImageRecord, 'seq'>): Promise<NamedWrite>;
  /** Any account's image; visibility is the caller's to decide. */
  findById(id: string): Promise<ImageView | undefined>;
  findByName(workspaceId: string, name: string): Promise<ImageView | undefined>;
  list(filter: ImageListFilter, page: PageRequest): Promise<ImageView[]>;
  update(id: string, changes: { readonly uploadStatus?: ImageUploadStatus; readonly sha256?: string | null; readonly size?: number | null; readonly updatedAt: number }): Promise<void>;
  /** Locks the live image against use while it is deleted; answers whether it is live. */
  lockForChange(id: string): Promise<boolean>;
  /** Locks the live image shared while something that uses it is made; answers whether it is live. */
  lockLive(id: string): Promise<boolean>;
  softDelete(id: string, now: number): Promise<void>;
  savePart(imageId: string, partId: number, size: number): Promise<void>;
  parts(imageId: string): Promise<{ readonly partId: number; readonly size: number }[]>;
  /** Live instances and templates that use the image. */
  countUsers(imageId: string): Promise<number>;
  /** Live instances and templates that use a deleted image (`containerId`), for audits. */
  liveUsersOfDeleted(): Promise<DeletedContainerContent[]>;
  countInWorkspace(workspaceId: string): Promise<number>;
}

export interface InstanceTemplateRepository {
  insert(template: Omit<InstanceTemplateRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<InstanceTemplateView | undefined>;
  findByName(workspaceId: string, name: string): Promise<InstanceTemplateView | undefined>;
  list(filter: InstanceTemplateListFilter, page: PageRequest): Promise<InstanceTemplateView[]>;
  /** Locks the live template against use while it is deleted; answers whether it is live. */
  lockForChange(id: string): Promise<boolean>;
  /** Locks the live template shared while something that uses it is made; answers whether it is live. */
  lockLive(id: string): Promise<boolean>;
  softDelete(id: string, now: number): Promise<void>;
  countInWorkspace(workspaceId: string): Promise<number>;
  /** Live deployments that use a deleted template (`containerId`), for audits. */
  liveUsersOfDeleted(): Promise<DeletedContainerContent[]>;
}

export interface DeploymentRepository {
  insert(deployment: Omit<DeploymentRecord, 'seq'>): Promise<NamedWrite>;
  findById(accountId: string, id: string): Promise<DeploymentView | undefined>;
  /** Any account's deployment: for the reconciler. */
  findByIdForEngine(id: string): Promise<DeploymentView | undefined>;
  findByName(workspaceId: string, name: string): Promise<DeploymentView | undefined>;
  list(filter: DeploymentListFilter, page: PageRequest): Promise<DeploymentView[]>;
  update(id: string, changes: Partial<Pick<DeploymentRecord, 'name' | 'instanceTemplateId' | 'enabled' | 'targetInstanceCount' | 'instanceNameTemplate' | 'procurementId'>> & { readonly updatedAt: number }): Promise<NamedWrite>;
  /**
   * Deletes a deployment. `endingInstances`: it has live instances, so the deletion is due at
   * `now` (whatever was due before) until they have ended (`clearDue`), a batch per transaction
   * (`lockDeleting`); otherwise nothing is due.
   */
  softDelete(id: string, now: number, endingInstances: boolean): Promise<void>;
  /** Locks a deleted deployment whose instances are still being ended (FOR NO KEY UPDATE on PostgreSQL); its pool and SKU, or undefined when it is not one. */
  lockDeleting(id: string): Promise<{ readonly poolId: string; readonly instanceSkuId: string } | undefined>;
  /** Which of these deployments are deleted: their instances awaiting allocation never start. */
  deletedAmong(ids: readonly string[]): Promise<Set<string>>;
  /** The live deployments of a pool, for conflicts between automations. */
  activeInPool(poolId: string): Promise<DeploymentSummary[]>;
  /** The live spot deployment that runs a procurement. */
  findByProcurement(procurementId: string): Promise<DeploymentView | undefined>;
  countUsingTemplate(templateId: string): Promise<number>;
  /**
   * Marks a deployment as having more to do than one transaction does (see
   * `deploymentInstancesPerTransaction`): the engine continues it from `at`. A deployment marked
   * already keeps its earlier time.
   */
  markDue(id: string, at: number): Promise<void>;
  /**
   * Locks a live deployment against its deletion (FOR NO KEY UPDATE on PostgreSQL) before its
   * instances are counted and changed, so that a deletion sees every instance created for it;
   * false when it was deleted meanwhile.
   */
  lockLive(id: string): Promise<boolean>;
  /** The deployment is at its target (or has stopped): nothing is due. */
  clearDue(id: string): Promise<void>;
  /** Deployments with work due at or before `upTo`, earliest first: live ones short of (or over) their target, deleted ones with instances still to end. */
  dueReconciles(upTo: number, limit: number): Promise<{ readonly id: string; readonly at: number }[]>;
}

/** What placement reads of a live instance (domain/compute/placement.ts), and where it is. */
export type PlacedInstance = Pick<InstanceRecord, 'seq' | 'id' | 'poolId' | 'instanceSkuId' | 'deploymentId' | 'priority' | 'status' | 'createdAt'>;

export interface InstanceRepository {
  insert(instance: Omit<InstanceRecord, 'seq'>): Promise<NamedWrite>;
  /** Inserts instances whose names the caller knows are free, in few multi-row statements; a
   * taken name is a bug here and throws (the unique index). For bulk set-ups (bench/advance). */
  insertMany(instances: readonly Omit<InstanceRecord, 'seq'>[]): Promise<void>;
  /** Of `names`, those an instance of the workspace already has, in one statement per
   * `instanceRowsPerInsertMax` names. */
  namesTaken(workspaceId: string, names: readonly string[]): Promise<Set<string>>;
  /** Inserts instances in few multi-row statements, skipping any whose name another transaction
   * took meanwhile (the unique index); answers the ids written. */
  insertManyUnlessNameTaken(instances: readonly Omit<InstanceRecord, 'seq'>[]): Promise<Set<string>>;
  findById(accountId: string, id: string): Promise<InstanceView | undefined>;
  findByIdForOperator(id: string): Promise<InstanceView | undefined>;
  findByName(workspaceId: string, name: string): Promise<InstanceView | undefined>;
  list(filter: InstanceListFilter, page: PageRequest): Promise<InstanceView[]>;
  /** The awaiting and running instances of one pool and SKU. */
  liveInPoolSku(poolId: string, instanceSkuId: string): Promise<InstanceRecord[]>;
  /** The awaiting and running instances of many pools and SKUs in one statement, ordered by pool, SKU,
   * status and seq: for the engine, which reconciles a batch of boundaries at once. */
  liveInPoolSkus(keys: readonly { readonly poolId: string; readonly instanceSkuId: string }[]): Promise<PlacedInstance[]>;
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
  /** Instances not deleted, counted by status, for metrics: one aggregate the database answers. */
  countsByStatus(): Promise<{ readonly status: InstanceStatus; readonly count: number }[]>;
}

/** What allot asked a driver to run for one instance, and what it last recorded the driver did. */
export interface InstanceRunRecord {
  readonly instanceId: string;
  readonly intent: RunIntent;
  readonly state: RecordedRunState;
  /** The driver that runs it (`sandbox`, `qemu`), once the start was made. */
  readonly driver: string | null;
  /** The driver's handle on the guest: its directory on the host. */
  readonly handle: string | null;
  readonly sshPort: number | null;
  readonly httpsPort: number | null;
  readonly failure: string | null;
  readonly requestedAt: number;
  readonly updatedAt: number;
  /** Where a server-local driver launches the guest (`GuestRunner.place`), claimed before the launch; null for the fleet's and the simulated. */
  readonly place: string | null;
  /** The SSH details the guest worker published, which any process answers; null until it did. */
  readonly ssh: PublishedSsh | null;
}

/** A guest's SSH details as the guest worker publishes them for every process to answer. */
export interface PublishedSsh {
  readonly hostname: string;
  readonly port: number;
  readonly hostKeys: readonly { readonly keyType: string; readonly key: string }[];
  readonly lastSuccessfulKeyUpdateAt: number | null;
  readonly lastAttemptedKeyUpdateAt: number | null;
}

/** A console line as the guest worker publishes it (the driver's seqnum and times). */
export interface PublishedConsoleLine {
  readonly seqnum: number;
  readonly timestampRealtime: number;
  readonly monotonicSeconds: number;
  readonly monotonicNanos: number;
  readonly data: string;
}

/** An effect to record, written only while the record is still in one of `from` (so a late effect never undoes a newer one). */
export interface InstanceRunEffect {
  readonly state: RecordedRunState;
  readonly driver?: string | null;
  readonly handle?: string | null;
  readonly sshPort?: number | null;
  readonly httpsPort?: number | null;
  readonly failure?: string | null;
  readonly place?: string | null;
  readonly updatedAt: number;
}

export interface InstanceRunRepository {
  /** Records the intent to run each instance; an instance that has a record keeps it (an instance runs once). */
  requestRun(instanceIds: readonly string[], at: number): Promise<void>;
  /** Records the intent to stop each instance that has a record. */
  requestStop(instanceIds: readonly string[], at: number): Promise<void>;
  /** Records the intent to delete what each (deleted) instance's guest left on its host. */
  requestRemove(instanceIds: readonly string[], at: number): Promise<void>;
  find(instanceId: string): Promise<InstanceRunRecord | undefined>;
  /** Records an effect when the record's intent and state (and its place, when `seen` names one) are as the caller saw them; answers whether it did. */
  record(instanceId: string, seen: { readonly intent: RunIntent; readonly state: RecordedRunState; readonly place?: string | null }, effect: InstanceRunEffect): Promise<boolean>;
  /** Records whose intent is not yet carried out, oldest first, at most `limit`. */
  pending(limit: number): Promise<InstanceRunRecord[]>;
  /** Records not ended, after `afterInstanceId` in id order, at most `limit`: what should be on a host. */
  unended(afterInstanceId: string, limit: number): Promise<InstanceRunRecord[]>;
  /** Running instances with no run record (they started while allot ran no real driver), at most `limit`. */
  runningWithout(limit: number): Promise<string[]>;
  /** How many guests booted from this image may still be on a host (their run record not ended). */
  unendedForImage(imageId: string): Promise<number>;
  /** Records the guest's SSH details (replacing what was published). */
  publishSsh(instanceId: string, ssh: PublishedSsh): Promise<void>;
  /** Adds console lines; a seqnum already published keeps its line (publishing again is harmless). */
  publishConsole(instanceId: string, lines: readonly PublishedConsoleLine[]): Promise<void>;
  /** The highest published seqnum of each instance that has lines. */
  lastConsoleSeqnums(instanceIds: readonly string[]): Promise<Map<string, number>>;
  /** Deletes the published console lines. */
  forgetConsole(instanceId: string): Promise<void>;
  /** The published console lines, by seqnum. */
  console(instanceId: string): Promise<PublishedConsoleLine[]>;
}
