// Idempotency keys (`Idempotency-Key`): the same key and body give the original answer; the same
// key with another body (or on another operation) is a 409. The key is stored in the same
// transaction as the effect it guards — with the answer's status and body (`runIdempotentAnswer`),
// or, for operations not moved to it yet, the id of the resource the effect created — and is kept
// for a day.

import { createHash } from 'node:crypto';
import { fail, type Failure, isFailure } from '../../domain/kernel/failures.js';
import { idempotencyKeyRetentionSeconds } from '../../domain/kernel/limits.js';
import type { IdempotencyRecord } from '../../store/kernel.js';
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

/** How the HTTP edge answers a result: its status and the exact text of its body. */
export interface StoredAnswer {
  readonly status: number;
  readonly body: string;
}

/** Turns a result into its answer (inside the transaction, so that the answer is stored with the effect). */
export type Answerer<T> = (result: T) => StoredAnswer;

/** What runs once per key: the effect, what is kept of it, and how a repeated request is answered. */
interface Keyed<T, R> {
  readonly effect: (tx: Tx, now: number) => Promise<{ readonly id: string; readonly result: T } | Failure>;
  /** What the request answers, with the status and body stored under the key. */
  readonly finish: (outcome: { readonly id: string; readonly result: T }) => { readonly value: R; readonly statusCode: number; readonly responseBody: unknown };
  readonly replay: (tx: Tx, stored: IdempotencyRecord) => Promise<R | Failure>;
}

async function runKeyed<T, R>(context: AppContext, request: IdempotentRequest, keyed: Keyed<T, R>): Promise<R | Failure> {
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
            return keyed.replay(tx, stored);
          }
          if (stored !== undefined) await tx.idempotency.delete(request.accountId, request.key);
        }
        const outcome = await keyed.effect(tx, now);
        if (isFailure(outcome)) return outcome;
        const finished = keyed.finish(outcome);
        if (request.key === undefined) return finished.value;
        await tx.idempotency.deleteOlderThan(now - idempotencyKeyRetentionSeconds);
        const inserted = await tx.idempotency.insert({
          accountId: request.accountId,
          key: request.key,
          operation: request.operation,
          requestHash: hash,
          statusCode: finished.statusCode,
          responseBody: finished.responseBody,
          createdAt: now,
        });
        if (!inserted) throw new KeyTakenMeanwhile();
        return finished.value;
      });
    } catch (error) {
      if (!(error instanceof KeyTakenMeanwhile) || attempt >= 1) throw error;
    }
  }
}

function storedId(stored: IdempotencyRecord): string {
  return (stored.responseBody as { id: string }).id;
}

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
  return runKeyed<T, T>(context, request, {
    effect,
    finish: (outcome) => ({ value: outcome.result, statusCode: 0, responseBody: { id: outcome.id } }),
    replay: (tx, stored) => replay(tx, storedId(stored)),
  });
}

/**
 * Runs `effect` once per key, as Stripe does: the answer — its status and the exact text of its
 * body — is stored with the effect, and a repeated request gets that answer back byte for byte,
 * whatever happened since (an order replayed after later fills answers as it did the first
 * time). Keys stored before answers were (status 0) are answered by reading the resource back.
 */
export async function runIdempotentAnswer<T>(
  context: AppContext,
  request: IdempotentRequest,
  effect: (tx: Tx, now: number) => Promise<{ readonly id: string; readonly result: T } | Failure>,
  answer: Answerer<T>,
  replay: (tx: Tx, id: string) => Promise<T | Failure>,
): Promise<StoredAnswer | Failure> {
  return runKeyed<T, StoredAnswer>(context, request, {
    effect,
    finish: (outcome) => {
      const answered = answer(outcome.result);
      return { value: answered, statusCode: answered.status, responseBody: { id: outcome.id, body: answered.body } };
    },
    replay: async (tx, stored) => {
      const body = (stored.responseBody as { body?: unknown }).body;
      if (stored.statusCode !== 0 && typeof body === 'string') return { status: stored.statusCode, body };
      const reread = await replay(tx, storedId(stored));
      return isFailure(reread) ? reread : answer(reread);
    },
  });
}
