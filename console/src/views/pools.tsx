// The account's pools, each with its allocation schedule as a step chart (total and per SKU) and
// the same steps as a table; and a form to create a pool.

import { useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import { skuName, useInstanceSkus } from '../api/skus.ts';
import type { InstanceSku, List, Pool } from '../api/types.ts';
import { useResource } from '../api/use-resource.ts';
import { ScheduleChart, type ScheduleSeries, ScheduleTable } from '../charts/schedule-chart.tsx';
import { ActionForm, useAction } from '../components/action.tsx';
import { ListPage } from '../components/list-page.tsx';
import { Time } from '../components/time.tsx';
import { useServerTime } from '../server-time.ts';

/** How much of the past each chart shows: enough to see what just ended, not so much that it hides what comes. */
const scheduleHistoryMinutes = 180;

function seriesOf(pool: Pool, skus: readonly InstanceSku[] | undefined): ScheduleSeries[] {
  const bySku = Object.entries(pool.allocation_schedule.by_instance_sku).map(([id, schedule]) => ({ label: skuName(skus, id), schedule }));
  return [{ label: 'total', schedule: pool.allocation_schedule.total }, ...(bySku.length > 1 ? bySku : [])];
}

function PoolCard({ pool, skus }: { pool: Pool; skus: readonly InstanceSku[] | undefined }) {
  const { now } = useServerTime();
  const series = seriesOf(pool, skus);
  const skuNames = Object.keys(pool.allocation_schedule.by_instance_sku).map((id) => skuName(skus, id));
  return (
    <section class="card pool" data-pool={pool.name}>
      <header>
        <h2>{pool.name}</h2>
        <span class="muted">
          {pool.id} · workspace {pool.workspace} · {pool.kind} · created <Time at={pool.created_at} />
        </span>
      </header>
      <p>{skuNames.length === 0 ? 'No allocation on any SKU.' : `Allocation on ${skuNames.join(', ')}.`}</p>
      <ScheduleChart series={series} now={now} label={`Allocation schedule of pool ${pool.name}`} />
      <details>
        <summary>Schedule as a table</summary>
        <ScheduleTable series={series} />
      </details>
    </section>
  );
}

function CreatePoolForm({ api }: { api: Api }) {
  const [name, setName] = useState('');
  const [workspace, setWorkspace] = useState('default');
  const action = useAction(() => api('/preview/v2/pools', { method: 'POST', body: { workspace, name: name === '' ? null : name } }));
  return (
    <ActionForm action={action} submit="Create pool" onDone={() => setName('')}>
      <label>
        Name <input value={name} placeholder="generated when empty" onInput={(event) => setName(event.currentTarget.value)} />
      </label>
      <label>
        Workspace <input value={workspace} onInput={(event) => setWorkspace(event.currentTarget.value)} required />
      </label>
    </ActionForm>
  );
}

export function PoolsView({ api }: { api: Api }) {
  const skus = useInstanceSkus(api);
  const pools = useResource(() => api<List<Pool>>('/preview/v2/pools', { query: { limit: 200, schedule_history_minutes: scheduleHistoryMinutes } }), [api]);
  return (
    <ListPage
      title="Pools"
      actions={<CreatePoolForm api={api} />}
      resource={pools}
      what="pools"
      empty="No pools yet. Create one, then buy compute into it on the Market page."
      render={(items) => items.map((pool) => <PoolCard key={pool.id} pool={pool} skus={skus.data} />)}
    />
  );
}
