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

/** The error type SF Compute's envelope carries at each status (its reference fixes one per status). */
export const typeOfStatus: Readonly<Record<number, ErrorType>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'payment_required',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid_request_error',
  409: 'conflict',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  422: 'unprocessable_entity',
  503: 'service_unavailable',
};

const notFound = [404, 422, 400] as const;
const taken = [409, 400, 422] as const;
const unprocessable = [422, 400, 409] as const;

/**
 * Each failure's statuses in order of preference: an operation answers the first of them that it
 * declares in its schema's `response` (which, for SF Compute's operations, lists exactly the
 * statuses its reference document does; test/api/status-codes.test.ts checks). So a duplicate
 * name is a 409 where an operation lists 409, and a 400 on an instance's rename, which lists 400
 * and 422 only. A route may name a status per code instead (`config.failureStatus`).
 * docs/decisions.md, "Status codes per operation".
 */
export const failureStatuses: Readonly<Record<FailureCode, readonly number[]>> = {
  invalid_request: [422, 400],
  unauthenticated: [401],
  account_not_found: notFound,
  workspace_not_found: notFound,
  pool_not_found: notFound,
  instance_sku_not_found: notFound,
  pool_transfer_not_found: notFound,
  image_not_found: notFound,
  instance_template_not_found: notFound,
  instance_not_found: notFound,
  deployment_not_found: notFound,
  order_not_found: notFound,
  contract_not_found: notFound,
  ssh_key_not_found: notFound,
  procurement_not_found: notFound,
  node_not_found: notFound,
  zone_not_found: notFound,
  vm_script_not_found: notFound,
  host_not_found: notFound,
  host_token_not_found: notFound,
  account_id_taken: taken,
  name_taken: taken,
  workspace_not_empty: unprocessable,
  workspace_is_default: unprocessable,
  workspace_limit_reached: unprocessable,
  pool_has_dependencies: unprocessable,
  pool_read_only: unprocessable,
  pool_cannot_receive: unprocessable,
  insufficient_allocation: unprocessable,
  clock_not_manual: [409, 422, 400],
  image_not_uploading: [409, 400, 422],
  image_not_ready: [409, 400, 422],
  image_in_use: [409, 422],
  image_too_large: [413],
  instance_not_deletable: [409, 422],
  instance_not_replaceable: [404],
  instance_template_in_use: unprocessable,
  sku_lacks_feature: unprocessable,
  pool_cannot_run_instances: unprocessable,
  upload_url_invalid: [403],
  insufficient_balance: [402, 422],
  order_not_cancellable: unprocessable,
  // A procurement a spot deployment owns is changed through the deployment: where an operation
  // lists no 409 it is forbidden (403), which every SF Compute operation lists.
  automation_conflict: [409, 403],
  // The v1 nodes API's statuses: SF Compute documents 422 for capacity and state, 400 for deleting an active node.
  no_capacity: unprocessable,
  node_active: [400, 422],
  node_not_changeable: unprocessable,
  node_already_released: [409, 422],
  token_not_found: notFound,
  user_not_found: notFound,
  email_taken: taken,
  feature_flag_not_found: notFound,
  // SF Compute: "403 Feature flag is not self-enrollable".
  feature_flag_not_enrollable: [403],
  feature_flag_limit_reached: unprocessable,
  // Allowed on every operation that takes an Idempotency-Key, listed or not (docs/decisions.md).
  guests_running: [409, 422],
  idempotency_key_reused: [409],
};

/** Statuses allot answers on any operation, listed by it or not (docs/decisions.md, "Status codes per operation"). */
export const unlistedStatuses: readonly number[] = [405, 413, 415, 503];

/** Where a failure or a refusal is answered from: the statuses its operation declares, and its own choices. */
export interface StatusChoices {
  readonly declared: ReadonlySet<number> | null;
  readonly overrides: Readonly<Partial<Record<FailureCode, number>>>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Statuses this operation answers for these failures instead of the preferred ones (`failureStatuses`). */
    failureStatus?: Partial<Record<FailureCode, number>>;
  }
}

const declaredByRoute = new WeakMap<object, ReadonlySet<number>>();

/**
 * Every registered operation's status choices by `METHOD url` (Fastify's `:param` form), the same
 * for every server built (routes are fixed): tests read how an operation answers a failure here.
 */
export const routeStatusChoices = new Map<string, StatusChoices>();

type RouteStatusOptions = { schema?: { response?: Record<string, unknown> }; config?: { failureStatus?: Partial<Record<FailureCode, number>> } } | undefined;

/** The statuses a request's operation declares (its schema's `response`), or null outside any route. */
export function statusChoices(request: FastifyRequest): StatusChoices {
  return statusChoicesOfRoute(request.routeOptions as RouteStatusOptions);
}

/** A route's status choices, from its options as registered (for the tests' expectations too). */
export function statusChoicesOfRoute(options: RouteStatusOptions): StatusChoices {
  const response = options?.schema?.response;
  let declared: ReadonlySet<number> | null = null;
  if (response !== undefined) {
    declared = declaredByRoute.get(response) ?? null;
    if (declared === null) {
      declared = new Set(Object.keys(response).map(Number).filter(Number.isInteger));
      declaredByRoute.set(response, declared);
    }
  }
  return { declared, overrides: options?.config?.failureStatus ?? {} };
}

/** The first of `preferred` the operation declares; the first of all where it declares none. */
export function choose(preferred: readonly number[], declared: ReadonlySet<number> | null): number {
  if (declared !== null) for (const status of preferred) if (declared.has(status)) return status;
  return preferred[0]!;
}

/** The status and error type a failure is answered with on an operation that declares `declared`. */
export function failureAnswer(code: FailureCode, declared: ReadonlySet<number> | null, overrides: StatusChoices['overrides'] = {}): { status: number; type: ErrorType } {
  if (code === 'idempotency_key_reused') return { status: 409, type: 'idempotency_error' };
  const status = overrides[code] ?? choose(failureStatuses[code], declared);
  return { status, type: typeOfStatus[status] ?? 'invalid_request_error' };
}

/** Each failure's answer where its operation declares every status (the first preference). */
export const failureStatus: Readonly<Record<FailureCode, { readonly status: number; readonly type: ErrorType }>> = Object.fromEntries(
  Object.keys(failureStatuses).map((code) => [code, failureAnswer(code as FailureCode, null)]),
) as Record<FailureCode, { status: number; type: ErrorType }>;

export interface ErrorBody {
  /** `request_id` names the request (its `x-request-id`); the edge adds it as the body leaves. */
  error: { type: ErrorType; message: string; details?: FailureDetail[]; request_id?: string };
}

export function errorBody(type: ErrorType, message: string, details?: readonly FailureDetail[]): ErrorBody {
  return details === undefined || details.length === 0 ? { error: { type, message } } : { error: { type, message, details: [...details] } };
}

export function sendFailure(reply: FastifyReply, failure: Failure): FastifyReply {
  const { declared, overrides } = statusChoices(reply.request);
  const { status, type } = failureAnswer(failure.failure, declared, overrides);
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
  const { declared, overrides } = statusChoices(request);
  // A request refused before its use case: a path parameter no resource can have is not found;
  // a query or body off its schema fails validation (422 where the operation lists 422); a body
  // that is not JSON at all is a bad request (400 where the operation lists 400).
  const refuse = (preferred: readonly number[], message: string, details?: readonly FailureDetail[]) => {
    const status = choose(preferred, declared);
    return reply.code(status).send(errorBody(typeOfStatus[status] ?? 'invalid_request_error', message, details));
  };
  if (error.validation !== undefined) {
    const details = validationDetails(error.validationContext, error.validation as SchemaError[]);
    const message = details.length === 1 ? details[0]!.message : `The request is invalid: ${details.map((detail) => detail.message).join('; ')}`;
    const invalid = overrides.invalid_request === undefined ? failureStatuses.invalid_request : [overrides.invalid_request];
    return refuse(error.validationContext === 'params' ? [404, ...invalid] : invalid, message, details);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return reply.code(413).send(errorBody('invalid_request_error', 'The request body is too large'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply.code(415).send(errorBody('invalid_request_error', 'Send the request body as application/json'));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return refuse([400, 422], 'The request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return refuse([400, 422], 'The Content-Length header does not match the body');
    default:
      break;
  }
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return refuse([400, 422], 'The request body is not valid JSON', [{ field: null, code: 'malformed_json', message: error.message }]);
  }
  const status = error.statusCode ?? 500;
  if (status === 503) {
    // The database is away (store/store.ts StoreUnavailable), or every attempt met concurrent
    // changes (StoreContended): nothing was acknowledged; try again. Or the server stops
    // (app/kernel/stopping.ts ServerStopping), whose message says where the work it cut short
    // stands. Logged without the stack: an outage answers thousands of these, all alike.
    const { retryAfterSeconds = 1, publicMessage } = error as { retryAfterSeconds?: number; publicMessage?: string };
    request.log.warn({ reason: error.message }, 'service unavailable');
    const message = publicMessage ?? `Service temporarily unavailable; retry after ${retryAfterSeconds} s`;
    return reply.code(503).header('retry-after', String(retryAfterSeconds)).send(errorBody('service_unavailable', message));
  }
  if (status >= 400 && status < 500) {
    return reply.code(status).send(errorBody('invalid_request_error', error.message));
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send(errorBody('api_error', 'Internal server error'));
}
