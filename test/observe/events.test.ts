// Domain events over HTTP on both stores: a fill is told once it commits, a refused order tells
// nothing, a procurement without money is starved; and `allot serve` logs one info line per fill.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../src/app/kernel/events.js';
import { ApiClient } from '../support/client.js';
import { startServeProcess } from '../support/process.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { hour, openMarket } from './market-scenario.js';

describe.each(testDialects)('domain events on %s', (dialect) => {
  let server: TestServer;
  const heard: DomainEvent[] = [];

  beforeAll(async () => {
    server = await startTestServer(dialect);
    server.context.events!.subscribe((event) => heard.push(event));
  });
  afterAll(() => server.close());

  const since = (mark: number, kind?: DomainEvent['kind']) => heard.slice(mark).filter((event) => kind === undefined || event.kind === kind);

  it('tells a fill once, after it commits, with its contract', async () => {
    const market = await openMarket(server, 2);
    const mark = heard.length;
    const bought = await market.buy(2, '15.00');
    expect(bought.body.status).toBe('filled');
    const fills = since(mark, 'fill');
    expect(fills).toEqual([
      {
        kind: 'fill',
        contractId: bought.body.fills[0].contract,
        instanceSkuId: market.sku,
        buyOrderId: bought.body.id,
        sellOrderId: expect.stringMatching(/^ordr_/),
        nodeSeconds: 2 * hour,
        priceMicrosPerNodeHour: 9_000_000,
        totalMicros: 18_000_000,
        at: server.clock.now(),
      },
    ]);
    expect(since(mark, 'order_matched')).toEqual([expect.objectContaining({ orderId: bought.body.id, side: 'buy', status: 'filled', fills: 1 })]);
  });

  it('tells nothing of an order refused and rolled back', async () => {
    const market = await openMarket(server, 2, 0);
    const mark = heard.length;
    const refused = await market.buy(1, '15.00');
    expect(refused.status).toBe(402);
    expect(since(mark)).toEqual([]);
  });

  it('tells of instances changing status', async () => {
    const market = await openMarket(server, 1);
    expect((await market.buy(1, '15.00')).body.status).toBe('filled');
    const mark = heard.length;
    const created = await market.buyer.post('/preview/v2/instances', { pool: market.buyerPool, image: 'ubuntu-22.04-cuda-12.4', instance_sku: market.sku, name: 'told' });
    expect(created.status).toBe(201);
    await server.advance(hour);
    await server.advance(hour);
    expect(since(mark, 'instance_status_changed').filter((event) => event.kind === 'instance_status_changed' && event.instanceId === created.body.id).map((event) => (event as { status: string }).status)).toEqual([
      'awaiting_allocation',
      'running',
      'terminated',
    ]);
  });

  it('tells of a procurement starved of money', async () => {
    const market = await openMarket(server, 1, 0);
    const mark = heard.length;
    const procurement = await market.buyer.post('/preview/v2/procurements', { pool: market.buyerPool, instance_sku: market.sku, target: 1, min_sell_price_dollars_per_node_hour: '1.00', max_buy_price_dollars_per_node_hour: '12.00', managed_window_minutes: 120 });
    expect(procurement.status).toBe(201);
    expect(since(mark, 'procurement_starved')).toEqual([expect.objectContaining({ kind: 'procurement_starved', procurementId: procurement.body.id, accountId: market.buyer.accountId, message: expect.stringContaining('Insufficient balance') })]);
  });
});

describe('the event log of allot serve', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'allot-event-log-'));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('logs one info line per fill', async () => {
    const operatorToken = 'allot_admin_event-log-test';
    const served = await startServeProcess(['--db', `sqlite:${join(directory, 'allot.db')}`, '--clock', 'manual', '--seed', 'none', '--log-level', 'info'], { ALLOT_ADMIN_TOKEN: operatorToken });
    try {
      const operator = new ApiClient(served.baseUrl, operatorToken);
      const clock = (await operator.get('/admin/v1/clock')).body.now as number;
      const start = Math.floor(clock / hour) * hour + 2 * hour;
      const sku = (await operator.post('/admin/v1/instance_skus', { alias: 'logged', accelerator: 'h100', num_accelerators: 8, rdma_type: 'infiniband' })).body.id as string;
      const account = async (name: string) => {
        const created = (await operator.post('/admin/v1/accounts', { name })).body;
        return Object.assign(new ApiClient(served.baseUrl, created.token as string), { accountId: created.id as string });
      };
      const seller = await account('Seller');
      const supply = (await operator.post('/admin/v1/pools', { account: seller.accountId, name: 'supply', kind: 'originating' })).body.id as string;
      await operator.post('/admin/v1/allocations', { pool: supply, instance_sku: sku, allocation_schedule: [{ start_at: start, end_at: start + hour, node_count: 1 }] });
      const order = (client: ApiClient, pool: string, side: string, flags: object) =>
        client.post('/preview/v2/orders', { pool, side, instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: start + hour, node_count: 1 }], limit_price_dollars_per_node_hour: '9.00', ...flags });
      expect((await order(seller, supply, 'sell', { allow_standing: true })).body.status).toBe('standing');
      const buyer = await account('Buyer');
      await operator.post(`/admin/v1/accounts/${buyer.accountId}/credits`, { amount_dollars: 100 });
      const pool = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'compute' })).body.id as string;
      const bought = await order(buyer, pool, 'buy', {});
      expect(bought.body.status).toBe('filled');
      // The line is written after the commit; pino may still be flushing it as the response arrives.
      const fillLinesNow = () =>
        served
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as { level: number; msg: string; event?: { kind: string; contractId: string } })
          .filter((line) => line.event?.kind === 'fill');
      await expect.poll(() => fillLinesNow().length, { timeout: 10_000 }).toBeGreaterThan(0);
      const fillLines = fillLinesNow();
      expect(fillLines).toHaveLength(1);
      expect(fillLines[0]).toMatchObject({ level: 30, event: { contractId: bought.body.fills[0].contract }, msg: `fill ${bought.body.fills[0].contract}: 1 node-hours of ${sku} at 9.000000 dollars per node-hour` });
    } finally {
      await served.stop();
    }
  });
});
