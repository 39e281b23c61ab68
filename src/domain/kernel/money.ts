// Money: integer micro-dollars inside, the API's units at the edges. Prices are rates per
// node-hour, kept to per-minute precision (a multiple of $0.000060 per node-hour, that is a whole
// micro-dollar per node-minute), so that the cost of any whole number of node-minutes is a whole
// number of micro-dollars.

import { type Failure, invalidField } from './failures.js';
import { hourSeconds } from './schedule.js';

export const microsPerDollar = 1_000_000;
export const microsPerCent = 10_000;
/** The price tick: $0.000060 per node-hour, one micro-dollar per node-minute. */
export const priceTickMicrosPerHour = 60;

const dollarsPattern = /^(\d{1,9})\.(\d+)$/;

/**
 * Reads a `DollarsPerNodeHour` string (`"2.500000"`: digits, a point, digits) as micro-dollars
 * per node-hour, rounded to the nearest multiple of $0.000060 (half up).
 */
export function parseDollarsPerNodeHour(text: string, field: string): number | Failure {
  const match = dollarsPattern.exec(text);
  if (match === null) return invalidField(field, 'invalid_format', `${field} must be dollars with a decimal point, such as "2.500000"`);
  const fraction = match[2]!;
  // Micro-dollars, rounding half up at the seventh decimal.
  const digits = (fraction + '0000000').slice(0, 7);
  const micros = Number(match[1]) * microsPerDollar + Math.floor(Number(digits) / 10) + (Number(digits[6]) >= 5 ? 1 : 0);
  return roundToTick(micros);
}

export function roundToTick(microsPerHour: number): number {
  return Math.floor((microsPerHour + priceTickMicrosPerHour / 2) / priceTickMicrosPerHour) * priceTickMicrosPerHour;
}

/** `"2.500020"`: micro-dollars as the API's dollar string. */
export function formatDollars(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  return `${sign}${Math.floor(absolute / microsPerDollar)}.${String(absolute % microsPerDollar).padStart(6, '0')}`;
}

/**
 * What `nodeSeconds` of compute cost at a rate per node-hour (a whole number of node-minutes),
 * or null when the amount is beyond exact arithmetic (about nine billion dollars). Orders that
 * large are refused when placed, so every fill's cost is exact.
 */
export function costOf(microsPerHour: number, nodeSeconds: number): number | null {
  if (nodeSeconds % 60 !== 0) throw new Error('costOf needs whole node-minutes');
  const cost = (microsPerHour / priceTickMicrosPerHour) * (nodeSeconds / 60);
  return Number.isSafeInteger(cost) ? cost : null;
}

/** `costOf` for amounts known to be exact. */
export function exactCostOf(microsPerHour: number, nodeSeconds: number): number {
  const cost = costOf(microsPerHour, nodeSeconds);
  if (cost === null) throw new Error(`cost of ${nodeSeconds} node-seconds at ${microsPerHour} is beyond exact arithmetic`);
  return cost;
}

/** Whole cents, rounded down (balances) — the v1 API's unit. */
export function toCents(micros: number): number {
  return Math.floor(micros / microsPerCent);
}

/** Whole cents toward zero, for signed amounts: a debit of $0.009 shows as 0, not −1 cent. */
export function toCentsTowardZero(micros: number): number {
  return Math.trunc(micros / microsPerCent);
}

export function centsToMicros(cents: number): number {
  return cents * microsPerCent;
}

/** The operator's fee on sells: a flat rate per node-hour plus a share of the execution total. */
export interface FeePolicy {
  readonly flatMicrosPerNodeHour: number;
  readonly basisPoints: number;
}

export const defaultFeePolicy: FeePolicy = { flatMicrosPerNodeHour: 0, basisPoints: 200 };

/** The fee on a sell that executed `totalMicros` for `nodeSeconds`; never more than the total. */
export function feeOf(policy: FeePolicy, totalMicros: number, nodeSeconds: number): number {
  const flat = Math.floor((policy.flatMicrosPerNodeHour * nodeSeconds) / hourSeconds);
  const share = Math.floor((totalMicros * policy.basisPoints) / 10_000);
  return Math.min(totalMicros, flat + share);
}
