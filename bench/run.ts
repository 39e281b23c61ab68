// `npm run bench`: every benchmark, each printed beside a baseline measured in the same run.
// Figures are for reading, never asserted. BENCH_SECONDS sets the length of each measurement.

import { benchGetPool } from './http-get-pool.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);

const sections: [string, () => Promise<string[]>][] = [['http', () => benchGetPool(seconds)]];

for (const [name, bench] of sections) {
  const lines = await bench();
  process.stdout.write(`\n[${name}]\n${lines.join('\n')}\n`);
}
