// API tokens: stored by hash, never in the clear; revoked tokens stay as rows (their ids remain in
// orders' `created_by`).

import type { Kysely, Selectable } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { PresentedToken, TokenRecord, TokenRepository } from '../../tenancy.js';
import { pageBySeq } from '../paging.js';
import { preparedQuery } from '../prepared.js';

/** With its user's email, which an order it places shows (`PresentedToken`). */
const tokenByHash = preparedQuery(1, (db, tokenHash: string) =>
  db.selectFrom('api_tokens').leftJoin('users', 'users.id', 'api_tokens.user_id').selectAll('api_tokens').select('users.email as user_email').where('api_tokens.token_hash', '=', tokenHash),
);
const tokenById = preparedQuery(1, (db, id: string) => db.selectFrom('api_tokens').selectAll().where('id', '=', id));

function toToken(row: Selectable<Database['api_tokens']>): TokenRecord {
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    suffix: row.suffix,
    name: row.name,
    description: row.description,
    originClient: row.origin_client,
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    lastActiveAt: row.last_active_at === null ? null : Number(row.last_active_at),
    createdAt: Number(row.created_at),
  };
}

export class SqlTokenRepository implements TokenRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
    /** Told before each write, so that remembered reads of tokens are forgotten (KyselyStore). */
    private readonly writes: () => void,
  ) {}

  async insert(token: Omit<TokenRecord, 'seq' | 'revokedAt' | 'lastActiveAt'>): Promise<void> {
    this.writes();
    await this.trx
      .insertInto('api_tokens')
      .values({
        id: token.id,
        account_id: token.accountId,
        user_id: token.userId,
        token_hash: token.tokenHash,
        suffix: token.suffix,
        name: token.name,
        description: token.description,
        origin_client: token.originClient,
        expires_at: token.expiresAt,
        revoked_at: null,
        last_active_at: null,
        created_at: token.createdAt,
      })
      .execute();
  }

  async findByHash(tokenHash: string): Promise<PresentedToken | undefined> {
    const [row] = await tokenByHash.execute(this.trx, this.adapter, tokenHash);
    return row === undefined ? undefined : { ...toToken(row), userEmail: row.user_email };
  }

  async findById(id: string): Promise<TokenRecord | undefined> {
    const [row] = await tokenById.execute(this.trx, this.adapter, id);
    return row === undefined ? undefined : toToken(row);
  }

  async list(accountId: string, page: PageRequest, options: { readonly includeRevoked: boolean }): Promise<TokenRecord[]> {
    let query = this.trx.selectFrom('api_tokens').selectAll().where('account_id', '=', accountId);
    if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
    const rows = await pageBySeq(query, 'seq', page).execute();
    return rows.map(toToken);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    this.writes();
    const result = await this.trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async revokeOfUser(userId: string, now: number): Promise<number> {
    this.writes();
    const result = await this.trx.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async recordActivity(id: string, now: number, dueBefore: number): Promise<void> {
    this.writes();
    await this.trx
      .updateTable('api_tokens')
      .set({ last_active_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_active_at', 'is', null), eb('last_active_at', '<', dueBefore)]))
      .execute();
  }
}
