// The edge of the HTTP server: what happens to a request before any route sees it and to an
// answer after it leaves one. Every answer carries an `x-request-id` (the caller's own when it
// gives a sound one), every error answer is SF Compute's envelope naming that id, with long
// echoed input cut short, and Fastify's and Node's own refusals (malformed URLs, path
// parameters past the router's bound, malformed HTTP) are answered in the envelope too.

import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { echoedInputLengthMax, errorMessageLengthMax, pathParameterLengthMax, requestIdLengthMax } from '../domain/kernel/limits.js';
import type { ApiServer } from './api-server.js';
import { type ErrorBody, errorBody } from './errors.js';

/** Characters a caller's request id may use: safe in a header, a log line and a JSON string. */
const requestIdPattern = new RegExp(`^[A-Za-z0-9._:/+=@-]{1,${requestIdLengthMax}}$`);


/**
 * Fastify's `genReqId`: the caller's `x-request-id` when it is sound, otherwise a new id. An
 * unsound one (too long, or with characters a log line should not carry) is replaced, not
 * refused: a proxy's odd id is no reason to fail the request.
 */
export function createRequestIds(): (request: IncomingMessage) => string {
  let count = 0;
  return (request) => {
    const given = request.headers['x-request-id'];
    if (typeof given === 'string' && requestIdPattern.test(given)) return given;
    return `req_${(++count).toString(36)}_${Date.now().toString(36)}`;
  };
}

/** Cuts text past `lengthMax` characters, marking the cut with an ellipsis. */
export function cutText(text: string, lengthMax: number): string {
  return text.length <= lengthMax ? text : `${text.slice(0, lengthMax)}…`;
}

/** A message with each long quoted input cut, and the whole bounded. */
function cutMessage(message: string): string {
  const quotedCut = message.length <= echoedInputLengthMax ? message : message.replace(/"([^"]*)"/g, (_quoted, inner: string) => `"${cutText(inner, echoedInputLengthMax)}"`);
  return cutText(quotedCut, errorMessageLengthMax);
}

function isErrorBody(payload: unknown): payload is ErrorBody {
  if (typeof payload !== 'object' || payload === null) return false;
  const error = (payload as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

/** The envelope as it leaves: naming the request, with long echoed input cut. */
export function finishedErrorBody(body: ErrorBody, requestId: string): ErrorBody {
  const { type, message, details } = body.error;
  const finished: ErrorBody['error'] = { type, message: cutMessage(message) };
  if (details !== undefined) {
    finished.details = details.map((detail) => ({
      field: detail.field === null ? null : cutText(detail.field, echoedInputLengthMax),
      code: detail.code,
      message: cutMessage(detail.message),
    }));
  }
  finished.request_id = requestId;
  // Fields beside `error` stay: the legacy `DELETE /v0/tokens/{id}` 404 carries the top-level
  // `code` the `sf` CLI reads.
  return { ...body, error: finished };
}

/** The requests that came as HEAD, routed as GET until their first hook (see routeHeadAsGet). */
const headRequests = new WeakSet<IncomingMessage>();

/**
 * Fastify's `rewriteUrl`, run before routing: a HEAD request is routed as the GET of its path,
 * and answered as that GET is, without a body (Node's response to a HEAD request sends none,
 * whatever is written; its content-length stays the GET's). The request is HEAD again from its
 * first hook on (`restoreHead`), so that logs, metrics and messages name the method it came with.
 * Fastify's own way, a HEAD twin of each GET route, made a third of the routes registered at
 * every start (docs/decisions.md, "Starting fast").
 */
export function routeHeadAsGet(request: IncomingMessage): string {
  if (request.method === 'HEAD') {
    request.method = 'GET';
    headRequests.add(request);
  }
  return request.url ?? '/';
}

function restoreHead(request: IncomingMessage): void {
  if (headRequests.has(request)) request.method = 'HEAD';
}

/**
 * Fastify's `frameworkErrors`: refusals the router makes before any hook runs, so the request
 * id header is set here too. Both are the caller's mistake, so both are 400s like any other
 * malformed request (see docs/decisions.md, "The HTTP edge").
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  restoreHead(request.raw);
  reply.header('x-request-id', request.id);
  const path = request.url.split('?')[0]!;
  let body: ErrorBody;
  if (error.code === 'FST_ERR_BAD_URL') {
    body = errorBody('invalid_request_error', `The path "${path}" is not a valid URL: it has malformed percent-encoding`, [{ field: null, code: 'malformed_url', message: 'Percent-encode each byte as % and two hexadecimal digits' }]);
  } else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    body = errorBody('invalid_request_error', `A path parameter of "${path}" is longer than ${pathParameterLengthMax} characters`, [{ field: null, code: 'too_long', message: `Path parameters have at most ${pathParameterLengthMax} characters` }]);
  } else {
    request.log.error({ err: error }, 'router failed');
    reply.code(500).send(finishedErrorBody(errorBody('api_error', 'Internal server error'), request.id));
    return;
  }
  reply.code(400).send(finishedErrorBody(body, request.id));
}

/** The envelope written straight on a socket, for what Node gives no response to answer with; the
 * connection closes after it. */
function writeOnSocket(socket: Socket, status: number, body: ErrorBody, requestId: string, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(finishedErrorBody(body, requestId));
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `X-Request-Id: ${requestId}\r\n${extra}Connection: close\r\n\r\n${text}`,
  );
}

/**
 * Node's `clientError`: HTTP too malformed to become a request (a bad request line, an unknown
 * method, bad headers, headers too large, a timeout). There is no request to answer through, so
 * the envelope is written on the socket, which is then closed.
 */
export function createClientErrorHandler(requestIds: (request: IncomingMessage) => string) {
  return (error: NodeJS.ErrnoException, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    let status = 400;
    let message = 'The request is not valid HTTP/1.1';
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      message = 'The request was not received in time';
    } else if (error.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      message = 'The request headers are too large';
    } else if (error.code === 'HPE_INVALID_METHOD') {
      status = 405;
      message = 'The request method is not one HTTP defines';
    }
    if (socket.writable) writeOnSocket(socket, status, errorBody('invalid_request_error', message), requestIds({ headers: {} } as IncomingMessage));
    socket.destroy(error);
  };
}

/**
 * What Node would otherwise answer itself, outside the envelope: a request with an `Expect` other
 * than `100-continue` (417 with no body) and `CONNECT` (the connection closed without an answer:
 * allot is no proxy). `allowedMethods` says which methods a path serves, for CONNECT's 405. (An
 * HTTP/1.1 request without `Host`, which Node answers 400 with no body, is `registerEdge`'s:
 * buildServer turns `requireHostHeader` off.)
 */
export function answerWhatNodeWould(server: Server, requestIds: (request: IncomingMessage) => string, allowedMethods: (path: string) => string[]): void {
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const requestId = requestIds(request);
    const text = JSON.stringify(finishedErrorBody(errorBody('invalid_request_error', `The expectation "${cutText(request.headers.expect ?? '', echoedInputLengthMax)}" is not one allot meets: only 100-continue is`), requestId));
    response.writeHead(417, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-request-id': requestId, connection: 'close' });
    response.end(text);
  });
  server.on('connect', (request: IncomingMessage, socket: Socket) => {
    const requestId = requestIds(request);
    const path = (request.url ?? '').split('?')[0]!;
    const allowed = allowedMethods(path);
    if (allowed.length === 0) writeOnSocket(socket, 404, errorBody('not_found', `No route CONNECT ${cutText(path, echoedInputLengthMax)}`), requestId);
    else writeOnSocket(socket, 405, errorBody('invalid_request_error', `CONNECT is not allowed on ${cutText(path, echoedInputLengthMax)}; use ${allowed.join(', ')}`), requestId, { Allow: allowed.join(', ') });
  });
}

/**
 * The logger's options: JSON lines (pino's own format, for collectors) unless standard output is
 * a terminal, where pino-pretty renders them for people. `silent` (tests) writes nothing.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  if (level === 'silent' || process.stdout.isTTY !== true) return { level };
  const pretty = {
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    // A request's line reads "request GET /path 200 1.2ms [req_…]"; other lines keep their fields.
    messageFormat: '{msg}{if method} {method} {url} {status} {ms}ms{end}{if reqId} [{reqId}]{end}',
    ignore: 'pid,hostname,reqId,method,url,status,ms',
  };
  return { level, transport: { target: 'pino-pretty', options: pretty } };
}

type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
type LogArguments = Parameters<FastifyBaseLogger['info']>;
const levelValues: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/**
 * A request's logger, made only when the request logs something its level lets through. Fastify
 * gives every request a child logger naming its id; pino's child costs about as much as the rest
 * of the edge's work on a request, and at the default level most requests never log.
 */
class RequestLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Record<string, unknown>;
  readonly #options: { level?: string };
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Record<string, unknown>, options: { level?: string }) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  #logger(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options));
  }

  #log(level: LogLevel, args: LogArguments): void {
    if (this.#child === undefined && (levelValues[level] ?? 0) < (levelValues[this.level] ?? 0)) return;
    (this.#logger()[level] as (...given: LogArguments) => void)(...args);
  }

  get level(): string {
    return this.#child?.level ?? this.#options.level ?? this.#parent.level;
  }
  set level(level: string) {
    this.#logger().level = level;
  }
  fatal(...args: LogArguments): void { this.#log('fatal', args); }
  error(...args: LogArguments): void { this.#log('error', args); }
  warn(...args: LogArguments): void { this.#log('warn', args); }
  info(...args: LogArguments): void { this.#log('info', args); }
  debug(...args: LogArguments): void { this.#log('debug', args); }
  trace(...args: LogArguments): void { this.#log('trace', args); }
  silent(): void {}
  child(bindings: Record<string, unknown>, options?: { level?: string }): FastifyBaseLogger {
    return this.#logger().child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`: each request's logger, made at its first line (RequestLogger). */
export const requestLoggers: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) => new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;

/**
 * The hooks of the edge: the request id on every answer, every error body finished, and one
 * log line per request at `info` (Fastify's own request logging, two lines a request, is off).
 */
export function registerEdge(app: ApiServer): void {
  app.addHook('onRequest', (request, reply, done) => {
    restoreHead(request.raw);
    reply.header('x-request-id', request.id);
    // Node's own check, which answers outside the envelope, is off (answerWhatNodeWould).
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') {
      reply.code(400).header('connection', 'close').send(errorBody('invalid_request_error', 'An HTTP/1.1 request must send a Host header'));
      return;
    }
    done();
  });
  app.addHook('preSerialization', (request, reply, payload, done) => {
    if (reply.statusCode >= 400 && isErrorBody(payload)) done(null, finishedErrorBody(payload, request.id));
    else done(null, payload);
  });
  if (['trace', 'debug', 'info'].includes(app.log.level)) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info({ method: request.method, url: cutText(request.url, echoedInputLengthMax), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
      done();
    });
  }
  closeConnectionsAnsweredWhileClosing(app);
}

/**
 * A close does not wait on a kept-alive connection whose answer ends after it began. Node's
 * `server.close()` closes the connections idle at that moment and waits for the others; one
 * still sending a streamed answer (an image download whose client has every byte, its last part
 * not yet ended on the server) would then stay open, kept alive, for the keep-alive timeout (72
 * s). So once closing, each answer that ends closes the connections that are now idle.
 */
function closeConnectionsAnsweredWhileClosing(app: ApiServer): void {
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onResponse', (_request, _reply, done) => {
    if (closing) app.server.closeIdleConnections();
    done();
  });
}
