// Error responses for the OpenAPI document: one envelope, described per status.

import { ErrorEnvelope } from './common.js';

const descriptions: Readonly<Record<number, string>> = {
  400: 'The request is malformed (invalid_request_error); details name each field.',
  401: 'Missing or invalid token (authentication_error).',
  402: 'The balance cannot cover this (payment_required).',
  403: 'Forbidden (forbidden): e.g. a procurement a deployment owns, changed around it.',
  404: 'Not found, or not yours (not_found).',
  409: 'Conflict with the current state (conflict, idempotency_error).',
  413: 'The body is too large (invalid_request_error).',
  422: 'Validation failed, or the request cannot be carried out now (unprocessable_entity); details name each field.',
  503: 'The database is unavailable; retry after Retry-After seconds (service_unavailable).',
};

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, { ...ErrorEnvelope, description: descriptions[status] ?? 'An error.' }]));
}

/**
 * Statuses an SF Compute operation answers in allot that its reference does not list, each for a
 * reason in docs/decisions.md ("Status codes per operation"). The API tests allow exactly these
 * beyond the reference (test/support/openapi-validator.ts).
 */
export const beyondReference: Readonly<Record<string, readonly number[]>> = {
  // A body off its schema ({"enrolled": boolean}): the reference lists no validation status.
  'POST /preview/v2/feature_flags/{feature_flag}': [422],
  // `schedule_history_minutes` off its range (0 to 1440): the list of pools lists 422 for it.
  'GET /preview/v2/pools/{id}': [422],
};
