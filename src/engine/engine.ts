// The engine: time-driven work under the real clock. It wakes at every schedule boundary (or at
// least every few seconds) and processes what is due. Under PostgreSQL, one process leads; the
// others stand by and take over when it goes. The manual clock needs no engine: its advance
// processes boundaries itself.
//
// While the database is away (a tick fails with StoreUnavailable, leadership check included) the
// engine is paused: it says so once, retries with a backoff doubling up to `engineSleepMsMax`,
// and says once that it resumed when a tick succeeds again. Nothing is lost meanwhile: due work
// stays due in the store, and the first tick after the database returns processes it (late, at
// the present, as any late boundary). Under PostgreSQL the leader's advisory lock went with its
// session if the database restarted, so leadership is taken anew by whichever process asks first.

import { nextDueBoundary, processBoundaries } from './boundaries.js';
import type { AppContext } from '../app/kernel/context.js';
import { StoreUnavailable } from '../store/store.js';

import { enginePausedRetryMsMin, engineSleepMsMax as sleepMsMax } from '../domain/kernel/limits.js';

/** Where the engine says what happened; Fastify's (pino's) logger is one. */
export interface EngineLog {
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Why and since when (performance.now(), ms) the engine is paused. */
interface Pause {
  readonly reason: string;
  readonly sinceMs: number;
  /** How long the engine waits before its next try. */
  readonly retryMs: number;
}

export class Engine {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  #pause: Pause | null = null;

  constructor(
    private readonly context: AppContext,
    private readonly log: EngineLog,
  ) {}

  /** Whether the engine is waiting for the database to return (for /metrics). */
  get paused(): boolean {
    return this.#pause !== null;
  }

  start(): void {
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.#tick().then(
        (nextMs) => {
          this.#resumed();
          this.#schedule(nextMs);
        },
        (error: unknown) => this.#schedule(this.#failed(error)),
      );
    }, delayMs);
  }

  /** Logs a failed tick (a database away once per outage, anything else every time); returns how long to wait. */
  #failed(error: unknown): number {
    if (!(error instanceof StoreUnavailable)) {
      this.log.error({ err: error }, 'engine: a tick failed');
      return this.#pause?.retryMs ?? sleepMsMax;
    }
    if (this.#pause === null) {
      this.#pause = { reason: error.message, sinceMs: performance.now(), retryMs: enginePausedRetryMsMin };
      this.log.warn({ reason: error.message }, 'engine paused: the database is unavailable; time-driven work waits until it returns');
    } else {
      this.#pause = { ...this.#pause, retryMs: Math.min(sleepMsMax, this.#pause.retryMs * 2) };
    }
    return this.#pause.retryMs;
  }

  /** After a tick that succeeded: ends a pause, saying so at the level it began at, so that whoever saw one sees the other. */
  #resumed(): void {
    if (this.#pause === null) return;
    const pausedMs = Math.round(performance.now() - this.#pause.sinceMs);
    this.#pause = null;
    this.log.warn({ pausedMs }, 'engine resumed: the database is back');
  }

  /** Processes what is due; returns how long to sleep. */
  async #tick(): Promise<number> {
    if (!(await this.context.store.isLeader())) return sleepMsMax;
    const clock = this.context.clock;
    await processBoundaries(this.context, clock.now(), () => clock.now());
    const next = await nextDueBoundary(this.context);
    if (next === null) return sleepMsMax;
    // 1000 ms per second; the 50 ms after the boundary let a real clock's second turn before the tick reads it.
    return Math.min(sleepMsMax, Math.max(0, (next - clock.now()) * 1000 + 50));
  }
}
