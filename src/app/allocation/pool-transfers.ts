// Pool transfers (seed 002): an account moves allocation of one SKU between two of its pools.
// A well-formed transfer is accepted (202) and either executed or, when the source cannot afford
// it at some minute, rejected with the first such minute and the shortfall. Malformed or
// forbidden requests are 4xx and leave no transfer behind.

import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { parseId } from '../../domain/kernel/ids.js';
import { declared } from '../../domain/kernel/operations.js';
import { declaring } from '../kernel/declaring.js';
import { createPoolTransferOperation, getPoolTransferOperation, listPoolTransfersOperation } from '../../domain/allocation/operations.js';
import { parseDelta } from '../../domain/allocation/ledger.js';
import { samePoolRefusal, transferOutcome } from '../../domain/allocation/pool-transfers.js';
import { cursorPrefixes, type Page, type PageQuery, parsePageQuery, toPage } from '../../domain/kernel/pagination.js';
import { transferRefusal } from '../../domain/allocation/pools.js';
import type { RectangleInput } from '../../domain/kernel/schedule.js';
import type { InstanceSkuRecord, PoolTransferStatus, PoolTransferView, PoolView } from '../../store/allocation.js';
import type { Tx } from '../../store/store.js';
import { findInstanceSku } from './instance-skus.js';
import { moveAllocation } from './ledger.js';
import { type AppContext, newId } from '../kernel/context.js';
import { type Answerer, runIdempotentAnswer, type StoredAnswer } from '../kernel/idempotency.js';
import { resolvePool, resolvePoolsOfMove } from './pools.js';

export interface CreatePoolTransferInput {
  readonly from_pool: string;
  readonly to_pool: string;
  readonly instance_sku: string;
  readonly allocation_schedule_delta: readonly RectangleInput[];
}

function transferNotFound(reference: string): Failure {
  return fail('pool_transfer_not_found', `No pool transfer "${reference}"`);
}

async function findTransfer(tx: Tx, accountId: string, reference: string): Promise<PoolTransferView | Failure> {
  const id = parseId('poolTransfer', reference);
  const transfer = id === null ? undefined : await tx.poolTransfers.findById(accountId, id);
  return transfer ?? transferNotFound(reference);
}

export async function createPoolTransfer(
  context: AppContext,
  accountId: string,
  input: CreatePoolTransferInput,
  idempotencyKey: string | undefined,
  answer: Answerer<PoolTransferView>,
): Promise<StoredAnswer | Failure> {
  const request = { accountId, key: idempotencyKey, operation: 'create_pool_transfer', body: input };
  return declared(createPoolTransferOperation, await runIdempotentAnswer(
    context,
    request,
    async (tx, now) => {
      const delta = parseDelta(input.allocation_schedule_delta, 'allocation_schedule_delta', now);
      if (isFailure(delta)) return delta;
      // Asked together: on PostgreSQL both statements go out in one round trip (detached-reads.ts).
      const [[from, to], sku] = (await Promise.all([resolvePoolsOfMove(tx, accountId, [input.from_pool, input.to_pool]), findInstanceSku(tx, input.instance_sku)])) as [
        [PoolView | Failure, PoolView | Failure],
        InstanceSkuRecord | Failure,
      ];
      if (isFailure(from)) return from;
      if (isFailure(to)) return to;
      const samePool = samePoolRefusal(from.id, to.id);
      if (samePool !== null) return samePool;
      if (isFailure(sku)) return sku;
      const refusal = transferRefusal('source', from.name, from.kind) ?? transferRefusal('destination', to.name, to.kind);
      if (refusal !== null) return refusal;

      const id = newId(context, 'poolTransfer');
      // Recorded before the move, as executed, so that the balances' locks the move takes are
      // held for one statement fewer; a move refused for a shortfall then marks it rejected.
      const executed = transferOutcome(from.id, sku.id, null);
      // The move's lock of the balances is sent behind the insert without waiting for its answer
      // (one round trip for both on PostgreSQL); the insert still runs first.
      const recording = tx.poolTransfers.insert({ id, accountId, fromPoolId: from.id, toPoolId: to.id, instanceSkuId: sku.id, delta, ...executed, createdAt: now }, sku.alias);
      recording.catch(() => {});
      const moved = await moveAllocation(context, tx, { kind: 'transfer', instanceSkuId: sku.id, fromPoolId: from.id, toPoolId: to.id, delta, referenceId: id }, now).catch(async (error: unknown) => {
        // Its error first, if it failed: the move's statements then failed for that reason alone.
        await recording;
        throw error;
      });
      const recorded = await recording;
      if (!('shortfall' in moved)) return { id, result: recorded };
      const rejected = transferOutcome(from.id, sku.id, moved.shortfall);
      await tx.poolTransfers.markRejected(id, rejected.rejectedReason!);
      return { id, result: { ...recorded, ...rejected } };
    },
    answer,
    (tx, id) => findTransfer(tx, accountId, id),
  ));
}

export const getPoolTransfer = declaring(getPoolTransferOperation, async function getPoolTransfer(context: AppContext, accountId: string, reference: string): Promise<PoolTransferView | Failure> {
  return context.store.read((tx) => findTransfer(tx, accountId, reference));
});

export interface ListPoolTransfersInput extends PageQuery {
  readonly pool?: readonly string[] | undefined;
  readonly status?: PoolTransferStatus | undefined;
}

export const listPoolTransfers = declaring(listPoolTransfersOperation, async function listPoolTransfers(context: AppContext, accountId: string, input: ListPoolTransfersInput): Promise<Page<PoolTransferView> | Failure> {
  const page = parsePageQuery(cursorPrefixes.poolTransfers, input);
  if (isFailure(page)) return page;
  return context.store.read(async (tx) => {
    let poolIds: string[] | null = null;
    if (input.pool !== undefined && input.pool.length > 0) {
      poolIds = [];
      for (const reference of input.pool) {
        const pool = await resolvePool(tx, accountId, reference);
        if (!isFailure(pool)) poolIds.push(pool.id);
      }
    }
    const rows = await tx.poolTransfers.list({ accountId, poolIds, status: input.status ?? null }, page);
    return toPage(cursorPrefixes.poolTransfers, page, rows);
  });
});
