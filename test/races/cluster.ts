// Starts allot as an operator runs it for the race tests: on SQLite one process over a file, on
// PostgreSQL two processes over one fresh schema (or a database of its own, whose deadlocks
// PostgreSQL counts apart from other tests'), so that races cross processes as they would in
// production. Requests are spread over the processes in turn.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreDialect } from '../../src/store/store.js';
import { ApiClient } from '../support/client.js';
import { type ServeProcess, startServeProcess } from '../support/process.js';
import { administer, dropSchema, freshSchema, postgresUrl } from '../support/stores.js';

export const raceOperatorToken = 'allot_admin_race-operator';

export interface RaceCluster {
  readonly processes: readonly ServeProcess[];
  readonly operator: ApiClient;
  /** A new account's clients, one per process, and its id. */
  newAccount(name: string): Promise<ApiClient[] & { accountId: string }>;
  newInstanceSku(alias: string): Promise<string>;
  /** The audit's problems (empty when sound). */
  audit(): Promise<string[]>;
  /** The deadlocks PostgreSQL has detected in the cluster's own database (`ownDatabase`) so far;
   * null on SQLite or in the shared test database, whose count other tests add to. */
  deadlocks(): Promise<number | null>;
  close(): Promise<void>;
}

let clusterCounter = 0;

export async function startRaceCluster(dialect: StoreDialect, extraArgs: readonly string[] = [], options: { ownDatabase?: boolean } = {}): Promise<RaceCluster> {
  const env = { ALLOT_ADMIN_TOKEN: raceOperatorToken };
  let processes: ServeProcess[];
  let dispose: () => Promise<void>;
  let database: string | null = null;
  if (dialect === 'sqlite') {
    const directory = mkdtempSync(join(tmpdir(), 'allot-races-'));
    processes = [await startServeProcess(['--db', `sqlite:${join(directory, 'allot.db')}`, '--seed', 'none', ...extraArgs], env)];
    dispose = async () => rmSync(directory, { recursive: true, force: true });
  } else if (options.ownDatabase === true) {
    const name = `allot_races_${process.pid}_${++clusterCounter}`;
    await administer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await administer(`CREATE DATABASE ${name}`);
    database = name;
    const url = new URL(postgresUrl!);
    url.pathname = `/${name}`;
    processes = await Promise.all([0, 1].map(() => startServeProcess(['--db', url.toString(), '--seed', 'none', ...extraArgs], env)));
    dispose = async () => {
      await administer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    };
  } else {
    const schema = `allot_races_${process.pid}_${++clusterCounter}`;
    const db = await freshSchema(schema);
    processes = await Promise.all([0, 1].map(() => startServeProcess(['--db', db, '--seed', 'none', ...extraArgs], env)));
    dispose = () => dropSchema(schema);
  }
  const operator = new ApiClient(processes[0]!.baseUrl, raceOperatorToken);
  return {
    processes,
    operator,
    async newAccount(name) {
      const created = await operator.post('/admin/v1/accounts', { name });
      if (created.status !== 201) throw new Error(`account creation failed: ${JSON.stringify(created.body)}`);
      return Object.assign(
        processes.map((child) => new ApiClient(child.baseUrl, created.body.token)),
        { accountId: created.body.id as string },
      );
    },
    async newInstanceSku(alias) {
      return (await operator.post('/admin/v1/instance_skus', { alias })).body.id;
    },
    async audit() {
      const audit = await operator.get('/admin/v1/audit');
      return audit.body.problems;
    },
    async deadlocks() {
      if (database === null) return null;
      return Number((await administer(`SELECT deadlocks FROM pg_stat_database WHERE datname = '${database}'`)).rows[0].deadlocks);
    },
    async close() {
      await Promise.all(processes.map((child) => child.stop()));
      await dispose();
    },
  };
}

/** The next whole minute at least a minute away, in the real clock's seconds. */
export function nextMinute(): number {
  return Math.ceil(Date.now() / 1000 / 60) * 60 + 60;
}
