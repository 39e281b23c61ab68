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
import { DatabaseWait, type WorkLog } from './database-wait.js';

import { enginePausedRetryMsMin, engineSleepMsMax as sleepMsMax } from '../domain/kernel/limits.js';

/** Where the engine says what happened; Fastify's (pino's) logger is one. */
export type EngineLog = WorkLog;

export class Engine {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  readonly #wait: DatabaseWait;
  /** How long the engine waits before its next try while paused. */
  #retryMs = enginePausedRetryMsMin;

  constructor(
    private readonly context: AppContext,
    log: EngineLog,
  ) {
    this.#wait = new DatabaseWait(log, {
      waits: 'engine paused: the database is unavailable; time-driven work waits until it returns',
      resumed: 'engine resumed: the database is back',
      failed: 'engine: a tick failed',
    });
  }

  /** Whether the engine is waiting for the database to return (for /metrics). */
  get paused(): boolean {
    return this.#wait.waiting;
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
    const wasWaiting = this.#wait.waiting;
    if (!this.#wait.failed(error)) return wasWaiting ? this.#retryMs : sleepMsMax;
    this.#retryMs = wasWaiting ? Math.min(sleepMsMax, this.#retryMs * 2) : enginePausedRetryMsMin;
    return this.#retryMs;
  }

  /** After a tick that succeeded: ends a pause, saying so. */
  #resumed(): void {
    this.#wait.succeeded();
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
