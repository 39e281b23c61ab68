// Images: SF Compute's public images, and each account's uploads. An upload is created, its
// parts are PUT to signed URLs allot serves, and it is completed with the SHA-256 of the whole,
// which allot verifies. Completed images can be downloaded, revoked and reinstated, and deleted
// when nothing uses them.

import type { Readable } from 'node:stream';
import { changeRevocationOperation, completeImageOperation, createDownloadUrlOperation, createImageOperation, createPartUrlOperation, deleteImageOperation, getImageOperation, listImagesOperation, openDownloadOperation, uploadPartOperation } from '../../domain/compute/operations.js';
import { declaring } from '../kernel/declaring.js';
import { defaultWorkspaceName } from '../../domain/tenancy/accounts.js';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { parseId } from '../../domain/kernel/ids.js';
import {
  completionRefusal,
  publicImagesAccountId,
  publicImagesWorkspaceName,
  readinessRefusal,
  revocationChange,
  runnableImagesList,
  uploadRefusal,
} from '../../domain/compute/images.js';
import { imageBytesMax, signedUrlLifetimeSeconds, vmImagesListMax } from '../../domain/kernel/limits.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { parseReference, resourceTypes } from '../../domain/kernel/resource-paths.js';
import type { ImageView } from '../../store/compute.js';
import { TransientConflict, type Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';
import { type AppContext, newId, newName } from '../kernel/context.js';
import { signPath, verifySignedPath } from './signed-urls.js';
import { lockWorkspaceForAdding, resolveWorkspace } from '../tenancy/workspaces.js';
import { createHash } from 'node:crypto';

/** The images every database has: SF Compute's public ones. */
export const publicImages = [{ name: 'ubuntu-22.04-cuda-12.4' }, { name: 'ubuntu-24.04-cuda-12.8' }] as const;

/** The bytes of a public image: allot simulates its machines, so its images are placeholders. */
function publicImageBytes(name: string): Buffer {
  return Buffer.from(`allot simulated machine image: ${name}\n`);
}

function imageNotFound(reference: string): Failure {
  return fail('image_not_found', `No image "${reference}"`);
}

/**
 * Creates the `sfcompute` account's public workspace and images, if missing. Idempotent; when
 * processes starting at once race to create them, the loser's attempt fails on a unique index and
 * its retry finds them there.
 */
export async function ensurePublicImages(context: AppContext): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createPublicImages(context);
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function createPublicImages(context: AppContext): Promise<void> {
  const now = context.clock.now();
  await context.store.transaction(async (tx) => {
    if ((await tx.accounts.find(publicImagesAccountId)) === undefined) {
      const defaultWorkspace = { id: newId(context, 'workspace'), accountId: publicImagesAccountId, name: defaultWorkspaceName, createdAt: now };
      await tx.accounts.insert({ id: publicImagesAccountId, name: 'SF Compute', defaultWorkspaceId: defaultWorkspace.id, createdAt: now });
      await tx.workspaces.insert(defaultWorkspace);
    }
    let workspace = await tx.workspaces.findByName(publicImagesAccountId, publicImagesWorkspaceName);
    if (workspace === undefined) {
      await tx.workspaces.insert({ id: newId(context, 'workspace'), accountId: publicImagesAccountId, name: publicImagesWorkspaceName, createdAt: now });
      workspace = (await tx.workspaces.findByName(publicImagesAccountId, publicImagesWorkspaceName))!;
    }
    for (const image of publicImages) {
      if ((await tx.images.findByName(workspace.id, image.name)) !== undefined) continue;
      const bytes = publicImageBytes(image.name);
      await tx.images.insert({
        id: newId(context, 'image'),
        accountId: publicImagesAccountId,
        workspaceId: workspace.id,
        name: image.name,
        uploadStatus: 'completed',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        size: bytes.length,
        isPublic: true,
        createdAt: now,
        updatedAt: now,
      });
    }
  });
}

async function publicWorkspace(tx: Tx): Promise<WorkspaceRecord | undefined> {
  return tx.workspaces.findByName(publicImagesAccountId, publicImagesWorkspaceName);
}

/** A workspace to list images of: one of the caller's, or the public one. */
async function resolveImageWorkspace(tx: Tx, accountId: string, reference: string): Promise<WorkspaceRecord | Failure> {
  const parsed = parseReference(resourceTypes.workspace, reference, true);
  if (parsed?.by === 'path' && parsed.account === publicImagesAccountId && parsed.name === publicImagesWorkspaceName) {
    return (await publicWorkspace(tx)) ?? fail('workspace_not_found', `No workspace "${reference}"`);
  }
  return resolveWorkspace(tx, accountId, reference);
}

/**
 * `resolveImage` for something that will use the image (an instance, a template, a v1 node's
 * VM): refused unless its upload is complete, and locked shared until the transaction ends, so
 * that a deletion cannot slip between the check and the use (the deletion locks it for change
 * and counts its users). An image deleted by a transaction that committed first throws
 * `TransientConflict`; the retry finds no image.
 */
export async function resolveImageForUse(tx: Tx, accountId: string, reference: string): Promise<ImageView | Failure> {
  const image = await resolveImage(tx, accountId, reference);
  if (isFailure(image)) return image;
  const notReady = readinessRefusal(image.name, image.uploadStatus);
  if (notReady !== null) return notReady;
  if (!(await tx.images.lockLive(image.id))) throw new TransientConflict(`Image ${image.id} was deleted while something was made from it`);
  return image;
}

/**
 * Finds an image the caller may use: its own, or a public one; by id, resource path, or bare
 * name (looked up in the caller's default workspace, then among the public images).
 */
export async function resolveImage(tx: Tx, accountId: string, reference: string): Promise<ImageView | Failure> {
  const parsed = parseReference(resourceTypes.image, reference, true);
  let image: ImageView | undefined;
  if (parsed?.by === 'id') image = await tx.images.findById(parsed.id);
  else if (parsed?.by === 'path') {
    if (parsed.account === accountId || parsed.account === publicImagesAccountId) {
      const workspace = await tx.workspaces.findByName(parsed.account, parsed.workspace!);
      image = workspace === undefined ? undefined : await tx.images.findByName(workspace.id, parsed.name);
    }
  } else if (parsed?.by === 'name') {
    const account = (await tx.accounts.find(accountId))!;
    image = await tx.images.findByName(account.defaultWorkspaceId, parsed.name);
    const shared = image === undefined ? await publicWorkspace(tx) : undefined;
    if (shared !== undefined) image = await tx.images.findByName(shared.id, parsed.name);
  }
  if (image === undefined || !(image.accountId === accountId || image.isPublic)) return imageNotFound(reference);
  return image;
}

/** An image the caller owns, for changing it; public images are not the caller's to change. */
async function resolveOwnImage(tx: Tx, accountId: string, reference: string): Promise<ImageView | Failure> {
  const image = await resolveImage(tx, accountId, reference);
  if (isFailure(image)) return image;
  return image.accountId === accountId ? image : imageNotFound(reference);
}

export const createImage = declaring(createImageOperation, async function createImage(context: AppContext, accountId: string, input: { workspace: string; name?: string | null | undefined }): Promise<ImageView | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const workspace = await resolveWorkspace(tx, accountId, input.workspace);
    if (isFailure(workspace)) return workspace;
    await lockWorkspaceForAdding(tx, workspace.id);
    const name = input.name ?? newName(context);
    const taken = fail('name_taken', `An image named "${name}" already exists in workspace "${workspace.name}"`);
    if ((await tx.images.findByName(workspace.id, name)) !== undefined) return taken;
    const id = newId(context, 'image');
    const image = { id, accountId, workspaceId: workspace.id, name, uploadStatus: 'started' as const, sha256: null, size: null, isPublic: false, createdAt: now, updatedAt: now };
    if ((await tx.images.insert(image)) === 'name_taken') return taken;
    return (await tx.images.findById(id))!;
  });
});

export const getImage = declaring(getImageOperation, async function getImage(context: AppContext, accountId: string, reference: string): Promise<ImageView | Failure> {
  return context.store.read((tx) => resolveImage(tx, accountId, reference));
});

export const listImages = declaring(listImagesOperation, async function listImages(context: AppContext, accountId: string, input: PageQuery & { workspace?: string | undefined; id?: readonly string[] | undefined }): Promise<Page<ImageView> | Failure> {
  const page = parsePageQuery(cursorPrefixes.images, input);
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    const account = (await tx.accounts.find(accountId))!;
    const workspace = await resolveImageWorkspace(tx, accountId, input.workspace ?? account.defaultWorkspaceId);
    if (isFailure(workspace)) return workspace;
    const ids = input.id === undefined || input.id.length === 0 ? null : input.id.map((id) => parseId('image', id)).filter((id): id is string => id !== null);
    const rows = await tx.images.list({ workspaceId: workspace.id, ids }, page);
    return toPage(cursorPrefixes.images, page, rows);
  });
});

/** The images the account's VMs may run, oldest first: its default workspace's and the public
 * ones (`/v1/vms/images`), up to `vmImagesListMax`, saying whether more were left out. */
export async function listRunnableImages(context: AppContext, accountId: string): Promise<{ readonly images: ImageView[]; readonly hasMore: boolean }> {
  return context.store.read(async (tx) => {
    const account = (await tx.accounts.find(accountId))!;
    const shared = await publicWorkspace(tx);
    // Oldest first; the page read takes one more than asked, so that a cut is known.
    const oldest = { direction: 'newer' as const, boundarySeq: null, limit: vmImagesListMax };
    const own = await tx.images.list({ workspaceId: account.defaultWorkspaceId, ids: null }, oldest);
    const common = shared === undefined ? [] : await tx.images.list({ workspaceId: shared.id, ids: null }, oldest);
    return runnableImagesList(own, common, vmImagesListMax);
  });
}

const partPath = (imageId: string, partId: number) => `/uploads/images/${imageId}/parts/${partId}`;
const downloadPath = (imageId: string) => `/downloads/images/${imageId}`;

export const createPartUrl = declaring(createPartUrlOperation, async function createPartUrl(context: AppContext, accountId: string, reference: string, partId: number, baseUrl: string): Promise<{ url: string; expiresAt: number } | Failure> {
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const image = await resolveOwnImage(tx, accountId, reference);
    if (isFailure(image)) return image;
    const refusal = uploadRefusal(image.name, image.uploadStatus);
    if (refusal !== null) return refusal;
    const expiresAt = now + signedUrlLifetimeSeconds;
    return { url: baseUrl + signPath(context.urlSigningKey, partPath(image.id, partId), expiresAt), expiresAt };
  });
});

/** Stores one part PUT to a signed URL. The URL's signature is the authority. */
export const uploadPart = declaring(uploadPartOperation, async function uploadPart(
  context: AppContext,
  upload: { imageId: string; partId: number; expires: number; signature: string },
  body: Readable,
): Promise<{ size: number } | Failure> {
  const now = context.clock.now();
  if (!verifySignedPath(context.urlSigningKey, partPath(upload.imageId, upload.partId), upload.expires, upload.signature, now)) {
    return fail('upload_url_invalid', 'This upload URL is invalid or has expired: ask for a new one');
  }
  const state = await context.store.read(async (tx) => {
    const image = await tx.images.findById(upload.imageId);
    if (image === undefined) return imageNotFound(upload.imageId);
    const refusal = uploadRefusal(image.name, image.uploadStatus);
    if (refusal !== null) return refusal;
    const otherParts = (await tx.images.parts(image.id)).filter((part) => part.partId !== upload.partId);
    return { otherBytes: otherParts.reduce((sum, part) => sum + part.size, 0) };
  });
  if (isFailure(state)) return state;
  const written = await context.blobs.writePart(upload.imageId, upload.partId, body, imageBytesMax - state.otherBytes);
  if (written === 'too_large') return fail('image_too_large', `An image may be at most ${imageBytesMax} bytes (128 GiB)`);
  await context.store.transaction(async (tx) => {
    await tx.images.savePart(upload.imageId, upload.partId, written.size);
    await tx.images.update(upload.imageId, { uploadStatus: 'uploading', updatedAt: now });
  });
  return written;
});

export const completeImage = declaring(completeImageOperation, async function completeImage(context: AppContext, accountId: string, reference: string, sha256: string): Promise<ImageView | Failure> {
  const found = await context.store.read(async (tx) => {
    const image = await resolveOwnImage(tx, accountId, reference);
    if (isFailure(image)) return image;
    const parts = await tx.images.parts(image.id);
    const refusal = completionRefusal(image.name, image.uploadStatus, parts.length);
    return refusal ?? { image, parts };
  });
  if (isFailure(found)) return found;
  // The reference: sha256 is "not verified on upload; used during instance boot to verify
  // integrity". So the hash given is kept as it is, and a guest booting from the image checks
  // its bytes against it. Reading the parts gives the image's size.
  const actual = await context.blobs.hashParts(found.image.id, found.parts.map((part) => part.partId));
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const image = (await tx.images.findById(found.image.id))!;
    const refusal = uploadRefusal(image.name, image.uploadStatus);
    if (refusal !== null) return refusal;
    await tx.images.update(image.id, { uploadStatus: 'completed', sha256, size: actual.size, updatedAt: now });
    return (await tx.images.findById(image.id))!;
  });
});

export const createDownloadUrl = declaring(createDownloadUrlOperation, async function createDownloadUrl(context: AppContext, accountId: string, reference: string, baseUrl: string): Promise<{ image: ImageView; url: string; expiresAt: number; sha256: string; size: number } | Failure> {
  const now = context.clock.now();
  return context.store.read(async (tx) => {
    const image = await resolveImage(tx, accountId, reference);
    if (isFailure(image)) return image;
    const refusal = readinessRefusal(image.name, image.uploadStatus);
    if (refusal !== null) return refusal;
    const expiresAt = now + signedUrlLifetimeSeconds;
    return { image, url: baseUrl + signPath(context.urlSigningKey, downloadPath(image.id), expiresAt), expiresAt, sha256: image.sha256!, size: image.size! };
  });
});

/** A signed download URL of an image's bytes, for whoever is handed it (a fleet's agent booting it). */
export function signedImageDownloadUrl(context: AppContext, imageId: string, baseUrl: string, now: number): { readonly url: string; readonly expiresAt: number } {
  const expiresAt = now + signedUrlLifetimeSeconds;
  return { url: baseUrl + signPath(context.urlSigningKey, downloadPath(imageId), expiresAt), expiresAt };
}

/** The bytes behind a signed download URL. */
export const openDownload = declaring(openDownloadOperation, async function openDownload(context: AppContext, download: { imageId: string; expires: number; signature: string }): Promise<{ body: Readable | Buffer; size: number } | Failure> {
  const now = context.clock.now();
  if (!verifySignedPath(context.urlSigningKey, downloadPath(download.imageId), download.expires, download.signature, now)) {
    return fail('upload_url_invalid', 'This download URL is invalid or has expired: ask for a new one');
  }
  return context.store.read(async (tx) => {
    const image = await tx.images.findById(download.imageId);
    if (image === undefined) return imageNotFound(download.imageId);
    const refusal = readinessRefusal(image.name, image.uploadStatus);
    if (refusal !== null) return refusal;
    if (image.isPublic) return { body: publicImageBytes(image.name), size: image.size! };
    const parts = await tx.images.parts(image.id);
    return { body: context.blobs.readParts(image.id, parts.map((part) => part.partId)), size: image.size! };
  });
});

export const changeRevocation = declaring(changeRevocationOperation, async function changeRevocation(context: AppContext, accountId: string, reference: string, action: 'revoke' | 'reinstate'): Promise<ImageView | Failure> {
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    const image = await resolveOwnImage(tx, accountId, reference);
    if (isFailure(image)) return image;
    const status = revocationChange(image.name, image.uploadStatus, action);
    if (typeof status !== 'string') return status;
    await tx.images.update(image.id, { uploadStatus: status, updatedAt: now });
    return (await tx.images.findById(image.id))!;
  });
});

export const deleteImage = declaring(deleteImageOperation, async function deleteImage(context: AppContext, accountId: string, reference: string): Promise<{ name: string } | Failure> {
  const now = context.clock.now();
  const deleted = await context.store.transaction(async (tx) => {
    const image = await resolveOwnImage(tx, accountId, reference);
    if (isFailure(image)) return image;
    // Under the image's lock, so that nothing starts using it between the count and the deletion.
    if (!(await tx.images.lockForChange(image.id))) throw new TransientConflict(`Image ${image.id} was deleted meanwhile`);
    const users = await tx.images.countUsers(image.id);
    if (users > 0) return fail('image_in_use', `Image "${image.name}" is used by ${users} live instance(s) or template(s)`);
    await tx.images.softDelete(image.id, now);
    return image;
  });
  if (isFailure(deleted)) return deleted;
  await context.blobs.deleteImage(deleted.id);
  return { name: deleted.name };
});
