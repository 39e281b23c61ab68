// The served OpenAPI document as code generators read it: an operationId on every operation,
// unique, and SF Compute's own wherever SF Compute has the operation; named component schemas
// with $refs; and off-the-shelf tools accept it (@readme/openapi-parser validates it against the
// OpenAPI 3.1 specification, openapi-typescript generates types from it).

import { readdirSync, readFileSync } from 'node:fs';
import { validate, compileErrors } from '@readme/openapi-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { schemaModules } from '../../src/http/openapi-components.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Operation {
  readonly operationId?: string;
}

type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

const methods = ['get', 'put', 'post', 'patch', 'delete'];

function operationsOf(paths: Record<string, Record<string, Operation>>, prefix = ''): Map<string, string | undefined> {
  const operations = new Map<string, string | undefined>();
  for (const [path, item] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (methods.includes(method)) operations.set(`${method.toUpperCase()} ${prefix}${path}`, operation.operationId);
    }
  }
  return operations;
}

/**
 * SF Compute's operationIds by `METHOD /path`, earlier sources first: the /preview/v2 document,
 * the operation table of spec/api.md (SF Compute's live document, /v1 and /v0), then the
 * reconstructed v0 document (its paths are relative to /v0).
 */
function sfComputeOperationIds(): Map<string, string> {
  const reference = new URL('../../reference/', import.meta.url);
  const ids = new Map<string, string>();
  // An id an earlier source already gave another operation stays with that one: one document's
  // operationIds are unique (the v0 document's `GET /me` is `getMe`, as is /preview/v2/me).
  const add = (key: string, id: string | undefined) => {
    if (id !== undefined && id !== '' && !ids.has(key) && ![...ids.values()].includes(id)) ids.set(key, id);
  };
  const preview = JSON.parse(readFileSync(new URL('preview-v2.openapi.json', reference), 'utf8')) as Document;
  for (const [key, id] of operationsOf(preview.paths)) add(key, id);
  for (const line of readFileSync(new URL('spec/api.md', reference), 'utf8').split('\n')) {
    const row = /^\| (?:v0|v1) \| (\w+) \| `([^`]+)` \| `([^`]*)` \|/.exec(line);
    if (row !== null) add(`${row[1]} ${row[2]}`, row[3]);
  }
  const v0 = parseYaml(readFileSync(new URL('v0.openapi.yml', reference), 'utf8')) as Document;
  // The reconstruction reuses names SF Compute's live document gives other operations
  // (getBalance is /v1/balances there): the live document's use of a name wins.
  const taken = new Set(ids.values());
  for (const [key, id] of operationsOf(v0.paths, '/v0')) if (id === undefined || !taken.has(id)) add(key, id);
  return ids;
}

/** Every `$ref` in a value. */
function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') found.push(inner);
      else refsIn(inner, found);
    }
  }
  return found;
}

describe('the served OpenAPI document', () => {
  let server: TestServer;
  let document: Document;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    document = (await server.anonymous.get('/openapi.json')).body as Document;
  });
  afterAll(() => server.close());

  it('gives every operation an operationId, no two the same', () => {
    const operations = operationsOf(document.paths);
    expect(operations.size).toBeGreaterThan(80);
    const missing = [...operations].filter(([, id]) => id === undefined).map(([key]) => key);
    expect(missing).toEqual([]);
    const ids = [...operations.values()];
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  });

  it('uses SF Compute\'s own operationId wherever SF Compute has the operation', () => {
    const sfCompute = sfComputeOperationIds();
    const wrong: string[] = [];
    for (const [key, id] of operationsOf(document.paths)) {
      const expected = sfCompute.get(key);
      if (expected !== undefined && id !== expected) wrong.push(`${key}: SF Compute names it ${expected}, not ${id} (see src/http/operation-ids.ts)`);
    }
    expect(wrong).toEqual([]);
    expect(operationsOf(document.paths).get('GET /preview/v2/pools/{id}')).toBe('fetch_pool');
    expect(operationsOf(document.paths).get('GET /v1/nodes')).toBe('list_nodes_handler');
  });

  it('names allot\'s own operations from their method and path', () => {
    const operations = operationsOf(document.paths);
    expect(operations.get('POST /admin/v1/accounts')).toBe('post_admin_v1_accounts');
    expect(operations.get('POST /admin/v1/accounts/{id}/credits')).toBe('post_admin_v1_accounts_by_id_credits');
  });

  it('has named component schemas, used by $ref instead of inline copies', () => {
    const schemas = document.components.schemas;
    for (const name of ['PoolResponse', 'ListPoolsResponse', 'CreatePoolRequest', 'ScheduleEntry', 'Schedule', 'Tags', 'UnixEpoch', 'ErrorEnvelope', 'OrderResponse', 'InstanceResponse']) {
      expect(schemas, name).toHaveProperty(name);
    }
    const pools = document.paths['/preview/v2/pools']!;
    expect(refsIn(pools.post)).toContain('#/components/schemas/CreatePoolRequest');
    expect(refsIn(pools.post)).toContain('#/components/schemas/PoolResponse');
    expect(refsIn(pools.get)).toContain('#/components/schemas/ListPoolsResponse');
    // Every $ref resolves, and every component is used.
    const refs = new Set(refsIn(document));
    for (const ref of refs) expect(Object.keys(schemas).map((name) => `#/components/schemas/${name}`), ref).toContain(ref);
    for (const name of Object.keys(schemas)) expect(refs, name).toContain(`#/components/schemas/${name}`);
  });

  it('names the schemas of every module in src/http/schemas', () => {
    const files = readdirSync(new URL('../../src/http/schemas/', import.meta.url)).filter((file) => file.endsWith('.ts') && file !== 'errors.ts');
    expect(Object.keys(schemaModules).map((module) => `${module}.ts`).sort()).toEqual(files.sort());
  });

  it('is a valid OpenAPI 3.1 document to @readme/openapi-parser', async () => {
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.warnings).toEqual([]);
  });

  it('gives openapi-typescript types for every operation and component', async () => {
    const types = astToString(await openapiTS(structuredClone(document) as never));
    expect(types).toContain('fetch_pool: {');
    expect(types).toContain('PoolResponse: {');
    expect(types).toContain('post_admin_v1_accounts: {');
  });
});
