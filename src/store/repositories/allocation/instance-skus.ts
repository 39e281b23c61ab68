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
import type { RememberedCatalog } from '../../remembered-catalog.js';

const skuById = preparedQuery(1, (db, id: string) => db.selectFrom('instance_skus').selectAll().where('id', '=', id));

export function toSku(row: Selectable<Database['instance_skus']>): InstanceSkuRecord {
  return { seq: row.seq, id: row.id, alias: row.alias, properties: JSON.parse(row.properties) as SkuProperties, createdAt: row.created_at };
}

export class SqlInstanceSkuRepository implements InstanceSkuRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
    /** SKUs remembered between transactions (SQLite only), and what is told of each write. */
    private readonly catalog: RememberedCatalog | null,
    private readonly writes: (what: 'catalog') => void,
  ) {}

  async insert(sku: Omit<InstanceSkuRecord, 'seq'>): Promise<NamedWrite> {
    this.writes('catalog');
    const values = { id: sku.id, alias: sku.alias, properties: JSON.stringify(sku.properties), created_at: sku.createdAt };
    return guardName(this.adapter, () => this.trx.insertInto('instance_skus').values(values).execute());
  }

  async findById(id: string): Promise<InstanceSkuRecord | undefined> {
    const key = `instance sku ${id}`;
    const remembered = this.catalog?.get<InstanceSkuRecord>(key);
    if (remembered !== undefined) return remembered;
    const mark = this.catalog?.mark ?? -1;
    const [row] = await skuById.execute(this.trx, this.adapter, id);
    if (row === undefined) return undefined;
    const sku = toSku(row);
    this.catalog?.remember(mark, key, sku);
    return sku;
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
