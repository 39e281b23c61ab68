// A clock that stands still until it is advanced, for deterministic tests and demos. It never goes
// backwards. Advancing it is the engine's business (each due boundary is processed in order);
// this class only holds the time.

import type { Clock } from './clock.js';

export class ManualClock implements Clock {
  readonly mode = 'manual' as const;
  #now: number;

  constructor(start: number) {
    if (!Number.isInteger(start) || start < 0) throw new Error(`ManualClock needs whole non-negative seconds, got ${start}`);
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves the clock to `time`, which must not be earlier than now. */
  set(time: number): void {
    if (!Number.isInteger(time)) throw new Error(`ManualClock.set needs whole seconds, got ${time}`);
    if (time < this.#now) throw new Error(`ManualClock cannot go backwards from ${this.#now} to ${time}`);
    this.#now = time;
  }
}
