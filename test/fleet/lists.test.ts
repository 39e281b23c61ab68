// The operator's fleet lists page like every admin list (domain/kernel/pagination.ts): newest
// first, `limit`, `starting_after` / `ending_before` cursors, `has_more`; a bad cursor or limit
// is a 400 in SF Compute's envelope.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../support/server.js';
import { testDialects } from '../support/stores.js';
import { hostFacts, newHostToken, register, startFleetServer } from './fleet-support.js';

describe.each(testDialects)('fleet lists on %s', (dialect) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startFleetServer(dialect);
  });
  afterAll(() => server.close());

  async function walk(path: string, limit: number) {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { status: number; body: any } = await server.operator.get(`${path}?limit=${limit}${cursor === null ? '' : `&starting_after=${cursor}`}`);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(limit);
      ids.push(...page.body.data.map((entry: { id: string }) => entry.id));
      expect(page.body.has_more).toBe(page.body.cursor !== null);
      cursor = page.body.cursor;
      pages++;
    } while (cursor !== null);
    return { ids, pages };
  }

  it('pages host tokens and hosts newest first, forwards and back', async () => {
    await server.newInstanceSku('fleet-lists');
    const tokens = [];
    for (let index = 0; index < 5; index++) tokens.push(await newHostToken(server, `list-${index}`));
    const hostIds = [];
    for (const [index, token] of tokens.entries()) hostIds.push(await register(token.agent, hostFacts('fleet-lists', { hostname: `list-${index}` })));

    const tokenWalk = await walk('/admin/v1/host_tokens', 2);
    expect(tokenWalk.ids).toEqual(tokens.map((token) => token.id).reverse());
    expect(tokenWalk.pages).toBe(3);
    const hostWalk = await walk('/admin/v1/hosts', 2);
    expect(hostWalk.ids).toEqual([...hostIds].reverse());

    const first = await server.operator.get('/admin/v1/hosts?limit=2');
    expect(first.body).toMatchObject({ object: 'list', has_more: true, cursor: expect.stringMatching(/^hostc_/) });
    // Back from the second page's cursor: the first page again.
    const second = await server.operator.get(`/admin/v1/hosts?limit=2&starting_after=${first.body.cursor}`);
    const back = await server.operator.get(`/admin/v1/hosts?limit=2&ending_before=${second.body.cursor}`);
    expect(back.body.data).toEqual(first.body.data);
    expect(back.body.has_more).toBe(false);
    // Before the first page there is nothing.
    expect((await server.operator.get(`/admin/v1/hosts?limit=2&ending_before=${first.body.cursor}`)).body.data).toEqual([]);

    // A removed host leaves the list; a revoked token stays in it.
    await server.operator.delete(`/admin/v1/hosts/${hostIds[0]}`);
    await server.operator.delete(`/admin/v1/host_tokens/${tokens[1]!.id}`);
    expect((await walk('/admin/v1/hosts', 50)).ids).toEqual(hostIds.slice(1).reverse());
    expect((await walk('/admin/v1/host_tokens', 50)).ids).toHaveLength(5);
  });

  it('refuses a bad limit or cursor with 400', async () => {
    for (const query of ['limit=0', 'limit=201', 'starting_after=tokc_1', 'starting_after=hostc_1&ending_before=hostc_2']) {
      const answer = await server.operator.get(`/admin/v1/hosts?${query}`);
      expect(answer.status, query).toBe(400);
    }
    expect((await server.operator.get('/admin/v1/host_tokens?starting_after=hostc_1')).status).toBe(400);
  });
});
