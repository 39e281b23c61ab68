// Status codes exactly as SF Compute's reference documents them, operation by operation: every
// operation of the reference declares, in allot's served document, the error statuses the
// reference lists (no more, no fewer, beyond the few docs/decisions.md justifies); the API tests'
// validator fails a status the operation does not list; and the answers the reference names —
// 422 for validation where it lists 422, 400 for a duplicate name where it lists 400, a batch
// that changes nothing, a second terminate that is not found — are what allot sends.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RandomSource } from '../../src/app/kernel/context.js';
import { idAlphabet } from '../../src/domain/kernel/ids.js';
import { batchPatchEntriesMax, idSequenceLength, idTimeLength } from '../../src/domain/kernel/limits.js';
import { unlistedStatuses } from '../../src/http/errors.js';
import { beyondReference } from '../../src/http/schemas/errors.js';
import type { ApiClient } from '../support/client.js';
import { OpenApiResponseValidator } from '../support/openapi-validator.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

type Document = { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
const reference = JSON.parse(readFileSync(new URL('../../reference/preview-v2.openapi.json', import.meta.url), 'utf8')) as Document;
const image = 'ubuntu-22.04-cuda-12.4';

describe('the validator', () => {
  const validator = OpenApiResponseValidator.reference();
  const envelope = (type: string) => ({ error: { type, message: 'x' } });

  it('fails a status the operation does not list', () => {
    expect(validator.validate('GET', '/preview/v2/users', 400, envelope('invalid_request_error'))).toEqual([expect.stringContaining('does not list status 400')]);
    expect(validator.validate('POST', '/preview/v2/pools', 409, envelope('conflict'))).toEqual([expect.stringContaining('does not list status 409')]);
    expect(validator.validate('GET', '/preview/v2/users', 422, envelope('unprocessable_entity'))).toEqual([]);
  });

  it('allows only the documented statuses beyond the reference', () => {
    expect(unlistedStatuses).toEqual([405, 413, 415, 503]);
    for (const status of unlistedStatuses) expect(validator.validate('POST', '/preview/v2/pools', status, envelope(status === 503 ? 'service_unavailable' : 'invalid_request_error'))).toEqual([]);
    expect(validator.validate('POST', '/preview/v2/orders', 409, envelope('idempotency_error'))).toEqual([]);
    expect(validator.validate('POST', '/preview/v2/feature_flags/zones', 422, envelope('unprocessable_entity'))).toEqual([]);
  });
});

describe('ids under the reference', () => {
  it('takes an id whose random part holds its legacy prefix ("inst_…vm_…") as the one id it is', async () => {
    // Every id this server makes carries "vm_" in its random part: an instance id then matches
    // both of the reference's unanchored InstanceId patterns.
    const legacyPrefix = [...'vm_'].map((character) => idAlphabet.indexOf(character));
    const random: RandomSource = { bytes: (count) => Uint8Array.from(randomBytes(count), (byte, index) => (index >= 4 && index < 7 ? legacyPrefix[index - 4]! : byte)) };
    const server = await startTestServer('sqlite', { random });
    try {
      const account = await server.newAccount();
      const sku = await server.newInstanceSku('prefixed-ids-sku');
      const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'prefixed' })).body.id as string;
      const instance = await account.post('/preview/v2/instances', { pool, instance_sku: sku, image });
      expect(instance.status).toBe(201);
      // The random part follows the characters of time and count (domain/kernel/ids.ts).
      expect(instance.body.id).toMatch(new RegExp(`^inst_.{${idTimeLength + idSequenceLength + 4}}vm_`));
      expect((await account.get(`/preview/v2/instances/${instance.body.id}`)).body.id).toBe(instance.body.id);
    } finally {
      await server.close();
    }
  });
});

describe.each(testDialects)('status codes per operation on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    sku = await server.newInstanceSku('status-sku');
  });
  afterAll(() => server.close());

  it('declares exactly the reference\'s error statuses for each of its operations', async () => {
    const served = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as Document;
    const mismatches: string[] = [];
    for (const [path, item] of Object.entries(reference.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (operation.responses === undefined) continue;
        const key = `${method.toUpperCase()} ${path}`;
        const wanted = [...Object.keys(operation.responses).map(Number).filter((status) => status !== 500), ...(beyondReference[key] ?? [])].sort();
        const declared = Object.keys(served.paths[path]?.[method]?.responses ?? {}).map(Number).sort();
        if (JSON.stringify(declared) !== JSON.stringify(wanted)) mismatches.push(`${key}: declares ${declared.join(' ')}, the reference lists ${wanted.join(' ')}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('answers validation 422 where the reference lists 422, 400 where it lists only 400', async () => {
    const users = await account.get('/preview/v2/users?limit=0');
    expect(users.status).toBe(422);
    expect(users.body.error.type).toBe('unprocessable_entity');
    const workspace = await account.post('/preview/v2/workspaces', { name: 5 });
    expect(workspace.status).toBe(400);
    expect(workspace.body.error.type).toBe('invalid_request_error');
    // A path parameter no resource can have is not found, where the operation lists 404 alone.
    expect((await account.get('/preview/v2/pools/a%00b')).status).toBe(404);
    // Malformed JSON is a bad request where the operation lists 400, else its validation status.
    expect((await account.raw('POST', '/preview/v2/workspaces', '{"name":')).status).toBe(400);
    expect((await account.raw('POST', '/preview/v2/pools', '{"name":')).status).toBe(422);
  });

  it('answers a duplicate name with what each operation lists', async () => {
    await account.post('/preview/v2/workspaces', { name: 'twin' });
    expect((await account.post('/preview/v2/workspaces', { name: 'twin' })).status).toBe(400);
    await account.post('/preview/v2/pools', { workspace: 'default', name: 'twin' });
    expect((await account.post('/preview/v2/pools', { workspace: 'default', name: 'twin' })).status).toBe(422);
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'procured' })).body.id as string;
    const other = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'procured-2' })).body.id as string;
    const procurement = { instance_sku: sku, target: 1, min_sell_price_dollars_per_node_hour: '6.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 60, name: 'buyer' };
    expect((await account.post('/preview/v2/procurements', { ...procurement, pool })).status).toBe(201);
    const taken = await account.post('/preview/v2/procurements', { ...procurement, pool: other });
    expect(taken.status, JSON.stringify(taken.body)).toBe(400);
    expect(taken.body.error.type).toBe('invalid_request_error');
    // The same pool and SKU again: the reference's 409.
    expect((await account.post('/preview/v2/procurements', { ...procurement, pool, name: 'second' })).status).toBe(409);
    const first = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'first' })).body;
    await account.post('/preview/v2/instances', { pool, image, instance_sku: sku, name: 'second' });
    const renamed = await account.patch(`/preview/v2/instances/${first.id}`, { name: 'second' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.error.type).toBe('invalid_request_error');
  });

  it('refuses a batch priority change across workspaces, over its cap or naming an unknown instance with 422, changing nothing', async () => {
    await account.post('/preview/v2/workspaces', { name: 'elsewhere' });
    const here = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'batch-here' })).body.id as string;
    const there = (await account.post('/preview/v2/pools', { workspace: 'elsewhere', name: 'batch-there' })).body.id as string;
    const a = (await account.post('/preview/v2/instances', { pool: here, image, instance_sku: sku })).body;
    const b = (await account.post('/preview/v2/instances', { pool: there, image, instance_sku: sku })).body;
    const batches = [
      [{ id: a.id, priority_level: 'critical' }, { id: b.id, priority_level: 'critical' }],
      [{ id: a.id, priority_level: 'critical' }, { id: 'inst_nosuchinstance', priority_level: 'critical' }],
      Array.from({ length: batchPatchEntriesMax + 1 }, () => ({ id: a.id, priority_level: 'critical' })),
    ];
    for (const data of batches) {
      const refused = await account.patch('/preview/v2/instances', { data });
      expect(refused.status, JSON.stringify(refused.body)).toBe(422);
      expect(refused.body.error.type).toBe('unprocessable_entity');
    }
    for (const instance of [a, b]) expect((await account.get(`/preview/v2/instances/${instance.id}`)).body.priority_level).toBe('normal');
  });

  it('answers 404 to terminating an instance already terminated', async () => {
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'ending' })).body.id as string;
    const instance = (await account.post('/preview/v2/instances', { pool, image, instance_sku: sku })).body;
    expect((await account.post(`/preview/v2/instances/${instance.id}/terminate`)).status).toBe(200);
    const again = await account.post(`/preview/v2/instances/${instance.id}/terminate`);
    expect(again.status).toBe(404);
    expect(again.body.error.type).toBe('not_found');
  });
});
