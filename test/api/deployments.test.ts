// Generic deployments keep a target count of instances from a template, replacing those that
// end, on the manual clock. Instance templates are exercised here too.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';

const script = Buffer.from('#!/bin/bash\nnvidia-smi\n').toString('base64');

describe.each(testDialects)('deployments on %s', (dialect) => {
  let server: TestServer;
  let account: ApiClient & { accountId: string };
  let sku: string;
  let template: { id: string; name: string };

  beforeAll(async () => {
    server = await startTestServer(dialect);
    account = await server.newAccount();
    sku = await server.newInstanceSku('deploy-sku');
    const created = await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'trainer', cloud_init_user_data: script, tags: { role: 'train' } });
    expect(created.status).toBe(201);
    template = created.body;
  });
  afterAll(() => server.close());
  afterEach(async () => expect(await server.audit()).toEqual([]));

  async function poolWith(name: string, nodes: number) {
    const pool = (await account.post('/preview/v2/pools', { workspace: 'default', name })).body.id as string;
    const now = server.clock.now();
    if (nodes > 0) await server.issue(pool, sku, [{ start_at: now, end_at: now + 3600, node_count: nodes }]);
    return pool;
  }

  async function instancesOf(deployment: string) {
    const listed = await account.get('/preview/v2/instances?limit=200');
    return listed.body.data.filter((instance: { managed_by: { id: string } | null }) => instance.managed_by?.id === deployment) as { id: string; name: string; status: string; tags: object; cloud_init_user_data_used: boolean }[];
  }

  it('manages instance templates', async () => {
    expect(template).toMatchObject({ object: 'instance_template', name: 'trainer', image: { name: 'ubuntu-22.04-cuda-12.4' }, cloud_init_user_data_used: true, tags: { role: 'train' } });
    expect((await account.get(`/preview/v2/instance_templates/${template.id}?include=cloud_init_user_data`)).body.cloud_init_user_data).toBe(script);
    expect((await account.get('/preview/v2/instance_templates/trainer')).body.id).toBe(template.id);
    expect((await account.get('/preview/v2/instance_templates')).body.data.map((entry: { id: string }) => entry.id)).toContain(template.id);
    expect((await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-22.04-cuda-12.4', name: 'trainer' })).status).toBe(422);
    expect((await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'nope' })).status).toBe(422);
    expect((await account.get('/preview/v2/instance_templates?limit=51')).status).toBe(422);
  });

  it('creates its instances from the template, named from its name template, and runs them', async () => {
    const pool = await poolWith('deploy-pool', 3);
    const created = await account.post('/preview/v2/deployments', { kind: 'generic', name: 'trainers', pool, instance_sku: sku, instance_template: 'trainer', target_instance_count: 2, instance_name_template: 'trainer-{{nanoid(9)}}' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ object: 'deployment', name: 'trainers', enabled: true, target_instance_count: 2, pool: { id: pool }, instance_template: { id: template.id }, status: { state: 'info' } });
    const instances = await instancesOf(created.body.id);
    expect(instances).toHaveLength(2);
    for (const instance of instances) {
      expect(instance.name).toMatch(/^trainer-[0-9a-zA-Z]{9}$/);
      expect(instance).toMatchObject({ status: 'running', tags: { role: 'train' }, cloud_init_user_data_used: true });
    }
    const pool_ = await account.get(`/preview/v2/pools/${pool}`);
    expect(pool_.body.deployments).toEqual([{ id: created.body.id, name: 'trainers' }]);
    expect((await account.get(`/preview/v2/deployments?pool=${pool}`)).body.data.map((entry: { id: string }) => entry.id)).toEqual([created.body.id]);
  });

  it('replaces an instance that ends, and scales up and down', async () => {
    const pool = await poolWith('replacing-pool', 2);
    const created = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template.id, target_instance_count: 2 });
    const [first] = await instancesOf(created.body.id);
    await account.post(`/preview/v2/instances/${first!.id}/terminate`);
    const after = await instancesOf(created.body.id);
    expect(after.filter((instance) => instance.status === 'running')).toHaveLength(2);
    expect(after.find((instance) => instance.id === first!.id)!.status).toBe('terminated');

    const scaledUp = await account.patch(`/preview/v2/deployments/${created.body.id}`, { target_instance_count: 3 });
    expect(scaledUp.body.status.state).toBe('warning');
    expect((await instancesOf(created.body.id)).filter((instance) => instance.status === 'awaiting_allocation')).toHaveLength(1);
    await account.patch(`/preview/v2/deployments/${created.body.id}`, { target_instance_count: 1 });
    const live = (await instancesOf(created.body.id)).filter((instance) => instance.status === 'running' || instance.status === 'awaiting_allocation');
    expect(live).toHaveLength(1);
    expect(live[0]!.status).toBe('running');
  });

  it('replaces instances lost to the end of allocation, awaiting allocation', async () => {
    const pool = await poolWith('expiring-pool', 1);
    const created = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template.id, target_instance_count: 1 });
    await server.advance(3600);
    const instances = await instancesOf(created.body.id);
    expect(instances.map((instance) => instance.status).sort()).toEqual(['awaiting_allocation', 'terminated']);
    const now = server.clock.now();
    await server.issue(pool, sku, [{ start_at: now, end_at: now + 600, node_count: 1 }]);
    expect((await instancesOf(created.body.id)).filter((instance) => instance.status === 'running')).toHaveLength(1);
  });

  it('stops replacing when disabled, and terminates its instances when deleted', async () => {
    const pool = await poolWith('disabling-pool', 2);
    const created = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template.id, target_instance_count: 2 });
    const disabled = await account.patch(`/preview/v2/deployments/${created.body.id}`, { enabled: false });
    expect(disabled.body.enabled).toBe(false);
    const [first] = await instancesOf(created.body.id);
    await account.post(`/preview/v2/instances/${first!.id}/terminate`);
    expect((await instancesOf(created.body.id)).filter((instance) => instance.status === 'running')).toHaveLength(1);
    expect((await account.delete(`/preview/v2/instance_templates/${template.id}`)).status).toBe(422);
    expect((await account.delete(`/preview/v2/pools/${pool}`)).status).toBe(422);
    expect((await account.delete(`/preview/v2/deployments/${created.body.id}`)).status).toBe(204);
    expect((await instancesOf(created.body.id)).every((instance) => instance.status === 'terminated')).toBe(true);
    expect((await account.get(`/preview/v2/deployments/${created.body.id}`)).status).toBe(404);
    expect((await account.get(`/preview/v2/pools/${pool}`)).body.deployments).toEqual([]);
  });

  it('uses a new template for new instances only', async () => {
    const pool = await poolWith('retemplate-pool', 2);
    const other = await account.post('/preview/v2/instance_templates', { workspace: 'default', image: 'ubuntu-24.04-cuda-12.8', name: 'newer' });
    const created = await account.post('/preview/v2/deployments', { pool, instance_sku: sku, instance_template: template.id, target_instance_count: 1 });
    await account.patch(`/preview/v2/deployments/${created.body.id}`, { instance_template: other.body.id, target_instance_count: 2 });
    const listed = await account.get('/preview/v2/instances?limit=200');
    const images = listed.body.data.filter((instance: { managed_by: { id: string } | null }) => instance.managed_by?.id === created.body.id).map((instance: { image: { name: string } }) => instance.image.name).sort();
    expect(images).toEqual(['ubuntu-22.04-cuda-12.4', 'ubuntu-24.04-cuda-12.8']);
  });

  it('refuses malformed and unsupported requests', async () => {
    const pool = await poolWith('refusing-pool', 0);
    const base = { pool, instance_sku: sku, instance_template: template.id, target_instance_count: 1 };
    expect((await account.post('/preview/v2/deployments', { ...base, target_instance_count: -1 })).status).toBe(422);
    const badTemplate = await account.post('/preview/v2/deployments', { ...base, instance_name_template: 'worker-{{nanoid(2)}}' });
    expect(badTemplate.status).toBe(422);
    expect(badTemplate.body.error.details[0]).toMatchObject({ field: 'instance_name_template', code: 'too_few_combinations' });
    // A spot deployment needs its max price; a generic one takes none.
    expect((await account.post('/preview/v2/deployments', { ...base, kind: 'spot' })).status).toBe(422);
    expect((await account.post('/preview/v2/deployments', { ...base, max_buy_price_dollars_per_node_hour: '20.00' })).status).toBe(422);
    expect((await account.post('/preview/v2/deployments', { ...base, kind: 'spot', max_buy_price_dollars_per_node_hour: '20' })).status).toBe(422);
    expect((await account.post('/preview/v2/deployments', { ...base, instance_template: 'missing' })).status).toBe(422);
    const created = await account.post('/preview/v2/deployments', { ...base, name: 'named-once' });
    expect((await account.post('/preview/v2/deployments', { ...base, name: 'named-once' })).status).toBe(400);
    expect((await account.patch(`/preview/v2/deployments/${created.body.id}`, { max_buy_price_dollars_per_node_hour: '10.0' })).status).toBe(422);
    const other = await server.newAccount();
    expect((await other.get(`/preview/v2/deployments/${created.body.id}`)).status).toBe(404);
  });
});
