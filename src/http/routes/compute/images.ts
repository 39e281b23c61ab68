// /preview/v2/images, and the signed upload and download URLs allot serves for image bytes.

import type { AppContext } from '../../../app/kernel/context.js';
import {
  changeRevocation,
  completeImage,
  createDownloadUrl,
  createImage,
  createPartUrl,
  deleteImage,
  getImage,
  listImages,
  openDownload,
  uploadPart,
} from '../../../app/compute/images.js';
import { isFailure } from '../../../domain/kernel/failures.js';
import { type ApiServer, tags } from '../../api-server.js';
import { accountOf } from '../../auth.js';
import { sendFailure } from '../../errors.js';
import { renderDeletedImage, renderDownload, renderImage, renderListedImage, renderPartUrl, renderUploadedPart } from '../../render/compute.js';
import { respond, respondPage } from '../../respond.js';
import { IdPathParams } from '../../schemas/common.js';
import { errorResponses } from '../../schemas/errors.js';
import {
  CompleteImageRequest,
  CreateImageRequest,
  DeleteImageResponse,
  DownloadImageResponse,
  ImageResponse,
  ListImagesQuery,
  ListImagesResponse,
  SignedQuery,
  UploadPartRequest,
  UploadPartResponse,
  UploadPathParams,
} from '../../schemas/images.js';

/** The address the client reached, for the signed URLs handed back. */
export function baseUrl(request: { protocol: string; host: string }): string {
  return `${request.protocol}://${request.host}`;
}

export function registerImageRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.images] };

  app.post('/preview/v2/images', {
    config,
    schema: { ...tagged, summary: 'Start an image upload', body: CreateImageRequest, response: { 201: ImageResponse, ...errorResponses(400, 401, 403, 409) } },
  }, async (request, reply) => respond(reply, await createImage(context, accountOf(request), request.body), 201, renderImage));

  app.get('/preview/v2/images', {
    config,
    schema: { ...tagged, summary: 'List images', querystring: ListImagesQuery, response: { 200: ListImagesResponse, ...errorResponses(400, 401, 403) } },
  }, async (request, reply) => respondPage(reply, await listImages(context, accountOf(request), request.query), renderListedImage));

  app.get('/preview/v2/images/:id', {
    config,
    schema: { ...tagged, summary: 'Get image', params: IdPathParams, response: { 200: ImageResponse, ...errorResponses(401, 403, 404) } },
  }, async (request, reply) => respond(reply, await getImage(context, accountOf(request), request.params.id), 200, renderImage));

  app.delete('/preview/v2/images/:id', {
    config,
    schema: { ...tagged, summary: 'Delete image', description: 'Refused (409) while live instances or templates use it.', params: IdPathParams, response: { 200: DeleteImageResponse, ...errorResponses(401, 403, 404, 409) } },
  }, async (request, reply) => respond(reply, await deleteImage(context, accountOf(request), request.params.id), 200, renderDeletedImage));

  app.post('/preview/v2/images/:id/parts', {
    config,
    schema: { ...tagged, summary: 'Get an upload URL for a part', description: 'PUT the part\'s bytes to the URL before it expires.', params: IdPathParams, body: UploadPartRequest, response: { 200: UploadPartResponse, ...errorResponses(400, 401, 403, 404) } },
  }, async (request, reply) =>
    respond(reply, await createPartUrl(context, accountOf(request), request.params.id, request.body.part_id, baseUrl(request)), 200, renderPartUrl));

  app.post('/preview/v2/images/:id/complete', {
    config,
    schema: { ...tagged, summary: 'Complete an image upload', description: 'allot hashes the uploaded parts in order and refuses (400) a SHA-256 that does not match.', params: IdPathParams, body: CompleteImageRequest, response: { 200: ImageResponse, ...errorResponses(400, 401, 403, 404) } },
  }, async (request, reply) => respond(reply, await completeImage(context, accountOf(request), request.params.id, request.body.sha256), 200, renderImage));

  app.get('/preview/v2/images/:id/download', {
    config,
    schema: { ...tagged, summary: 'Get a download URL', params: IdPathParams, response: { 200: DownloadImageResponse, ...errorResponses(401, 403, 404, 409) } },
  }, async (request, reply) =>
    respond(reply, await createDownloadUrl(context, accountOf(request), request.params.id, baseUrl(request)), 200, renderDownload));

  for (const action of ['revoke', 'reinstate'] as const) {
    app.post(`/preview/v2/images/:id/${action}`, {
      config,
      schema: { ...tagged, summary: action === 'revoke' ? 'Revoke image' : 'Reinstate image', params: IdPathParams, response: { 200: ImageResponse, ...errorResponses(401, 403, 404, 409) } },
    }, async (request, reply) => respond(reply, await changeRevocation(context, accountOf(request), request.params.id, action), 200, renderImage));
  }

  // The signed URLs. Their signature is the authority, as with an object store's presigned URLs;
  // part bytes stream to disk whatever their content type.
  void app.register(async (signed: ApiServer) => {
    signed.addContentTypeParser('*', (_request, _payload, done) => done(null));
    signed.put('/uploads/images/:id/parts/:part_id', {
      // Not an API operation (it declares no responses): a malformed upload is a 400, as an object store's.
      config: { failureStatus: { invalid_request: 400 } },
      schema: { hide: true, params: UploadPathParams, querystring: SignedQuery },
    }, async (request, reply) => {
      const result = await uploadPart(context, { imageId: request.params.id, partId: request.params.part_id, expires: request.query.expires, signature: request.query.signature }, request.raw);
      if (isFailure(result)) return sendFailure(reply, result);
      return reply.code(200).send(renderUploadedPart(request.params.part_id, result.size));
    });
  });

  app.get('/downloads/images/:id', {
    schema: { hide: true, params: IdPathParams, querystring: SignedQuery },
  }, async (request, reply) => {
    const download = await openDownload(context, { imageId: request.params.id, expires: request.query.expires, signature: request.query.signature });
    if (isFailure(download)) return sendFailure(reply, download);
    return reply.code(200).type('application/octet-stream').header('content-length', download.size).send(download.body);
  });
}
