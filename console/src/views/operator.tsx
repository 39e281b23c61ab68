// The operator's view: every account (create one, grant credit, issue a token), the clock (read
// it, and advance it under `--clock manual`), and the ledgers' audit.

import { useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import type { Account, Audit, Clock, CreatedToken, List } from '../api/types.ts';
import { useResource } from '../api/use-resource.ts';
import { ActionForm, useAction } from '../components/action.tsx';
import { Figure } from '../components/figure.tsx';
import { ListPage } from '../components/list-page.tsx';
import { ErrorMessage, Loaded } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { formatDuration } from '../format/time.ts';

/** A token is shown once by the API: the console shows it once too, with a way to copy it. */
function ShownOnce({ label, token, onDone }: { label: string; token: string; onDone: () => void }) {
  return (
    <div class="shown-once" role="status">
      <p>
        {label} It is shown only this once: copy it now.
      </p>
      <code class="token">{token}</code>
      <button type="button" class="secondary" onClick={() => void navigator.clipboard?.writeText(token)}>
        Copy
      </button>
      <button type="button" class="link" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function CreateAccountForm({ api }: { api: Api }) {
  const [name, setName] = useState('');
  const [created, setCreated] = useState<(Account & CreatedToken) | null>(null);
  const action = useAction(async () => setCreated(await api<Account & CreatedToken>('/admin/v1/accounts', { method: 'POST', body: { name } })));
  return (
    <>
      <ActionForm action={action} submit="Create account" onDone={() => setName('')}>
        <label>
          New account <input value={name} placeholder="Acme Corp" onInput={(event) => setName(event.currentTarget.value)} required />
        </label>
      </ActionForm>
      {created !== null && <ShownOnce label={`Account ${created.id} was created with its first API token.`} token={created.token} onDone={() => setCreated(null)} />}
    </>
  );
}

function AccountRow({ api, account }: { api: Api; account: Account }) {
  const [amount, setAmount] = useState('');
  const [token, setToken] = useState<string | null>(null);
  const grant = useAction(() => api(`/admin/v1/accounts/${account.id}/credits`, { method: 'POST', body: { amount_dollars: amount, memo: 'Granted in the console' } }));
  const issue = useAction(async () => setToken((await api<CreatedToken>(`/admin/v1/accounts/${account.id}/tokens`, { method: 'POST' })).token));
  return (
    <>
      <tr data-account={account.id}>
        <td>{account.id}</td>
        <td>{account.name}</td>
        <td class="muted">{account.default_workspace}</td>
        <td>
          <Time at={account.created_at} />
        </td>
        <td>
          <ActionForm action={grant} submit="Grant credit" kind="secondary" compact onDone={() => setAmount('')}>
            <label>
              ${' '}
              <input inputMode="decimal" size={8} placeholder="dollars" aria-label={`Credit to grant ${account.id}`} value={amount} onInput={(event) => setAmount(event.currentTarget.value)} required />
            </label>
          </ActionForm>
        </td>
        <td>
          <button type="button" class="secondary" disabled={issue.busy} onClick={() => void issue.perform()}>
            Issue token
          </button>
        </td>
      </tr>
      {(issue.error !== undefined || token !== null) && (
        <tr>
          <td colSpan={6}>
            {issue.error !== undefined && <ErrorMessage error={issue.error} />}
            {token !== null && <ShownOnce label={`A new API token for ${account.id}.`} token={token} onDone={() => setToken(null)} />}
          </td>
        </tr>
      )}
    </>
  );
}

export function AccountsView({ api }: { api: Api }) {
  const accounts = useResource(() => api<List<Account>>('/admin/v1/accounts', { query: { limit: 200 } }), [api]);
  return (
    <ListPage
      title="Accounts"
      actions={<CreateAccountForm api={api} />}
      resource={accounts}
      what="accounts"
      empty="No accounts."
      render={(items) => (
        <table class="accounts">
          <thead>
            <tr>
              <th>id</th>
              <th>name</th>
              <th>default workspace</th>
              <th>created</th>
              <th>credit</th>
              <th>tokens</th>
            </tr>
          </thead>
          <tbody>
            {items.map((account) => (
              <AccountRow key={account.id} api={api} account={account} />
            ))}
          </tbody>
        </table>
      )}
    />
  );
}

const advanceSteps = [60, 600, 3600, 6 * 3600, 86_400];

function AdvanceForm({ api }: { api: Api }) {
  const [minutes, setMinutes] = useState('');
  const action = useAction((seconds: number) => api<Clock>('/admin/v1/clock/advance', { method: 'POST', body: { seconds } }));
  return (
    <>
      <div class="buttons">
        {advanceSteps.map((seconds) => (
          <button key={seconds} type="button" class="secondary" disabled={action.busy} onClick={() => void action.perform(seconds)}>
            +{formatDuration(seconds)}
          </button>
        ))}
        <form
          class="inline-form compact"
          onSubmit={async (event) => {
            event.preventDefault();
            if (await action.perform(Math.round(Number(minutes) * 60))) setMinutes('');
          }}
        >
          <label>
            + <input inputMode="numeric" size={6} value={minutes} placeholder="minutes" aria-label="Minutes to advance" onInput={(event) => setMinutes(event.currentTarget.value)} required /> minutes
          </label>
          <button type="submit" class="secondary" disabled={action.busy}>
            Advance
          </button>
        </form>
      </div>
      {action.busy && <p class="loading">Advancing: every boundary on the way is processed…</p>}
      {action.error !== undefined && <ErrorMessage error={action.error} />}
    </>
  );
}

export function ClockView({ api }: { api: Api }) {
  const clock = useResource(() => api<Clock>('/admin/v1/clock'), [api], 2);
  const audit = useResource(() => api<Audit>('/admin/v1/audit'), [api], 30);
  return (
    <>
      <h1>Clock</h1>
      <Loaded
        resource={clock}
        what="the clock"
        render={(reading) => (
          <section class="card">
            <div class="figures">
              <Figure label="Server time" note={reading.mode === 'manual' ? 'manual clock: it stands still until advanced' : 'real clock: it follows the wall clock'} data-clock-now={reading.now}>
                <Time at={reading.now} />
              </Figure>
            </div>
            {reading.mode === 'manual' ? <AdvanceForm api={api} /> : <p class="muted">Only a manual clock (allot serve --clock manual) can be advanced.</p>}
          </section>
        )}
      />
      <h2>Audit</h2>
      <Loaded
        resource={audit}
        what="the audit"
        render={(result) =>
          result.ok ? (
            <p class="success">Every invariant holds: allocation and money conserved, no pool negative, no pool running more than it holds.</p>
          ) : (
            <div class="error" role="alert">
              <strong>The audit found problems:</strong>
              <ul>
                {result.problems.map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </ul>
            </div>
          )
        }
      />
      <button type="button" class="secondary" onClick={audit.reload}>
        Audit again
      </button>
    </>
  );
}
