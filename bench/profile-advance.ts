// The advance section (bench/advance.ts) with the statements its advance runs counted: how many
// of each shape, the time spent waiting for them and the rows they touched, by store. For finding
// where an advance spends its time; `npm run bench` is for the figures. Run with
// `node --import tsx bench/profile-advance.ts`; ALLOT_TEST_POSTGRES_URL adds PostgreSQL.
// It wraps the drivers' query functions: `pg`'s Client.query (time to its answer, so round trips
// included) and better-sqlite3's statement calls (in-process, so the statement's own time).

import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { benchAdvance } from './advance.js';

interface Tally {
  count: number;
  ms: number;
  rows: number;
}

const tallies = new Map<string, Tally>();
const profiled = globalThis as { __profiling?: boolean; __profileReport?: () => void };

/** Statements of one shape tally together: a list of placeholders counts as one. */
function record(text: string, ms: number, rows: number): void {
  if (profiled.__profiling !== true) return;
  const shape = text.replace(/\s+/g, ' ').replace(/(\$\d+|\?)(, (\$\d+|\?))+/g, '…').slice(0, 150);
  const tally = tallies.get(shape) ?? { count: 0, ms: 0, rows: 0 };
  tally.count++;
  tally.ms += ms;
  tally.rows += rows;
  tallies.set(shape, tally);
}

const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: unknown }).query = function (this: unknown, config: unknown, ...rest: unknown[]) {
  const text = typeof config === 'string' ? config : (config as { text: string }).text;
  const started = performance.now();
  const result = query.call(this, config, ...rest);
  if (result instanceof Promise) result.then((answer: { rowCount?: number | null }) => record(text, performance.now() - started, answer?.rowCount ?? 0), () => {});
  return result;
};

const probe = new BetterSqlite3(':memory:');
const statementPrototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
probe.close();
for (const method of ['all', 'run', 'get', 'iterate']) {
  const original = statementPrototype[method]!;
  statementPrototype[method] = function (this: { source: string }, ...args: unknown[]) {
    const started = performance.now();
    const result = original.apply(this, args);
    record(this.source, performance.now() - started, Array.isArray(result) ? result.length : ((result as { changes?: number })?.changes ?? 0));
    return result;
  };
}

profiled.__profileReport = () => {
  const rows = [...tallies.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const count = rows.reduce((sum, [, tally]) => sum + tally.count, 0);
  const ms = rows.reduce((sum, [, tally]) => sum + tally.ms, 0);
  process.stdout.write(`  statements: ${count}, ${Math.round(ms)} ms waiting for them\n`);
  for (const [shape, tally] of rows.slice(0, 15)) process.stdout.write(`  ${String(tally.count).padStart(5)} ${String(Math.round(tally.ms)).padStart(6)} ms ${String(tally.rows).padStart(7)} rows  ${shape}\n`);
  tallies.clear();
};

const lines = await benchAdvance(process.env.ALLOT_TEST_POSTGRES_URL || undefined);
process.stdout.write(`${lines.join('\n')}\n`);
