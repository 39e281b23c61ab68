// A schema-driven fuzz of every operation the server serves. From the served OpenAPI document it
// builds, for each operation, a plausible request and then spoils it: bad types, missing and
// extra fields, huge, negative and non-finite numbers, control characters and long strings in
// bodies, queries and paths, malformed JSON, wrong media types, unknown ids, bad tokens; and, once
// per store, malformed HTTP and unknown paths. Every answer must be below 500, carry an
// x-request-id, and, when it refuses, be SF Compute's error envelope naming that id and leave
// every table as it was. On PostgreSQL a second process (`allot serve` over the same schema)
// answers every other request, as an operator's deployment of several processes would.
//
// Seeded and bounded for CI: ALLOT_FUZZ_RUNS cases per operation (default 3) from ALLOT_FUZZ_SEED
// (default fixed). A failure prints its seed and the request; ALLOT_FUZZ_RUNS=200 runs longer.

import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeProcess, type ServeProcess } from '../support/process.js';
import { startTestServer, type TestServer, testOperatorToken } from '../support/server.js';
import { postgresUrl, testDialects } from '../support/stores.js';
import { changedTables, stateFingerprint } from './state.js';

const runsPerOperation = Number(process.env.ALLOT_FUZZ_RUNS ?? 3);
const seed = Number(process.env.ALLOT_FUZZ_SEED ?? 20261202);

type Schema = Record<string, any>;
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly admin: boolean;
  readonly parameters: readonly { name: string; in: string; required?: boolean; schema?: Schema }[];
  readonly body: Schema | null;
}

/** One request as sent: a body is JSON text (numbers JSON cannot write from JavaScript included). */
interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Texts that stand for numbers JavaScript cannot write: put into JSON in place of their marker. */
const rawNumbers = ['1e400', '-1e400', '99999999999999999999999', '9223372036854775808', '-9223372036854775809', '9007199254740993', '1.5e308', '-0'];
const rawMarker = (index: number) => `__raw_number_${index}__`;

const controlStrings = ['\u0000', 'a\u0000b', 'a\u0001b', '\u001b[31m', '\u007f', '\ud800', 'a\udc00', '\u202e', 'line\nbreak', 'tab\there', '%00', '../..', '<script>'];

/** What the sweep puts in every query and path parameter: what reached the stores unchecked. */
const sweptTexts = ['1e400', 'Infinity', '99999999999999999999999', '-1', 'a%00b', '%ZZ', 'x'.repeat(1025)];
/** What the sweep puts in every top-level body field. */
const sweptValues: unknown[] = [rawMarker(0), rawMarker(2), rawMarker(3), -1, 'a\u0000b', '\ud800', 'y'.repeat(10_000), null, {}];

/** Values to put where a field belongs. */
const badValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, -2147483649, 2147483648, Number.MAX_SAFE_INTEGER, '', 'x', [], {}, [1, 'a'], { nested: { deeper: [null] } }),
  fc.constantFrom(...rawNumbers.map((_, index) => rawMarker(index))),
  fc.constantFrom(...controlStrings),
  fc.constantFrom('x'.repeat(300), 'y'.repeat(100_000), `sfc:pool:${'z'.repeat(2000)}`),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.double(),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

/** Raw texts to put in a query or a path segment. */
const badText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('%ZZ', '%', '%0', '%00', 'a%00b', '%1B', '%7F', '%ED%A0%80', '%FF', '%C0%AF', '%2F', '..', '', ' ', '+', '%20'),
  fc.constantFrom('99999999999999999999999', 'Infinity', '-Infinity', 'NaN', '1e400', '-1', '0', '1.5', '9223372036854775808', '0x10', 'true', 'null'),
  fc.constantFrom('x'.repeat(300), 'x'.repeat(1025), 'x'.repeat(5000), 'pool_doesnotexist', 'pool_', 'sfc:pool:nobody:default:nothing', 'ws_unknown'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
);

function resolve(document: Schema, schema: Schema | undefined, depth = 0): Schema {
  if (schema === undefined || depth > 20) return {};
  if (typeof schema.$ref === 'string') {
    const target = schema.$ref.replace(/^#\//, '').split('/').reduce((node: Schema, key: string) => node[key], document);
    return resolve(document, { ...target, ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$ref')) }, depth + 1);
  }
  return schema;
}

/** A plausible value for a schema: its example or default, else the simplest thing of its type. */
function plausible(document: Schema, given: Schema, context: FuzzContext, depth = 0): unknown {
  const schema = resolve(document, given);
  if (depth > 6) return null;
  if (schema.examples?.[0] !== undefined) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum !== undefined) return schema.enum[0];
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union)) return plausible(document, union.find((option: Schema) => resolve(document, option).type !== 'null') ?? union[0], context, depth + 1);
  const type = Array.isArray(schema.type) ? schema.type.find((each: string) => each !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries<Schema>(schema.properties ?? {}).filter(([name]) => (schema.required ?? []).includes(name)).map(([name, property]) => [name, plausibleField(document, name, property, context, depth)]));
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 60;
    case 'boolean':
      return false;
    case 'string':
      return 'fuzz';
    default:
      return null;
  }
}

/** Fields that name other resources get ones that exist, so refusals reach deeper checks. */
function plausibleField(document: Schema, name: string, schema: Schema, context: FuzzContext, depth: number): unknown {
  if (['pool', 'source_pool', 'destination_pool', 'capacity'].includes(name)) return context.poolId;
  if (name === 'instance_sku') return context.skuId;
  if (name === 'workspace') return 'default';
  if (name === 'account' || name === 'account_id') return context.accountId;
  return plausible(document, schema, context, depth + 1);
}

interface FuzzContext {
  readonly accountId: string;
  readonly accountToken: string;
  readonly poolId: string;
  readonly skuId: string;
}

function operationsOf(document: Schema): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries<Schema>(document.paths)) {
    for (const [method, operation] of Object.entries<Schema>(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const body = operation.requestBody?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        admin: JSON.stringify(operation.security ?? []).includes('admin_token'),
        parameters: (operation.parameters ?? []).map((parameter: Schema) => resolve(document, parameter)),
        body: body === undefined ? null : resolve(document, body),
      });
    }
  }
  return operations;
}

/** What to spoil in a request, drawn by fast-check. */
const spoiling = fc.record({
  kind: fc.constantFrom('field', 'missing', 'extra', 'body', 'query', 'path', 'token', 'header'),
  pick: fc.nat(),
  value: badValue,
  text: badText,
  extraKey: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'a\u0000b', 'x'.repeat(300), 'id', 'object'), fc.string({ maxLength: 12 })),
  wholeBody: fc.constantFrom('{', '{"a":', '[1,', 'nul', '{"a":1}}', '42', '"text"', '[]', 'null', '{"a":1,"a":2}', '\u0000', '{"__proto__":{"polluted":1}}'),
  mediaType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''),
});

type Spoil = typeof spoiling extends fc.Arbitrary<infer T> ? T : never;

function buildRequest(document: Schema, operation: Operation, context: FuzzContext, spoil: Spoil): FuzzRequest {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  let spoiledPath = spoil.kind === 'path' && pathParameters.length > 0 ? pathParameters[spoil.pick % pathParameters.length]!.name : null;
  const path = operation.path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    if (name === spoiledPath) return spoil.text;
    if (operation.path.startsWith('/preview/v2/pools') || operation.path.startsWith('/admin/v1/pools')) return context.poolId;
    if (operation.path.startsWith('/preview/v2/instance_skus')) return context.skuId;
    if (operation.path.startsWith('/admin/v1/accounts')) return context.accountId;
    if (name === 'workspace') return 'default';
    return `unknown_${name}`;
  });
  if (spoil.kind === 'path' && spoiledPath === null) spoiledPath = '';
  const query = new URLSearchParams();
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  for (const parameter of queryParameters.filter((each) => each.required === true)) query.set(parameter.name, String(plausible(document, parameter.schema ?? {}, context)));
  let queryText = query.toString();
  if (spoil.kind === 'query' || (spoil.kind === 'path' && spoiledPath === '') || (spoil.kind === 'body' && operation.method === 'GET')) {
    const parameter = queryParameters.length > 0 ? queryParameters[spoil.pick % queryParameters.length]!.name : 'unexpected';
    queryText = `${queryText === '' ? '' : `${queryText}&`}${encodeURIComponent(parameter)}=${spoil.text}${spoil.pick % 3 === 0 ? `&${encodeURIComponent(parameter)}=${spoil.text}` : ''}`;
  }
  const headers: Record<string, string> = { authorization: `Bearer ${operation.admin ? testOperatorToken : context.accountToken}` };
  if (spoil.kind === 'token') headers.authorization = ['', 'Bearer', 'Bearer ', `Bearer ${context.accountToken}x`, `Basic ${context.accountToken}`, `Bearer ${operation.admin ? context.accountToken : testOperatorToken}`][spoil.pick % 6]!;
  if (spoil.kind === 'header') headers['idempotency-key'] = ['', 'k'.repeat(256), 'key\u00e9', 'ok-key'][spoil.pick % 4]!;
  const request: FuzzRequest = { method: operation.method, path: queryText === '' ? path : `${path}?${queryText}`, headers };
  // fetch sends no body with GET; there the body's spoiling goes to the query instead.
  if (operation.body === null && (spoil.kind !== 'body' || operation.method === 'GET')) return request;
  let body = operation.body === null ? {} : (plausible(document, operation.body, context) as Record<string, unknown>);
  const fields = operation.body === null ? [] : Object.keys(resolve(document, operation.body).properties ?? {});
  if (spoil.kind === 'field' && fields.length > 0) body = { ...body, [fields[spoil.pick % fields.length]!]: spoil.value };
  if (spoil.kind === 'missing' && Object.keys(body).length > 0) {
    const { [Object.keys(body)[spoil.pick % Object.keys(body).length]!]: _removed, ...rest } = body;
    body = rest;
  }
  if (spoil.kind === 'extra') body = { ...body, [spoil.extraKey]: spoil.value };
  let text = JSON.stringify(body);
  rawNumbers.forEach((raw, index) => (text = text.replaceAll(`"${rawMarker(index)}"`, raw)));
  if (spoil.kind === 'body') text = spoil.wholeBody;
  request.body = text;
  const mediaType = spoil.kind === 'body' && spoil.pick % 2 === 0 ? spoil.mediaType : 'application/json';
  if (mediaType !== '') request.headers['content-type'] = mediaType;
  return request;
}

function describeRequest(request: FuzzRequest): string {
  const cut = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text);
  return `${request.method} ${cut(request.path)} ${JSON.stringify(request.headers)} ${request.body === undefined ? '' : cut(JSON.stringify(request.body))}`;
}

/** Whether a body is SF Compute's envelope naming `requestId`; the problem when it is not. */
function envelopeProblem(body: unknown, requestId: string | null): string | null {
  if (typeof body !== 'object' || body === null) return `not a JSON object: ${String(body).slice(0, 200)}`;
  const error = (body as { error?: Record<string, unknown> }).error;
  if (typeof error !== 'object' || error === null) return 'no error object';
  if (typeof error.type !== 'string' || typeof error.message !== 'string') return 'error.type or error.message is not a string';
  if (error.details !== undefined && (!Array.isArray(error.details) || error.details.some((detail: any) => typeof detail?.code !== 'string' || typeof detail?.message !== 'string'))) return 'malformed details';
  if (error.request_id !== requestId) return `error.request_id ${String(error.request_id)} is not the x-request-id ${String(requestId)}`;
  if (error.message.length > 1001) return `a message of ${error.message.length} characters`;
  return null;
}

/** Checks one answer; returns what is wrong with it, or null. */
function answerProblem(status: number, headers: Headers | Map<string, string>, text: string): string | null {
  const requestId = headers.get('x-request-id') ?? null;
  if (status >= 500) return `status ${status}: ${text.slice(0, 300)}`;
  if (requestId === null) return 'no x-request-id';
  if (status < 400) return null;
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    return `a ${status} whose body is not JSON: ${text.slice(0, 200)}`;
  }
  return envelopeProblem(body, requestId);
}

function rawExchange(baseUrl: string, text: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolvePromise, reject) => {
    let received = '';
    const socket = connect(Number(port), hostname, () => socket.write(text));
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolvePromise(received));
    socket.on('error', reject);
  });
}

describe.each(testDialects)('fuzzing every operation on %s', (dialect) => {
  let server: TestServer;
  let document: Schema;
  let context: FuzzContext;
  let fingerprint: Map<string, string>;
  /** The second process on PostgreSQL, under a manual clock of its own so that it does no work by itself. */
  let second: ServeProcess | null = null;
  /** Where the next request goes: the processes in turn. */
  let turn = 0;
  const nextBaseUrl = () => (second === null || turn++ % 2 === 0 ? server.baseUrl : second.baseUrl);
  beforeAll(async () => {
    server = await startTestServer(dialect);
    if (server.testStore.schema !== undefined) {
      // The second process's manual clock stands where the test server's does (it reads the
      // stored time), so that both judge times, and a token's last activity, alike.
      await server.testStore.store.transaction((tx) => tx.settings.set('manual_clock_now', String(server.clock.now())));
      second = await startServeProcess(['--db', `${postgresUrl}?options=-c%20search_path%3D${server.testStore.schema}`, '--seed', 'none', '--clock', 'manual'], { ALLOT_ADMIN_TOKEN: testOperatorToken });
    }
    const account = await server.newAccount('Fuzzed');
    const skuId = await server.newInstanceSku('fuzz-sku');
    const pool = await account.post('/preview/v2/pools', { workspace: 'default', name: 'fuzz-pool' });
    await server.issue(pool.body.id, skuId, [{ start_at: server.clock.now() + 3600, end_at: server.clock.now() + 7200, node_count: 2 }]);
    context = { accountId: account.accountId, accountToken: account.token!, poolId: pool.body.id, skuId };
    // Each token is used once through the second process before the fingerprint: its first use
    // there records its activity, as the test server's first use did.
    if (second !== null) for (const token of [account.token!, testOperatorToken]) await fetch(`${second.baseUrl}/preview/v2/me`, { headers: { authorization: `Bearer ${token}` } });
    document = (await server.anonymous.get('/openapi.json')).body;
    fingerprint = await stateFingerprint(server.testStore);
  });
  afterAll(async () => {
    await second?.stop();
    await server.close();
  });

  /**
   * Sends a request and checks its answer and, if it refused, that nothing changed. A read (GET)
   * changes nothing whatever it answers, so reads are compared in batches (`checkReads`) rather
   * than one by one.
   */
  async function sendChecked(request: FuzzRequest): Promise<void> {
    const baseUrl = nextBaseUrl();
    const response = await fetch(`${baseUrl}${request.path}`, { method: request.method, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) });
    const text = await response.text();
    const problem = answerProblem(response.status, response.headers, text);
    if (problem !== null) throw new Error(`${problem}\n  request to ${baseUrl === server.baseUrl ? 'the test server' : 'the second process'}: ${describeRequest(request)}`);
    if (request.method === 'GET') return;
    const after = await stateFingerprint(server.testStore);
    const changed = response.status >= 400 ? changedTables(fingerprint, after) : [];
    fingerprint = after;
    if (changed.length > 0) throw new Error(`a refused request (${response.status}) changed ${changed.join(', ')}\n  request to ${baseUrl === server.baseUrl ? 'the test server' : 'the second process'}: ${describeRequest(request)}\n  answer: ${text.slice(0, 300)}`);
  }

  async function checkReads(operation: Operation): Promise<void> {
    if (operation.method !== 'GET') return;
    const changed = changedTables(fingerprint, await stateFingerprint(server.testStore));
    expect(changed, `reads of ${operation.path} changed tables`).toEqual([]);
  }

  /** Deletions last, so that the fixtures they may remove serve every other operation first. */
  const fuzzedOperations = () => operationsOf(document).sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

  it('sweeps every parameter and top-level body field of every operation with the values that break stores', { timeout: 600_000 }, async () => {
    const plain: Spoil = { kind: 'query', pick: 0, value: null, text: '', extraKey: 'x', wholeBody: '42', mediaType: 'application/json' };
    for (const operation of fuzzedOperations()) {
      const queries = operation.parameters.filter((parameter) => parameter.in === 'query');
      const paths = operation.parameters.filter((parameter) => parameter.in === 'path');
      const fields = operation.body === null ? [] : Object.keys(resolve(document, operation.body).properties ?? {});
      for (const text of sweptTexts) {
        for (let pick = 0; pick < queries.length; pick++) await sendChecked(buildRequest(document, operation, context, { ...plain, kind: 'query', pick: pick * 3 + 1, text }));
        for (let pick = 0; pick < paths.length; pick++) await sendChecked(buildRequest(document, operation, context, { ...plain, kind: 'path', pick, text }));
      }
      for (const value of sweptValues) {
        for (let pick = 0; pick < fields.length; pick++) await sendChecked(buildRequest(document, operation, context, { ...plain, kind: 'field', pick, value }));
      }
      await checkReads(operation);
    }
  });

  it('answers every spoiled request below 500, in the envelope, changing nothing when it refuses', { timeout: 600_000 }, async () => {
    const operations = fuzzedOperations();
    expect(operations.length).toBeGreaterThan(50);
    for (const [index, operation] of operations.entries()) {
      await fc.assert(
        fc.asyncProperty(spoiling, async (spoil) => sendChecked(buildRequest(document, operation, context, spoil))),
        { seed: seed + index, numRuns: runsPerOperation, endOnFailure: true },
      );
      await checkReads(operation);
    }
  });

  it('answers unknown paths, unknown methods and HEAD in the envelope with an x-request-id', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/preview/v2/nope/deeper'], ['DELETE', '/preview/v2/pools'], ['PUT', '/preview/v2/orders'], ['OPTIONS', '/preview/v2/me'], ['PROPFIND', '/v1/nodes'], ['GET', '/preview/v2/pools/%ZZ'], ['GET', `/preview/v2/pools/${'p'.repeat(3000)}`], ['GET', '/preview/v2//pools'], ['GET', '/preview/v2/pools/a/b/c']] as const) {
      await sendChecked({ method, path, headers: { authorization: `Bearer ${context.accountToken}` } });
    }
    for (const path of ['/preview/v2/pools', '/nope', '/preview/v2/pools/%ZZ']) {
      const response = await fetch(`${nextBaseUrl()}${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${context.accountToken}` } });
      expect(response.status, path).toBeLessThan(500);
      expect(response.headers.get('x-request-id'), path).not.toBeNull();
    }
  });

  it('answers malformed HTTP in the envelope on the socket, changing nothing', async () => {
    const texts = [
      'GARBAGE\r\n\r\n',
      'GET\r\n\r\n',
      'GET /preview/v2/pools HTTP/9.9\r\nHost: x\r\n\r\n',
      'G\u0000T / HTTP/1.1\r\n\r\n',
      'GET /preview/v2/pools HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n',
      'GET /preview/v2/pools HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n',
      `POST /preview/v2/pools HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${context.accountToken}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      `POST /preview/v2/pools HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${context.accountToken}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`,
      `GET /preview/v2/pools HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`,
      `GET /${'u'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    ];
    for (const text of texts.flatMap((each) => (second === null ? [each] : [each, each]))) {
      const answer = await rawExchange(nextBaseUrl(), text);
      const [head = '', ...rest] = answer.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      const problem = answerProblem(Number(statusLine.split(' ')[1]), headers, rest.join('\r\n\r\n'));
      expect(problem, `${JSON.stringify(text.slice(0, 80))} → ${answer.slice(0, 300)}`).toBeNull();
      expect(Number(statusLine.split(' ')[1]), JSON.stringify(text.slice(0, 80))).toBeGreaterThanOrEqual(400);
    }
    expect(changedTables(fingerprint, await stateFingerprint(server.testStore))).toEqual([]);
  });

  it('leaves the ledger sound', async () => {
    expect(await server.audit()).toEqual([]);
  });
});
