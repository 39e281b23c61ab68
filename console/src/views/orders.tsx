// The account's orders, newest first: what each asked for, what filled at what price, and a
// cancel button for those resting on the book.

import { useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import type { List, Order } from '../api/types.ts';
import { useResource } from '../api/use-resource.ts';
import { peakNodes } from '../charts/schedule.ts';
import { ActionButton } from '../components/action.tsx';
import { Empty, Loaded } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { formatRate } from '../format/money.ts';
import { formatDuration } from '../format/time.ts';

const resting = new Set(['standing', 'partially_filled']);

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
    <>
      <div class="view-header">
        <h1>Orders</h1>
        <label>
          Side{' '}
          <select value={side} onChange={(event) => setSide(event.currentTarget.value)}>
            <option value="">buys and sells</option>
            <option value="buy">buys</option>
            <option value="sell">sells</option>
          </select>
        </label>
      </div>
      <Loaded
        resource={orders}
        what="orders"
        render={(list) =>
          list.data.length === 0 ? (
            <Empty>No orders yet.</Empty>
          ) : (
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
                {list.data.map((order) => (
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
          )
        }
      />
    </>
  );
}
