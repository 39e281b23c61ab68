// The bounds of domain/kernel/limits.ts on what a request gives, each at the limit and one past
// it (limits.test.ts has the book's, the pages' and the v0 ones): tags, schedules, idempotency
// keys and how long they are remembered, account ids, cloud-init, logs, procurement windows,
// v0 quotes and procurements, token texts, users, feature flags, signed URLs and the manual
// clock's longest advance; and, as pure functions, those whose at-the-limit case would make
// thousands of rows (a deployment's or a v1 request's node count, a name template).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clockAdvanceSecondsMax,
  cloudInitBytesMax,
  deploymentInstancesMax,
  emailLengthMax,
  errorMessageLengthMax,
  featureFlagNameLengthMax,
  featureFlagSettingsPerAccountMax,
  fixtureEntriesMax,
  heldMetricHorizonSeconds,
  idBodyLength,
  orderbookFillsSinceDefaultSeconds,
  spotWindowMinutes,
  tokenRandomBytes,
  idempotencyKeyLengthMax,
  idempotencyKeyRetentionSeconds,
  accountIdLengthMax,
  logLinesMax,
  managedWindowMinutesMax,
  nameTemplateLengthMax,
  nodeNameLengthMax,
  nodesPerRequestMax,
  pageSizeDefault,
  personNameLengthMax,
  quoteNodesMax,
  scheduleEntriesMax,
  scheduleHistoryMinutesMax,
  scheduleTimeMax,
  signedUrlLifetimeSeconds,
  tagKeyLengthMax,
  tagsCountMax,
  tagValueLengthMax,
  tokenDescriptionLengthMax,
  tokenNameLengthMax,
  transactionsPageSizeDefault,
  v0ProcurementHorizonMinutesDefault,
  v0ProcurementNodesMax,
  vmImagesListMax,
} from '../../src/domain/kernel/limits.js';
import { runnableImagesList } from '../../src/domain/compute/images.js';
import { accountTokenPrefix } from '../../src/app/tenancy/tokens.js';
import { isFailure } from '../../src/domain/kernel/failures.js';
import { parseNameTemplate } from '../../src/domain/kernel/names.js';
import { checkNodeNames } from '../../src/domain/nodes-v1/nodes.js';
import { parseFixtures } from '../../src/http/fixtures-file.js';
import { startTestServer, testOperatorToken, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

describe('bounds checked by pure functions, at the limit and one past it', () => {
  it('takes a name template of up to nameTemplateLengthMax characters', () => {
    const placeholders = '{{adjective}}-{{noun}}-{{nanoid(6)}}-';
    const template = (length: number) => placeholders + 'a'.repeat(length - placeholders.length);
    expect(template(nameTemplateLengthMax)).toHaveLength(nameTemplateLengthMax);
    expect(isFailure(parseNameTemplate(template(nameTemplateLengthMax), 'instance_name_template'))).toBe(false);
    expect(parseNameTemplate(template(nameTemplateLengthMax + 1), 'instance_name_template')).toMatchObject({ details: [{ field: 'instance_name_template', code: 'too_long' }] });
  });

  it('creates up to nodesPerRequestMax v1 nodes in one request, each named with up to nodeNameLengthMax characters', () => {
    const names = (count: number, length: number) => Array.from({ length: count }, (_, index) => `${index}`.padStart(length, 'n'));
    expect(checkNodeNames(undefined, nodesPerRequestMax)).toBeNull();
    expect(checkNodeNames(names(nodesPerRequestMax, nodeNameLengthMax), nodesPerRequestMax)).toBeNull();
    expect(checkNodeNames(undefined, nodesPerRequestMax + 1)).toMatchObject({ details: [{ field: 'desired_count' }] });
    expect(checkNodeNames(names(1, nodeNameLengthMax + 1), 1)).toMatchObject({ details: [{ field: 'names.0', code: 'invalid_name' }] });
  });

  it('reads a fixtures file with up to fixtureEntriesMax entries in a list', () => {
    const fixtures = (count: number) => JSON.stringify({ accounts: Array.from({ length: count }, (_, index) => ({ id: `acct-${index}`, name: `Account ${index}` })) });
    expect(typeof parseFixtures(fixtures(fixtureEntriesMax))).toBe('object');
    expect(parseFixtures(fixtures(fixtureEntriesMax + 1))).toEqual(expect.stringContaining('accounts'));
  });
  it('lists up to vmImagesListMax v1 VM images, oldest first, saying has_more past it', () => {
    // As the store reads them: each list oldest first, up to one more than asked.
    const images = (from: number, count: number, step: number) => Array.from({ length: Math.min(count, vmImagesListMax + 1) }, (_, index) => ({ seq: from + index * step }));
    const own = (count: number) => images(2, count, 2);
    const common = images(1, 3, 2);
    const at = runnableImagesList(own(vmImagesListMax - 3), common, vmImagesListMax);
    expect([at.images.length, at.hasMore]).toEqual([vmImagesListMax, false]);
    expect(at.images.slice(0, 4).map((image) => image.seq)).toEqual([1, 2, 3, 4]);
    const past = runnableImagesList(own(vmImagesListMax - 2), common, vmImagesListMax);
    expect([past.images.length, past.hasMore]).toEqual([vmImagesListMax, true]);
    // The newest is the one left out.
    expect(past.images.at(-1)!.seq).toBe(2 * (vmImagesListMax - 3));
    const own_ = runnableImagesList(own(vmImagesListMax + 5), [], vmImagesListMax);
    expect([own_.images.length, own_.hasMore]).toEqual([vmImagesListMax, true]);
  });
});

describe.each(testDialects)('request bounds at the limit and one past it on %s', (dialect) => {
  let server: TestServer;
  let sku: string;
  const start = () => Math.ceil((server.clock.now() + 60) / 3600) * 3600;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    sku = await server.newInstanceSku('bounds-sku');
  });
  afterAll(() => server.close());

  it(`lists ${pageSizeDefault} pools a page unless asked, and ${transactionsPageSizeDefault} transactions`, async () => {
    const account = await server.newAccount();
    for (let index = 0; index <= pageSizeDefault; index++) expect((await account.post('/preview/v2/pools', { workspace: 'default', name: `pool-${index}` })).status).toBe(201);
    const page = await account.get('/preview/v2/pools');
    expect(page.body.data).toHaveLength(pageSizeDefault);
    expect(page.body.has_more).toBe(true);
    for (let index = 0; index <= transactionsPageSizeDefault; index++) expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 1 })).status).toBe(201);
    expect((await account.get('/v1/transactions')).body.data).toHaveLength(transactionsPageSizeDefault);
  });

  it(`makes ids of ${idBodyLength} characters after their prefix, later ones sorting later, and tokens of ${tokenRandomBytes} random bytes`, async () => {
    const account = await server.newAccount();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'id-shape' })).body.id as string;
    expect(pool).toMatch(new RegExp(`^pool_[A-Za-z0-9_-]{${idBodyLength}}$`));
    const later = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'id-shape-later' })).body.id as string;
    expect(Buffer.compare(Buffer.from(pool), Buffer.from(later))).toBe(-1);
    const token = (await server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, {})).body.token as string;
    expect(token.startsWith(accountTokenPrefix)).toBe(true);
    expect(Buffer.from(token.slice(accountTokenPrefix.length), 'base64url')).toHaveLength(tokenRandomBytes);
  });

  it(`counts the allocation held ${heldMetricHorizonSeconds / 86_400} days ahead in /metrics, and keeps a spot deployment's ${spotWindowMinutes} minutes bought ahead`, async () => {
    const account = await server.newAccount();
    const heldSku = await server.newInstanceSku('held-metric-sku');
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'held' })).body.id as string;
    await server.issue(pool, heldSku, [{ start_at: Math.floor(server.clock.now() / 60) * 60, end_at: null, node_count: 1 }]);
    const metrics = await (await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${testOperatorToken}` } })).text();
    expect(metrics).toContain(`allot_allocation_held_node_seconds{instance_sku="${heldSku}"} ${heldMetricHorizonSeconds}\n`);

    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', name: 'spot-bounds', image: 'ubuntu-24.04-cuda-12.8' })).body.id as string;
    const spot = await account.post('/preview/v2/deployments', { kind: 'spot', name: 'spot-bounds', pool, instance_sku: heldSku, instance_template: template, target_instance_count: 0, max_buy_price_dollars_per_node_hour: '1.00' });
    expect(spot.status, JSON.stringify(spot.body)).toBe(201);
    const procurements = (await account.get(`/preview/v2/procurements?pool=${pool}`)).body.data as { managed_window_minutes: number }[];
    expect(procurements.map((procurement) => procurement.managed_window_minutes)).toEqual([spotWindowMinutes]);
  });

  it('lists the v1 VM images oldest first, the account\'s with the public ones, has_more false under vmImagesListMax', async () => {
    const account = await server.newAccount();
    const made: string[] = [];
    for (const name of ['vm-image-a', 'vm-image-b']) made.push((await account.post('/preview/v2/images', { workspace: 'default', name })).body.id as string);
    const listed = await account.get('/v1/vms/images');
    expect(listed.status, JSON.stringify(listed.body)).toBe(200);
    expect(listed.body).toMatchObject({ object: 'list', has_more: false });
    const ids = (listed.body.data as { image_id: string }[]).map((image) => image.image_id);
    expect(ids.filter((id) => made.includes(id))).toEqual(made);
    expect(ids.length).toBeGreaterThan(made.length);
    expect(ids.length).toBeLessThan(vmImagesListMax);
  });

  it('takes up to tagsCountMax tags, keys and values up to their lengths', async () => {
    const account = await server.newAccount();
    const tags = (count: number, keyLength = 8, valueLength = 1) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`${index}`.padStart(keyLength, 'k'), 'v'.repeat(valueLength)]));
    const create = (given: Record<string, string>) => account.post('/preview/v2/pools', { workspace: 'default', tags: given });
    expect((await create(tags(tagsCountMax))).status).toBe(201);
    expect((await create(tags(1, tagKeyLengthMax, tagValueLengthMax))).status).toBe(201);
    for (const given of [tags(tagsCountMax + 1), tags(1, tagKeyLengthMax + 1), tags(1, 8, tagValueLengthMax + 1)]) expect((await create(given)).status).toBe(422);
  });

  it('shows up to scheduleHistoryMinutesMax minutes of a pool\'s past schedule', async () => {
    const account = await server.newAccount();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'history' })).body.id as string;
    expect((await account.get(`/preview/v2/pools/${pool}?schedule_history_minutes=${scheduleHistoryMinutesMax}`)).status).toBe(200);
    expect((await account.get(`/preview/v2/pools/${pool}?schedule_history_minutes=${scheduleHistoryMinutesMax + 1}`)).status).toBe(422);
  });

  it('takes a schedule of up to scheduleEntriesMax entries, ending no later than scheduleTimeMax', async () => {
    const account = await server.newAccount();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'long-schedule' })).body.id as string;
    const from = start();
    const entries = (count: number) => Array.from({ length: count }, (_, index) => ({ start_at: from + index * 120, end_at: from + index * 120 + 60, node_count: 1 }));
    const issue = (schedule: { start_at: number; end_at: number | null; node_count: number }[]) => server.operator.post('/admin/v1/allocations', { pool, instance_sku: sku, allocation_schedule: schedule });
    expect((await issue(entries(scheduleEntriesMax))).status).toBe(201);
    expect((await issue(entries(scheduleEntriesMax + 1))).status).toBe(400);
    expect((await issue([{ start_at: scheduleTimeMax - 60, end_at: scheduleTimeMax, node_count: 1 }])).status).toBe(201);
    expect((await issue([{ start_at: scheduleTimeMax - 60, end_at: scheduleTimeMax + 60, node_count: 1 }])).status).toBe(400);
    expect(await server.audit()).toEqual([]);
  });

  it('names an account with an id of up to accountIdLengthMax characters', async () => {
    expect((await server.operator.post('/admin/v1/accounts', { name: 'Longest id', id: 'a'.repeat(accountIdLengthMax) })).status).toBe(201);
    expect((await server.operator.post('/admin/v1/accounts', { name: 'Too long an id', id: 'b'.repeat(accountIdLengthMax + 1) })).status).toBe(400);
  });

  it('takes cloud-init user data of up to cloudInitBytesMax bytes, and reads up to logLinesMax log lines', async () => {
    const account = await server.newAccount();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'cloud-init' })).body.id as string;
    const userData = (bytes: number) => Buffer.from(`#!/bin/sh\n${'#'.repeat(bytes - 11)}\n`).toString('base64');
    const create = (bytes: number) => account.post('/preview/v2/instances', { pool, instance_sku: sku, image: 'ubuntu-24.04-cuda-12.8', cloud_init_user_data: userData(bytes) });
    const created = await create(cloudInitBytesMax);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await create(cloudInitBytesMax + 1)).status).toBe(422);
    expect((await account.get(`/preview/v2/instances/${created.body.id}/logs?limit=${logLinesMax}`)).status).toBe(200);
    expect((await account.get(`/preview/v2/instances/${created.body.id}/logs?limit=${logLinesMax + 1}`)).status).toBe(422);
  });

  it('takes a deployment target of up to deploymentInstancesMax instances', async () => {
    const account = await server.newAccount();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'deployed' })).body.id as string;
    const template = (await account.post('/preview/v2/instance_templates', { workspace: 'default', name: 'bounded', image: 'ubuntu-24.04-cuda-12.8' })).body.id as string;
    const deployment = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template, target_instance_count: 0 });
    expect(deployment.status, JSON.stringify(deployment.body)).toBe(201);
    // At the limit the request makes its first batch and the engine the rest: the deployment
    // stays in a pool with no allocation, so none of them runs.
    expect((await account.patch(`/preview/v2/deployments/${deployment.body.id}`, { target_instance_count: deploymentInstancesMax + 1 })).status).toBe(422);
    const patched = await account.patch(`/preview/v2/deployments/${deployment.body.id}`, { target_instance_count: deploymentInstancesMax });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect((await account.patch(`/preview/v2/deployments/${deployment.body.id}`, { target_instance_count: 0 })).status).toBe(200);
  });

  it('manages a procurement window of up to managedWindowMinutesMax minutes', async () => {
    const account = await server.newAccount();
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'procured' })).body.id as string;
    const procure = (minutes: number) => account.post('/preview/v2/procurements', { pool, instance_sku: sku, target: 0, min_sell_price_dollars_per_node_hour: '99.00', max_buy_price_dollars_per_node_hour: '0.01', managed_window_minutes: minutes });
    expect((await procure(managedWindowMinutesMax)).status).toBe(201);
    expect((await procure(managedWindowMinutesMax + 1)).status).toBe(422);
  });

  it('quotes and keeps v0 procurements of up to 1024 nodes, an hour ahead unless asked', async () => {
    const account = await server.newAccount();
    const quote = (quantity: number) => account.get(`/v0/quote?side=buy&quantity=${quantity}&duration=3600`);
    expect((await quote(quoteNodesMax)).status).toBe(200);
    expect((await quote(quoteNodesMax + 1)).status).toBe(400);
    const procure = (quantity: number) => account.post('/v0/procurements', { instance_type: 'h100i', desired_quantity: quantity, buy_limit_price_per_gpu_hour: 1, sell_limit_price_per_gpu_hour: 100 });
    const kept = await procure(v0ProcurementNodesMax);
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    expect(kept.body.horizon).toBe(v0ProcurementHorizonMinutesDefault);
    expect((await procure(v0ProcurementNodesMax + 1)).status).toBe(400);
  });

  it('names and describes a token with up to tokenNameLengthMax and tokenDescriptionLengthMax characters', async () => {
    const account = await server.newAccount();
    const issue = (name: string, description: string) => server.operator.post(`/admin/v1/accounts/${account.accountId}/tokens`, { name, description });
    expect((await issue('n'.repeat(tokenNameLengthMax), 'd'.repeat(tokenDescriptionLengthMax))).status).toBe(201);
    expect((await issue('n'.repeat(tokenNameLengthMax + 1), 'd')).status).toBe(400);
    expect((await issue('n', 'd'.repeat(tokenDescriptionLengthMax + 1))).status).toBe(400);
  });

  it('takes a user\'s email up to emailLengthMax characters and names up to personNameLengthMax', async () => {
    const account = await server.newAccount();
    const email = (length: number) => `${'u'.repeat(length - 12)}@example.com`;
    const add = (body: Record<string, string>) => server.operator.post(`/admin/v1/accounts/${account.accountId}/users`, body);
    expect((await add({ email: email(emailLengthMax), first_name: 'f'.repeat(personNameLengthMax), last_name: 'l'.repeat(personNameLengthMax) })).status).toBe(201);
    expect((await add({ email: email(emailLengthMax + 1) })).status).toBe(400);
    expect((await add({ email: 'other@example.com', first_name: 'f'.repeat(personNameLengthMax + 1) })).status).toBe(400);
  });

  it(`sets up to ${featureFlagSettingsPerAccountMax} feature flags for an account, each named with up to ${featureFlagNameLengthMax} characters`, async () => {
    const account = await server.newAccount();
    const set = (flag: string) => server.operator.put(`/admin/v1/accounts/${account.accountId}/feature_flags/${flag}`, { enabled: true });
    expect((await set('f'.repeat(featureFlagNameLengthMax))).status).toBe(200);
    // A path parameter off its schema is a 404 where the operation lists one (decisions.md).
    expect((await set('f'.repeat(featureFlagNameLengthMax + 1))).status).toBe(404);
    for (let index = 1; index < featureFlagSettingsPerAccountMax; index++) expect((await set(`flag-${index}`)).status).toBe(200);
    const refused = await set('one-too-many');
    expect(refused.status).toBe(422);
    expect(refused.body.error.message.length).toBeLessThanOrEqual(errorMessageLengthMax);
  });

});

// On a server of their own: they move the clock on, and the tests above leave work that a day's
// advance would replay minute by minute.
describe.each(testDialects)('bounds in time, and the idempotency key, on %s', (dialect) => {
  let server: TestServer;
  let sku: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    sku = await server.newInstanceSku('bounds-in-time-sku');
  });
  afterAll(() => server.close());

  async function bidder() {
    const account = await server.newAccount();
    expect((await server.operator.post(`/admin/v1/accounts/${account.accountId}/credits`, { amount_dollars: 1000 })).status).toBe(201);
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'bids' })).body.id as string;
    // A standing bid a year ahead: it rests, and no advance below reaches it.
    const start = Math.ceil(server.clock.now() / 3600) * 3600 + 366 * 86_400 * 2;
    const bid = (key: string) => account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: '1.000000', allow_standing: true }, { 'idempotency-key': key });
    return { account, bid };
  }

  it('takes an Idempotency-Key of up to idempotencyKeyLengthMax characters', async () => {
    const { bid } = await bidder();
    expect((await bid('k'.repeat(idempotencyKeyLengthMax))).status).toBe(201);
    expect((await bid('k'.repeat(idempotencyKeyLengthMax + 1))).status).toBe(422);
  });

  it('remembers an idempotency key for idempotencyKeyRetentionSeconds, and an upload URL works until signedUrlLifetimeSeconds', async () => {
    const { account, bid } = await bidder();
    const first = (await bid('remembered-for-a-day')).body.id as string;
    const image = (await account.post('/preview/v2/images', { workspace: 'default', name: 'signed' })).body.id as string;
    const url = (await account.post(`/preview/v2/images/${image}/parts`, { part_id: 1 })).body.url as string;
    await server.advance(signedUrlLifetimeSeconds);
    expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'at the limit' })).status).toBe(200);
    await server.advance(1);
    expect((await fetch(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'one past it' })).status).toBe(403);
    await server.advance(idempotencyKeyRetentionSeconds - signedUrlLifetimeSeconds - 2);
    expect((await bid('remembered-for-a-day')).body.id).toBe(first);
    await server.advance(1);
    expect((await bid('remembered-for-a-day')).body.id).not.toBe(first);
  });

  it(`lists the fills of the last ${orderbookFillsSinceDefaultSeconds / 86_400} days unless asked`, async () => {
    const seller = await server.newAccount();
    const supply = (await server.operator.post('/admin/v1/pools', { account: seller.accountId, name: 'supply', kind: 'originating' })).body.id as string;
    const start = Math.ceil((server.clock.now() + 60) / 3600) * 3600;
    await server.issue(supply, sku, [{ start_at: start, end_at: start + 3600, node_count: 1 }]);
    const ask = await seller.post('/preview/v2/orders', { pool: supply, side: 'sell', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: '1.000000', allow_standing: true });
    expect(ask.body.status).toBe('standing');
    const { account: buyer } = await bidder();
    const pool = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'filled' })).body.id as string;
    expect((await buyer.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + 3600, node_count: 1 }], limit_price_dollars_per_node_hour: '2.000000' })).body.status).toBe('filled');
    const fills = async () => (await buyer.get(`/preview/v2/orderbook/fills?instance_sku=${sku}&start_at=${start}&end_at=${start + 3600}`)).body.data as unknown[];
    expect(await fills()).toHaveLength(1);
    await server.advance(orderbookFillsSinceDefaultSeconds);
    expect(await fills()).toHaveLength(1);
    await server.advance(1);
    expect(await fills()).toHaveLength(0);
  });

  it('advances the manual clock by up to clockAdvanceSecondsMax seconds at once', async () => {
    const advance = (seconds: number) => server.operator.post('/admin/v1/clock/advance', { seconds });
    expect((await advance(clockAdvanceSecondsMax + 1)).status).toBe(400);
    const before = server.clock.now();
    expect((await advance(clockAdvanceSecondsMax)).status).toBe(200);
    expect(server.clock.now()).toBe(before + clockAdvanceSecondsMax);
    expect(await server.audit()).toEqual([]);
  });
});
