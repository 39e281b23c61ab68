// An account's SSH public keys, kept as one setting per account (a JSON list, changed under the
// setting's row lock). Compute reads them (`accountSshKeys`) when it starts an instance, to
// authorise them on the guest; `/v0/credentials` lists and adds them.

import { type Failure, fail, isFailure } from '../../domain/kernel/failures.js';
import { addSshKey, checkPublicKey, type SshKey } from '../../domain/tenancy/ssh-keys.js';
import type { Tx } from '../../store/store.js';
import { createSshKeyOperation, deleteSshKeyOperation } from '../../domain/tenancy/operations.js';
import { type AppContext, newId } from '../kernel/context.js';
import { declaring } from '../kernel/declaring.js';

const settingKey = (accountId: string) => `ssh_keys:${accountId}`;

function decode(text: string | undefined): SshKey[] {
  return text === undefined ? [] : (JSON.parse(text) as SshKey[]);
}

/** The account's keys, oldest first. */
export async function accountSshKeys(tx: Tx, accountId: string): Promise<SshKey[]> {
  return decode(await tx.settings.get(settingKey(accountId)));
}

export async function listSshKeys(context: AppContext, accountId: string): Promise<SshKey[]> {
  return context.store.read((tx) => accountSshKeys(tx, accountId));
}

export const createSshKey = declaring(createSshKeyOperation, async function createSshKey(context: AppContext, accountId: string, input: { readonly pubkey: string; readonly username?: string | null | undefined }): Promise<SshKey | Failure> {
  const publicKey = checkPublicKey(input.pubkey, 'pubkey');
  if (isFailure(publicKey)) return publicKey;
  const now = context.clock.now();
  return context.store.transaction(async (tx) => {
    await tx.settings.setIfAbsent(settingKey(accountId), '[]');
    const keys = decode(await tx.settings.getForUpdate(settingKey(accountId)));
    const key: SshKey = { id: newId(context, 'sshKey'), publicKey, username: input.username ?? null, createdAt: now };
    const added = addSshKey(keys, key);
    if (isFailure(added)) return added;
    await tx.settings.set(settingKey(accountId), JSON.stringify(added));
    return key;
  });
});

export const deleteSshKey = declaring(deleteSshKeyOperation, async function deleteSshKey(context: AppContext, accountId: string, id: string): Promise<null | Failure> {
  return context.store.transaction(async (tx) => {
    const keys = decode(await tx.settings.getForUpdate(settingKey(accountId)));
    const kept = keys.filter((key) => key.id !== id);
    if (kept.length === keys.length) return fail('ssh_key_not_found', `No SSH key "${id}"`);
    await tx.settings.set(settingKey(accountId), JSON.stringify(kept));
    return null;
  });
});
