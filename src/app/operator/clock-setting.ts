// The manual clock's time is kept in the database, so that a restart resumes where the clock
// stood instead of jumping back to the wall clock.

import type { Store, Tx } from '../../store/store.js';

export const manualClockSetting = 'manual_clock_now';

/** The manual clock's stored time, or `fallback` (stored from now on) on a database that has none. */
export async function loadManualClockTime(store: Store, fallback: number): Promise<number> {
  return Number(await store.transaction((tx) => tx.settings.setIfAbsent(manualClockSetting, String(fallback))));
}

export async function saveManualClockTime(store: Store, now: number): Promise<void> {
  await store.transaction((tx) => tx.settings.set(manualClockSetting, String(now)));
}

/** The manual clock's stored time, when there is one: another process over the same PostgreSQL
 * database may have advanced it past this process's own clock. */
export async function storedManualClockTime(store: Store): Promise<number | undefined> {
  const stored = await store.read((tx) => tx.settings.get(manualClockSetting));
  return stored === undefined ? undefined : Number(stored);
}

/**
 * Saves the manual clock's time in the caller's transaction, beside the work done up to it. It
 * never lowers the stored time: a process whose clock is behind another's (several processes
 * over one PostgreSQL database) would otherwise leave work committed past the stored clock.
 */
export async function saveManualClockTimeIn(tx: Tx, now: number): Promise<void> {
  await tx.settings.raise(manualClockSetting, now);
}
