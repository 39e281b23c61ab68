// The wall clock.

import type { Clock } from './clock.js';

export class RealClock implements Clock {
  readonly mode = 'real' as const;

  now(): number {
    return Math.floor(Date.now() / 1000);
  }
}
