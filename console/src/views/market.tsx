// The order book: its depth for a delivery window (resting bids and asks by price, as a step
// chart and a table), the fills of the last week (as points and a table), and a form to buy.
// What the book shows is anonymous: levels sum orders, fills name no one.

import { useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import { skuChoices, skuName, useInstanceSkus } from '../api/skus.ts';
import type { Depth, Fills, InstanceSku, PriceLevel } from '../api/types.ts';
import { useResource } from '../api/use-resource.ts';
import { DepthChart, depthLevels } from '../charts/depth-chart.tsx';
import { FillsChart } from '../charts/fills-chart.tsx';
import { nodesThroughout, peakNodes } from '../charts/schedule.ts';
import { Empty, Loaded } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { formatDuration, parseLocalInput, toLocalInput } from '../format/time.ts';
import { formatRate } from '../format/money.ts';
import { useServerTime } from '../server-time.ts';
import { Select } from '../components/select.tsx';
import { BuyForm } from './buy-form.tsx';

const hourSeconds = 3600;
const daySeconds = 86_400;
const durationChoices = [hourSeconds, 4 * hourSeconds, daySeconds, 7 * daySeconds];

/** Recent fills: those of the last week, on deliveries from a week ago to four weeks ahead. */
const fillsLookBackSeconds = 7 * daySeconds;
const fillsLookAheadSeconds = 28 * daySeconds;

export function nextHour(now: number): number {
  return (Math.floor(now / hourSeconds) + 1) * hourSeconds;
}

function LevelsTable({ side, levels, skus, windowStart, windowEnd }: { side: string; levels: readonly PriceLevel[]; skus: readonly InstanceSku[] | undefined; windowStart: number; windowEnd: number }) {
  if (levels.length === 0) return <Empty>No resting {side} in this window.</Empty>;
  return (
    <table class={`levels ${side}`}>
      <thead>
        <tr>
          <th>SKU</th>
          <th class="number">price</th>
          <th class="number">nodes through the window</th>
          <th class="number">most nodes</th>
        </tr>
      </thead>
      <tbody>
        {levels.map((level) => (
          <tr key={`${level.instance_sku}:${level.dollars_per_node_hour}`}>
            <td>{skuName(skus, level.instance_sku)}</td>
            <td class="number">{formatRate(level.dollars_per_node_hour)}</td>
            <td class="number">{nodesThroughout(level.allocation_schedule_delta, windowStart, windowEnd)}</td>
            <td class="number">{peakNodes(level.allocation_schedule_delta)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FillsTable({ fills, skus }: { fills: Fills; skus: readonly InstanceSku[] | undefined }) {
  if (fills.data.length === 0) return <Empty>No fills in the last week.</Empty>;
  return (
    <table class="fills">
      <thead>
        <tr>
          <th>filled</th>
          <th>SKU</th>
          <th class="number">price</th>
          <th class="number">nodes</th>
          <th>delivery</th>
        </tr>
      </thead>
      <tbody>
        {fills.data.map((fill, index) => {
          const delivered = fill.allocation_schedule_delta.filter((entry) => entry.node_count > 0);
          const start = delivered[0]?.start_at ?? null;
          const end = delivered.at(-1)?.end_at ?? null;
          return (
            <tr key={`${fill.filled_at}:${index}`}>
              <td>
                <Time at={fill.filled_at} />
              </td>
              <td>{skuName(skus, fill.instance_sku)}</td>
              <td class="number">{formatRate(fill.dollars_per_node_hour)}</td>
              <td class="number">{peakNodes(fill.allocation_schedule_delta)}</td>
              <td>
                <Time at={start} /> for {start === null || end === null ? '—' : formatDuration(end - start)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function MarketView({ api, canBuy }: { api: Api; canBuy: boolean }) {
  const { now } = useServerTime();
  const skus = useInstanceSkus(api);
  const [skuId, setSkuId] = useState('');
  const [startAt, setStartAt] = useState<number | null>(null);
  const [durationSeconds, setDurationSeconds] = useState(hourSeconds);
  const windowStart = startAt ?? nextHour(now);
  const windowEnd = windowStart + durationSeconds;
  const ofSku = (levels: readonly PriceLevel[]) => (skuId === '' ? levels : levels.filter((level) => level.instance_sku === skuId));

  const depth = useResource(() => api<Depth>('/preview/v2/orderbook/depth', { query: { start_at: windowStart, end_at: windowEnd, depth: 100 } }), [api, windowStart, windowEnd]);
  // Moves once an hour, so that polling does not start the list afresh every minute.
  const fillsStart = nextHour(now) - hourSeconds - fillsLookBackSeconds;
  const fills = useResource(() => api<Fills>('/preview/v2/orderbook/fills', { query: { start_at: fillsStart, end_at: fillsStart + fillsLookBackSeconds + fillsLookAheadSeconds, limit: 200 } }), [api, fillsStart]);

  return (
    <>
      <div class="view-header">
        <h1>Market</h1>
        <form class="inline-form" onSubmit={(event) => event.preventDefault()}>
          <Select label="SKU" value={skuId} choices={[{ value: '', label: 'all SKUs' }, ...skuChoices(skus.data ?? [])]} onChange={setSkuId} />
          <label>
            Window from{' '}
            <input type="datetime-local" step={60} value={toLocalInput(windowStart)} onChange={(event) => setStartAt(parseLocalInput(event.currentTarget.value))} />
          </label>
          <Select label="for" value={String(durationSeconds)} choices={durationChoices.map((seconds) => ({ value: String(seconds), label: formatDuration(seconds) }))} onChange={(value) => setDurationSeconds(Number(value))} />
          {startAt !== null && (
            <button type="button" class="link" onClick={() => setStartAt(null)}>
              next hour
            </button>
          )}
        </form>
      </div>

      <section class="card">
        <h2>
          Depth, <Time at={windowStart} /> for {formatDuration(durationSeconds)}
        </h2>
        <Loaded
          resource={depth}
          what="the order book"
          render={(book) => {
            const throughWindow = (level: PriceLevel) => nodesThroughout(level.allocation_schedule_delta, windowStart, windowEnd);
            const bids = ofSku(book.bids);
            const asks = ofSku(book.asks);
            const bidDepth = depthLevels(bids, throughWindow);
            const askDepth = depthLevels(asks, throughWindow);
            return (
              <>
                {bids.length + asks.length === 0 ? (
                  <Empty>Nothing rests on the book for this window.</Empty>
                ) : bidDepth.length + askDepth.length === 0 ? (
                  <Empty>What rests on the book covers only part of this window.</Empty>
                ) : (
                  <DepthChart bids={bidDepth} asks={askDepth} label="Order book depth: cumulative nodes by price" />
                )}
                <div class="two-columns">
                  <div>
                    <h3>Bids</h3>
                    <LevelsTable side="bids" levels={bids} skus={skus.data} windowStart={windowStart} windowEnd={windowEnd} />
                  </div>
                  <div>
                    <h3>Asks</h3>
                    <LevelsTable side="asks" levels={asks} skus={skus.data} windowStart={windowStart} windowEnd={windowEnd} />
                  </div>
                </div>
              </>
            );
          }}
        />
      </section>

      {canBuy && <BuyForm api={api} skus={skus.data ?? []} skuId={skuId} startAt={windowStart} durationSeconds={durationSeconds} bestAsk={depth.data === undefined ? undefined : ofSku(depth.data.asks)[0]} />}

      <section class="card">
        <h2>Fills of the last week</h2>
        <Loaded
          resource={fills}
          what="fills"
          render={(list) => {
            const shown = { ...list, data: list.data.filter((fill) => skuId === '' || fill.instance_sku === skuId) };
            return (
              <>
                {shown.data.length > 0 && <FillsChart fills={shown.data} now={now} from={fillsStart} to={nextHour(now)} label="Fills: price over time" />}
                <FillsTable fills={shown} skus={skus.data} />
              </>
            );
          }}
        />
      </section>
    </>
  );
}
