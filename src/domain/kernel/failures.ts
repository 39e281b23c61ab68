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
  'procurement_not_found',
  'node_not_found',
  'zone_not_found',
  'vm_script_not_found',
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

/** One problem with one field of a request, as the API reports it in `error.details`. */
export interface FailureDetail {
  readonly field: string | null;
  readonly code: string;
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
export function invalidField(field: string, code: string, message: string): Failure {
  return fail('invalid_request', message, [{ field, code, message }]);
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === 'object' && value !== null && 'failure' in value && typeof (value as Failure).failure === 'string';
}
