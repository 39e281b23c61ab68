// Finds an account's workspace-scoped resource from how a request names it: its id (legacy
// prefixes accepted), its resource path, or its bare name — looked up in the workspace the
// request names, otherwise in the account's default workspace. Another account's resource is
// never found.

import { type Failure, isFailure } from '../../domain/kernel/failures.js';
import { parseReference, type ResourceType } from '../../domain/kernel/resource-paths.js';
import type { Tx } from '../../store/store.js';
import type { WorkspaceRecord } from '../../store/tenancy.js';

export interface ScopedLookups<T> {
  byId(id: string): Promise<T | undefined>;
  byName(workspaceId: string, name: string): Promise<T | undefined>;
}

export async function resolveScoped<T>(tx: Tx, accountId: string, reference: string, type: ResourceType, lookups: ScopedLookups<T>, workspace?: WorkspaceRecord): Promise<T | undefined> {
  const parsed = parseReference(type, reference, true);
  if (parsed === null) return undefined;
  if (parsed.by === 'id') return lookups.byId(parsed.id);
  let home = workspace;
  if (parsed.by === 'path') {
    if (parsed.account !== accountId) return undefined;
    home = await tx.workspaces.findByName(accountId, parsed.workspace!);
  } else if (home === undefined) {
    const account = (await tx.accounts.find(accountId))!;
    home = await tx.workspaces.findById(accountId, account.defaultWorkspaceId);
  }
  return home === undefined ? undefined : lookups.byName(home.id, parsed.name);
}

/**
 * The ids of what a list filter names (`?id=…&id=…`), or null when it names nothing. References
 * that find nothing are dropped: a filter by an unknown id matches nothing rather than failing.
 */
export async function resolveEach<T extends { readonly id: string }>(references: readonly string[] | undefined, resolve: (reference: string) => Promise<T | Failure>): Promise<string[] | null> {
  if (references === undefined || references.length === 0) return null;
  const ids: string[] = [];
  for (const reference of references) {
    const found = await resolve(reference);
    if (!isFailure(found)) ids.push(found.id);
  }
  return ids;
}
