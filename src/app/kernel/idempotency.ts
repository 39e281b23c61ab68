// Idempotency keys (`Idempotency-Key`): the same key and body give the original result; the same
// key with another body (or on another operation) is a 409. The key is stored in the same
// transaction as the effect it guards, with the id of the resource the effect created, and is
// kept for a day.

import { createHash } from 'node:crypto';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { idempotencyKeyRetentionSeconds } from '../../domain/kernel/limits.js';
import type { Tx } from '../../store/store.js';
import type { AppContext } from './context.js';

export interface IdempotentRequest {
  readonly accountId: string;
  /** The `Idempotency-Key` header; absent means no idempotency. */
  readonly key: string | undefined;
  /** The operation, so that a key reused on another endpoint is refused. */
  readonly operation: string;
  readonly body: unknown;
}

/** JSON with object keys sorted, so that two equal bodies hash the same whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function requestHash(request: IdempotentRequest): string {
  return createHash('sha256').update(request.operation).update('\n').update(canonicalJson(request.body)).digest('hex');
}

/** Another request with the same key committed while this one ran; this one is retried. */
class KeyTakenMeanwhile extends Error {}

/**
 * Runs `effect` once per key. `effect` returns the id of what it created; `replay` reads that
 * resource back for a repeated request. Both run inside the transaction `run` opens.
 */
export async function runIdempotent<T>(
  context: AppContext,
  request: IdempotentRequest,
  effect: (tx: Tx, now: number) => Promise<{ readonly id: string; readonly result: T } | Failure>,
  replay: (tx: Tx, id: string) => Promise<T | Failure>,
): Promise<T | Failure> {
  const hash = request.key === undefined ? '' : requestHash(request);
  // A concurrent request with the same key can win the race once; the retry then replays it.
  for (let attempt = 0; ; attempt++) {
    const now = context.clock.now();
    try {
      return await context.store.transaction(async (tx) => {
        if (request.key !== undefined) {
          const stored = await tx.idempotency.find(request.accountId, request.key);
          if (stored !== undefined && stored.createdAt > now - idempotencyKeyRetentionSeconds) {
            if (stored.operation !== request.operation || stored.requestHash !== hash) {
              return fail('idempotency_key_reused', `Idempotency-Key "${request.key}" was already used with a different request`);
            }
            return replay(tx, (stored.responseBody as { id: string }).id);
          }
          if (stored !== undefined) await tx.idempotency.delete(request.accountId, request.key);
        }
        const outcome = await effect(tx, now);
        if (isFailure(outcome) || request.key === undefined) return isFailure(outcome) ? outcome : outcome.result;
        await tx.idempotency.deleteOlderThan(now - idempotencyKeyRetentionSeconds);
        const stored = await tx.idempotency.insert({
          accountId: request.accountId,
          key: request.key,
          operation: request.operation,
          requestHash: hash,
          statusCode: 0,
          responseBody: { id: outcome.id },
          createdAt: now,
        });
        if (!stored) throw new KeyTakenMeanwhile();
        return outcome.result;
      });
    } catch (error) {
      if (!(error instanceof KeyTakenMeanwhile) || attempt >= 1) throw error;
    }
  }
}
