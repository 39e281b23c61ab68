// Users: the people of an account. Removed users stay as rows (their ids remain in history) but
// free their email address.

import type { Kysely, Selectable } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import { emailKey } from '../../../domain/tenancy/users.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { NamedWrite } from '../../kernel.js';
import type { UserRecord, UserRepository } from '../../tenancy.js';
import { guardName } from '../named-write.js';
import { pageBySeq } from '../paging.js';
import { preparedQuery } from '../prepared.js';

function liveUsers(db: Kysely<Database>) {
  return db.selectFrom('users').selectAll().where('deleted_at', 'is', null);
}

const userById = preparedQuery(1, (db, id: string) => liveUsers(db).where('id', '=', id));

function toUser(row: Selectable<Database['users']>): UserRecord {
  return { seq: row.seq, id: row.id, accountId: row.account_id, email: row.email, firstName: row.first_name, lastName: row.last_name, createdAt: Number(row.created_at) };
}

export class SqlUserRepository implements UserRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(user: Omit<UserRecord, 'seq'>): Promise<NamedWrite> {
    const values = {
      id: user.id,
      account_id: user.accountId,
      email: user.email,
      email_key: emailKey(user.email),
      first_name: user.firstName,
      last_name: user.lastName,
      created_at: user.createdAt,
      deleted_at: null,
    };
    return guardName(this.adapter, () => this.trx.insertInto('users').values(values).execute());
  }

  async findById(accountId: string, id: string): Promise<UserRecord | undefined> {
    const user = await this.findAnyById(id);
    return user?.accountId === accountId ? user : undefined;
  }

  async findAnyById(id: string): Promise<UserRecord | undefined> {
    const [row] = await userById.execute(this.trx, this.adapter, id);
    return row === undefined ? undefined : toUser(row);
  }

  async list(accountId: string, page: PageRequest, filter: { readonly ids?: readonly string[]; readonly email?: string }): Promise<UserRecord[]> {
    let query = liveUsers(this.trx).where('account_id', '=', accountId);
    if (filter.ids !== undefined) query = filter.ids.length === 0 ? query.where('id', 'in', ['']) : query.where('id', 'in', [...filter.ids]);
    if (filter.email !== undefined) query = query.where('email_key', '=', emailKey(filter.email));
    const rows = await pageBySeq(query, 'seq', page).execute();
    return rows.map(toUser);
  }

  async softDelete(id: string, now: number): Promise<void> {
    await this.trx.updateTable('users').set({ deleted_at: now }).where('id', '=', id).execute();
  }
}
