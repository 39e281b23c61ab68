// A request that comes on a kept-alive connection while the server closes is served as any other,
// its answer closing the connection, not refused with Fastify's own 503 (`return503OnClosing:
// false`, docs/decisions.md). The close is held open by a request whose transaction waits on a
// gate; the second request is written on the same connection once the close has begun (new
// connections are refused). Ordering of events, no timings.

import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { startTestServer, type TestServer } from '../support/server.js';
import type { ApiClient } from '../support/client.js';

/** A store whose transactions wait, once `hold` is called, until its release; `entered` settles when one does. */
function gatedStore(store: Store) {
  let gate: Promise<void> | null = null;
  let entered = () => {};
  const gated = new Proxy(store, {
    get(target, property) {
      if (property === 'transaction') {
        return async (work: Parameters<Store['transaction']>[0]) => {
          if (gate !== null) {
            entered();
            await gate;
          }
          return target.transaction(work);
        };
      }
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store: gated,
    /** Holds every transaction from now on; answers when one waits, and how to let them go. */
    hold(): { readonly waiting: Promise<void>; release(): void } {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      const waiting = new Promise<void>((resolve) => (entered = resolve));
      return {
        waiting,
        release: () => {
          gate = null;
          release();
        },
      };
    },
  };
}

/** Settles once a new connection to the port is refused (the server no longer listens). */
async function untilRefused(port: number, host: string): Promise<void> {
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const probe = connect(port, host);
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('a request on a kept-alive connection while the server closes', () => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let gating: ReturnType<typeof gatedStore>;
  let closed: Promise<void> | null = null;
  beforeAll(async () => {
    server = await startTestServer('sqlite', {
      wrapStore: (store) => {
        gating = gatedStore(store);
        return gating.store;
      },
    });
    account = await server.newAccount();
    // Its first use records its activity in a transaction: done now, before any is held.
    expect((await account.get('/preview/v2/pools')).status).toBe(200);
  });
  afterAll(async () => {
    await (closed ?? server?.close());
  });

  it('is served with the envelope of its operation and Connection: close, not refused with 503', async () => {
    const url = new URL(server.baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const headers = `Host: ${url.host}\r\nAuthorization: Bearer ${account.token}\r\nConnection: keep-alive\r\n`;

    const held = gating.hold();
    const body = JSON.stringify({ workspace: 'default', name: 'made-while-closing' });
    socket.write(`POST /preview/v2/pools HTTP/1.1\r\n${headers}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await held.waiting;
    closed = server.close();
    // Fastify marks itself closing before it stops listening: once a new connection is refused,
    // the close has begun. This one is busy, so it stays open.
    await untilRefused(Number(url.port), url.hostname);
    socket.write(`GET /preview/v2/pools HTTP/1.1\r\n${headers}\r\n`);
    await new Promise((resolve) => setImmediate(resolve));
    held.release();
    await ended;
    await closed;

    const answers = received.split(/(?=HTTP\/1\.1 )/).filter((part) => part.startsWith('HTTP/1.1 '));
    expect(answers.map((answer) => answer.slice(0, 12))).toEqual(['HTTP/1.1 201', 'HTTP/1.1 200']);
    const second = answers[1]!;
    expect(second).toMatch(/^connection: close\r$/im);
    expect(second).toMatch(/^x-request-id: req_/im);
    // Read while the first still waited (Node runs a pipelined request's handler at once).
    expect((JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as { object: string }).object).toBe('list');
  });
});
