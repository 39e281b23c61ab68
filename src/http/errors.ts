// Every error the API sends, in SF Compute's envelope: `{"error": {"type", "message", "details"?}}`.
// One table maps each domain failure to its HTTP status and error type; one handler turns
// everything else (schema validation, malformed JSON, oversized bodies, bugs) into the envelope.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DetailCode, Failure, FailureCode, FailureDetail } from '../domain/kernel/failures.js';
import { textKeyword } from './validation.js';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'payment_required'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_error'
  | 'unprocessable_entity'
  | 'api_error'
  | 'service_unavailable';

export const failureStatus: Readonly<Record<FailureCode, { readonly status: number; readonly type: ErrorType }>> = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unauthenticated: { status: 401, type: 'authentication_error' },
  account_not_found: { status: 404, type: 'not_found' },
  workspace_not_found: { status: 404, type: 'not_found' },
  pool_not_found: { status: 404, type: 'not_found' },
  instance_sku_not_found: { status: 404, type: 'not_found' },
  pool_transfer_not_found: { status: 404, type: 'not_found' },
  image_not_found: { status: 404, type: 'not_found' },
  instance_template_not_found: { status: 404, type: 'not_found' },
  instance_not_found: { status: 404, type: 'not_found' },
  deployment_not_found: { status: 404, type: 'not_found' },
  order_not_found: { status: 404, type: 'not_found' },
  contract_not_found: { status: 404, type: 'not_found' },
  ssh_key_not_found: { status: 404, type: 'not_found' },
  procurement_not_found: { status: 404, type: 'not_found' },
  node_not_found: { status: 404, type: 'not_found' },
  zone_not_found: { status: 404, type: 'not_found' },
  vm_script_not_found: { status: 404, type: 'not_found' },
  host_not_found: { status: 404, type: 'not_found' },
  host_token_not_found: { status: 404, type: 'not_found' },
  account_id_taken: { status: 409, type: 'conflict' },
  name_taken: { status: 409, type: 'conflict' },
  workspace_not_empty: { status: 422, type: 'unprocessable_entity' },
  workspace_is_default: { status: 422, type: 'unprocessable_entity' },
  workspace_limit_reached: { status: 422, type: 'unprocessable_entity' },
  pool_has_dependencies: { status: 422, type: 'unprocessable_entity' },
  pool_read_only: { status: 422, type: 'unprocessable_entity' },
  pool_cannot_receive: { status: 422, type: 'unprocessable_entity' },
  insufficient_allocation: { status: 422, type: 'unprocessable_entity' },
  clock_not_manual: { status: 409, type: 'conflict' },
  image_not_uploading: { status: 409, type: 'conflict' },
  image_not_ready: { status: 409, type: 'conflict' },
  image_in_use: { status: 409, type: 'conflict' },
  image_too_large: { status: 413, type: 'invalid_request_error' },
  instance_not_deletable: { status: 409, type: 'conflict' },
  instance_not_replaceable: { status: 404, type: 'not_found' },
  instance_template_in_use: { status: 422, type: 'unprocessable_entity' },
  sku_lacks_feature: { status: 422, type: 'unprocessable_entity' },
  pool_cannot_run_instances: { status: 422, type: 'unprocessable_entity' },
  upload_url_invalid: { status: 403, type: 'forbidden' },
  insufficient_balance: { status: 402, type: 'payment_required' },
  order_not_cancellable: { status: 422, type: 'unprocessable_entity' },
  automation_conflict: { status: 409, type: 'conflict' },
  // The v1 nodes API's statuses: SF Compute documents 422 for capacity and state, 400 for deleting an active node.
  no_capacity: { status: 422, type: 'unprocessable_entity' },
  node_active: { status: 400, type: 'invalid_request_error' },
  node_not_changeable: { status: 422, type: 'unprocessable_entity' },
  node_already_released: { status: 409, type: 'conflict' },
  guests_running: { status: 409, type: 'conflict' },
  token_not_found: { status: 404, type: 'not_found' },
  user_not_found: { status: 404, type: 'not_found' },
  email_taken: { status: 409, type: 'conflict' },
  feature_flag_not_found: { status: 404, type: 'not_found' },
  // SF Compute: "403 Feature flag is not self-enrollable".
  feature_flag_not_enrollable: { status: 403, type: 'forbidden' },
  feature_flag_limit_reached: { status: 422, type: 'unprocessable_entity' },
  idempotency_key_reused: { status: 409, type: 'idempotency_error' },
};

export interface ErrorBody {
  /** `request_id` names the request (its `x-request-id`); the edge adds it as the body leaves. */
  error: { type: ErrorType; message: string; details?: FailureDetail[]; request_id?: string };
}

export function errorBody(type: ErrorType, message: string, details?: readonly FailureDetail[]): ErrorBody {
  return details === undefined || details.length === 0 ? { error: { type, message } } : { error: { type, message, details: [...details] } };
}

export function sendFailure(reply: FastifyReply, failure: Failure): FastifyReply {
  const { status, type } = failureStatus[failure.failure];
  return reply.code(status).send(errorBody(type, failure.message, failure.details));
}

/** An ajv error, as Fastify attaches them to a validation error. */
interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
  /** Set on the errors of a key's own schema under `propertyNames`. */
  propertyName?: string;
}

const keywordCodes: Readonly<Record<string, DetailCode>> = {
  required: 'missing',
  type: 'invalid_type',
  pattern: 'invalid_format',
  minLength: 'too_short',
  maxLength: 'too_long',
  minimum: 'out_of_range',
  maximum: 'out_of_range',
  maxProperties: 'too_many',
  maxItems: 'too_many',
  minItems: 'too_few',
  propertyNames: 'invalid_key',
  const: 'invalid_value',
  enum: 'invalid_value',
  [textKeyword]: 'invalid_characters',
};

function fieldOf(location: string | undefined, error: SchemaError): string | null {
  const segments = error.instancePath.split('/').slice(1).map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'required' && typeof error.params.missingProperty === 'string') segments.push(error.params.missingProperty);
  if (error.keyword === 'propertyNames' && typeof error.params.propertyName === 'string') segments.push(error.params.propertyName);
  if (segments.length === 0) return location === 'body' ? null : (location ?? null);
  return segments.join('.');
}

/**
 * Turns ajv's errors into one detail per field, keeping the most telling error of each: a union
 * of "null or a name" that fails reports the name's rule, not "must be null".
 */
export function validationDetails(location: string | undefined, errors: readonly SchemaError[]): FailureDetail[] {
  const specific = errors.filter((error) => error.keyword !== 'anyOf' && error.keyword !== 'oneOf' && !(error.keyword === 'type' && error.params.type === 'null'));
  // Within a field, a bound or a pattern tells more than a failed type or constant: a union of
  // `"node_count"` or an integer given 1e400 reports the integer's bound, not the constant.
  // Fields keep the order of their first error.
  const chosen = specific.length > 0 ? specific : errors;
  const byField = new Map<string, { detail: FailureDetail; rank: number }>();
  for (const error of chosen) {
    // A key that breaks `propertyNames` yields the key rule's own error too; the
    // `propertyNames` error that follows names the key, so it is the one reported.
    if (error.propertyName !== undefined) continue;
    const field = fieldOf(location, error);
    const key = field ?? '';
    const rank = genericRank(error);
    const found = byField.get(key);
    if (found !== undefined && found.rank <= rank) continue;
    const code = keywordCodes[error.keyword] ?? 'invalid';
    const subject = field === null ? 'The request body' : `"${field}"`;
    byField.set(key, { detail: { field, code, message: `${subject} ${describe(error)}` }, rank });
  }
  return [...byField.values()].map((entry) => entry.detail);
}

function genericRank(error: SchemaError): number {
  return ['type', 'const', 'enum'].includes(error.keyword) ? 1 : 0;
}

function describe(error: SchemaError): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'pattern':
      return `must match the pattern ${String(error.params.pattern)}`;
    case 'propertyNames':
      return 'is not a valid key';
    case 'additionalProperties':
      return typeof error.params.additionalProperty === 'string' ? `must not have the property "${error.params.additionalProperty}"` : 'must not have additional properties';
    case textKeyword:
      return 'must not contain NUL or other control characters (tab and line breaks aside) and must be well-formed Unicode';
    case 'minimum':
    case 'maximum':
      return `must be ${error.keyword === 'minimum' ? 'at least' : 'at most'} ${String(error.params.limit)}`;
    default:
      return error.message ?? 'is invalid';
  }
}

/** The one error handler: whatever reached it leaves as an envelope, never as a bare 500. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error.validation !== undefined) {
    const details = validationDetails(error.validationContext, error.validation as SchemaError[]);
    const message = details.length === 1 ? details[0]!.message : `The request is invalid: ${details.map((detail) => detail.message).join('; ')}`;
    return reply.code(400).send(errorBody('invalid_request_error', message, details));
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.code(413).send(errorBody('invalid_request_error', 'The request body is too large'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply.code(415).send(errorBody('invalid_request_error', 'Send the request body as application/json'));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return reply.code(400).send(errorBody('invalid_request_error', 'The request body is empty; send a JSON object'));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return reply.code(400).send(errorBody('invalid_request_error', 'The Content-Length header does not match the body'));
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return reply.code(400).send(errorBody('invalid_request_error', 'The request body is not valid JSON', [{ field: null, code: 'malformed_json', message: error.message }]));
  }
  const status = error.statusCode ?? 500;
  if (status === 503) {
    // The database is away (store/store.ts StoreUnavailable): nothing was acknowledged; try again.
    const retryAfterSeconds = (error as { retryAfterSeconds?: number }).retryAfterSeconds ?? 1;
    request.log.warn({ err: error }, 'service unavailable');
    return reply.code(503).header('retry-after', String(retryAfterSeconds)).send(errorBody('service_unavailable', `Service temporarily unavailable; retry after ${retryAfterSeconds} s`));
  }
  if (status >= 400 && status < 500) {
    return reply.code(status).send(errorBody('invalid_request_error', error.message));
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send(errorBody('api_error', 'Internal server error'));
}
