// Time, as allot reads it: integer Unix seconds from one Clock. Use cases read the clock once per
// transaction and hand `now` to the domain, which never reads it itself.

export type ClockMode = 'real' | 'manual';

export interface Clock {
  readonly mode: ClockMode;
  /** The current time in whole Unix seconds. */
  now(): number;
}
