// A small market for the observability tests, driven over HTTP on the manual clock: a provider
// offering nodes an hour ahead, and a buyer with credit and a pool of its own.

import { expect } from 'vitest';
import type { ApiClient } from '../support/client.js';
import type { TestServer } from '../support/server.js';

export type Account = ApiClient & { accountId: string };

export const hour = 3600;

export interface Market {
  readonly sku: string;
  /** The start of the offered hour (the next hour from the clock). */
  readonly start: number;
  readonly end: number;
  readonly seller: Account;
  readonly sellerPool: string;
  readonly buyer: Account;
  readonly buyerPool: string;
  /** Places a buy of the SKU over the offered hour. */
  buy(nodes: number, price: string, account?: Account, pool?: string): Promise<{ status: number; body: any }>;
}

/** A fresh SKU; `offered` nodes issued to a provider and offered at $9.00 over the next hour;
 * a buyer granted `credit` dollars. */
export async function openMarket(server: TestServer, offered: number, credit = 10_000): Promise<Market> {
  const sku = await server.newInstanceSku();
  const now = await server.advance(hour);
  const start = now + hour;
  const end = start + hour;
  const seller = await server.newAccount();
  const sellerPool = (await server.operator.post('/admin/v1/pools', { account: seller.accountId, name: 'supply', kind: 'originating' })).body.id as string;
  await server.issue(sellerPool, sku, [{ start_at: start, end_at: end, node_count: offered }]);
  const order = (account: ApiClient, pool: string, side: 'buy' | 'sell', nodes: number, price: string, flags: object) =>
    account.post('/preview/v2/orders', { pool, side, instance_sku: sku, allocation_schedule_delta: [{ start_at: start, end_at: end, node_count: nodes }], limit_price_dollars_per_node_hour: price, ...flags });
  const offer = await order(seller, sellerPool, 'sell', offered, '9.00', { allow_standing: true, allow_partial: true });
  expect(offer.body.status).toBe('standing');
  const buyer = await server.newAccount();
  if (credit > 0) expect((await server.operator.post(`/admin/v1/accounts/${buyer.accountId}/credits`, { amount_dollars: credit })).status).toBe(201);
  const buyerPool = (await buyer.post('/preview/v2/pools', { workspace: 'default', name: 'compute' })).body.id as string;
  return {
    sku,
    start,
    end,
    seller,
    sellerPool,
    buyer,
    buyerPool,
    buy: (nodes, price, account = buyer, pool = buyerPool) => order(account, pool, 'buy', nodes, price, {}),
  };
}
