// What every use case receives: the store, the clock, a source of randomness, the provider
// instances run on, the blob store images live in, and what follows a change of allocation.
// Tests give a manual clock and, for deterministic simulation, a seeded random source.

import { randomFillSync } from 'node:crypto';
import type { Clock } from '../../clock/clock.js';
import { formatId, type IdKind } from '../../domain/kernel/ids.js';
import { idRandomLength } from '../../domain/kernel/limits.js';
import type { FeePolicy } from '../../domain/kernel/money.js';
import { generateName, type NameTemplate, randomBytesNeeded, renderNameTemplate } from '../../domain/kernel/names.js';
import type { InstanceProvider } from '../../providers/provider.js';
import type { BlobStore } from '../../store/blobs.js';
import type { Store, Tx } from '../../store/store.js';
import type { DomainEvents } from './events.js';
import type { Stopping } from './stopping.js';

export interface RandomSource {
  bytes(count: number): Uint8Array;
}

/** Random bytes drawn ahead, a pool at a time: asking the system for each id's 21 bytes cost
 * about 19 µs (a transfer draws two), one pool of 8 KiB about as much. Each byte is handed out once. */
const randomPool = Buffer.alloc(8192);
let randomPoolOffset = randomPool.length;

export const cryptoRandom: RandomSource = {
  bytes: (count) => {
    if (count > randomPool.length) return randomFillSync(new Uint8Array(count));
    if (randomPoolOffset + count > randomPool.length) {
      randomFillSync(randomPool);
      randomPoolOffset = 0;
    }
    const bytes = randomPool.subarray(randomPoolOffset, randomPoolOffset + count);
    randomPoolOffset += count;
    // A copy of its own, so that nothing the caller does reaches the pool.
    return new Uint8Array(bytes);
  },
};

export interface AppContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Where instances run: their console logs and SSH details. */
  readonly provider: InstanceProvider;
  /** Where image bytes are kept. */
  readonly blobs: BlobStore;
  /** The key that signs the upload and download URLs allot hands out. */
  readonly urlSigningKey: string;
  /** What the operator takes from each sell. */
  readonly feePolicy: FeePolicy;
  /** What must follow every change of a pool's allocation, in the same transaction: compute's
   * `reconcilePoolSku` (app/compute/reconciler.ts). */
  readonly followAllocation: AllocationFollower;
  /**
   * Present when instances run for real (the sandbox or qemu driver): transactions that start or
   * end instances record run intents (app/compute/run-intents.ts) and tell it, so the guest
   * worker carries them out once they commit. Absent under the simulated driver, where nothing
   * runs and nothing is recorded.
   */
  readonly guestRuns?: GuestRunNotifier;
  /** Where committed domain events go (app/kernel/events.ts); absent, they go nowhere. */
  readonly events?: DomainEvents;
  /** The server's stop, which long work (an advance of the manual clock) ends early for; absent
   * (tests that build a context of their own), nothing stops it. */
  readonly stopping?: Stopping;
}

export interface GuestRunNotifier {
  /** A transaction recorded run intents: look for them soon (after it commits). */
  requested(): void;
  /**
   * Whether instances of this SKU run on a real driver, which can forward the guest's port 443
   * (a v1 node's `forward_443`); absent, none can.
   */
  forwardsPort443?(instanceSku: { readonly id: string; readonly alias: string }): boolean;
}

/**
 * Brings what runs on one pool's allocation of one SKU in line with it at `at`, inside the
 * transaction that changed it. Allocation and the market move allocation, and compute, which
 * runs instances on it, depends on both; so compute's reconciler reaches them through the
 * context, handed in by whoever builds it, and they never import compute.
 */
export type AllocationFollower = (context: AppContext, tx: Tx, poolId: string, instanceSkuId: string, at: number) => Promise<void>;

/** Per random source, the second its last id was made in and how many it has made in it; per
 * source, so that a seeded run makes the same ids whatever else ran in the process. */
const idCounts = new WeakMap<RandomSource, { atSeconds: number; made: number }>();

export function newId(context: AppContext, kind: IdKind): string {
  const atSeconds = context.clock.now();
  let count = idCounts.get(context.random);
  if (count === undefined || count.atSeconds !== atSeconds) {
    count = { atSeconds, made: 0 };
    idCounts.set(context.random, count);
  }
  return formatId(kind, { atSeconds, sequence: count.made++ }, context.random.bytes(idRandomLength));
}

export function newName(context: AppContext, template?: NameTemplate): string {
  if (template === undefined) return generateName(context.random.bytes(8));
  return renderNameTemplate(template, context.random.bytes(randomBytesNeeded(template)));
}
