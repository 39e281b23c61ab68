// Images: public ones (in the `sfcompute` account's `public` workspace) and each account's
// uploads, with the parts uploaded so far. The bytes live in the blob store, not here.

import type { Kysely } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { ImageUploadStatus } from '../../../domain/compute/images.js';
import type { ImageListFilter, ImageRepository, ImageView } from '../../compute.js';
import type { DeletedContainerContent, NamedWrite } from '../../kernel.js';
import { lockLiveRowForChange, lockLiveRowShared } from '../row-locks.js';
import { pageBySeq } from '../paging.js';
import { preparedQuery } from '../prepared.js';
import { guardName } from '../named-write.js';

function imageViews(db: Kysely<Database>) {
  return db
    .selectFrom('images')
    .innerJoin('workspaces', 'workspaces.id', 'images.workspace_id')
    .selectAll('images')
    .select('workspaces.name as workspace_name')
    .where('images.deleted_at', 'is', null);
}

const imageById = preparedQuery(1, (db, id: string) => imageViews(db).where('images.id', '=', id));

type ImageRow = Awaited<ReturnType<ReturnType<typeof imageViews>['execute']>>[number];

function toView(row: ImageRow): ImageView {
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    name: row.name,
    uploadStatus: row.upload_status as ImageUploadStatus,
    sha256: row.sha256,
    size: row.size,
    isPublic: row.is_public === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlImageRepository implements ImageRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(image: Parameters<ImageRepository['insert']>[0]): Promise<NamedWrite> {
    const values = {
      id: image.id,
      account_id: image.accountId,
      workspace_id: image.workspaceId,
      name: image.name,
      upload_status: image.uploadStatus,
      sha256: image.sha256,
      size: image.size,
      is_public: image.isPublic ? 1 : 0,
      created_at: image.createdAt,
      updated_at: image.updatedAt,
      deleted_at: null,
    };
    return guardName(this.adapter, () => this.trx.insertInto('images').values(values).execute());
  }

  async findById(id: string): Promise<ImageView | undefined> {
    const [row] = await imageById.execute(this.trx, this.adapter, id);
    return row === undefined ? undefined : toView(row);
  }

  async findByName(workspaceId: string, name: string): Promise<ImageView | undefined> {
    const row = await imageViews(this.trx).where('images.workspace_id', '=', workspaceId).where('images.name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async list(filter: ImageListFilter, page: PageRequest): Promise<ImageView[]> {
    let query = imageViews(this.trx).where('images.workspace_id', '=', filter.workspaceId);
    if (filter.ids !== null) {
      if (filter.ids.length === 0) return [];
      query = query.where('images.id', 'in', filter.ids);
    }
    return (await pageBySeq(query, 'images.seq', page).execute()).map(toView);
  }

  async update(id: string, changes: Parameters<ImageRepository['update']>[1]): Promise<void> {
    const set: { upload_status?: string; sha256?: string | null; size?: number | null; updated_at: number } = { updated_at: changes.updatedAt };
    if (changes.uploadStatus !== undefined) set.upload_status = changes.uploadStatus;
    if (changes.sha256 !== undefined) set.sha256 = changes.sha256;
    if (changes.size !== undefined) set.size = changes.size;
    await this.trx.updateTable('images').set(set).where('id', '=', id).execute();
  }

  lockForChange(id: string): Promise<boolean> {
    return lockLiveRowForChange(this.trx, this.adapter, 'images', id);
  }

  lockLive(id: string): Promise<boolean> {
    return lockLiveRowShared(this.trx, this.adapter, 'images', id);
  }

  async softDelete(id: string, now: number): Promise<void> {
    await this.trx.updateTable('images').set({ deleted_at: now }).where('id', '=', id).execute();
  }

  async savePart(imageId: string, partId: number, size: number): Promise<void> {
    await this.trx
      .insertInto('image_parts')
      .values({ image_id: imageId, part_id: partId, size })
      .onConflict((oc) => oc.columns(['image_id', 'part_id']).doUpdateSet({ size }))
      .execute();
  }

  async parts(imageId: string): Promise<{ readonly partId: number; readonly size: number }[]> {
    const rows = await this.trx.selectFrom('image_parts').select(['part_id', 'size']).where('image_id', '=', imageId).orderBy('part_id').execute();
    return rows.map((row) => ({ partId: row.part_id, size: row.size }));
  }

  async liveUsersOfDeleted(): Promise<DeletedContainerContent[]> {
    const deleted = this.trx.selectFrom('images').select('id').where('deleted_at', 'is not', null);
    const instances = await this.trx.selectFrom('instances').select(['id', 'image_id']).where('image_id', 'in', deleted).where('status', 'in', ['awaiting_allocation', 'running']).where('deleted_at', 'is', null).execute();
    const templates = await this.trx.selectFrom('instance_templates').select(['id', 'image_id']).where('image_id', 'in', deleted).where('deleted_at', 'is', null).execute();
    return [...instances.map((row) => ({ kind: 'instance' as const, id: row.id, containerId: row.image_id })), ...templates.map((row) => ({ kind: 'instance template' as const, id: row.id, containerId: row.image_id }))];
  }

  async countUsers(imageId: string): Promise<number> {
    const instances = await this.trx
      .selectFrom('instances')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('image_id', '=', imageId)
      .where('status', 'in', ['awaiting_allocation', 'running'])
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    const templates = await this.trx
      .selectFrom('instance_templates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('image_id', '=', imageId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(instances.n) + Number(templates.n);
  }

  async countInWorkspace(workspaceId: string): Promise<number> {
    const row = await this.trx.selectFrom('images').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
