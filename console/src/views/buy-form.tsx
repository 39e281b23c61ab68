// Buying compute into a pool: a buy order for a number of nodes over the market page's window,
// at most at a limit price (the best ask, unless the user says otherwise). What does not fill at
// once is cancelled, unless "rest on the book" is ticked.

import { useEffect, useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import type { InstanceSku, List, Order, Pool, PriceLevel } from '../api/types.ts';
import { skuChoices } from '../api/skus.ts';
import { useResource } from '../api/use-resource.ts';
import { useAction } from '../components/action.tsx';
import { choicesOf, Select } from '../components/select.tsx';
import { ErrorMessage } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { formatDollars, formatRate } from '../format/money.ts';
import { formatDuration } from '../format/time.ts';

interface BuyFormProps {
  readonly api: Api;
  readonly skus: readonly InstanceSku[];
  readonly skuId: string;
  readonly startAt: number;
  readonly durationSeconds: number;
  readonly bestAsk: PriceLevel | undefined;
}

export function BuyForm({ api, skus, skuId, startAt, durationSeconds, bestAsk }: BuyFormProps) {
  const pools = useResource(() => api<List<Pool>>('/preview/v2/pools', { query: { limit: 200 } }), [api], 30);
  const marketPools = pools.data?.data.filter((pool) => pool.kind === 'market') ?? [];
  const [poolId, setPoolId] = useState('');
  const [chosenSku, setChosenSku] = useState('');
  const [nodeCount, setNodeCount] = useState(1);
  const [limitPrice, setLimitPrice] = useState('');
  const [allowStanding, setAllowStanding] = useState(false);
  const [placed, setPlaced] = useState<Order | null>(null);

  const sku = chosenSku || skuId || bestAsk?.instance_sku || '';
  const pool = poolId || marketPools[0]?.id || '';
  useEffect(() => setChosenSku(''), [skuId]);

  const action = useAction(async () => {
    const order = await api<Order>('/preview/v2/orders', {
      method: 'POST',
      body: {
        pool,
        side: 'buy',
        instance_sku: sku,
        allocation_schedule_delta: [{ start_at: startAt, end_at: startAt + durationSeconds, node_count: nodeCount }],
        limit_price_dollars_per_node_hour: limitPrice || bestAsk?.dollars_per_node_hour || '',
        allow_standing: allowStanding,
      },
    });
    setPlaced(order);
  });

  return (
    <section class="card">
      <h2>
        Buy, <Time at={startAt} /> for {formatDuration(durationSeconds)}
      </h2>
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          setPlaced(null);
          void action.perform();
        }}
      >
        <Select label="Into pool" value={pool} choices={choicesOf(marketPools)} onChange={setPoolId} none="no market pool: create one first" required />
        <Select label="SKU" value={sku} choices={skuChoices(skus)} onChange={setChosenSku} none="no SKUs" required />
        <label>
          Nodes <input type="number" min={1} step={1} value={nodeCount} onInput={(event) => setNodeCount(Number(event.currentTarget.value))} required />
        </label>
        <label>
          At most ${' '}
          <input inputMode="decimal" size={8} placeholder={bestAsk === undefined ? 'dollars' : formatDollars(bestAsk.dollars_per_node_hour).slice(1)} value={limitPrice} onInput={(event) => setLimitPrice(event.currentTarget.value)} />
          /node-hour
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={allowStanding} onChange={(event) => setAllowStanding(event.currentTarget.checked)} /> rest on the book
        </label>
        <button type="submit" class="primary" disabled={action.busy || pool === '' || sku === ''}>
          Buy
        </button>
      </form>
      <p class="hint">{bestAsk === undefined ? 'No ask rests on the book for this window.' : `Best ask: ${formatRate(bestAsk.dollars_per_node_hour)}; the limit defaults to it.`}</p>
      {action.error !== undefined && <ErrorMessage error={action.error} />}
      {placed !== null && (
        <p class="success" role="status">
          Order {placed.id}: {placed.status.replace('_', ' ')}
          {placed.filled_average_price_dollars_per_node_hour !== null && ` at ${formatRate(placed.filled_average_price_dollars_per_node_hour)}`}.
        </p>
      )}
    </section>
  );
}
