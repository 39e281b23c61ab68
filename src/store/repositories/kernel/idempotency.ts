// Idempotency keys, stored in the same transaction as the effect they guard, with the response
// that effect produced.

import type { Kysely } from 'kysely';
import type { Database } from '../../database.js';
import type { IdempotencyRecord, IdempotencyRepository } from '../../kernel.js';

export class SqlIdempotencyRepository implements IdempotencyRepository {
  constructor(private readonly trx: Kysely<Database>) {}

  async find(accountId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.trx
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      accountId: row.account_id,
      key: row.key,
      operation: row.operation,
      requestHash: row.request_hash,
      statusCode: row.status_code,
      responseBody: JSON.parse(row.response_body) as unknown,
      createdAt: row.created_at,
    };
  }

  async insert(record: IdempotencyRecord): Promise<boolean> {
    const result = await this.trx
      .insertInto('idempotency_keys')
      .values({
        account_id: record.accountId,
        key: record.key,
        operation: record.operation,
        request_hash: record.requestHash,
        status_code: record.statusCode,
        response_body: JSON.stringify(record.responseBody),
        created_at: record.createdAt,
      })
      .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async delete(accountId: string, key: string): Promise<void> {
    await this.trx.deleteFrom('idempotency_keys').where('account_id', '=', accountId).where('key', '=', key).execute();
  }

  async deleteOlderThan(createdBefore: number): Promise<number> {
    const result = await this.trx.deleteFrom('idempotency_keys').where('created_at', '<', createdBefore).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
