// The operator's commands for the whole market: `allot clock` and `allot skus`.

import type { Command } from 'commander';
import { durationSeconds, timeSeconds, usage } from './arguments.js';
import { ApiClient, CliError, exitCodes, type GlobalOptions } from './client.js';
import { emit, fields, time } from './output.js';
import { formatDuration } from './time-input.js';

interface Clock {
  readonly object: 'clock';
  readonly mode: 'real' | 'manual';
  readonly now: number;
}

/** The server's clock: the `now` that `now` and `in 6h` are read at. Readable without a token. */
export async function serverNow(client: ApiClient): Promise<number> {
  return (await client.get<Clock>('/admin/v1/clock')).now;
}

/** An instance SKU's id, from its id or its alias (the API takes ids; people remember aliases). */
export async function resolveSku(client: ApiClient, reference: string): Promise<Record<string, any>> {
  if (reference.startsWith('isku_')) return client.get<Record<string, any>>(`/preview/v2/instance_skus/${encodeURIComponent(reference)}`);
  const list = await client.get<{ data: Record<string, any>[] }>('/preview/v2/instance_skus', { limit: 200 });
  const sku = list.data.find((entry) => entry.alias === reference);
  if (sku === undefined) throw new CliError(`no instance SKU "${reference}" (allot skus lists them)`, exitCodes.notFound);
  return sku;
}

const clockView = (clock: Clock) => fields([['now', time(clock.now)], ['unix', clock.now], ['mode', clock.mode]]);

export function registerOperatorCommands(program: Command): void {
  const clock = program.command('clock').description('Show the server\'s clock; advance or set the manual clock (operator)');
  clock.action(async (_options, command: Command) => {
    const client = ApiClient.for(command.optsWithGlobals<GlobalOptions>(), 'none');
    emit(command.optsWithGlobals<GlobalOptions>().json, await client.get<Clock>('/admin/v1/clock'), clockView);
  });
  clock
    .command('advance')
    .description('Move the manual clock forward, such as 1h, 30m or 7d')
    .argument('<duration>', 'how far: 90s, 30m, 1h, 1h30m, 7d, 2w')
    .action(async (duration: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const seconds = durationSeconds(duration, 'duration');
      emit(global.json, await ApiClient.for(global, 'operator').post<Clock>('/admin/v1/clock/advance', { seconds }), clockView);
    });
  clock
    .command('set')
    .description('Move the manual clock forward to a time (it never goes back)')
    .argument('<time>', 'ISO 8601, Unix seconds, or "in 6h"')
    .action(async (text: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = ApiClient.for(global, 'operator');
      const now = await serverNow(client);
      const target = timeSeconds(text, now, 'time');
      if (target < now) throw usage(`the clock never goes back: ${time(target)} is before its now, ${time(now)}`);
      if (target === now) return emit(global.json, await client.get<Clock>('/admin/v1/clock'), clockView);
      if (global.json !== true) process.stderr.write(`advancing the clock ${formatDuration(target - now)}\n`);
      emit(global.json, await client.post<Clock>('/admin/v1/clock/advance', { seconds: target - now }), clockView);
    });

  program
    .command('skus')
    .description('List the instance SKUs on offer')
    .action(async (_options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = ApiClient.for(global, 'account');
      const list = await client.get<{ data: Record<string, any>[] }>('/preview/v2/instance_skus', { limit: 200 });
      emit(global.json, list, () => ({
        head: ['id', 'alias', 'accelerator', 'zone', 'gpus', 'vcpus'],
        rows: list.data.map((sku) => [sku.id, sku.alias, sku.accelerator?.value, sku.availability_zone?.value, sku.num_accelerators?.value, sku.num_vcpus?.value]),
      }));
    });
}
