// Validates response bodies against an OpenAPI 3.1 document: SF Compute's reference for the API
// it defines, allot's own served document for the operator API. Used by every API test.

import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import FindMyWay, { type HTTPVersion } from 'find-my-way';
import { parse as parseYaml } from 'yaml';
import { pathParameterLengthMax } from '../../src/domain/kernel/limits.js';
import { unlistedStatuses } from '../../src/http/errors.js';
import { beyondReference } from '../../src/http/schemas/errors.js';

type OpenApiDocument = { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> };

const referencePath = new URL('../../reference/preview-v2.openapi.json', import.meta.url);
const v0ReferencePath = new URL('../../reference/v0.openapi.yml', import.meta.url);

/** OpenAPI 3.0's `nullable: true`, which JSON Schema lacks, as a union with null. */
function withNullable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withNullable);
  if (schema === null || typeof schema !== 'object') return schema;
  const { nullable, ...rest } = schema as Record<string, unknown>;
  const converted = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, withNullable(value)]));
  return nullable === true ? { anyOf: [{ type: 'null' }, converted] } : converted;
}

/**
 * SF Compute's ids accept a legacy prefix as well (`InstanceId`: `inst_…` or `vm_…`), as a `oneOf`
 * of two unanchored patterns. An id whose random part holds the other prefix ("inst_…vm_x…", about
 * one id in 15,000) matches both, and a strict `oneOf` would refuse it: where every branch is a
 * string pattern, the branches are read as alternatives (`anyOf`), as the reference describes them.
 */
function withPrefixAlternatives(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withPrefixAlternatives);
  if (schema === null || typeof schema !== 'object') return schema;
  const converted = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withPrefixAlternatives(value)]));
  const { oneOf, ...rest } = converted as Record<string, unknown>;
  const patterns = Array.isArray(oneOf) && oneOf.every((branch) => typeof branch === 'object' && branch !== null && (branch as Record<string, unknown>).type === 'string' && typeof (branch as Record<string, unknown>).pattern === 'string');
  return patterns ? { ...rest, anyOf: oneOf } : converted;
}

/** Schemas of SF Compute's error envelope, for statuses an operation does not declare. */
const envelopeByStatus: Readonly<Record<number, string>> = {
  400: 'BadRequestError',
  401: 'UnauthorizedError',
  402: 'PaymentRequiredError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  409: 'ConflictError',
  422: 'UnprocessableEntityError',
  500: 'InternalServerError',
  503: 'ServiceUnavailableError',
};

const genericEnvelope = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message'],
      properties: {
        type: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'array', items: { type: 'object', required: ['code', 'message'] } },
      },
    },
  },
};

function pointer(segments: readonly string[]): string {
  return segments.map((segment) => encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
}

export class OpenApiResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  private readonly router = FindMyWay<HTTPVersion.V1>({ maxParamLength: pathParameterLengthMax });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(
    private readonly document: OpenApiDocument,
    private readonly documentId: string,
    /** Whether the document's component names follow SF Compute's (for undeclared statuses). */
    private readonly hasReferenceEnvelopes: boolean,
    /**
     * Whether an error status the operation does not list fails (all but the v0 reconstruction,
     * which lists only each operation's 200). Allowed everywhere: `unlistedStatuses` (405, 413,
     * 415, 503) and a 409 `idempotency_error` (docs/decisions.md, "Status codes per operation").
     */
    private readonly strictStatuses = true,
  ) {
    this.ajv.addSchema(document as object, documentId);
    for (const path of Object.keys(document.paths)) {
      const route = path.replace(/\{([^}]+)\}/g, ':$1');
      for (const method of Object.keys(document.paths[path]!)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        this.router.on(method.toUpperCase() as 'GET', route, () => undefined, { path });
      }
    }
  }

  static reference(): OpenApiResponseValidator {
    return new OpenApiResponseValidator(withPrefixAlternatives(JSON.parse(readFileSync(referencePath, 'utf8'))) as OpenApiDocument, 'https://reference.sfcompute/', true);
  }

  /** The v0 reconstruction (reference/v0.openapi.yml), its paths under /v0 as its server URL puts them. */
  static v0Reference(): OpenApiResponseValidator {
    const document = withNullable(parseYaml(readFileSync(v0ReferencePath, 'utf8'))) as OpenApiDocument;
    const paths = Object.fromEntries(Object.entries(document.paths).map(([path, item]) => [`/v0${path}`, item]));
    // The reconstruction gives placing an order 200; SF Compute's live document (the CLI's schema.ts) gives 201, which allot answers.
    const place = paths['/v0/orders']!.post!;
    place.responses = { ...place.responses, '201': place.responses!['200']! };
    return new OpenApiResponseValidator({ ...document, paths }, 'https://reference.sfcompute/v0', false, false);
  }

  /** Whether the document defines this operation. */
  knows(method: string, url: string): boolean {
    return this.router.find(method.toUpperCase() as 'GET', url.split('?')[0]!) !== null;
  }

  /** Problems with the body (empty when it is valid). */
  validate(method: string, url: string, status: number, body: unknown): string[] {
    const found = this.router.find(method.toUpperCase() as 'GET', url.split('?')[0]!);
    if (found === null) return [`${method} ${url} is not in the document`];
    const path = (found.store as { path: string }).path;
    const operation = this.document.paths[path]![method.toLowerCase()]!;
    const response = operation.responses?.[String(status)];
    if (status === 204) return body === undefined ? [] : ['a 204 response must have no body'];
    let validator: ValidateFunction;
    if (response !== undefined) {
      if (response.content?.['application/json'] === undefined) return [];
      validator = this.validatorFor(pointer(['paths', path, method.toLowerCase(), 'responses', String(status), 'content', 'application/json', 'schema']));
    } else if (status >= 400) {
      const errorType = (body as { error?: { type?: string } } | undefined)?.error?.type;
      const allowed = unlistedStatuses.includes(status) || (status === 409 && errorType === 'idempotency_error') || (beyondReference[`${method.toUpperCase()} ${path}`]?.includes(status) ?? false);
      if (this.strictStatuses && !allowed) {
        return [`${method.toUpperCase()} ${path} does not list status ${status} (it lists ${Object.keys(operation.responses ?? {}).join(', ')})`];
      }
      const component = envelopeByStatus[status];
      if (this.hasReferenceEnvelopes && component !== undefined && errorType !== 'idempotency_error') {
        validator = this.validatorFor(pointer(['components', 'schemas', component]));
      } else {
        validator = this.ajv.compile(genericEnvelope);
      }
    } else {
      return [`${method} ${path} does not declare status ${status}`];
    }
    if (validator(body)) return [];
    return (validator.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
  }

  /** Problems with an error body judged only as SF Compute's envelope. */
  validateEnvelope(body: unknown): string[] {
    const validator = this.ajv.compile(genericEnvelope);
    return validator(body) ? [] : (validator.errors ?? []).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''}`);
  }

  private validatorFor(jsonPointer: string): ValidateFunction {
    let validator = this.compiled.get(jsonPointer);
    if (validator === undefined) {
      validator = this.ajv.compile({ $ref: `${this.documentId}#/${jsonPointer}` });
      this.compiled.set(jsonPointer, validator);
    }
    return validator;
  }
}
