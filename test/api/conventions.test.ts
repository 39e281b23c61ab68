// The conventions every route shares: the error envelope for unknown paths, wrong methods,
// malformed and oversized bodies; the served OpenAPI document and the browsable reference.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestBodyBytesMax } from '../../src/domain/kernel/limits.js';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe.each(testDialects)('API conventions on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient;
  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('answers an unknown path with a JSON 404', async () => {
    const response = await account.get('/preview/v2/no-such-thing');
    expect(response.status).toBe(404);
    expect(response.body.error.type).toBe('not_found');
    expect(response.headers.get('content-type')).toContain('application/json');
  });

  it('answers a wrong method with 405 and the methods that are allowed', async () => {
    const response = await account.put('/preview/v2/pools', {});
    expect(response.status).toBe(405);
    expect(response.body.error.type).toBe('invalid_request_error');
    expect(response.headers.get('allow')).toBe('GET, POST');
    const onItem = await account.post('/preview/v2/pools/pool_abc', {});
    expect(onItem.status).toBe(405);
    expect(onItem.headers.get('allow')).toBe('GET, PATCH, DELETE');
  });

  it('answers malformed JSON as the operation lists: 422 on POST /preview/v2/pools (it lists no 400), and writes nothing', async () => {
    for (const text of ['{"workspace":', '{workspace: "default"}', '{"workspace":"default",}', '{"__proto__":{"x":1},"workspace":"default"}']) {
      const response = await account.raw('POST', '/preview/v2/pools', text);
      expect(response.status, text).toBe(422);
      expect(response.body.error.type).toBe('unprocessable_entity');
    }
    expect((await account.get('/preview/v2/pools')).body.data).toEqual([]);
  });

  it('answers a body over the limit with 413, and accepts one at the limit', async () => {
    const padding = (size: number) => JSON.stringify({ workspace: 'default', name: 'sized', padding: 'x'.repeat(size) });
    const overhead = padding(0).length;
    const over = await account.raw('POST', '/preview/v2/pools', padding(requestBodyBytesMax - overhead + 1));
    expect(over.status).toBe(413);
    expect(over.body.error.type).toBe('invalid_request_error');
    const at = await account.raw('POST', '/preview/v2/pools', padding(requestBodyBytesMax - overhead));
    expect(at.status).toBe(201);
  });

  it('answers a body that is not JSON with 415', async () => {
    const response = await account.raw('POST', '/preview/v2/pools', 'workspace=default', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(415);
    expect(response.body.error.type).toBe('invalid_request_error');
  });

  it('gives every response a request id', async () => {
    const response = await account.get('/preview/v2/me');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('serves its OpenAPI document, including the operator API, and a browsable reference', async () => {
    const document = await server.anonymous.get('/openapi.json');
    expect(document.status).toBe(200);
    const paths = Object.keys(document.body.paths);
    for (const path of ['/preview/v2/pools', '/preview/v2/pools/{id}', '/preview/v2/workspaces/{workspace}', '/preview/v2/me', '/v1/_healthz', '/admin/v1/accounts', '/admin/v1/accounts/{id}/tokens']) {
      expect(paths).toContain(path);
    }
    expect(document.body.paths['/admin/v1/accounts'].post.security).toEqual([{ admin_token: [] }]);
    const docs = await server.anonymous.get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.body).toContain('<html');
  });
});
