// An account's pools and the allocation it moves between them: `allot pools create|ls|get` and
// `allot transfer`.

import type { Command } from 'commander';
import { collect, durationSeconds, positiveInteger, tags, timeSeconds, usage } from './arguments.js';
import { ApiClient, type GlobalOptions } from './client.js';
import { resolveSku, serverNow } from './operator.js';
import { emit, fields, schedule, time } from './output.js';

const poolRow = (pool: Record<string, any>) => [pool.id, pool.name, pool.workspace, pool.kind, schedule(pool.allocation_schedule.total), time(pool.created_at)];

/** A window from --start (default now) and --duration, on whole minutes, at the server's clock. */
export async function window(client: ApiClient, options: { start?: string; duration: string }): Promise<{ startAt: number; durationSeconds: number }> {
  const seconds = durationSeconds(options.duration, '--duration');
  if (seconds % 60 !== 0) throw usage(`--duration must be whole minutes, not ${options.duration}`);
  const now = await serverNow(client);
  // Orders and transfers start on a minute; a start inside one begins at its start.
  const startAt = Math.floor(timeSeconds(options.start ?? 'now', now, '--start') / 60) * 60;
  return { startAt, durationSeconds: seconds };
}

export function registerPoolCommands(program: Command): void {
  const pools = program.command('pools').description('Create, list and show your pools');
  pools
    .command('create')
    .description('Create a pool')
    .argument('<name>', 'the pool\'s name, unique in its workspace')
    .option('--workspace <workspace>', 'workspace id, resource path or name', 'default')
    .option('--tag <key=value>', 'a tag (repeatable)', collect)
    .action(async (name: string, options: { workspace: string; tag?: string[] }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const pool = await ApiClient.for(global, 'account').post<Record<string, any>>('/preview/v2/pools', { workspace: options.workspace, name, ...(options.tag === undefined ? {} : { tags: tags(options.tag) }) });
      emit(global.json, pool, () => fields([['id', pool.id], ['name', pool.name], ['resource path', pool.resource_path]]));
    });
  pools
    .command('ls')
    .description('List your pools and what they hold')
    .option('--workspace <workspace>', 'only this workspace')
    .action(async (options: { workspace?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await ApiClient.for(global, 'account').get<{ data: Record<string, any>[] }>('/preview/v2/pools', { workspace: options.workspace, limit: 200 });
      emit(global.json, list, () => ({ head: ['id', 'name', 'workspace', 'kind', 'allocation', 'created'], rows: list.data.map(poolRow) }));
    });
  pools
    .command('get')
    .description('Show a pool: its allocation by SKU, procurements and deployments')
    .argument('<pool>', 'id, resource path or name')
    .action(async (reference: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const pool = await ApiClient.for(global, 'account').get<Record<string, any>>(`/preview/v2/pools/${encodeURIComponent(reference)}`);
      emit(global.json, pool, () => fields([
        ['id', pool.id],
        ['name', pool.name],
        ['resource path', pool.resource_path],
        ['kind', pool.kind],
        ['allocation', schedule(pool.allocation_schedule.total)],
        ...Object.entries(pool.allocation_schedule.by_instance_sku as Record<string, any>).map(([sku, entries]) => [`  ${sku}`, schedule(entries)] as [string, string]),
        ['procurements', pool.procurements.map((summary: { id: string }) => summary.id).join(', ') || '-'],
        ['deployments', pool.deployments.map((summary: { id: string }) => summary.id).join(', ') || '-'],
        ['created', time(pool.created_at)],
      ]));
    });

  program
    .command('transfer')
    .description('Move allocation of one SKU from one of your pools to another')
    .requiredOption('--from <pool>', 'source pool')
    .requiredOption('--to <pool>', 'destination pool')
    .requiredOption('--sku <sku>', 'instance SKU: isku_… or its alias')
    .requiredOption('--nodes <n>', 'how many nodes')
    .option('--start <time>', 'now, "in 1h", ISO 8601 or Unix seconds', 'now')
    .requiredOption('--duration <duration>', 'such as 1h or 7d')
    .action(async (options: { from: string; to: string; sku: string; nodes: string; start: string; duration: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = ApiClient.for(global, 'account');
      const nodes = positiveInteger(options.nodes, '--nodes');
      const { startAt, durationSeconds: seconds } = await window(client, options);
      const transfer = await client.post<Record<string, any>>('/preview/v2/pool_transfers', {
        from_pool: options.from,
        to_pool: options.to,
        instance_sku: (await resolveSku(client, options.sku)).id,
        allocation_schedule_delta: [{ start_at: startAt, end_at: startAt + seconds, node_count: nodes }],
      });
      emit(global.json, transfer, () => fields([['id', transfer.id], ['status', transfer.status], ['from', transfer.from_pool], ['to', transfer.to_pool], ['moved', schedule(transfer.allocation_schedule_delta)], ['rejected', transfer.rejected_reason]]));
      if (transfer.status === 'rejected') process.exitCode = 1;
    });
}
