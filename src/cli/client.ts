// The CLI's connection to an allot server: where it is (`--url`, ALLOT_URL), which token it
// sends (`--token`, ALLOT_TOKEN for an account's commands, ALLOT_ADMIN_TOKEN for the
// operator's), JSON over fetch, and SF Compute's error envelope turned into a CliError whose exit
// code says what went wrong (docs/cli.md, "Exit codes").

export const defaultUrl = 'http://127.0.0.1:8080';

/** Exit codes: see docs/cli.md. */
export const exitCodes = {
  ok: 0,
  /** The server refused the request (a 4xx other than those below) or failed (5xx). */
  refused: 1,
  /** The command line was wrong: an unknown option, a missing argument, a bad time. */
  usage: 2,
  /** The server could not be reached. */
  unreachable: 3,
  /** No token, or the server did not accept it (401, 403). */
  unauthorized: 4,
  /** What the command names does not exist (404). */
  notFound: 5,
} as const;

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number, readonly body?: unknown) {
    super(message);
  }
}

export interface GlobalOptions {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
}

export type Audience = 'account' | 'operator';

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export class ApiClient {
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly token: string | null) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** The client for a command of `audience`, from the options and the environment. */
  static for(options: GlobalOptions, audience: Audience | 'none', env: NodeJS.ProcessEnv = process.env): ApiClient {
    const url = options.url ?? (env.ALLOT_URL || defaultUrl);
    if (audience === 'none') return new ApiClient(url, null);
    const variable = audience === 'operator' ? 'ALLOT_ADMIN_TOKEN' : 'ALLOT_TOKEN';
    const token = options.token ?? (env[variable] || undefined);
    if (token === undefined) {
      const what = audience === 'operator' ? 'the operator token (printed at the first start of allot serve)' : 'an account\'s API token (allot serve prints the demo account\'s)';
      throw new CliError(`this command needs ${what}: pass --token or set ${variable}`, exitCodes.unauthorized);
    }
    return new ApiClient(url, token);
  }

  get<T = any>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T = any>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  patch<T = any>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  delete<T = any>(path: string): Promise<T> {
    return this.request<T>('DELETE', path, {});
  }

  url(path: string, query?: Query): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
    }
    return url.toString();
  }

  /** A request; its answer's JSON, or a CliError saying why there is none. */
  async request<T>(method: string, path: string, { query, body, headers }: { query?: Query; body?: unknown; headers?: Record<string, string> }): Promise<T> {
    const response = await this.send(method, this.url(path, query), {
      headers: { ...(this.token === null ? {} : { authorization: `Bearer ${this.token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    if (!response.ok) throw errorFromResponse(method, path, response.status, parsed);
    return parsed as T;
  }

  /** fetch, with a failure to connect turned into a CliError naming the server. */
  async send(method: string, url: string, init: RequestInit & { duplex?: 'half' }): Promise<Response> {
    try {
      return await fetch(url, { method, ...init });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach allot at ${this.baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message} (is allot serve running? set --url or ALLOT_URL)`, exitCodes.unreachable);
    }
  }
}

/** SF Compute's envelope, `{ error: { type, message, details } }`, as a message and an exit code. */
export function errorFromResponse(method: string, path: string, status: number, body: unknown): CliError {
  const error = (body as { error?: { type?: string; message?: string; details?: { field?: string; message?: string }[] } } | undefined)?.error;
  const details = (error?.details ?? []).map((detail) => `\n  ${detail.field === undefined ? '' : `${detail.field}: `}${detail.message ?? ''}`).join('');
  const message = error?.message !== undefined ? `${error.message}${details}` : `${method} ${path} answered ${status}`;
  const exitCode = status === 401 || status === 403 ? exitCodes.unauthorized : status === 404 ? exitCodes.notFound : exitCodes.refused;
  return new CliError(`${message} (HTTP ${status})`, exitCode, body);
}
