// An account holds at most 100 workspaces, also when creations race: the count checked against
// the limit and the insert are serialised per account, so 40 creations at once, over two
// processes on PostgreSQL, on an account a few short of the limit fill it exactly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspacesPerAccountMax } from '../../src/domain/kernel/limits.js';
import { testDialects } from '../support/stores.js';
import { type RaceCluster, startRaceCluster } from './cluster.js';

describe.each(testDialects)('racing workspace creations at the limit (%s)', (dialect) => {
  let cluster: RaceCluster;
  beforeAll(async () => {
    cluster = await startRaceCluster(dialect);
  }, 60_000);
  afterAll(() => cluster?.close());

  it('never lets an account hold more workspaces than the limit', async () => {
    const clients = await cluster.newAccount('Workspace hoarder');
    const short = 7;
    // The account has its default workspace already.
    for (let index = 1; index < workspacesPerAccountMax - short; index++) {
      expect((await clients[index % clients.length]!.post('/preview/v2/workspaces', { name: `held-${index}` })).status).toBe(201);
    }
    const racing = await Promise.all(Array.from({ length: 40 }, (_, index) => clients[index % clients.length]!.post('/preview/v2/workspaces', { name: `racing-${index}` })));
    expect(racing.filter((answer) => answer.status >= 500)).toEqual([]);
    expect(racing.filter((answer) => answer.status === 201)).toHaveLength(short);
    for (const refused of racing.filter((answer) => answer.status !== 201)) expect(refused.body.error.message).toMatch(/at most 100 workspaces/);
    const listed = await clients[0]!.get('/preview/v2/workspaces?limit=200');
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(workspacesPerAccountMax);
  }, 120_000);
});
