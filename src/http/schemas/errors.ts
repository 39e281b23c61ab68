// Error responses for the OpenAPI document: one envelope, described per status.

import { ErrorEnvelope } from './common.js';

const descriptions: Readonly<Record<number, string>> = {
  400: 'The request is malformed (invalid_request_error); details name each field.',
  401: 'Missing or invalid token (authentication_error).',
  402: 'The balance cannot cover this (payment_required).',
  404: 'Not found, or not yours (not_found).',
  409: 'Conflict with the current state (conflict, idempotency_error).',
  413: 'The body is too large (invalid_request_error).',
  422: 'The request is well-formed but cannot be carried out now (unprocessable_entity).',
};

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(statuses.map((status) => [status, { ...ErrorEnvelope, description: descriptions[status] ?? 'An error.' }]));
}
