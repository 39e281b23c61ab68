// The cost of schedule algebra at 10, 1,000 and 100,000 steps. Each operation walks its steps
// once, so the time per step should stay flat as schedules grow.

import { add, firstBelow, normalize, type Schedule, subtract } from '../src/domain/kernel/schedule.js';

function scheduleOf(steps: number, offset: number): Schedule {
  return normalize(Array.from({ length: steps }, (_, index) => ({ at: (index * 2 + offset) * 60, count: 1 + ((index + offset) % 7) })));
}

/** Nanoseconds per call of `operation`, over enough calls to take about `budgetMs`. */
function measure(operation: () => unknown, budgetMs: number): number {
  let calls = 0;
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(budgetMs) * 1_000_000n;
  let now = started;
  while (now < deadline) {
    operation();
    calls++;
    now = process.hrtime.bigint();
  }
  return Number(now - started) / calls;
}

export async function benchScheduleAlgebra(): Promise<string[]> {
  const lines = ['schedule algebra (add + subtract + first-below over two schedules of N steps each)', '  steps      µs per call   ns per step'];
  for (const steps of [10, 1_000, 100_000]) {
    const a = scheduleOf(steps, 0);
    const b = scheduleOf(steps, 1);
    const nanoseconds = measure(() => firstBelow(subtract(add(a, b), b), 0, 0), steps >= 100_000 ? 3000 : 1000);
    lines.push(`  ${String(steps).padEnd(10)} ${(nanoseconds / 1000).toFixed(1).padStart(11)}   ${(nanoseconds / steps).toFixed(1).padStart(11)}`);
  }
  return lines;
}
