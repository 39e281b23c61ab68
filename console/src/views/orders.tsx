// The account's orders, newest first: what each asked for, what filled at what price, and a
// cancel button for those resting on the book.

import { useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import type { List, Order } from '../api/types.ts';
import { useResource } from '../api/use-resource.ts';
import { peakNodes } from '../charts/schedule.ts';
import { ActionButton } from '../components/action.tsx';
import { ListPage } from '../components/list-page.tsx';
import { Select } from '../components/select.tsx';
import { Time } from '../components/time.tsx';
import { formatRate } from '../format/money.ts';
import { formatDuration } from '../format/time.ts';

const resting = new Set(['standing', 'partially_filled']);

const sides = [
  { value: '', label: 'buys and sells' },
  { value: 'buy', label: 'buys' },
  { value: 'sell', label: 'sells' },
];

function Window({ order }: { order: Order }) {
  const entries = order.allocation_schedule_delta.filter((entry) => entry.node_count !== 0);
  const start = entries[0]?.start_at ?? null;
  const end = entries.at(-1)?.end_at ?? null;
  return (
    <>
      <Time at={start} /> {start !== null && end !== null && `for ${formatDuration(end - start)}`}
    </>
  );
}

export function OrdersView({ api }: { api: Api }) {
  const [side, setSide] = useState('');
  const orders = useResource(() => api<List<Order>>('/preview/v2/orders', { query: { limit: 100, side: side === '' ? undefined : side } }), [api, side]);
  return (
    <ListPage
      title="Orders"
      actions={<Select label="Side" value={side} choices={sides} onChange={setSide} />}
      resource={orders}
      what="orders"
      empty="No orders yet."
      render={(items) => (
        <table class="orders">
          <thead>
            <tr>
              <th>placed</th>
              <th>side</th>
              <th>pool</th>
              <th>SKU</th>
              <th class="number">nodes</th>
              <th>delivery</th>
              <th class="number">limit</th>
              <th class="number">filled at</th>
              <th>status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {items.map((order) => (
              <tr key={order.id} data-order={order.id}>
                <td>
                  <Time at={order.created_at} />
                </td>
                <td>{order.side}</td>
                <td>{order.pool.name}</td>
                <td>{order.instance_sku.alias}</td>
                <td class="number">{peakNodes(order.allocation_schedule_delta)}</td>
                <td>
                  <Window order={order} />
                </td>
                <td class="number">{formatRate(order.limit_price_dollars_per_node_hour)}</td>
                <td class="number">{order.filled_average_price_dollars_per_node_hour === null ? '—' : formatRate(order.filled_average_price_dollars_per_node_hour)}</td>
                <td>
                  <span class={`badge ${order.status}`}>{order.status.replace('_', ' ')}</span>
                </td>
                <td>
                  {resting.has(order.status) && (
                    <ActionButton run={() => api(`/preview/v2/orders/${order.id}`, { method: 'DELETE' })} confirm={`Cancel order ${order.id}?`}>
                      Cancel
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    />
  );
}
