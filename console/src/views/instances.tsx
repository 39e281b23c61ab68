// The account's instances: a table of them with their state, a form to launch one on a pool, and
// each instance's page (instance-page.tsx) with its console log.

import { useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import { skuName, useInstanceSkus } from '../api/skus.ts';
import type { Image, Instance, List, Pool } from '../api/types.ts';
import { useResource } from '../api/use-resource.ts';
import { ActionForm, useAction } from '../components/action.tsx';
import { ListPage } from '../components/list-page.tsx';
import { choicesOf, Select } from '../components/select.tsx';
import { Time } from '../components/time.tsx';
import { href } from '../router.ts';

export const publicImagesWorkspace = 'sfc:workspace:sfcompute:public';

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge ${status}`}>{status.replace('_', ' ')}</span>;
}

function LaunchForm({ api }: { api: Api }) {
  const skus = useInstanceSkus(api);
  const pools = useResource(() => api<List<Pool>>('/preview/v2/pools', { query: { limit: 200 } }), [api], 30);
  const images = useResource(async () => {
    const [own, shared] = await Promise.all([api<List<Image>>('/preview/v2/images'), api<List<Image>>('/preview/v2/images', { query: { workspace: publicImagesWorkspace } })]);
    return [...own.data, ...shared.data];
  }, [api], 60);
  const [poolId, setPoolId] = useState('');
  const [skuId, setSkuId] = useState('');
  const [imageId, setImageId] = useState('');
  const [name, setName] = useState('');

  const pool = pools.data?.data.find((item) => item.id === poolId) ?? pools.data?.data[0];
  const poolSkus = Object.keys(pool?.allocation_schedule.by_instance_sku ?? {});
  const sku = poolSkus.includes(skuId) ? skuId : (poolSkus[0] ?? '');
  const image = imageId || images.data?.[0]?.id || '';
  const action = useAction(() => api('/preview/v2/instances', { method: 'POST', body: { pool: pool?.id, instance_sku: sku, image, name: name === '' ? null : name } }));

  return (
    <ActionForm action={{ ...action, perform: () => (sku === '' || image === '' ? Promise.resolve(false) : action.perform()) }} submit="Launch" onDone={() => setName('')}>
      <Select label="Pool" value={pool?.id ?? ''} choices={choicesOf(pools.data?.data)} onChange={setPoolId} none="no pools yet" required />
      <Select label="SKU" value={sku} choices={poolSkus.map((id) => ({ value: id, label: skuName(skus.data, id) }))} onChange={setSkuId} none="the pool holds no allocation" required />
      <Select label="Image" value={image} choices={choicesOf(images.data)} onChange={setImageId} required />
      <label>
        Name <input value={name} placeholder="generated when empty" onInput={(event) => setName(event.currentTarget.value)} />
      </label>
    </ActionForm>
  );
}

export function InstancesView({ api }: { api: Api }) {
  const instances = useResource(() => api<List<Instance>>('/preview/v2/instances', { query: { limit: 200 } }), [api]);
  return (
    <ListPage
      title="Instances"
      actions={<LaunchForm api={api} />}
      resource={instances}
      what="instances"
      empty="No instances. Launch one on a pool that holds allocation."
      render={(items) => (
        <table class="instances">
          <thead>
            <tr>
              <th>name</th>
              <th>status</th>
              <th>pool</th>
              <th>SKU</th>
              <th>image</th>
              <th>priority</th>
              <th>created</th>
              <th>expected shutdown</th>
            </tr>
          </thead>
          <tbody>
            {items.map((instance) => (
              <tr key={instance.id} data-instance={instance.id}>
                <td>
                  <a href={href('instances', instance.id)}>{instance.name}</a>
                </td>
                <td>
                  <StatusBadge status={instance.status} />
                </td>
                <td>{instance.pool.name}</td>
                <td>{instance.instance_sku.alias}</td>
                <td>{instance.image.name}</td>
                <td>{instance.priority_level ?? 'normal'}</td>
                <td>
                  <Time at={instance.created_at} />
                </td>
                <td>
                  <Time at={instance.expected_shutdown_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    />
  );
}
