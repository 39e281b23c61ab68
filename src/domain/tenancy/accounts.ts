// Accounts: who owns resources. An account's id is a short slug (`acme-corp`), because it is the
// `<account>` segment of every resource path and the `owner` of every resource.

import { type Failure, invalidField } from '../kernel/failures.js';
import { accountIdLengthMax } from '../kernel/limits.js';

const accountIdRegExp = new RegExp(`^[a-z0-9][a-z0-9-]{0,${accountIdLengthMax - 1}}$`);

/** The name of every account's first workspace, which cannot be deleted. */
export const defaultWorkspaceName = 'default';

export function isValidAccountId(text: string): boolean {
  return accountIdRegExp.test(text);
}

/** An account id derived from a display name: `Acme Corp` → `acme-corp`. */
export function accountIdFromName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, accountIdLengthMax)
    .replace(/-+$/, '');
  return slug === '' ? 'account' : slug;
}

/** Chooses the id of a new account: the one asked for, or one derived from its name. */
export function chooseAccountId(requestedId: string | undefined, name: string): string | Failure {
  if (requestedId === undefined) return accountIdFromName(name);
  if (!isValidAccountId(requestedId)) {
    return invalidField('id', 'invalid_format', `Account id must be lowercase letters, digits and dashes, at most ${accountIdLengthMax} characters, starting with a letter or digit`);
  }
  return requestedId;
}
