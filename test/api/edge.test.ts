// The edge of the server: every answer, including Fastify's and Node's own refusals (malformed
// URLs, over-long path parameters, malformed HTTP, HEAD, unknown methods, wrong media types), is
// SF Compute's error envelope with an x-request-id, which names the caller's own id when it
// gives a sound one; long echoed input is cut. And one log line per request.

import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeCountMax, pathParameterLengthMax, requestIdLengthMax } from '../../src/domain/kernel/limits.js';
import { echoedInputLengthMax } from '../../src/domain/kernel/limits.js';
import type { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

/** Sends raw bytes on a fresh connection and returns what came back before the server closed it. */
function rawExchange(baseUrl: string, text: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = connect(Number(port), hostname, () => socket.write(text));
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

function parseRawResponse(text: string): { status: number; headers: Map<string, string>; body: any } {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head!.split('\r\n');
  const headers = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(rest.join('\r\n\r\n')) };
}

describe.each(testDialects)('the HTTP edge on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  it('keeps a sound incoming x-request-id, echoes it and names it in error bodies', async () => {
    const found = await account.get('/preview/v2/me', { 'x-request-id': 'trace-42.a:b/c' });
    expect(found.headers.get('x-request-id')).toBe('trace-42.a:b/c');
    const missing = await account.get('/preview/v2/pools/nope', { 'x-request-id': 'trace-43' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBe('trace-43');
    expect(missing.body.error.request_id).toBe('trace-43');
  });

  it('replaces an incoming x-request-id that is too long or has unsafe characters', async () => {
    for (const given of ['x'.repeat(requestIdLengthMax + 1), 'has space', 'quote"d', 'ünï']) {
      const response = await account.get('/preview/v2/pools/nope', { 'x-request-id': given });
      expect(response.headers.get('x-request-id'), given).toMatch(/^req_/);
      expect(response.body.error.request_id).toBe(response.headers.get('x-request-id'));
    }
    const atLimit = 'y'.repeat(requestIdLengthMax);
    expect((await account.get('/preview/v2/me', { 'x-request-id': atLimit })).headers.get('x-request-id')).toBe(atLimit);
  });

  it('names the request in every kind of error body', async () => {
    const answers = [
      await account.get('/preview/v2/no-such-thing'),
      await account.put('/preview/v2/pools', {}),
      await account.raw('POST', '/preview/v2/pools', '{"workspace":'),
      await account.post('/preview/v2/pools', { workspace: 7 }),
      await server.anonymous.get('/preview/v2/pools'),
    ];
    for (const answer of answers) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.body.error.request_id).toMatch(/^req_/);
      expect(answer.body.error.request_id).toBe(answer.headers.get('x-request-id'));
    }
  });

  it('reads and renames a pool with a 255-character name by name and by resource path', async () => {
    const name = `p${'n'.repeat(254)}`;
    const created = await account.post('/preview/v2/pools', { workspace: 'default', name });
    expect(created.status).toBe(201);
    const resourcePath = `sfc:pool:${account.accountId}:default:${name}`;
    for (const reference of [name, resourcePath, encodeURIComponent(resourcePath)]) {
      const found = await account.get(`/preview/v2/pools/${reference}`);
      expect(found.status, reference.slice(0, 20)).toBe(200);
      expect(found.body.id).toBe(created.body.id);
    }
    const renamed = await account.patch(`/preview/v2/pools/${resourcePath}`, { name: `q${'n'.repeat(254)}` });
    expect(renamed.status).toBe(200);
    const back = await account.patch(`/preview/v2/pools/q${'n'.repeat(254)}`, { name });
    expect(back.status).toBe(200);
  });

  it(`refuses a path parameter over ${pathParameterLengthMax} characters with a 400 envelope`, async () => {
    const response = await account.get(`/preview/v2/pools/${'a'.repeat(pathParameterLengthMax + 1)}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', details: [{ field: null, code: 'too_long' }] });
    expect(response.body.error.message.length).toBeLessThan(echoedInputLengthMax + 200);
    expect(response.headers.get('x-request-id')).toBe(response.body.error.request_id);
  });

  it('refuses malformed percent-encoding in the path with a 400 envelope', async () => {
    const response = await account.get('/preview/v2/pools/%ZZ', { 'x-request-id': 'bad-url-1' });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', request_id: 'bad-url-1', details: [{ code: 'malformed_url' }] });
    expect(response.headers.get('x-request-id')).toBe('bad-url-1');
  });

  it('answers malformed HTTP with the envelope on the socket, and closes it', async () => {
    const cases: [string, number][] = [
      ['GARBAGE\r\n\r\n', 405],
      ['FOO /preview/v2/pools HTTP/1.1\r\nHost: x\r\n\r\n', 405],
      ['GET /preview/v2/pools HTTP/1.1\r\nHost: x\r\nBroken header\r\n\r\n', 400],
      ['GET /preview/v2/pools HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400],
      [`GET /preview/v2/pools HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`, 431],
      // What Node answers itself unless told otherwise: no Host, an Expect it cannot meet, CONNECT.
      ['GET /v1/_healthz HTTP/1.1\r\n\r\n', 400],
      ['GET /v1/_healthz HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n', 417],
      ['CONNECT /preview/v2/pools HTTP/1.1\r\nHost: x\r\n\r\n', 405],
      ['CONNECT /nowhere HTTP/1.1\r\nHost: x\r\n\r\n', 404],
    ];
    for (const [text, status] of cases) {
      const response = parseRawResponse(await rawExchange(server.baseUrl, text));
      expect(response.status, text.slice(0, 30)).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.body.error).toMatchObject({ type: status === 404 ? 'not_found' : 'invalid_request_error' });
      expect(response.body.error.request_id).toBe(response.headers.get('x-request-id'));
      if (text.startsWith('CONNECT /preview')) expect(response.headers.get('allow')).toBe('GET, POST');
    }
  });

  it('answers 404, not 405, for what a route of the method does not have', async () => {
    const missing = await account.get('/docs/static/no-such-file.js');
    expect(missing.status).toBe(404);
    expect(missing.body.error.type).toBe('not_found');
  });

  it('answers HEAD like GET without a body, and an unknown method with 405', async () => {
    const authorization = `Bearer ${account.token}`;
    // The GET's status and headers, its content-length too, with no body: for an answer and for
    // refusals (a query the route's schema refuses, no token). Both name the same request id,
    // which error bodies carry.
    const requestId = { 'x-request-id': 'head-check' };
    for (const [path, headers, status] of [
      ['/preview/v2/pools', { authorization, ...requestId }, 200],
      ['/preview/v2/orders?limit=zero', { authorization, ...requestId }, 422],
      ['/preview/v2/pools', requestId, 401],
    ] as const) {
      const get = await fetch(`${server.baseUrl}${path}`, { headers });
      const getBody = await get.text();
      const head = await fetch(`${server.baseUrl}${path}`, { method: 'HEAD', headers });
      expect(head.status, path).toBe(status);
      expect(get.status, path).toBe(status);
      expect(await head.text(), path).toBe('');
      expect(head.headers.get('content-length'), path).toBe(String(Buffer.byteLength(getBody)));
      expect(head.headers.get('content-type'), path).toBe(get.headers.get('content-type'));
      expect(head.headers.get('x-request-id'), path).toBe('head-check');
    }
    const headMissing = await fetch(`${server.baseUrl}/preview/v2/nothing-here`, { method: 'HEAD' });
    expect(headMissing.status).toBe(404);
    expect(await headMissing.text()).toBe('');
    expect(headMissing.headers.get('x-request-id')).toMatch(/^req_/);
    // A path with no GET: HEAD is not allowed there, and the answer says what is.
    const headPostOnly = await fetch(`${server.baseUrl}/preview/v2/order_preview`, { method: 'HEAD', headers: { authorization } });
    expect(headPostOnly.status).toBe(405);
    expect(headPostOnly.headers.get('allow')).toBe('POST');
    for (const method of ['PROPFIND', 'OPTIONS', 'MKCOL']) {
      const response = await account.request<any>(method, '/preview/v2/pools', undefined);
      expect(response.status, method).toBe(405);
      expect(response.body.error.type).toBe('invalid_request_error');
    }
  });

  it('refuses a text/plain body with 415', async () => {
    const response = await account.raw('POST', '/preview/v2/pools', '{"workspace":"default"}', { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(response.body.error.request_id).toMatch(/^req_/);
  });

  it('refuses integers past what the API documents, in queries and bodies, before the store sees them', async () => {
    for (const path of ['/preview/v2/instances?created_after=', '/preview/v2/orders?created_after=', '/v1/transactions?after_time=']) {
      for (const value of ['99999999999999999999999', 'Infinity', '-Infinity', '1e400', '9007199254740992']) {
        const response = await account.get(`${path}${value}`);
        expect(response.status, path + value).toBe(path.startsWith('/v1/') ? 400 : 422);
        expect(response.body.error.details[0]).toMatchObject({ code: 'out_of_range' });
      }
      expect((await account.get(`${path}9007199254740991`)).status, path).toBe(200);
    }
    for (const target of ['9223372036854775808', '1e400', String(nodeCountMax + 1)]) {
      const response = await account.raw('POST', '/preview/v2/procurements', `{"name":"p","target":${target}}`);
      expect(response.status, target).toBe(422);
      expect(response.body.error.details.find((detail: { field: string }) => detail.field === 'target')).toMatchObject({ code: 'out_of_range', message: `"target" must be at most ${nodeCountMax}` });
    }
  });

  it('bounds integers nested in arrays of a body too', async () => {
    for (const value of ['1e400', '99999999999999999999999', '-9223372036854775809']) {
      const response = await server.operator.raw('POST', '/admin/v1/allocations', `{"pool":"nope","instance_sku":"nope","allocation_schedule":[{"start_at":${value},"end_at":null,"node_count":1}]}`);
      expect(response.status, value).toBe(400);
      expect(response.body.error.details[0]).toMatchObject({ field: 'allocation_schedule.0.start_at', code: 'out_of_range' });
    }
  });

  it('refuses NUL and other control characters in strings, in paths, queries and bodies', async () => {
    for (const path of ['/preview/v2/pools?tag_key=a%00b', '/preview/v2/instances?tag_key=a%00b', '/preview/v2/pools/a%00b', '/preview/v2/pools/a%1Bb']) {
      const response = await account.get(path);
      expect(response.status, path).toBe(path.includes('?') ? 422 : 404);
      expect(response.body.error.details[0]).toMatchObject({ code: 'invalid_characters' });
    }
    for (const text of ['a\\u0000b', 'a\\u0007b', 'a\\ud800b']) {
      const response = await account.raw('POST', '/preview/v2/pools', `{"workspace":"default","name":"nul-test","tags":{"k":"${text}"}}`);
      expect(response.status, text).toBe(422);
      expect(response.body.error.details[0], JSON.stringify(response.body)).toMatchObject({ field: "tags.k", code: "invalid_characters" });
    }
    expect((await account.get('/preview/v2/pools/nul-test')).status).toBe(404);
  });

  it('cuts long echoed input in error messages', async () => {
    const long = `z${'y'.repeat(900)}`;
    const response = await account.get(`/preview/v2/pools/${long}`);
    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain(`${long.slice(0, echoedInputLengthMax)}…`);
    expect(response.body.error.message).not.toContain(long);
  });
});

describe('the request log', () => {
  it('writes one JSON line per request at info when standard output is not a terminal', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'allot-edge-log-'));
    const serve = await startServeProcess(['--log-level', 'info', '--seed', 'none', '--db', `sqlite:${join(directory, 'allot.db')}`]);
    try {
      expect((await fetch(`${serve.baseUrl}/preview/v2/pools`, { headers: { 'x-request-id': 'log-check-1' } })).status).toBe(401);
      // A HEAD, answered as its GET, is logged as the HEAD it is.
      expect((await fetch(`${serve.baseUrl}/preview/v2/pools`, { method: 'HEAD', headers: { 'x-request-id': 'log-check-2' } })).status).toBe(401);
      const linesOf = (reqId: string) => serve.output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.reqId === reqId);
      for (let attempt = 0; attempt < 50 && linesOf('log-check-2').length === 0; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
      const lines = linesOf('log-check-1');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 30, msg: 'request', method: 'GET', url: '/preview/v2/pools', status: 401 });
      expect(typeof lines[0]!.ms).toBe('number');
      expect(linesOf('log-check-2')).toEqual([expect.objectContaining({ msg: 'request', method: 'HEAD', url: '/preview/v2/pools', status: 401 })]);
    } finally {
      await serve.stop();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
