// What the CLI prints: tables for people (cli-table3), the server's own JSON with `--json` for
// scripts, and the few formats both share (times, money, schedules).

import Table from 'cli-table3';
import { formatTime } from './time-input.js';

export type Cell = string | number | boolean | null | undefined;

export interface TableView {
  readonly head: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

/** Prints `data` as JSON with --json, otherwise as the view made of it (a table or lines). */
export function emit(json: boolean | undefined, data: unknown, view: (data: any) => TableView | string): void {
  if (json === true) {
    process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return;
  }
  const made = view(data);
  process.stdout.write(typeof made === 'string' ? `${made}\n` : `${table(made)}\n`);
}

export function table({ head, rows }: TableView): string {
  if (rows.length === 0) return '(none)';
  const printed = new Table({ head: [...head], style: { head: [], border: [], compact: true } });
  for (const row of rows) printed.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return printed.toString();
}

/** Name/value lines for one object. */
export function fields(entries: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...entries.map(([name]) => name.length));
  return entries.map(([name, value]) => `${`${name}:`.padEnd(width + 1)} ${value === null || value === undefined ? '-' : String(value)}`).join('\n');
}

export function time(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? '-' : formatTime(seconds);
}

export function cents(value: number): string {
  return `$${(value / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

interface ScheduleEntry {
  readonly start_at: number;
  readonly end_at: number | null;
  readonly node_count: number;
}

/** A schedule's non-zero ranges, such as `2 nodes 2026-01-01T00:00:00Z → 2026-01-02T00:00:00Z`. */
export function schedule(entries: readonly ScheduleEntry[]): string {
  const ranges = entries.filter((entry) => entry.node_count !== 0);
  if (ranges.length === 0) return 'none';
  return ranges.map((entry) => `${entry.node_count} × ${time(entry.start_at)} → ${entry.end_at === null ? '∞' : time(entry.end_at)}`).join('; ');
}
