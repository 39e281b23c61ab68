// Images: SF Compute's public images, and the upload flow — parts PUT to signed URLs allot
// serves, completion with a SHA-256 allot verifies, download, revoke and reinstate, delete.

import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('images on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function put(url: string, bytes: Buffer) {
    return fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
  }

  async function upload(name: string, parts: Buffer[]) {
    const created = await account.post('/preview/v2/images', { workspace: 'default', name });
    expect(created.status).toBe(201);
    for (const [index, bytes] of parts.entries()) {
      const part = await account.post(`/preview/v2/images/${created.body.id}/parts`, { part_id: index + 1 });
      expect(part.status).toBe(200);
      expect((await put(part.body.url, bytes)).status).toBe(200);
    }
    return created.body;
  }

  it('lists the public images, and finds them by id, path and name', async () => {
    const listed = await account.get('/preview/v2/images?workspace=sfc:workspace:sfcompute:public');
    expect(listed.status).toBe(200);
    const names = listed.body.data.map((image: { name: string }) => image.name);
    expect(names).toEqual(expect.arrayContaining(['ubuntu-22.04-cuda-12.4', 'ubuntu-24.04-cuda-12.8']));
    const [first] = listed.body.data;
    expect(first).toMatchObject({ object: 'image', is_public: true, upload_status: 'completed', owner: 'sfcompute', workspace: 'public' });
    for (const reference of [first.id, first.id.replace('image_', 'vmi_'), first.resource_path]) {
      expect((await account.get(`/preview/v2/images/${reference}`)).body.id, reference).toBe(first.id);
    }
    const download = await account.get(`/preview/v2/images/${first.id}/download`);
    const bytes = Buffer.from(await (await fetch(download.body.url)).arrayBuffer());
    expect(bytes.length).toBe(download.body.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(download.body.sha256);
    // Not the caller's to change.
    expect((await account.post(`/preview/v2/images/${first.id}/revoke`)).status).toBe(404);
    expect((await account.delete(`/preview/v2/images/${first.id}`)).status).toBe(404);
  });

  it('uploads in parts, keeps the SHA-256 given, and serves the bytes back', async () => {
    const parts = [Buffer.alloc(300_000, 1), Buffer.from('second part'), Buffer.alloc(5, 7)];
    const image = await upload('my-image', parts);
    expect((await account.get(`/preview/v2/images/${image.id}`)).body.upload_status).toBe('uploading');
    const whole = Buffer.concat(parts);
    const sha256 = createHash('sha256').update(whole).digest('hex');

    expect((await account.get(`/preview/v2/images/${image.id}/download`)).status).toBe(409);

    const completed = await account.post(`/preview/v2/images/${image.id}/complete`, { sha256 });
    expect(completed.body).toMatchObject({ upload_status: 'completed', sha256, is_public: false, resource_path: `sfc:image:${account.accountId}:default:my-image` });
    const download = await account.get(`/preview/v2/images/${image.id}/download`);
    expect(download.body).toMatchObject({ sha256, size: whole.length });
    const fetched = await fetch(download.body.url);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(whole)).toBe(true);

    // The reference: sha256 is "not verified on upload; used during instance boot to verify
    // integrity". A hash the bytes do not have is kept as given (a guest booting from it fails).
    const other = await upload('unchecked', [Buffer.from('some bytes')]);
    const unchecked = await account.post(`/preview/v2/images/${other.id}/complete`, { sha256: 'a'.repeat(64) });
    expect(unchecked.status).toBe(200);
    expect(unchecked.body).toMatchObject({ upload_status: 'completed', sha256: 'a'.repeat(64) });

    // No more parts once completed.
    expect((await account.post(`/preview/v2/images/${image.id}/parts`, { part_id: 4 })).status).toBe(400);
    const listed = await account.get('/preview/v2/images');
    expect(listed.body.data.map((entry: { id: string }) => entry.id)).toContain(image.id);
  });

  it('re-uploading a part replaces it', async () => {
    const image = await upload('reuploaded', [Buffer.from('first try')]);
    const again = await account.post(`/preview/v2/images/${image.id}/parts`, { part_id: 1 });
    await put(again.body.url, Buffer.from('second try'));
    const sha256 = createHash('sha256').update('second try').digest('hex');
    expect((await account.post(`/preview/v2/images/${image.id}/complete`, { sha256 })).status).toBe(200);
  });

  it('refuses tampered, expired and unsigned upload URLs', async () => {
    const created = await account.post('/preview/v2/images', { workspace: 'default', name: 'guarded' });
    const part = await account.post(`/preview/v2/images/${created.body.id}/parts`, { part_id: 1 });
    const url = new URL(part.body.url);
    const tampered = new URL(url);
    tampered.pathname = url.pathname.replace('/parts/1', '/parts/2');
    expect((await put(tampered.toString(), Buffer.from('x'))).status).toBe(403);
    const unsigned = new URL(url);
    unsigned.search = '';
    expect((await put(unsigned.toString(), Buffer.from('x'))).status).toBe(400);
    await server.advance(3601);
    expect((await put(url.toString(), Buffer.from('x'))).status).toBe(403);
    expect((await account.post(`/preview/v2/images/${created.body.id}/complete`, { sha256: 'b'.repeat(64) })).status).toBe(400);
  });

  it('revokes and reinstates; a revoked image cannot be used or downloaded', async () => {
    const bytes = Buffer.from('revocable');
    const image = await upload('revocable', [bytes]);
    await account.post(`/preview/v2/images/${image.id}/complete`, { sha256: createHash('sha256').update(bytes).digest('hex') });
    const revoked = await account.post(`/preview/v2/images/${image.id}/revoke`);
    expect(revoked.body.upload_status).toBe('revoked');
    expect((await account.post(`/preview/v2/images/${image.id}/revoke`)).status).toBe(409);
    expect((await account.get(`/preview/v2/images/${image.id}/download`)).status).toBe(409);
    expect((await account.post('/preview/v2/instance_templates', { workspace: 'default', image: image.id })).status).toBe(422);
    const reinstated = await account.post(`/preview/v2/images/${image.id}/reinstate`);
    expect(reinstated.body.upload_status).toBe('completed');
    expect((await account.post(`/preview/v2/images/${image.id}/reinstate`)).status).toBe(409);
  });

  it('deletes an image nothing uses, and refuses while something does', async () => {
    const bytes = Buffer.from('deletable');
    const image = await upload('deletable', [bytes]);
    await account.post(`/preview/v2/images/${image.id}/complete`, { sha256: createHash('sha256').update(bytes).digest('hex') });
    const template = await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'deletable', name: 'uses-it' });
    expect(template.status).toBe(201);
    expect((await account.delete(`/preview/v2/images/${image.id}`)).status).toBe(409);
    expect((await account.delete('/preview/v2/instance_templates/uses-it')).status).toBe(204);
    const deleted = await account.delete(`/preview/v2/images/${image.id}`);
    expect(deleted.body).toEqual({ object: 'image', deleted: true, name: 'deletable' });
    expect((await account.get(`/preview/v2/images/${image.id}`)).status).toBe(404);
    // A workspace holding an image cannot be deleted; once it is gone, it can.
    await account.post('/preview/v2/workspaces', { name: 'images-only' });
    const kept = await account.post('/preview/v2/images', { workspace: 'images-only', name: 'keeper' });
    expect((await account.delete('/preview/v2/workspaces/images-only')).status).toBe(422);
    await account.delete(`/preview/v2/images/${kept.body.id}`);
    expect((await account.delete('/preview/v2/workspaces/images-only')).status).toBe(204);
  });

  it('refuses malformed requests and other accounts', async () => {
    expect((await account.post('/preview/v2/images', { name: 'no-workspace' })).status).toBe(400);
    const image = await account.post('/preview/v2/images', { workspace: 'default', name: 'mine-alone' });
    expect((await account.post('/preview/v2/images', { workspace: 'default', name: 'mine-alone' })).status).toBe(409);
    expect((await account.post(`/preview/v2/images/${image.body.id}/parts`, { part_id: 0 })).status).toBe(400);
    expect((await account.post(`/preview/v2/images/${image.body.id}/complete`, { sha256: 'XYZ' })).status).toBe(400);
    const other = await server.newAccount();
    expect((await other.get(`/preview/v2/images/${image.body.id}`)).status).toBe(404);
    expect((await other.post(`/preview/v2/images/${image.body.id}/parts`, { part_id: 1 })).status).toBe(404);
    expect((await other.get(`/preview/v2/images?workspace=sfc:workspace:${account.accountId}:default`)).status).toBe(400);
  });
});
