// Images: the rules of their upload lifecycle (started → uploading → completed ⇄ revoked).

import { fail, type Failure, invalidField } from '../kernel/failures.js';

export type ImageUploadStatus = 'started' | 'uploading' | 'completed' | 'failed' | 'revoked';

/** The account that owns SF Compute's public images, and their workspace. */
export const publicImagesAccountId = 'sfcompute';
export const publicImagesWorkspaceName = 'public';

export const sha256Pattern = '^[a-f0-9]{64}$';

export function uploadRefusal(name: string, status: ImageUploadStatus): Failure | null {
  if (status === 'started' || status === 'uploading') return null;
  return fail('image_not_uploading', `Image "${name}" is ${status}: parts can only be added while it is uploading`);
}

export function completionRefusal(name: string, status: ImageUploadStatus, partCount: number): Failure | null {
  const refusal = uploadRefusal(name, status);
  if (refusal !== null) return refusal;
  if (partCount === 0) return fail('image_not_uploading', `Image "${name}" has no parts yet: upload at least one part before completing it`);
  return null;
}

export function readinessRefusal(name: string, status: ImageUploadStatus): Failure | null {
  if (status === 'completed') return null;
  return fail('image_not_ready', `Image "${name}" is ${status}, not completed: it cannot be used or downloaded`);
}

/** The status a revoke or reinstate leads to, or why it cannot. */
export function revocationChange(name: string, status: ImageUploadStatus, action: 'revoke' | 'reinstate'): ImageUploadStatus | Failure {
  if (action === 'revoke' && status === 'completed') return 'revoked';
  if (action === 'reinstate' && status === 'revoked') return 'completed';
  return fail('image_not_ready', `Image "${name}" is ${status}: only a ${action === 'revoke' ? 'completed' : 'revoked'} image can be ${action}d`);
}

/**
 * The images `/v1/vms/images` answers: the account's and the public ones merged oldest first,
 * the first `max` of them, and whether more were left out. Each list is given oldest first, with
 * up to `max + 1` items (as a store's page read returns), which is enough to know.
 */
export function runnableImagesList<T extends { readonly seq: number }>(own: readonly T[], common: readonly T[], max: number): { readonly images: T[]; readonly hasMore: boolean } {
  const merged = [...own, ...common].sort((a, b) => a.seq - b.seq);
  return { images: merged.slice(0, max), hasMore: merged.length > max };
}
