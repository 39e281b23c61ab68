// One table test per operation that declares its failures (domain/<context>/operations.ts): a
// request wrong in every way the operation checks is refused for the first declared failure;
// fixing that one reveals the next, and so on in the declared order, until the request succeeds.
// Each step is checked by its status and error type (from the one table, src/http/errors.ts) and
// by what its message names.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderOperation, cancelOrderOperation } from '../../src/domain/market/operations.js';
import { createPoolOperation, createPoolTransferOperation, deletePoolOperation, issueAllocationOperation, retireAllocationOperation, updatePoolOperation } from '../../src/domain/allocation/operations.js';
import type { Operation } from '../../src/domain/kernel/operations.js';
import { failureStatus } from '../../src/http/errors.js';
import type { ApiClient, ApiResponse } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

/** Sends the request with the first `fixed` faults fixed; the last call (all fixed) must succeed. */
type Attempt = (fixed: number) => Promise<ApiResponse>;

/** Walks an operation's declared failures: with `i` faults fixed, the answer is step `i`'s failure. */
async function walk(op: Operation, attempt: Attempt, messages: readonly RegExp[], success: number) {
  expect(messages.length, `${op.name}: one message per declared step`).toBe(op.failures.length);
  for (const [index, [code, condition]] of op.failures.entries()) {
    const response = await attempt(index);
    const { status, type } = failureStatus[code];
    expect({ step: index, condition, status: response.status, type: response.body?.error?.type }).toEqual({ step: index, condition, status, type });
    expect(response.body.error.message, `${op.name} step ${index} (${code}): ${condition}`).toMatch(messages[index]!);
  }
  const done = await attempt(op.failures.length);
  expect(done.status, JSON.stringify(done.body)).toBe(success);
}

describe.each(testDialects)('failures in declared order on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;
  let now: number;
  let pool: string;
  let readOnly: string;
  let originating: string;

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    sku = await server.newInstanceSku('order-sku');
    now = server.clock.now();
    pool = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'main' })).body.id;
    const operatorPool = async (name: string, kind: string) => (await server.operator.post('/admin/v1/pools', { account: account.accountId, name, kind })).body.id as string;
    readOnly = await operatorPool('frozen', 'read_only');
    originating = await operatorPool('supply', 'originating');
  });
  afterAll(() => server.close());

  const hour = () => {
    const start = Math.ceil((now + 60) / 3600) * 3600;
    return { start_at: start, end_at: start + 3600 };
  };

  it('create_order', async () => {
    // An earlier order under the key, so that a different request under it is refused.
    const key = 'order-key';
    const first = await account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ ...hour(), node_count: 1 }], limit_price_dollars_per_node_hour: '0.000000' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    await walk(
      createOrderOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        const body = {
          pool: !at(3) ? 'no-such-pool' : !at(5) ? readOnly : !at(6) ? originating : pool,
          // The last step is a sell's: a buy never checks allocation, a sell never the balance.
          side: fixed === 9 ? 'sell' : 'buy',
          instance_sku: at(4) ? sku : 'sku_nosuchskuxxxxxxxxxxxxx',
          allocation_schedule_delta: [at(2) ? { ...hour(), node_count: at(7) ? 1 : 2_000_000_000 } : { start_at: now - 3600, end_at: now, node_count: 1 }],
          limit_price_dollars_per_node_hour: !at(0) ? 'free' : !at(7) ? '999999999.000000' : at(8) ? '0.000000' : '5.000000',
        };
        return account.post('/preview/v2/orders', body, at(1) ? {} : { 'idempotency-key': key });
      },
      [/limit_price_dollars_per_node_hour/, /Idempotency-Key/, /before the current minute/, /No pool/, /No instance SKU/, /read-only/, /originating/, /too large/, /Insufficient balance/, /holds 0 node/],
      201,
    );
  });

  it('cancel_order', async () => {
    const placed = await account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ ...hour(), node_count: 1 }], limit_price_dollars_per_node_hour: '0.000000', allow_standing: true });
    expect(placed.body.status).toBe('standing');
    const done = await account.post('/preview/v2/orders', { pool, side: 'buy', instance_sku: sku, allocation_schedule_delta: [{ ...hour(), node_count: 1 }], limit_price_dollars_per_node_hour: '0.000000' });
    expect(done.body.status).toBe('cancelled');
    await walk(cancelOrderOperation, (fixed) => account.delete(`/preview/v2/orders/${fixed === 0 ? 'ordr_nosuchorderxxxxxxxxx' : fixed === 1 ? done.body.id : placed.body.id}`), [/No order/, /cannot be cancelled/], 204);
  });

  it('create_pool_transfer', async () => {
    const key = 'transfer-key';
    const other = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'other' })).body.id as string;
    await server.issue(pool, sku, [{ ...hour(), node_count: 2 }]);
    const first = await account.post('/preview/v2/pool_transfers', { from_pool: pool, to_pool: other, instance_sku: sku, allocation_schedule_delta: [{ ...hour(), node_count: 1 }] }, { 'idempotency-key': key });
    expect(first.status).toBe(202);
    await walk(
      createPoolTransferOperation,
      (fixed) => {
        const at = (step: number) => fixed > step;
        const body = {
          from_pool: !at(2) ? 'no-such-pool' : !at(4) ? other : !at(6) ? readOnly : pool,
          to_pool: !at(3) ? 'no-such-pool' : at(6) && !at(7) ? readOnly : at(7) && !at(8) ? originating : other,
          instance_sku: at(5) ? sku : 'sku_nosuchskuxxxxxxxxxxxxx',
          allocation_schedule_delta: [at(1) ? { ...hour(), node_count: 1 } : { start_at: now - 3600, end_at: now, node_count: 1 }],
        };
        return account.post('/preview/v2/pool_transfers', body, at(0) ? {} : { 'idempotency-key': key });
      },
      [/Idempotency-Key/, /the past cannot move/, /No pool/, /No pool/, /same pool/, /No instance SKU/, /read-only/, /read-only/, /originating/],
      202,
    );
  });

  it('issue_allocation and retire_allocation', async () => {
    const target = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'operated' })).body.id as string;
    const attempt = (path: string) => (fixed: number) =>
      server.operator.post(path, {
        pool: fixed > 1 ? target : 'pool_nosuchpoolxxxxxxxxxx',
        instance_sku: fixed > 2 ? sku : 'sku_nosuchskuxxxxxxxxxxxxx',
        allocation_schedule: [fixed > 0 ? { ...hour(), node_count: fixed > 3 ? 1 : 5 } : { start_at: now - 3600, end_at: now, node_count: 1 }],
      });
    await walk(retireAllocationOperation, (fixed) => (fixed === 4 ? server.issue(target, sku, [{ ...hour(), node_count: 1 }]).then(() => attempt('/admin/v1/retirements')(4)) : attempt('/admin/v1/retirements')(fixed)), [/the past cannot move/, /No pool/, /No instance SKU/, /holds 0 node/], 201);
    await walk(issueAllocationOperation, attempt('/admin/v1/allocations'), [/the past cannot move/, /No pool/, /No instance SKU/], 201);
  });

  it('create_pool, update_pool and delete_pool', async () => {
    await walk(createPoolOperation, (fixed) => account.post('/preview/v2/pools', { workspace: fixed > 0 ? 'default' : 'no-such-workspace', name: fixed > 1 ? 'fresh' : 'main' }), [/No workspace/, /already exists/], 201);
    const spare = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'spare' })).body.id as string;
    await walk(updatePoolOperation, (fixed) => account.patch(`/preview/v2/pools/${fixed === 0 ? 'no-such-pool' : fixed === 1 ? readOnly : spare}`, { name: fixed > 2 ? 'renamed' : 'main' }), [/No pool/, /read-only/, /already exists/], 200);
    const held = (await account.post('/preview/v2/pools', { workspace: 'default', name: 'held' })).body.id as string;
    await server.issue(held, sku, [{ ...hour(), node_count: 1 }]);
    await walk(deletePoolOperation, (fixed) => account.delete(`/preview/v2/pools/${fixed === 0 ? 'no-such-pool' : fixed === 1 ? readOnly : fixed === 2 ? held : spare}`), [/No pool/, /read-only/, /active dependencies/], 204);
  });
});
