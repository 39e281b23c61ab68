// Instance templates: an image and a startup script to launch instances from.

import type { Kysely } from 'kysely';
import type { PageRequest } from '../../../domain/kernel/pagination.js';
import type { Tags } from '../../../domain/kernel/tags.js';
import type { Database } from '../../database.js';
import type { DialectAdapter } from '../../dialect-adapter.js';
import type { InstanceTemplateListFilter, InstanceTemplateRepository, InstanceTemplateView } from '../../compute.js';
import type { DeletedContainerContent, NamedWrite } from '../../kernel.js';
import { lockLiveRowForChange, lockLiveRowShared } from '../row-locks.js';
import { pageBySeq } from '../paging.js';
import { guardName } from '../named-write.js';

function templateViews(db: Kysely<Database>) {
  return db
    .selectFrom('instance_templates')
    .innerJoin('workspaces', 'workspaces.id', 'instance_templates.workspace_id')
    .innerJoin('images', 'images.id', 'instance_templates.image_id')
    .selectAll('instance_templates')
    .select(['workspaces.name as workspace_name', 'images.name as image_name'])
    .where('instance_templates.deleted_at', 'is', null);
}

type TemplateRow = Awaited<ReturnType<ReturnType<typeof templateViews>['execute']>>[number];

function toView(row: TemplateRow): InstanceTemplateView {
  return {
    seq: row.seq,
    id: row.id,
    accountId: row.account_id,
    workspaceId: row.workspace_id,
    workspaceName: row.workspace_name,
    name: row.name,
    imageId: row.image_id,
    imageName: row.image_name,
    cloudInitUserData: row.cloud_init_user_data,
    tags: JSON.parse(row.tags) as Tags,
    createdAt: row.created_at,
  };
}

export class SqlInstanceTemplateRepository implements InstanceTemplateRepository {
  constructor(
    private readonly trx: Kysely<Database>,
    private readonly adapter: DialectAdapter,
  ) {}

  async insert(template: Parameters<InstanceTemplateRepository['insert']>[0]): Promise<NamedWrite> {
    const values = {
      id: template.id,
      account_id: template.accountId,
      workspace_id: template.workspaceId,
      name: template.name,
      image_id: template.imageId,
      cloud_init_user_data: template.cloudInitUserData,
      tags: JSON.stringify(template.tags),
      created_at: template.createdAt,
      deleted_at: null,
    };
    return guardName(this.adapter, () => this.trx.insertInto('instance_templates').values(values).execute());
  }

  async findById(accountId: string, id: string): Promise<InstanceTemplateView | undefined> {
    const row = await templateViews(this.trx).where('instance_templates.account_id', '=', accountId).where('instance_templates.id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async findByName(workspaceId: string, name: string): Promise<InstanceTemplateView | undefined> {
    const row = await templateViews(this.trx).where('instance_templates.workspace_id', '=', workspaceId).where('instance_templates.name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toView(row);
  }

  async list(filter: InstanceTemplateListFilter, page: PageRequest): Promise<InstanceTemplateView[]> {
    let query = templateViews(this.trx).where('instance_templates.account_id', '=', filter.accountId);
    if (filter.workspaceId !== null) query = query.where('instance_templates.workspace_id', '=', filter.workspaceId);
    if (filter.ids !== null) {
      if (filter.ids.length === 0) return [];
      query = query.where('instance_templates.id', 'in', filter.ids);
    }
    return (await pageBySeq(query, 'instance_templates.seq', page).execute()).map(toView);
  }

  lockForChange(id: string): Promise<boolean> {
    return lockLiveRowForChange(this.trx, this.adapter, 'instance_templates', id);
  }

  lockLive(id: string): Promise<boolean> {
    return lockLiveRowShared(this.trx, this.adapter, 'instance_templates', id);
  }

  async liveUsersOfDeleted(): Promise<DeletedContainerContent[]> {
    const deleted = this.trx.selectFrom('instance_templates').select('id').where('deleted_at', 'is not', null);
    const rows = await this.trx.selectFrom('deployments').select(['id', 'instance_template_id']).where('instance_template_id', 'in', deleted).where('deleted_at', 'is', null).execute();
    return rows.map((row) => ({ kind: 'deployment' as const, id: row.id, containerId: row.instance_template_id }));
  }

  async softDelete(id: string, now: number): Promise<void> {
    await this.trx.updateTable('instance_templates').set({ deleted_at: now }).where('id', '=', id).execute();
  }

  async countInWorkspace(workspaceId: string): Promise<number> {
    const row = await this.trx
      .selectFrom('instance_templates')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
