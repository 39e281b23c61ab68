// The account's money: its balances and its transactions (credit grants, buys and sells), newest
// first, a page at a time.

import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import type { Balances, Transaction, Transactions } from '../api/types.ts';
import { useResource } from '../api/use-resource.ts';
import { Figure } from '../components/figure.tsx';
import { Empty, ErrorMessage, Loaded } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { formatCents } from '../format/money.ts';
import { href } from '../router.ts';

const pageSize = 25;

function describe(transaction: Transaction) {
  const details = transaction.details;
  if (details.type === 'credit_grant') return <>Credit grant{details.memo !== '' && `: ${details.memo}`}</>;
  return (
    <>
      {details.type === 'buy_order' ? 'Buy' : 'Sell'} order <a href={href('orders')}>{details.order_id}</a>
    </>
  );
}

export function BillingView({ api }: { api: Api }) {
  const balances = useResource(() => api<Balances>('/v1/balances'), [api]);
  const firstPage = useResource(() => api<Transactions>('/v1/transactions', { query: { limit: pageSize } }), [api]);
  const [older, setOlder] = useState<{ rows: Transaction[]; hasMore: boolean } | null>(null);
  const [olderError, setOlderError] = useState<Error | undefined>(undefined);
  // A new transaction moves every page along: older pages are fetched afresh when asked for.
  useEffect(() => setOlder(null), [firstPage.data?.data[0]?.cursor]);

  const loadOlder = async (after: string) => {
    try {
      const page = await api<Transactions>('/v1/transactions', { query: { limit: pageSize, starting_after_cursor: after } });
      setOlder((previous) => ({ rows: [...(previous?.rows ?? []), ...page.data], hasMore: page.has_more }));
      setOlderError(undefined);
    } catch (error) {
      setOlderError(error as Error);
    }
  };

  return (
    <>
      <h1>Billing</h1>
      <Loaded
        resource={balances}
        what="balances"
        render={(balance) => (
          <div class="figures">
            <Figure label="Available" note="what new buys can spend" data-figure="available">
              {formatCents(balance.available_balance_cents)}
            </Figure>
            <Figure label="Current" note="including what resting buys hold" data-figure="current">
              {formatCents(balance.current_balance_cents)}
            </Figure>
          </div>
        )}
      />
      <h2>Transactions</h2>
      <Loaded
        resource={firstPage}
        what="transactions"
        render={(page) => {
          const rows = [...page.data, ...(older?.rows ?? [])];
          const hasMore = older === null ? page.has_more : older.hasMore;
          if (rows.length === 0) return <Empty>No transactions yet.</Empty>;
          return (
            <>
              <table class="transactions">
                <thead>
                  <tr>
                    <th>when</th>
                    <th>what</th>
                    <th class="number">amount</th>
                    <th class="number">balance after</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((transaction) => (
                    <tr key={transaction.cursor}>
                      <td>
                        <Time at={transaction.transaction_time} />
                      </td>
                      <td>{describe(transaction)}</td>
                      <td class={`number ${transaction.amount_cents < 0 ? 'negative' : 'positive'}`}>{formatCents(transaction.amount_cents)}</td>
                      <td class="number">{formatCents(transaction.balance)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {olderError !== undefined && <ErrorMessage error={olderError} />}
              {hasMore && (
                <button type="button" class="secondary" onClick={() => void loadOlder(rows.at(-1)!.cursor)}>
                  Older transactions
                </button>
              )}
            </>
          );
        }}
      />
    </>
  );
}
