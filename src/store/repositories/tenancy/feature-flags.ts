// What the operator set for each account's feature flags; a flag with no row is on.

import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../database.js';
import type { FeatureFlagRepository, FeatureFlagSettingRecord } from '../../tenancy.js';

function toSetting(row: Selectable<Database['feature_flag_settings']>): FeatureFlagSettingRecord {
  return { accountId: row.account_id, featureFlag: row.feature_flag, enabled: row.enabled === 1, userEnroll: row.user_enroll === 1, updatedAt: Number(row.updated_at) };
}

export class SqlFeatureFlagRepository implements FeatureFlagRepository {
  constructor(private readonly trx: Kysely<Database>) {}

  async listForAccount(accountId: string): Promise<FeatureFlagSettingRecord[]> {
    const rows = await this.trx.selectFrom('feature_flag_settings').selectAll().where('account_id', '=', accountId).orderBy('feature_flag').execute();
    return rows.map(toSetting);
  }

  async find(accountId: string, featureFlag: string): Promise<FeatureFlagSettingRecord | undefined> {
    const row = await this.trx.selectFrom('feature_flag_settings').selectAll().where('account_id', '=', accountId).where('feature_flag', '=', featureFlag).executeTakeFirst();
    return row === undefined ? undefined : toSetting(row);
  }

  async upsert(setting: FeatureFlagSettingRecord): Promise<void> {
    const values = { enabled: setting.enabled ? 1 : 0, user_enroll: setting.userEnroll ? 1 : 0, updated_at: setting.updatedAt };
    await this.trx
      .insertInto('feature_flag_settings')
      .values({ account_id: setting.accountId, feature_flag: setting.featureFlag, ...values })
      .onConflict((conflict) => conflict.columns(['account_id', 'feature_flag']).doUpdateSet(values))
      .execute();
  }
}
