// Instance templates: an image and a startup script (and tags) to launch instances from;
// deployments create their instances from one.

import { checkCloudInit } from '../../domain/compute/cloud-init.js';
import { createInstanceTemplateOperation, deleteInstanceTemplateOperation, getInstanceTemplateOperation, listInstanceTemplatesOperation } from '../../domain/compute/operations.js';
import { declaring } from '../kernel/declaring.js';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { resourceTypes } from '../../domain/kernel/resource-paths.js';
import type { Tags } from '../../domain/kernel/tags.js';
import type { InstanceTemplateView } from '../../store/compute.js';
import { TransientConflict, type Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { resolveImageForUse } from './images.js';
import { resolveEach, resolveScoped } from '../tenancy/references.js';
import { lockWorkspaceForAdding, resolveWorkspace, resolveWorkspaceFilter } from '../tenancy/workspaces.js';

function templateNotFound(reference: string): Failure {
  return fail('instance_template_not_found', `No instance template "${reference}"`);
}

/** Finds one of the account's templates by id, resource path or name (see app/tenancy/references.ts). */
export async function resolveInstanceTemplate(tx: Tx, accountId: string, reference: string, workspace?: WorkspaceRecord): Promise<InstanceTemplateView | Failure> {
  const template = await resolveScoped(tx, accountId, reference, resourceTypes.instanceTemplate, {
    byId: (id) => tx.instanceTemplates.findById(accountId, id),
    byName: (workspaceId, name) => tx.instanceTemplates.findByName(workspaceId, name),
  }, workspace);
  return template ?? templateNotFound(reference);
}

/**
 * `resolveInstanceTemplate` for a deployment that will use it: locked shared until the
 * transaction ends, against its deletion (which locks it for change and counts the deployments
 * using it). A template deleted by a transaction that committed first throws
 * `TransientConflict`; the retry finds no template.
 */
export async function resolveInstanceTemplateForUse(tx: Tx, accountId: string, reference: string): Promise<InstanceTemplateView | Failure> {
  const template = await resolveInstanceTemplate(tx, accountId, reference);
  if (isFailure(template)) return template;
  if (!(await tx.instanceTemplates.lockLive(template.id))) throw new TransientConflict(`Instance template ${template.id} was deleted while a deployment was made to use it`);
  return template;
}

export interface CreateInstanceTemplateInput {
  readonly workspace: string;
  readonly image: string;
  readonly name?: string | null | undefined;
  readonly tags?: Tags | null | undefined;
  readonly cloud_init_user_data?: string | undefined;
}

export const createInstanceTemplate = declaring(createInstanceTemplateOperation, async function createInstanceTemplate(context: AppContext, accountId: string, input: CreateInstanceTemplateInput): Promise<InstanceTemplateView | Failure> {
  const cloudInit = input.cloud_init_user_data === undefined ? null : checkCloudInit(input.cloud_init_user_data, 'cloud_init_user_data');
  if (isFailure(cloudInit)) return cloudInit;
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const workspace = await resolveWorkspace(tx, accountId, input.workspace);
    if (isFailure(workspace)) return workspace;
    return insertInstanceTemplate(context, tx, workspace, { name: input.name, image: input.image, cloudInit, tags: input.tags }, now);
  });
});

/** Creates a template in the caller's transaction (v1 autoreserved nodes keep theirs in one); the script is checked already. */
export async function insertInstanceTemplate(
  context: AppContext,
  tx: Tx,
  workspace: WorkspaceRecord,
  input: { readonly name?: string | null | undefined; readonly image: string; readonly cloudInit: string | null; readonly tags?: Tags | null | undefined },
  now: number,
): Promise<InstanceTemplateView | Failure> {
  const image = await resolveImageForUse(tx, workspace.accountId, input.image);
  if (isFailure(image)) return image;
  await lockWorkspaceForAdding(tx, workspace.id);
  const name = input.name ?? newName(context);
  const taken = fail('name_taken', `An instance template named "${name}" already exists in workspace "${workspace.name}"`);
  if ((await tx.instanceTemplates.findByName(workspace.id, name)) !== undefined) return taken;
  const id = newId(context, 'instanceTemplate');
  const template = { id, accountId: workspace.accountId, workspaceId: workspace.id, name, imageId: image.id, cloudInitUserData: input.cloudInit, tags: input.tags ?? {}, createdAt: now };
  if ((await tx.instanceTemplates.insert(template)) === 'name_taken') return taken;
  return (await tx.instanceTemplates.findById(workspace.accountId, id))!;
}

export const getInstanceTemplate = declaring(getInstanceTemplateOperation, async function getInstanceTemplate(context: AppContext, accountId: string, reference: string): Promise<InstanceTemplateView | Failure> {
  return context.store.read((tx) => resolveInstanceTemplate(tx, accountId, reference));
});

export const listInstanceTemplates = declaring(listInstanceTemplatesOperation, async function listInstanceTemplates(
  context: AppContext,
  accountId: string,
  input: PageQuery & { workspace?: string | undefined; id?: readonly string[] | undefined },
): Promise<Page<InstanceTemplateView> | Failure> {
  const page = parsePageQuery(cursorPrefixes.instanceTemplates, input);
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    const workspace = await resolveWorkspaceFilter(tx, accountId, input.workspace);
    if (isFailure(workspace)) return workspace;
    const ids = await resolveEach(input.id, (reference) => resolveInstanceTemplate(tx, accountId, reference, workspace));
    const rows = await tx.instanceTemplates.list({ accountId, workspaceId: workspace?.id ?? null, ids }, page);
    return toPage(cursorPrefixes.instanceTemplates, page, rows);
  });
});

export const deleteInstanceTemplate = declaring(deleteInstanceTemplateOperation, async function deleteInstanceTemplate(context: AppContext, accountId: string, reference: string): Promise<null | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const template = await resolveInstanceTemplate(tx, accountId, reference);
    if (isFailure(template)) return template;
    // Under the template's lock, so that no deployment takes it up between the count and the deletion.
    if (!(await tx.instanceTemplates.lockForChange(template.id))) throw new TransientConflict(`Instance template ${template.id} was deleted meanwhile`);
    const users = await tx.deployments.countUsingTemplate(template.id);
    if (users > 0) return fail('instance_template_in_use', `Instance template "${template.name}" is used by ${users} deployment(s)`);
    await tx.instanceTemplates.softDelete(template.id, now);
    return null;
  });
});
