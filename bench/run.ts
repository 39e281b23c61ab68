// `npm run bench`: every benchmark, each printed beside a baseline measured in the same run.
// Figures are for reading, never asserted. BENCH_SECONDS sets the length of each measurement;
// BENCH_ONLY (comma-separated section names) runs only those sections.

import { benchAdvance } from './advance.js';
import { benchYearAdvance } from './advance-year.js';
import { benchFleet } from './fleet.js';
import { benchGuests } from './guests.js';
import { benchGuestsApi } from './guests-api.js';
import { benchGetPool } from './http-get-pool.js';
import { benchMarket } from './market.js';
import { benchProcurementAdvance } from './procurement-advance.js';
import { benchScheduleAlgebra } from './schedule.js';
import { benchServeStart } from './serve-start.js';
import { benchTransfers } from './transfers.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
/** PostgreSQL for the benchmarks that measure it; the same variable the tests use. */
const postgresUrl = process.env.ALLOT_TEST_POSTGRES_URL || undefined;

const sections: [string, () => Promise<string[]>][] = [
  ['start', () => benchServeStart()],
  ['http', () => benchGetPool(seconds, postgresUrl)],
  ['transfers', () => benchTransfers(seconds, postgresUrl)],
  ['schedule', () => benchScheduleAlgebra()],
  ['advance', () => benchAdvance(postgresUrl)],
  ['advance-year', () => benchYearAdvance(postgresUrl)],
  ['procurements', () => benchProcurementAdvance()],
  ['market', () => benchMarket(seconds, postgresUrl)],
  ['guests', () => benchGuests()],
  ['guests-api', () => benchGuestsApi()],
  ['fleet', () => benchFleet(seconds, postgresUrl)],
];
const only = process.env.BENCH_ONLY?.split(',') ?? null;

for (const [name, bench] of sections) {
  if (only !== null && !only.includes(name)) continue;
  const lines = await bench();
  process.stdout.write(`\n[${name}]\n${lines.join('\n')}\n`);
}
