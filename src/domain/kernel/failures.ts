// Expected failures are values, not exceptions. Every use case returns either its result or a
// Failure whose code comes from the closed list below; the HTTP layer maps each code to a status
// and an error type in one table (src/http/errors.ts). Exceptions are reserved for bugs.

export const failureCodes = [
  // The request itself is malformed: a field fails its rules.
  'invalid_request',
  // Authentication.
  'unauthenticated',
  // Lookups. Another account's resource is reported as not found: its existence is not revealed.
  'account_not_found',
  'workspace_not_found',
  'pool_not_found',
  'instance_sku_not_found',
  'pool_transfer_not_found',
  'image_not_found',
  'instance_template_not_found',
  'instance_not_found',
  'deployment_not_found',
  'order_not_found',
  'contract_not_found',
  'ssh_key_not_found',
  'procurement_not_found',
  'node_not_found',
  'zone_not_found',
  'vm_script_not_found',
  'host_not_found',
  'host_token_not_found',
  // Uniqueness.
  'account_id_taken',
  'name_taken',
  // State that forbids the operation.
  'workspace_not_empty',
  'workspace_is_default',
  'workspace_limit_reached',
  'pool_has_dependencies',
  'pool_read_only',
  'pool_cannot_receive',
  'insufficient_allocation',
  'clock_not_manual',
  'image_not_uploading',
  'image_not_ready',
  'image_in_use',
  'image_too_large',
  'instance_not_deletable',
  'instance_not_replaceable',
  'instance_template_in_use',
  'sku_lacks_feature',
  'pool_cannot_run_instances',
  'upload_url_invalid',
  'insufficient_balance',
  'order_not_cancellable',
  'automation_conflict',
  'no_capacity',
  'node_active',
  'node_not_changeable',
  'node_already_released',
  // The operator's reset: refused while real guests may still run.
  'guests_running',
  // Tenancy: tokens, users and feature flags.
  'token_not_found',
  'user_not_found',
  'email_taken',
  'feature_flag_not_found',
  'feature_flag_not_enrollable',
  'feature_flag_limit_reached',
  // Idempotency.
  'idempotency_key_reused',
] as const;

export type FailureCode = (typeof failureCodes)[number];

/**
 * What is wrong with one field (`error.details[].code`): a closed list too, so that a client can
 * act on a code and a new one is a decision, not a typo.
 */
export const detailCodes = [
  // The value's form: its type, its format, a name or key's rules.
  'missing', 'invalid_type', 'invalid_format', 'invalid_value', 'invalid_name', 'invalid_key', 'invalid_bytes', 'invalid_characters', 'invalid_base64', 'sha256_mismatch', 'invalid_side', 'invalid_time', 'invalid_timestamp', 'invalid_cursor', 'malformed_json', 'malformed_url', 'invalid',
  // Its size or count: a number out of range, a text or list too long or short.
  'out_of_range', 'too_low', 'too_long', 'too_short', 'too_many', 'too_few', 'too_large', 'negative', 'empty', 'count_mismatch',
  // Times and ranges: minute-aligned, ordered, not in the past, one range where one is asked.
  'misaligned', 'invalid_range', 'in_the_past', 'unsorted', 'overlapping', 'unbounded_not_last', 'single_range',
  // How fields combine.
  'conflicting_parameters', 'duplicate', 'same_pool', 'same_name', 'too_few_combinations', 'forbidden',
  // What the value names: something that does not exist or cannot serve.
  'not_found', 'unknown_zone', 'unknown_state', 'unknown_property', 'unknown_instance_type', 'unsupported', 'unavailable', 'not_cancellable', 'insufficient_allocation',
] as const;

export type DetailCode = (typeof detailCodes)[number];

/** One problem with one field of a request, as the API reports it in `error.details`. */
export interface FailureDetail {
  readonly field: string | null;
  readonly code: DetailCode;
  readonly message: string;
}

export interface Failure {
  readonly failure: FailureCode;
  readonly message: string;
  readonly details?: readonly FailureDetail[];
}

export function fail(code: FailureCode, message: string, details?: readonly FailureDetail[]): Failure {
  return details === undefined ? { failure: code, message } : { failure: code, message, details };
}

/** A request field that breaks its rules. */
export function invalidField(field: string, code: DetailCode, message: string): Failure {
  return fail('invalid_request', message, [{ field, code, message }]);
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && 'failure' in value && typeof (value as Failure).failure === 'string';
}
