// The engine: time-driven work under the real clock. It wakes at every schedule boundary (or at
// least every few seconds) and processes what is due. Under PostgreSQL, one process leads; the
// others stand by and take over when it goes. The manual clock needs no engine: its advance
// processes boundaries itself.

import { nextDueBoundary, processBoundaries } from './boundaries.js';
import type { AppContext } from '../app/kernel/context.js';

import { engineSleepMsMax as sleepMsMax } from '../domain/kernel/limits.js';

export class Engine {
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(
    private readonly context: AppContext,
    private readonly onError: (error: unknown) => void,
  ) {}

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
        (nextMs) => this.#schedule(nextMs),
        (error: unknown) => {
          this.onError(error);
          this.#schedule(sleepMsMax);
        },
      );
    }, delayMs);
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
