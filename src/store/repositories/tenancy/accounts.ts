// Accounts.

import type { Kysely, Selectable } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { AccountRecord, AccountRepository } from '../../tenancy.js';
import { pageBySeq } from '../paging.js';
import { preparedQuery } from '../prepared.js';

const accountById = preparedQuery(1, (db, id: string) => db.selectFrom('accounts').selectAll().where('id', '=', id));

type AccountRow = Selectable<Database['accounts']>;

function toAccount(row: AccountRow): AccountRecord {
  return { seq: row.seq, id: row.id, name: row.name, defaultWorkspaceId: row.default_workspace_id, createdAt: row.created_at };
}

export class SqlAccountRepository implements AccountRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(account: Omit<AccountRecord, 'seq'>): Promise<void> {
    await this.trx
      .insertInto('accounts')
      .values({ id: account.id, name: account.name, default_workspace_id: account.defaultWorkspaceId, created_at: account.createdAt })
      .execute();
  }

  async find(id: string): Promise<AccountRecord | undefined> {
    const [row] = await accountById.execute(this.trx, this.adapter, id);
    return row === undefined ? undefined : toAccount(row);
  }

  async list(page: PageRequest): Promise<AccountRecord[]> {
    const rows = await pageBySeq(this.trx.selectFrom('accounts').selectAll(), 'seq', page).execute();
    return rows.map(toAccount);
  }

  async count(): Promise<number> {
    const row = await this.trx.selectFrom('accounts').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
