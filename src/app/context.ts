// What every use case receives: the store, the clock and a source of randomness. Tests give a
// manual clock and, for deterministic simulation, a seeded random source.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock/clock.js';
import { formatId, type IdKind } from '../domain/ids.js';
import { idRandomLength } from '../domain/limits.js';
import { generateName, type NameTemplate, randomBytesNeeded, renderNameTemplate } from '../domain/names.js';
import type { Store } from '../store/store.js';

export interface RandomSource {
  bytes(count: number): Uint8Array;
}

export const cryptoRandom: RandomSource = { bytes: (count) => randomBytes(count) };

export interface AppContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: RandomSource;
}

export function newId(context: AppContext, kind: IdKind): string {
  return formatId(kind, context.random.bytes(idRandomLength));
}

export function newName(context: AppContext, template?: NameTemplate): string {
  if (template === undefined) return generateName(context.random.bytes(8));
  return renderNameTemplate(template, context.random.bytes(randomBytesNeeded(template)));
}
