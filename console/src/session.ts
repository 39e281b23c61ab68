// Who the console is signed in as: an account (by an API token), the operator (by the operator
// token), or both at once. Kept in the browser's session storage, so it lasts as long as the tab
// and is never written to disk by the console.

import { ApiError, callApi } from './api/client.ts';
import type { Me } from './api/types.ts';

export interface Session {
  readonly account: { readonly token: string; readonly accountId: string } | null;
  readonly operator: { readonly token: string } | null;
}

export const signedOut: Session = { account: null, operator: null };

const storageKey = 'allot.console.session';

export function loadSession(): Session {
  try {
    const stored = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null') as Session | null;
    return stored ?? signedOut;
  } catch {
    return signedOut;
  }
}

export function saveSession(session: Session): void {
  if (session.account === null && session.operator === null) sessionStorage.removeItem(storageKey);
  else sessionStorage.setItem(storageKey, JSON.stringify(session));
}

/**
 * Finds out what a token is by asking the server: an account's API token answers /preview/v2/me,
 * the operator token answers /admin/v1/accounts (not the clock, which anyone may read). Tokens are not told apart by their look, because
 * the operator may choose any ALLOT_ADMIN_TOKEN.
 */
export async function signIn(session: Session, token: string): Promise<Session> {
  try {
    const me = await callApi<Me>(token, '/preview/v2/me');
    return { ...session, account: { token, accountId: me.account_id } };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
  }
  try {
    await callApi(token, '/admin/v1/accounts?limit=1');
    return { ...session, operator: { token } };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new ApiError('This token is neither an account\'s API token nor the operator token.', 401, 'authentication_error');
    }
    throw error;
  }
}
