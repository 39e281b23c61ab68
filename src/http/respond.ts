// Renders a use case's result: the failure's envelope, or the value in the API's shape.

import type { FastifyReply } from 'fastify';
import { type Failure, isFailure } from '../domain/kernel/failures.js';
import type { Answerer, StoredAnswer } from '../app/kernel/idempotency.js';
import { sendFailure } from './errors.js';

export function respond<T>(reply: FastifyReply, result: T | Failure, status: number, render: (value: T) => unknown): FastifyReply {
  if (isFailure(result)) return sendFailure(reply, result);
  return reply.code(status).send(render(result));
}

/**
 * The answer a use case stores with its idempotency key: `render`'s body serialized as this route
 * sends it (its response schema for `status`), so that the stored text is what was sent.
 */
export function answerWith<T>(reply: FastifyReply, status: number, render: (value: T) => unknown): Answerer<T> {
  return (value) => {
    reply.code(status);
    const body = reply.serialize(render(value));
    if (typeof body !== 'string') throw new Error('the JSON serializer answered bytes, not text');
    return { status, body };
  };
}

/** Sends a stored answer as it is: the first time and every replay alike, byte for byte. */
export function respondAnswer(reply: FastifyReply, result: StoredAnswer | Failure): FastifyReply {
  if (isFailure(result)) return sendFailure(reply, result);
  return reply.code(result.status).type('application/json; charset=utf-8').send(result.body);
}

/** For deletes: 204 with no body. */
export function respondEmpty(reply: FastifyReply, result: null | Failure): FastifyReply {
  if (isFailure(result)) return sendFailure(reply, result);
  return reply.code(204).send();
}

/** A page of a list, in the API's list envelope. */
export function respondPage<T>(
  reply: FastifyReply,
  result: { readonly data: readonly T[]; readonly has_more: boolean; readonly cursor: string | null } | Failure,
  render: (value: T) => unknown,
): FastifyReply {
  return respond(reply, result, 200, (page) => ({ object: 'list', data: page.data.map(render), has_more: page.has_more, cursor: page.cursor }));
}
