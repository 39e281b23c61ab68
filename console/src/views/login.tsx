// Signing in: one field for a token. The server says whether it is an account's API token or the
// operator token; a second token of the other kind can be added later from the header.

import { useState } from 'preact/hooks';
import { ErrorMessage } from '../components/status.tsx';
import { type Session, signIn } from '../session.ts';

export function LoginForm({ session, onSignedIn, onCancel }: { session: Session; onSignedIn: (session: Session) => void; onCancel?: () => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(session, token.trim()));
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="login" onSubmit={submit}>
      <label for="token">API token or operator token</label>
      <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} placeholder="allot_sk_… or the operator token" value={token} onInput={(event) => setToken(event.currentTarget.value)} required />
      <p class="hint">
        An account's token comes from <code>allot serve</code>'s first start (the demo account) or from the operator (<code>POST /admin/v1/accounts</code>). It is kept in this tab's session storage only, and forgotten when the tab closes.
      </p>
      {error !== undefined && <ErrorMessage error={error} />}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        {onCancel !== undefined && (
          <button type="button" class="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

export function LoginPage({ session, onSignedIn }: { session: Session; onSignedIn: (session: Session) => void }) {
  return (
    <main class="login-page">
      <h1>allot console</h1>
      <p>Pools, the market, orders, instances and money of an account, and the operator's view of the whole system.</p>
      <LoginForm session={session} onSignedIn={onSignedIn} />
    </main>
  );
}
