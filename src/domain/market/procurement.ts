// Procurements: keep a pool's allocation of one SKU at a target over a window ahead, buying what
// is missing and selling what is surplus, in blocks aligned to whole clock hours (the first block
// runs from the next minute to the next hour). The window holds `managedWindowMinutes` complete
// minutes from the next minute; a block that starts inside it is managed whole.

import { hourSeconds, minimumOver, type Schedule } from '../kernel/schedule.js';

export interface ProcurementBlock {
  readonly startAt: number;
  readonly endAt: number;
}

export interface PlannedOrder extends ProcurementBlock {
  readonly side: 'buy' | 'sell';
  readonly nodes: number;
}

export function procurementBlocks(now: number, managedWindowMinutes: number): ProcurementBlock[] {
  const start = Math.floor(now / 60) * 60 + 60;
  const windowEnd = start + managedWindowMinutes * 60;
  const blocks: ProcurementBlock[] = [];
  for (let blockStart = start; blockStart < windowEnd; ) {
    const blockEnd = Math.floor(blockStart / hourSeconds) * hourSeconds + hourSeconds;
    blocks.push({ startAt: blockStart, endAt: blockEnd });
    blockStart = blockEnd;
  }
  return blocks;
}

/** When a procurement that ran at `at` runs next: on the next hour, as a new block enters its window. */
export function nextRunAfter(at: number): number {
  return Math.floor(at / hourSeconds) * hourSeconds + hourSeconds;
}

/** What to buy or sell so that every block holds the target at every minute. */
export function planProcurement(target: number, allocation: Schedule, now: number, managedWindowMinutes: number): PlannedOrder[] {
  const orders: PlannedOrder[] = [];
  for (const block of procurementBlocks(now, managedWindowMinutes)) {
    const held = minimumOver(allocation, block.startAt, block.endAt);
    if (held < target) orders.push({ ...block, side: 'buy', nodes: target - held });
    else if (held > target) orders.push({ ...block, side: 'sell', nodes: held - target });
  }
  return orders;
}
