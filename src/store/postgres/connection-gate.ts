// Hands out the pool's connections in arrival order, one per slot, so that `pg.Pool` never queues.
//
// `pg.Pool` has one timeout for two different waits: for a free connection while all are busy, and
// for PostgreSQL to accept a new one. Under a burst (64 requests on a 10-connection pool, on a
// loaded machine) the first wait grows past any timeout short enough to notice a database that is
// away, and requests that were merely queued answered 503. Here the queue is ours: a request waits
// its turn for up to `waitMs`, and only then is the database's own connect bounded by the pool's
// shorter timeout. A database refusing for too many connections (53300) is overload too: the
// connect is retried within the same wait.

import type pg from 'pg';
import { assert } from '../../domain/kernel/assert.js';
import { postgresTooManyConnectionsRetryMs } from '../../domain/kernel/limits.js';

/** A request waited its turn for a connection longer than the gate allows: the service is overloaded. */
export class ConnectionWaitTimeout extends Error {
  override readonly name = 'ConnectionWaitTimeout';
}

export interface GatedPool {
  connect(): Promise<pg.PoolClient>;
  end(): Promise<void>;
}

interface Waiter {
  readonly grant: () => void;
  readonly timer: NodeJS.Timeout;
}

const tooManyConnections = '53300';

export function gatePool(pool: pg.Pool, slots: number, waitMs: number): GatedPool {
  assert(slots > 0, () => 'a gate needs at least one slot');
  let free = slots;
  const waiters: Waiter[] = [];

  const releaseSlot = () => {
    const next = waiters.shift();
    if (next === undefined) {
      free++;
      assert(free <= slots, () => 'a slot was released twice');
      return;
    }
    clearTimeout(next.timer);
    next.grant();
  };

  const takeSlot = (deadline: number): Promise<void> => {
    if (free > 0) {
      free--;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new ConnectionWaitTimeout(`waited ${waitMs} ms for a database connection`));
        }, Math.max(0, deadline - Date.now())),
      };
      waiters.push(waiter);
    });
  };

  const connectWithin = async (deadline: number): Promise<pg.PoolClient> => {
    for (;;) {
      try {
        return await pool.connect();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code !== tooManyConnections || Date.now() + postgresTooManyConnectionsRetryMs > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, postgresTooManyConnectionsRetryMs * (0.5 + Math.random())));
      }
    }
  };

  return {
    async connect() {
      const deadline = Date.now() + waitMs;
      await takeSlot(deadline);
      let client: pg.PoolClient;
      try {
        client = await connectWithin(deadline);
      } catch (error) {
        releaseSlot();
        throw error;
      }
      // pg.Pool gives the client a fresh `release` at every checkout; wrap this checkout's, once.
      const releaseToPool = client.release;
      let released = false;
      client.release = (destroy?: Error | boolean) => {
        if (!released) {
          released = true;
          releaseToPool.call(client, destroy);
          releaseSlot();
        }
      };
      return client;
    },
    end: () => pool.end(),
  };
}
