// Server-wide settings as key/value text: the operator token's hash, the manual clock's time.

import { type Kysely, sql } from 'kysely';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { SettingRepository } from '../../kernel.js';

export class SqlSettingRepository implements SettingRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async getForUpdate(key: string): Promise<string | undefined> {
    let query = this.trx.selectFrom('settings').select('value').where('key', '=', key);
    if (this.adapter.supportsRowLocks) query = query.forUpdate();
    return (await query.executeTakeFirst())?.value;
  }

  async get(key: string): Promise<string | undefined> {
    const row = await this.trx.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.trx
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.get(key))!;
  }

  async raise(key: string, value: number): Promise<void> {
    await this.trx
      .insertInto('settings')
      .values({ key, value: String(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(value) }).where(sql<boolean>`cast(settings.value as numeric) < ${value}`))
      .execute();
  }

  async remove(key: string): Promise<void> {
    await this.trx.deleteFrom('settings').where('key', '=', key).execute();
  }

  async set(key: string, value: string): Promise<void> {
    await this.trx
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
