// Instance SKUs, registered by the operator.

import type { Kysely, Selectable } from 'kysely';
import type { SkuProperties } from '../../../domain/allocation/instance-skus.js';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { InstanceSkuRecord, InstanceSkuRepository } from '../../allocation.js';
import type { NamedWrite } from '../../kernel.js';
import { pageBySeq } from '../paging.js';
import { preparedQuery } from '../prepared.js';
import { guardName } from '../named-write.js';

const skuById = preparedQuery(1, (db, id: string) => db.selectFrom('instance_skus').selectAll().where('id', '=', id));

export function toSku(row: Selectable<Database['instance_skus']>): InstanceSkuRecord {
  return { seq: row.seq, id: row.id, alias: row.alias, properties: JSON.parse(row.properties) as SkuProperties, createdAt: row.created_at };
}

export class SqlInstanceSkuRepository implements InstanceSkuRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(sku: Omit<InstanceSkuRecord, 'seq'>): Promise<NamedWrite> {
    const values = { id: sku.id, alias: sku.alias, properties: JSON.stringify(sku.properties), created_at: sku.createdAt };
    return guardName(this.adapter, () => this.trx.insertInto('instance_skus').values(values).execute());
  }

  async findById(id: string): Promise<InstanceSkuRecord | undefined> {
    const [row] = await skuById.execute(this.trx, this.adapter, id);
    return row === undefined ? undefined : toSku(row);
  }

  async list(page: PageRequest): Promise<InstanceSkuRecord[]> {
    const rows = await pageBySeq(this.trx.selectFrom('instance_skus').selectAll(), 'seq', page).execute();
    return rows.map(toSku);
  }

  async listAll(): Promise<InstanceSkuRecord[]> {
    const rows = await this.trx.selectFrom('instance_skus').selectAll().orderBy('seq', 'desc').execute();
    return rows.map(toSku);
  }
}
