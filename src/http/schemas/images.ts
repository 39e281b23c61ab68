// Images (`/preview/v2/images`), after SF Compute's schemas.

import Type from 'typebox';
import { sha256Pattern } from '../../domain/compute/images.js';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import { IdOf, ListOf, Name, Nullable, PageQuery, Reference, Repeated, UnixEpoch } from './common.js';

const UploadStatus = Type.Union(['started', 'uploading', 'completed', 'failed', 'revoked'].map((status) => Type.Literal(status)));
const Sha256 = Type.String({ pattern: sha256Pattern, description: 'Lowercase hex SHA-256.' });

const imageFields = {
  object: Type.Literal('image'),
  id: IdOf('image'),
  resource_path: Type.String({ description: 'sfc:image:<account>:<workspace>:<name>' }),
  owner: Name,
  workspace: Name,
  workspace_id: IdOf('wksp'),
  name: Name,
  is_public: Type.Boolean({ description: 'Whether this is one of SF Compute\'s public images.' }),
  upload_status: UploadStatus,
  sha256: Nullable(Sha256),
  created_at: UnixEpoch,
};

export const ImageResponse = Type.Object(imageFields);
export const ImageListEntry = Type.Object({ ...imageFields, provider: Nullable(Type.String()) });
export const ListImagesResponse = ListOf(ImageListEntry, cursorPrefixes.images);

export const ListImagesQuery = Type.Object({
  workspace: Type.Optional(Reference('The workspace to list: yours, or sfc:workspace:sfcompute:public for SF Compute\'s public images. Your default workspace when absent.')),
  id: Repeated(Type.String(), 'Only these images (repeatable).'),
  ...PageQuery(cursorPrefixes.images),
});

export const CreateImageRequest = Type.Object({
  workspace: Reference('The workspace to create the image in.'),
  name: Type.Optional(Nullable(Name)),
});

export const UploadPartRequest = Type.Object({ part_id: Type.Integer({ minimum: 1, maximum: 10_000, description: 'Part number, from 1.' }) });
export const UploadPartResponse = Type.Object({ url: Type.String({ description: 'Where to PUT the part\'s bytes (application/octet-stream).' }), expires_at: UnixEpoch });
export const CompleteImageRequest = Type.Object({ sha256: Sha256 });
export const DownloadImageResponse = Type.Object({ url: Type.String(), expires_at: UnixEpoch, sha256: Sha256, size: Type.Integer({ minimum: 0 }) });
export const DeleteImageResponse = Type.Object({ object: Type.Literal('image'), deleted: Type.Boolean(), name: Name });

export const SignedQuery = Type.Object({ expires: Type.Integer(), signature: Type.String() });
export const UploadPathParams = Type.Object({ id: Type.String(), part_id: Type.Integer({ minimum: 1 }) });
