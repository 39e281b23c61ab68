// Workspaces: named containers of an account's resources. Deleted workspaces stay as rows (their
// ids remain in history) but free their name.

import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { DialectAdapter } from '../kysely-store.js';
import type { NamedWrite, WorkspaceRecord, WorkspaceRepository } from '../store.js';

type WorkspaceRow = Selectable<Database['workspaces']>;

function toWorkspace(row: WorkspaceRow): WorkspaceRecord {
  return { seq: row.seq, id: row.id, accountId: row.account_id, name: row.name, createdAt: row.created_at };
}

export class SqlWorkspaceRepository implements WorkspaceRepository {
  constructor(
    private readonly trx: Transaction<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(workspace: Omit<WorkspaceRecord, 'seq'>): Promise<NamedWrite> {
    const values = { id: workspace.id, account_id: workspace.accountId, name: workspace.name, created_at: workspace.createdAt, deleted_at: null };
    return guardName(this.adapter, () => this.trx.insertInto('workspaces').values(values).execute());
  }

  async findById(accountId: string, id: string): Promise<WorkspaceRecord | undefined> {
    const row = await this.live(accountId).where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toWorkspace(row);
  }

  async findByName(accountId: string, name: string): Promise<WorkspaceRecord | undefined> {
    const row = await this.live(accountId).where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toWorkspace(row);
  }

  async list(accountId: string): Promise<WorkspaceRecord[]> {
    const rows = await this.live(accountId).orderBy('seq', 'desc').execute();
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
    return guardName(this.adapter, () => this.trx.updateTable('workspaces').set({ name }).where('id', '=', id).execute());
  }

  async softDelete(id: string, now: number): Promise<void> {
    await this.trx.updateTable('workspaces').set({ deleted_at: now }).where('id', '=', id).execute();
  }

  private live(accountId: string) {
    return this.trx.selectFrom('workspaces').selectAll().where('account_id', '=', accountId).where('deleted_at', 'is', null);
  }
}

/** Runs a write that a name's unique index may refuse, reporting the refusal as a value. */
export async function guardName(adapter: DialectAdapter, write: () => Promise<unknown>): Promise<NamedWrite> {
  try {
    await write();
    return 'written';
  } catch (error) {
    if (adapter.isUniqueViolation(error)) return 'name_taken';
    throw error;
  }
}
