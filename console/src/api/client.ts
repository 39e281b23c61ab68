// The one way the console talks to allot: fetch with a bearer token, JSON in and out, and every
// failure turned into an ApiError that carries the API's own message, so that views show what
// the server said rather than a status code.

export class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or 0 when the server did not answer at all. */
    readonly status: number,
    /** The envelope's error type, such as not_found or authentication_error. */
    readonly type: string,
    readonly details: readonly { field: string | null; message: string }[] = [],
  ) {
    super(message);
  }
}

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
}

function queryString(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const envelope = JSON.parse(text) as { error?: { type?: string; message?: string; details?: { field: string | null; message: string }[] } };
    if (envelope.error?.message !== undefined) {
      return new ApiError(envelope.error.message, response.status, envelope.error.type ?? 'api_error', envelope.error.details ?? []);
    }
  } catch {
    // Not the API's envelope (a proxy's page, say): show the start of what came back.
  }
  return new ApiError(`HTTP ${response.status}: ${text.slice(0, 200) || response.statusText}`, response.status, 'api_error');
}

/** Calls allot at `path` (same origin) with `token`; resolves to the parsed body, or undefined for 204. */
export async function callApi<T>(token: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${path}${queryString(options.query)}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
  } catch (error) {
    throw new ApiError(`allot did not answer (${(error as Error).message}). Is the server running?`, 0, 'network_error');
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** An API caller bound to one token. */
export type Api = <T>(path: string, options?: RequestOptions) => Promise<T>;

export function apiWithToken(token: string): Api {
  return (path, options) => callApi(token, path, options);
}
