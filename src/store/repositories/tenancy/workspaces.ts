// Workspaces: named containers of an account's resources. Deleted workspaces stay as rows (their
// ids remain in history) but free their name.

import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { DeletedContainerContent, NamedWrite } from '../../kernel.js';
import type { WorkspaceRecord, WorkspaceRepository } from '../../tenancy.js';
import { preparedQuery } from '../prepared.js';
import { lockLiveRowForChange, lockLiveRowShared } from '../row-locks.js';
import { guardName } from '../named-write.js';

type WorkspaceRow = Selectable<Database['workspaces']>;

function liveWorkspaces(db: Kysely<Database>, accountId: string) {
  return db.selectFrom('workspaces').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
}

const workspaceById = preparedQuery(2, (db, accountId: string, id: string) => liveWorkspaces(db, accountId).where('id', '=', id));

const workspaceByName = preparedQuery(2, (db, accountId: string, name: string) => liveWorkspaces(db, accountId).where('name', '=', name));

function toWorkspace(row: WorkspaceRow): WorkspaceRecord {
  return { seq: row.seq, id: row.id, accountId: row.account_id, name: row.name, createdAt: row.created_at };
}

export class SqlWorkspaceRepository implements WorkspaceRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
    /** Told before a write that changes what a pool's row reads (its workspace's name). */
    private readonly writes: (what: 'catalog') => void,
  ) {}

  async insert(workspace: Omit<WorkspaceRecord, 'seq'>): Promise<NamedWrite> {
    const values = { id: workspace.id, account_id: workspace.accountId, name: workspace.name, created_at: workspace.createdAt, deleted_at: null };
    return guardName(this.adapter, () => this.trx.insertInto('workspaces').values(values).execute());
  }

  async findById(accountId: string, id: string): Promise<WorkspaceRecord | undefined> {
    const [row] = await workspaceById.execute(this.trx, this.adapter, accountId, id);
    return row === undefined ? undefined : toWorkspace(row);
  }

  async findByName(accountId: string, name: string): Promise<WorkspaceRecord | undefined> {
    const [row] = await workspaceByName.execute(this.trx, this.adapter, accountId, name);
    return row === undefined ? undefined : toWorkspace(row);
  }

  async list(accountId: string): Promise<WorkspaceRecord[]> {
    const rows = await liveWorkspaces(this.trx, accountId).orderBy('seq', 'desc').execute();
    return rows.map(toWorkspace);
  }

  async count(accountId: string): Promise<number> {
    const row = await this.trx
      .selectFrom('workspaces')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async rename(id: string, name: string): Promise<NamedWrite> {
    this.writes('catalog');
    return guardName(this.adapter, () => this.trx.updateTable('workspaces').set({ name }).where('id', '=', id).execute());
  }

  async softDelete(id: string, now: number): Promise<void> {
    this.writes('catalog');
    await this.trx.updateTable('workspaces').set({ deleted_at: now }).where('id', '=', id).execute();
  }

  async lockCreation(accountId: string): Promise<void> {
    await this.adapter.transactionLock(this.trx, `workspaces of ${accountId}`);
  }

  lockForChange(id: string): Promise<boolean> {
    return lockLiveRowForChange(this.trx, this.adapter, 'workspaces', id);
  }

  lockLive(id: string): Promise<boolean> {
    return lockLiveRowShared(this.trx, this.adapter, 'workspaces', id);
  }

  async liveContentsOfDeleted(): Promise<DeletedContainerContent[]> {
    const deleted = this.trx.selectFrom('workspaces').select('id').where('deleted_at', 'is not', null);
    const pools = await this.trx.selectFrom('pools').select(['id', 'workspace_id']).where('workspace_id', 'in', deleted).where('deleted_at', 'is', null).execute();
    const images = await this.trx.selectFrom('images').select(['id', 'workspace_id']).where('workspace_id', 'in', deleted).where('deleted_at', 'is', null).execute();
    const templates = await this.trx.selectFrom('instance_templates').select(['id', 'workspace_id']).where('workspace_id', 'in', deleted).where('deleted_at', 'is', null).execute();
    const of = (kind: DeletedContainerContent['kind'], rows: readonly { id: string; workspace_id: string }[]) => rows.map((row) => ({ kind, id: row.id, containerId: row.workspace_id }));
    return [...of('pool', pools), ...of('image', images), ...of('instance template', templates)];
  }
}
