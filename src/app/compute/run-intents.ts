// Starting and ending instances, with the intent that goes with each: when instances run for real
// (`context.guestRuns`), the transaction that marks an instance running records the intent to
// run its guest, and the one that ends it the intent to stop it, so the outbox and the instance
// never disagree. The guest worker carries intents out after the commit (engine/guests.ts).
// Every use case that starts or ends instances goes through here, never tx.instances directly;
// so each change of status is also told here, as a domain event (app/kernel/events.ts).

import type { Tx } from '../../store/store.js';
import type { AppContext } from '../kernel/context.js';
import { recordEvent } from '../kernel/events.js';

export async function markInstancesRunning(context: AppContext, tx: Tx, ids: readonly string[], at: number): Promise<void> {
  if (ids.length === 0) return;
  await tx.instances.markRunning(ids, at);
  for (const instanceId of ids) recordEvent(context, tx, { kind: 'instance_status_changed', instanceId, status: 'running', at });
  if (context.guestRuns === undefined) return;
  await tx.instanceRuns.requestRun(ids, at);
  context.guestRuns.requested();
}

/** After deleting ended instances: what their guests left on the host (overlays, consoles) goes too. */
export async function removeInstanceGuests(context: AppContext, tx: Tx, ids: readonly string[], at: number): Promise<void> {
  if (ids.length === 0 || context.guestRuns === undefined) return;
  await tx.instanceRuns.requestRemove(ids, at);
  context.guestRuns.requested();
}

export async function markInstancesEnded(context: AppContext, tx: Tx, ids: readonly string[], status: 'terminated' | 'failed', at: number): Promise<void> {
  if (ids.length === 0) return;
  await tx.instances.markEnded(ids, status, at);
  for (const instanceId of ids) recordEvent(context, tx, { kind: 'instance_status_changed', instanceId, status, at });
  if (context.guestRuns === undefined) return;
  await tx.instanceRuns.requestStop(ids, at);
  context.guestRuns.requested();
}
