// Trading on the market, in the words of SF Compute's `sf`: `allot buy`, `allot sell`, and
// `allot orders ls|get|cancel`. A buy or sell asks `order_preview` for a quote and posts the
// quote's own `post_order_body`, with the limit price set to `--max-rate`/`--min-rate` when given
// (and, with nothing to quote against, a standing order at that limit).

import type { Command } from 'commander';
import { collect, dollars, positiveInteger, usage } from './arguments.js';
import { ApiClient, CliError, exitCodes, type GlobalOptions } from './client.js';
import { emit, fields, schedule, time } from './output.js';
import { resolveSku } from './operator.js';
import { window } from './pools.js';

interface TradeOptions {
  readonly pool: string;
  readonly sku?: string;
  readonly accelerator?: string;
  readonly zone?: string;
  readonly nodes: string;
  readonly start?: string;
  readonly duration: string;
  readonly maxRate?: string;
  readonly minRate?: string;
  readonly standing?: boolean;
  readonly partial?: boolean;
  readonly dryRun?: boolean;
}

const orderRow = (order: Record<string, any>) => [order.id, order.side, order.status, order.instance_sku.alias ?? order.instance_sku.id, schedule(order.allocation_schedule_delta), `$${order.limit_price_dollars_per_node_hour}`, order.filled_average_price_dollars_per_node_hour === null ? '-' : `$${order.filled_average_price_dollars_per_node_hour}`, time(order.created_at)];

const orderView = (order: Record<string, any>) => fields([
  ['id', order.id],
  ['side', order.side],
  ['status', order.status],
  ['pool', order.pool.name ?? order.pool.id],
  ['sku', `${order.instance_sku.id}${order.instance_sku.alias === undefined ? '' : ` (${order.instance_sku.alias})`}`],
  ['window', schedule(order.allocation_schedule_delta)],
  ['filled', schedule(order.filled_allocation_schedule_delta)],
  ['limit', `$${order.limit_price_dollars_per_node_hour}/node-hour`],
  ['average price', order.filled_average_price_dollars_per_node_hour === null ? '-' : `$${order.filled_average_price_dollars_per_node_hour}/node-hour`],
  ['created', time(order.created_at)],
]);

/** The requirements a quote is asked for: a SKU's own properties, or an accelerator and zone. */
async function requirementsOf(client: ApiClient, options: TradeOptions): Promise<{ requirements: Record<string, string[]>; sku: string | null }> {
  if (options.sku !== undefined) {
    if (options.accelerator !== undefined || options.zone !== undefined) throw usage('give --sku, or --accelerator (and --zone), not both');
    const sku = await resolveSku(client, options.sku);
    const requirements: Record<string, string[]> = {};
    for (const property of ['accelerator', 'availability_zone']) if (sku[property]?.value !== undefined) requirements[property] = [String(sku[property].value)];
    return { requirements, sku: sku.id };
  }
  if (options.accelerator === undefined) throw usage('say what to trade: --sku <isku_… or alias>, or --accelerator <H100> (and --zone)');
  return { requirements: { accelerator: [options.accelerator.toUpperCase()], ...(options.zone === undefined ? {} : { availability_zone: [options.zone] }) }, sku: null };
}

async function trade(side: 'buy' | 'sell', options: TradeOptions, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const client = ApiClient.for(global, 'account');
  const nodes = positiveInteger(options.nodes, '--nodes');
  const rate = side === 'buy' ? options.maxRate : options.minRate;
  const limit = rate === undefined ? undefined : dollars(rate, side === 'buy' ? '--max-rate' : '--min-rate');
  const { requirements, sku } = await requirementsOf(client, options);
  const { startAt, durationSeconds } = await window(client, options);
  const preview = await client.post<Record<string, any>>('/preview/v2/order_preview', { side, requirements, start_at: startAt, duration_seconds: durationSeconds, node_count: nodes, pool: options.pool });
  let quoted: Record<string, any>;
  if (preview.type === 'quoted') {
    quoted = preview.post_order_body;
  } else if (preview.reason === 'no_availability' && options.standing === true && limit !== undefined && sku !== null) {
    // Nothing to quote against (no asks for a buy, no bids for a sell): a standing order at a
    // limit the user gave needs no quote, and waits on the book for the other side.
    quoted = { pool: options.pool, side, instance_sku: sku, allocation_schedule_delta: [{ start_at: startAt, end_at: startAt + durationSeconds, node_count: nodes }] };
  } else {
    if (global.json === true) process.stdout.write(`${JSON.stringify(preview, null, 2)}\n`);
    const why = preview.reason === 'no_matching_instance_skus' ? 'no instance SKU matches' : `nothing is on the other side of the book for that window (with --sku, ${side === 'buy' ? '--max-rate' : '--min-rate'} and --standing the order waits on the book)`;
    throw new CliError(`no quote for this ${side}: ${why}`, exitCodes.refused, preview);
  }
  const body: Record<string, any> = { ...quoted, ...(sku === null ? {} : { instance_sku: sku }), ...(limit === undefined ? {} : { limit_price_dollars_per_node_hour: limit }), allow_standing: options.standing === true, allow_partial: options.partial === true };
  if (options.dryRun === true) {
    emit(global.json, { preview, post_order_body: body }, () => fields([['quote', preview.type === 'quoted' ? `$${preview.post_order_body.limit_price_dollars_per_node_hour}/node-hour` : 'none'], ['sku', body.instance_sku], ['window', schedule(body.allocation_schedule_delta)], ['limit', `$${body.limit_price_dollars_per_node_hour}/node-hour`], ['', '(dry run: nothing was posted)']]));
    return;
  }
  const order = await client.post<Record<string, any>>('/preview/v2/orders', body);
  emit(global.json, order, orderView);
  if (order.status === 'cancelled' || order.status === 'rejected') {
    process.stderr.write(`the order did not fill (${order.status}); allow it to rest on the book with --standing, or raise the price\n`);
    process.exitCode = exitCodes.refused;
  }
}

function tradeCommand(program: Command, side: 'buy' | 'sell'): Command {
  const command = program
    .command(side)
    .description(side === 'buy' ? 'Buy compute into a pool, at the quoted price or up to --max-rate' : 'Sell compute a pool holds, at the quoted price or from --min-rate')
    .requiredOption('--pool <pool>', side === 'buy' ? 'the pool that receives it' : 'the pool that gives it')
    .option('--sku <sku>', 'instance SKU: isku_… or its alias')
    .option('--accelerator <accelerator>', 'any SKU with this accelerator, such as H100')
    .option('--zone <zone>', 'with --accelerator: only this availability zone')
    .requiredOption('--nodes <n>', 'how many nodes')
    .option('--start <time>', 'now, "in 1h", ISO 8601 or Unix seconds', 'now')
    .requiredOption('--duration <duration>', 'how long: 1h, 7d, 2w')
    .option(side === 'buy' ? '--max-rate <dollars>' : '--min-rate <dollars>', side === 'buy' ? 'the most to pay, dollars per node-hour' : 'the least to take, dollars per node-hour')
    .option('--standing', 'rest on the book until filled or cancelled, instead of filling at once or not at all')
    .option('--partial', 'allow a part of the nodes or window to fill')
    .option('--dry-run', 'show the quote and the order that would be posted, and post nothing');
  return command.action((options: TradeOptions, self: Command) => trade(side, options, self));
}

export function registerTradingCommands(program: Command): void {
  tradeCommand(program, 'buy');
  tradeCommand(program, 'sell');

  const orders = program.command('orders').description('List, show and cancel your orders');
  orders
    .command('ls')
    .description('List your orders, newest first')
    .option('--pool <pool>', 'only this pool\'s')
    .option('--side <side>', 'buy or sell')
    .option('--status <status>', 'only this status (repeatable): standing, filled, cancelled, …', collect)
    .action(async (options: { pool?: string; side?: string; status?: string[] }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await ApiClient.for(global, 'account').get<{ data: Record<string, any>[] }>('/preview/v2/orders', { pool: options.pool, side: options.side, status: options.status, limit: 200 });
      emit(global.json, list, () => ({ head: ['id', 'side', 'status', 'sku', 'window', 'limit', 'average', 'created'], rows: list.data.map(orderRow) }));
    });
  orders
    .command('get')
    .description('Show an order and its fills')
    .argument('<order>', 'ordr_…')
    .action(async (id: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global.json, await ApiClient.for(global, 'account').get(`/preview/v2/orders/${encodeURIComponent(id)}`), orderView);
    });
  orders
    .command('cancel')
    .description('Cancel a resting order')
    .argument('<order>', 'ordr_…')
    .action(async (id: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = ApiClient.for(global, 'account');
      await client.delete(`/preview/v2/orders/${encodeURIComponent(id)}`);
      emit(global.json, await client.get(`/preview/v2/orders/${encodeURIComponent(id)}`), orderView);
    });
}
