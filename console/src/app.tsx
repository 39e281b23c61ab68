// The console's frame: who is signed in, the navigation, the server's time, and which view the
// address names. An account's views and the operator's views appear as the session allows; both
// can be open at once.

import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { type Api, apiWithToken } from './api/client.ts';
import { RefreshContext } from './api/use-resource.ts';
import { ErrorMessage } from './components/status.tsx';
import { Time } from './components/time.tsx';
import { href, useRoute } from './router.ts';
import { ServerTimeContext, useServerTimeResource } from './server-time.ts';
import { loadSession, saveSession, type Session, signedOut } from './session.ts';
import { BillingView } from './views/billing.tsx';
import { InstancePage } from './views/instance-page.tsx';
import { InstancesView } from './views/instances.tsx';
import { LoginForm, LoginPage } from './views/login.tsx';
import { MarketView } from './views/market.tsx';
import { AccountsView, ClockView } from './views/operator.tsx';
import { OrdersView } from './views/orders.tsx';
import { PoolsView } from './views/pools.tsx';

const accountTabs = [
  ['pools', 'Pools'],
  ['market', 'Market'],
  ['orders', 'Orders'],
  ['instances', 'Instances'],
  ['billing', 'Billing'],
] as const;

const operatorTabs = [
  ['accounts', 'Accounts'],
  ['market', 'Market'],
  ['clock', 'Clock'],
] as const;

function NeedsAccountToken({ onAdd }: { onAdd: () => void }) {
  return (
    <section class="card">
      <h1>Market</h1>
      <p>
        allot's order book (<code>/preview/v2/orderbook</code>) answers an account's API token, not the operator token. Add an account's token to this session to see the whole market here; what it shows is anonymous, the same for every account.
      </p>
      <button type="button" class="primary" onClick={onAdd}>
        Add an account token
      </button>
    </section>
  );
}

function AccountPage({ route, api }: { route: readonly string[]; api: Api }) {
  switch (route[0]) {
    case 'market':
      return <MarketView api={api} canBuy />;
    case 'orders':
      return <OrdersView api={api} />;
    case 'instances':
      return route[1] === undefined ? <InstancesView api={api} /> : <InstancePage api={api} instanceId={route[1]} />;
    case 'billing':
      return <BillingView api={api} />;
    default:
      return <PoolsView api={api} />;
  }
}

function OperatorPage({ route, api, accountApi, onAddToken }: { route: readonly string[]; api: Api; accountApi: Api | null; onAddToken: () => void }) {
  switch (route[1]) {
    case 'market':
      return accountApi === null ? <NeedsAccountToken onAdd={onAddToken} /> : <MarketView api={accountApi} canBuy={false} />;
    case 'clock':
      return <ClockView api={api} />;
    default:
      return <AccountsView api={api} />;
  }
}

function SignedIn({ session, onChange }: { session: Session; onChange: (session: Session) => void }) {
  const route = useRoute();
  const [generation, setGeneration] = useState(0);
  const [addingToken, setAddingToken] = useState(false);
  const refresh = useMemo(() => ({ generation, refreshAll: () => setGeneration((count) => count + 1) }), [generation]);
  const accountApi = useMemo(() => (session.account === null ? null : apiWithToken(session.account.token)), [session.account?.token]);
  const operatorApi = useMemo(() => (session.operator === null ? null : apiWithToken(session.operator.token)), [session.operator?.token]);

  return (
    <RefreshContext.Provider value={refresh}>
      <ServerClock session={session}>
        <header class="top">
          <a class="brand" href={href(session.account === null ? 'operator' : 'pools')}>
            allot
          </a>
          <nav>
            {session.account !== null &&
              accountTabs.map(([path, label]) => (
                <a key={path} href={href(path)} class={route[0] === path || (route[0] === undefined && path === 'pools') ? 'active' : ''}>
                  {label}
                </a>
              ))}
            {session.operator !== null && (
              <span class="operator-tabs">
                <span class="nav-label">Operator</span>
                {operatorTabs.map(([path, label]) => (
                  <a key={path} href={href('operator', path)} class={route[0] === 'operator' && (route[1] ?? 'accounts') === path ? 'active' : ''}>
                    {label}
                  </a>
                ))}
              </span>
            )}
          </nav>
          <div class="who">
            <ServerTimeBadge />
            <span data-signed-in>{[session.account === null ? null : `account ${session.account.accountId}`, session.operator === null ? null : 'operator'].filter(Boolean).join(' + ')}</span>
            {(session.account === null || session.operator === null) && (
              <button type="button" class="link" onClick={() => setAddingToken(true)}>
                add {session.account === null ? 'an account' : 'the operator'} token
              </button>
            )}
            <button type="button" class="link" onClick={() => onChange(signedOut)}>
              Sign out
            </button>
          </div>
        </header>
        {addingToken && (
          <div class="card add-token">
            <LoginForm
              session={session}
              onSignedIn={(next) => {
                setAddingToken(false);
                onChange(next);
              }}
              onCancel={() => setAddingToken(false)}
            />
          </div>
        )}
        <main>
          {route[0] === 'operator' || accountApi === null ? (
            operatorApi === null ? (
              <p>
                This view is the operator's. <a href={href('pools')}>Back to pools</a>
              </p>
            ) : (
              <OperatorPage route={route[0] === 'operator' ? route : ['operator']} api={operatorApi} accountApi={accountApi} onAddToken={() => setAddingToken(true)} />
            )
          ) : (
            <AccountPage route={route} api={accountApi} />
          )}
        </main>
      </ServerClock>
    </RefreshContext.Provider>
  );
}

/** Reads the server's time for everything below it. */
function ServerClock({ session, children }: { session: Session; children: ComponentChildren }) {
  const time = useServerTimeResource(session);
  const fallback = useMemo(() => ({ now: Math.floor(Date.now() / 1000), mode: null }), []);
  return (
    <ServerTimeContext.Provider value={time.data ?? fallback}>
      {time.error !== undefined && <ErrorMessage error={time.error} retry={time.reload} />}
      {children}
    </ServerTimeContext.Provider>
  );
}

function ServerTimeBadge() {
  return (
    <ServerTimeContext.Consumer>
      {(time) => (
        <span class="server-time" title="The server's clock">
          server time <Time at={time.now} />
          {time.mode === 'manual' && ' (manual)'}
        </span>
      )}
    </ServerTimeContext.Consumer>
  );
}

export function App() {
  const [session, setSession] = useState(loadSession);
  const change = (next: Session) => {
    saveSession(next);
    setSession(next);
  };
  if (session.account === null && session.operator === null) return <LoginPage session={session} onSignedIn={change} />;
  return <SignedIn session={session} onChange={change} />;
}
