// An HTTP client for API tests. Every response it receives is validated against SF Compute's
// reference OpenAPI document, or, for allot's own operator API, against the document the server
// serves; a response that does not match fails the test that received it.

import { OpenApiResponseValidator } from './openapi-validator.js';

export interface ApiResponse<T = any> {
  /** The request this answers (for expectations that depend on the operation). */
  readonly request?: { readonly method: string; readonly path: string };
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

const reference = OpenApiResponseValidator.reference();
const v0Reference = OpenApiResponseValidator.v0Reference();
const servedDocuments = new Map<string, Promise<OpenApiResponseValidator>>();

/** Paths that serve documents rather than API resources. */
const unvalidatedPaths = ['/openapi.json', '/docs'];

async function servedValidator(baseUrl: string): Promise<OpenApiResponseValidator> {
  let validator = servedDocuments.get(baseUrl);
  if (validator === undefined) {
    validator = fetch(`${baseUrl}/openapi.json`)
      .then((response) => response.json())
      .then((document) => new OpenApiResponseValidator(document, `${baseUrl}/openapi.json`, false));
    servedDocuments.set(baseUrl, validator);
  }
  return validator;
}

export class ResponseShapeError extends Error {}

/** Validates one response against the reference document, or the served one for what the reference lacks. */
async function checkResponse(baseUrl: string, method: string, path: string, status: number, body: unknown, contentType: string): Promise<void> {
  const bare = path.split('?')[0]!;
  if (unvalidatedPaths.some((prefix) => bare === prefix || bare.startsWith(`${prefix}/`))) return;
  if (body !== undefined && status !== 200 && !contentType.includes('application/json')) {
    throw new ResponseShapeError(`${method} ${path} answered ${status} with ${contentType}, not JSON`);
  }
  // What the v0 reconstruction has is held to it, and to allot's served document (the CLI's shapes) as well.
  if (v0Reference.knows(method, bare)) {
    const problems = v0Reference.validate(method, bare, status, body);
    if (problems.length > 0) throw new ResponseShapeError(`${method} ${path} answered ${status} with a body that does not match reference/v0.openapi.yml:\n  ${problems.join('\n  ')}\n  body: ${JSON.stringify(body)}`);
  }
  const validator = reference.knows(method, bare) ? reference : await servedValidator(baseUrl);
  if (!validator.knows(method, bare)) {
    // Unknown routes, wrong methods and URLs refused before routing still answer in the error envelope.
    if (status >= 400) {
      const problems = reference.validateEnvelope(body);
      if (problems.length > 0) throw new ResponseShapeError(`${method} ${path} ${status}: ${problems.join('; ')}`);
      return;
    }
    throw new ResponseShapeError(`${method} ${path} is in neither the reference nor the served OpenAPI document`);
  }
  const problems = validator.validate(method, bare, status, body);
  if (problems.length > 0) {
    throw new ResponseShapeError(`${method} ${path} answered ${status} with a body that does not match the OpenAPI document:\n  ${problems.join('\n  ')}\n  body: ${JSON.stringify(body)}`);
  }
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
  ) {}

  withToken(token: string | null): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('GET', path, undefined, headers);
  }

  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('POST', path, body, headers);
  }

  patch<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PATCH', path, body, headers);
  }

  put<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request<T>('PUT', path, body, headers);
  }

  delete<T = any>(path: string, headers?: Record<string, string>) {
    return this.request<T>('DELETE', path, undefined, headers);
  }

  /** Sends a raw body (for malformed-JSON and size tests). */
  raw<T = any>(method: string, path: string, rawBody: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
    return this.send<T>(method, path, rawBody, headers);
  }

  async request<T>(method: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const allHeaders = body === undefined ? headers : { 'content-type': 'application/json', ...headers };
    return this.send<T>(method, path, body === undefined ? undefined : JSON.stringify(body), allHeaders);
  }

  private async send<T>(method: string, path: string, rawBody: string | undefined, headers: Record<string, string>): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { ...(this.token === null ? {} : { authorization: `Bearer ${this.token}` }), ...headers },
      ...(rawBody === undefined ? {} : { body: rawBody }),
    });
    const text = await response.text();
    const contentType = response.headers.get('content-type') ?? '';
    const body = text === '' ? undefined : contentType.includes('application/json') ? JSON.parse(text) : text;
    await checkResponse(this.baseUrl, method, path, response.status, body, contentType);
    return { request: { method, path }, status: response.status, body: body as T, headers: response.headers };
  }
}

/**
 * A `fetch` that validates every response it receives as ApiClient does, for clients that bring
 * their own HTTP (the official SDKs): `new SFCNodes({ baseURL, bearerToken, fetch: validatingFetch(baseURL) })`.
 */
export function validatingFetch(baseUrl: string): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const text = await response.clone().text();
    const contentType = response.headers.get('content-type') ?? '';
    const body = text === '' ? undefined : contentType.includes('application/json') ? JSON.parse(text) : text;
    await checkResponse(baseUrl, init?.method ?? 'GET', url.pathname + url.search, response.status, body, contentType);
    return response;
  };
}
