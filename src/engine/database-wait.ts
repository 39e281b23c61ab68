// How work that runs on its own (the engine's ticks, the fleet worker's passes and health checks,
// the demo supply's roll) says that the database is away: once at warn when its first failure
// with StoreUnavailable comes, once at warn when it succeeds again (at the level the wait began
// at, so that whoever saw one sees the other), nothing for the failures in between. Any other
// failure is logged as an error each time.

import { StoreUnavailable } from '../store/store.js';

/** Where such work says what happened; Fastify's (pino's) logger is one. */
export interface WorkLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface DatabaseWaitMessages {
  /** Said once when the database goes away (with its reason). */
  readonly waits: string;
  /** Said once when the work succeeds again (with how long it waited). */
  readonly resumed: string;
  /** Said with every other failure (with the error). */
  readonly failed: string;
}

export class DatabaseWait {
  /** performance.now() when the wait began, or null while the database answers. */
  #sinceMs: number | null = null;

  constructor(
    private readonly log: WorkLog,
    private readonly messages: DatabaseWaitMessages,
  ) {}

  /** Whether the work waits for the database to return. */
  get waiting(): boolean {
    return this.#sinceMs !== null;
  }

  /** Logs a failure (the database away once per outage, anything else every time); answers whether it was the database away. */
  failed(error: unknown): boolean {
    if (!(error instanceof StoreUnavailable)) {
      this.log.error({ err: error }, this.messages.failed);
      return false;
    }
    if (this.#sinceMs === null) {
      this.#sinceMs = performance.now();
      this.log.warn({ reason: error.message }, this.messages.waits);
    }
    return true;
  }

  /** After work that succeeded: ends a wait, saying so. */
  succeeded(): void {
    if (this.#sinceMs === null) return;
    const pausedMs = Math.round(performance.now() - this.#sinceMs);
    this.#sinceMs = null;
    this.log.warn({ pausedMs }, this.messages.resumed);
  }
}
