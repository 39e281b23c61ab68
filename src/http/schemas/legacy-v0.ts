// The older `/v0` API's schemas, after SF Compute's market-api and quoter schemas (as the legacy
// `sf` CLI's generated types have them) and reference/v0.openapi.yml. Times are ISO 8601 text,
// money whole cents.

import { sshKeyLengthMax, sshKeyUsernameLengthMax, transactionsPageSizeDefault, v0PageSizeMax } from '../../domain/kernel/limits.js';
import Type from 'typebox';
import { v0CursorPrefixes } from '../../domain/legacy-v0/lists.js';
import { Nullable, PageQuery } from './common.js';

const IsoTime = Type.String({ description: 'ISO 8601.', examples: ['2026-01-01T00:00:00Z'] });
const InstanceType = Type.String({ description: 'An instance type: h100i, h100v, h200ki or h200v (docs/decisions.md maps them to SKUs).', examples: ['h100v'] });

export const V0ContractResponse = Type.Object({
  object: Type.Literal('contract'),
  id: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('pending')]),
  created_at: IsoTime,
  instance_type: InstanceType,
  shape: Type.Object({
    intervals: Type.Array(IsoTime, { description: 'The times the node count changes.' }),
    quantities: Type.Array(Type.Integer({ minimum: 0 }), { description: 'The node count from each time on; the last is 0.' }),
  }),
  zone: Type.Optional(Type.String({ description: 'Left out when the SKU has no zone.' })),
  state: Type.Union([Type.Literal('Upcoming'), Type.Literal('Active'), Type.Literal('Expired')]),
  is_node: Type.Boolean({ description: 'Whether a v1 node holds it.' }),
  procurement_id: Nullable(Type.String()),
  cluster_id: Type.Optional(Type.String({ description: 'allot has no clusters: always left out.' })),
  colocate_with: Type.Array(Type.String()),
});

export const V0ListContractsQuery = Type.Object({
  state: Type.Optional(Type.String({ description: 'All, Upcoming, Active or Expired; none shows all but Expired.' })),
  instance_type: Type.Optional(InstanceType),
  ...PageQuery(v0CursorPrefixes.contracts),
});

export const V0ListContractsResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(V0ContractResponse),
  has_more: Type.Boolean(),
  cursor: Nullable(Type.String({ description: 'Pass as starting_after (or ending_before, walking backwards) to continue.' })),
});

export const V0QuoteQuery = Type.Object({
  side: Type.String({ description: 'buy or sell.' }),
  quantity: Type.Integer({ description: 'Nodes, from 1 to 1024.' }),
  instance_type: Type.Optional(Type.String({ description: 'Not consulted when cluster is given.' })),
  cluster: Type.Optional(Type.String({ description: 'A zone.' })),
  colocate_with: Type.Optional(Type.String({ description: 'A contract of the account: its SKU is quoted.' })),
  duration: Type.Optional(Type.Integer({ description: 'Seconds; or min_duration and max_duration.' })),
  min_duration: Type.Optional(Type.Integer({ description: 'Seconds.' })),
  max_duration: Type.Optional(Type.Integer({ description: 'Seconds.' })),
  min_start_date: Type.Optional(Type.String({ description: 'NOW or ISO 8601.' })),
  max_start_date: Type.Optional(Type.String({ description: 'NOW or ISO 8601.' })),
});

export const V0QuoteResponse = Type.Object({
  object: Type.Literal('quote'),
  side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
  quote: Nullable(
    Type.Object({
      price: Type.Integer({ minimum: 0, description: 'Total cents for the block.' }),
      quantity: Type.Integer({ minimum: 1, description: 'Nodes.' }),
      start_at: IsoTime,
      end_at: IsoTime,
      instance_type: InstanceType,
      zone: Type.String(),
    }),
  ),
  no_quote_reason: Nullable(Type.Union([Type.Literal('no_matching_clusters'), Type.Literal('no_availability')])),
});

export const V0IdPathParams = Type.Object({ id: Type.String({ minLength: 1 }) });

const GpuHourCents = Type.Integer({ description: 'Cents per GPU-hour (a node has 8 GPUs).', examples: [250] });
const Horizon = Type.Integer({ description: 'Minutes ahead the procurement keeps bought: its managed window.', examples: [60] });
const ProcurementStatus = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);

export const V0ColocationStrategy = Type.Union([
  Type.Object({ type: Type.Literal('anywhere') }),
  Type.Object({ type: Type.Literal('colocate') }),
  Type.Object({ type: Type.Literal('colocate-pinned') }),
  Type.Object({ type: Type.Literal('pinned'), cluster_name: Type.String({ description: 'A zone.' }) }),
]);

export const V0ProcurementResponse = Type.Object({
  object: Type.Literal('procurement'),
  id: Type.String(),
  instance_type: InstanceType,
  status: ProcurementStatus,
  desired_quantity: Type.Integer({ minimum: 0, description: 'Nodes; a node\'s procurement keeps one while its VM runs.' }),
  buy_limit_price_per_gpu_hour: GpuHourCents,
  sell_limit_price_per_gpu_hour: GpuHourCents,
  horizon: Horizon,
  colocation_strategy: V0ColocationStrategy,
  last_message: Type.Union([Type.Literal('insufficient_balance'), Type.Literal('running')]),
});

export const V0ListProcurementsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: v0PageSizeMax, default: v0PageSizeMax })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

export const V0ListProcurementsResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(V0ProcurementResponse), has_more: Type.Boolean() });

export const V0CreateProcurementRequest = Type.Object(
  {
    instance_type: InstanceType,
    desired_quantity: Type.Integer({ description: 'Nodes, from 0 to 1024.' }),
    buy_limit_price_per_gpu_hour: Type.Optional(GpuHourCents),
    sell_limit_price_per_gpu_hour: Type.Optional(Type.Integer({ description: 'Cents per GPU-hour; 0 by default.' })),
    horizon: Type.Optional(Type.Integer({ description: 'Minutes, from 1; 60 by default.' })),
    status: Type.Optional(ProcurementStatus),
    colocation_strategy: Type.Optional(Type.Object({ type: Type.String(), cluster_name: Type.Optional(Type.String()) }, { description: 'anywhere (the default), colocate, colocate-pinned, or pinned with cluster_name (a zone).' })),
  },
  { additionalProperties: false },
);

export const V0PatchProcurementRequest = Type.Object(
  {
    status: Type.Optional(Nullable(ProcurementStatus)),
    instance_type: Type.Optional(Nullable(InstanceType)),
    desired_quantity: Type.Optional(Nullable(Type.Integer())),
    buy_limit_price_per_gpu_hour: Type.Optional(Nullable(Type.Integer())),
    sell_limit_price_per_gpu_hour: Type.Optional(Nullable(Type.Integer())),
    horizon: Type.Optional(Nullable(Type.Integer())),
  },
  { additionalProperties: false },
);

export const V0ReplaceVmRequest = Type.Object({ vm_id: Type.String({ minLength: 1, description: 'The VM (vm_…).' }) }, { additionalProperties: false });
export const V0ReplaceVmResponse = Type.Object({ replaced: Type.String({ description: 'The VM that was ended.' }), replaced_by: Type.String({ description: 'The VM that replaces it.' }) });

const V0OrderFlags = Type.Object({
  ioc: Type.Optional(Type.Boolean({ description: 'Cancel what does not fill at once.' })),
  post_only: Type.Optional(Type.Boolean({ description: 'Not supported: allot matches every order as it is placed.' })),
  market: Type.Optional(Type.Boolean({ description: 'Not supported: give a price.' })),
  prorate: Type.Optional(Type.Boolean({ description: 'Accepted; a window that has begun trades from the current minute anyway.' })),
});

export const V0OrderResponse = Type.Object({
  object: Type.Literal('order'),
  id: Type.String(),
  side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('open'), Type.Literal('filled'), Type.Literal('cancelled'), Type.Literal('rejected')]),
  instance_type: InstanceType,
  quantity: Type.Integer({ minimum: 1 }),
  start_at: IsoTime,
  end_at: IsoTime,
  duration: Type.Integer({ description: 'Seconds.' }),
  price: Type.Integer({ minimum: 0, description: 'Total cents at the order\'s rate.' }),
  flags: Type.Object({ ioc: Type.Boolean(), post_only: Type.Boolean(), market: Type.Boolean(), prorate: Type.Boolean() }),
  executed: Type.Boolean(),
  executed_at: Nullable(IsoTime),
  execution_price: Type.Optional(Type.Integer({ description: 'Total cents the fills cost; left out until it fills.' })),
  cancelled: Type.Boolean(),
  cancelled_at: Nullable(IsoTime),
  colocate_with: Type.Array(Type.String()),
  created_at: IsoTime,
  rejected: Type.Boolean(),
  rejected_reason: Nullable(Type.String()),
  cluster: Type.Optional(Type.String({ description: 'The zone; left out when the SKU has none.' })),
  idempotency_key: Type.Optional(Nullable(Type.String())),
});

export const V0CreateOrderRequest = Type.Object(
  {
    side: Type.Union([Type.Literal('buy'), Type.Literal('sell')]),
    instance_type: Type.Optional(Nullable(InstanceType)),
    quantity: Type.Integer({ description: 'Nodes, from 1 to 1024.' }),
    start_at: Type.String({ description: 'NOW, or ISO 8601.' }),
    end_at: Type.String({ description: 'ISO 8601.' }),
    price: Type.Integer({ description: 'Total cents for the whole order.' }),
    flags: Type.Optional(V0OrderFlags),
    colocate_with: Type.Optional(Type.Array(Type.String(), { maxItems: 1 })),
    cluster: Type.Optional(Nullable(Type.String({ description: 'A zone.' }))),
    contract_id: Type.Optional(Type.String({ description: 'A sell: the contract it sells from.' })),
  },
  { additionalProperties: false },
);

export const V0ListOrdersQuery = Type.Object({
  side: Type.Optional(Type.Union([Type.Literal('buy'), Type.Literal('sell')])),
  instance_type: Type.Optional(InstanceType),
  min_price: Type.Optional(Type.Integer({ description: 'Total cents.' })),
  max_price: Type.Optional(Type.Integer({ description: 'Total cents.' })),
  only_open: Type.Optional(Type.Boolean()),
  only_filled: Type.Optional(Type.Boolean()),
  only_cancelled: Type.Optional(Type.Boolean()),
  exclude_filled: Type.Optional(Type.Boolean()),
  exclude_cancelled: Type.Optional(Type.Boolean()),
  sort_by: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('start_time')])),
  sort_direction: Type.Optional(Type.Union([Type.Literal('ASC'), Type.Literal('DESC')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: v0PageSizeMax, default: v0PageSizeMax })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});

export const V0ListOrdersResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(V0OrderResponse), has_more: Type.Boolean() });
export const V0CancelOrderResponse = Type.Object({ object: Type.Literal('pending', { description: 'SF Compute\'s answer: the cancellation is under way (allot\'s is done).' }) });
export const V0CancelAllOrdersResponse = Type.Object({ object: Type.Literal('pending'), cancelled_count: Type.Integer({ minimum: 0 }) });
export const V0OrderClustersResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(Type.Object({})), has_more: Type.Boolean() });

export const V0BalanceResponse = Type.Object({
  object: Type.Literal('balance'),
  available_balance_cents: Type.Integer({ description: 'What new buys can use, rounded down.' }),
  current_balance_cents: Type.Integer({ description: 'Available plus what resting buys hold.' }),
});

const SfTransactionTypes = ['buy', 'sell', 'transfer', 'error', 'instant_deposit', 'deposit_ach', 'withdrawal_bank', 'refund', 'admin_ledger_transfer', 'fulfillment_escrow_release', 'promotional_credit', 'delivery_fees_collected'] as const;

export const V0TransactionsQuery = Type.Object({
  starting_after: Type.Optional(Type.String({ description: 'A transaction id (txc_…): the page after it, older.' })),
  ending_before: Type.Optional(Type.String({ description: 'A transaction id (txc_…): the page before it, newer.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: v0PageSizeMax, default: transactionsPageSizeDefault })),
  transaction_type: Type.Optional(Type.Union(SfTransactionTypes.map((type) => Type.Literal(type)), { description: 'allot records buy, sell and promotional_credit (credit grants); the others list nothing.' })),
});

export const V0TransactionsResponse = Type.Object({
  object: Type.Literal('transactions'),
  transactions: Type.Array(
    Type.Object({
      id: Type.String({ description: 'Also its cursor.' }),
      timestamp: Type.String({ description: 'ISO 8601.' }),
      direction: Type.Union([Type.Literal('incoming'), Type.Literal('outgoing')]),
      status: Type.Literal('accepted'),
      amount: Type.Integer({ minimum: 0, description: 'Cents.' }),
      account_kind: Type.Literal('primary'),
      balance_before: Type.Integer({ description: 'Cents.' }),
      balance_after: Type.Integer({ description: 'Cents.' }),
      metadata: Type.Object({ type: Type.Union([Type.Literal('buy'), Type.Literal('sell'), Type.Literal('promotional_credit')]) }, { additionalProperties: true }),
    }),
  ),
  pagination: Type.Object({ has_more: Type.Boolean(), count: Type.Integer({ minimum: 0 }), oldest_timestamp: Nullable(Type.String()), newest_timestamp: Nullable(Type.String()) }),
});

export const V0InstanceResponse = Type.Object({
  object: Type.Literal('instance'),
  id: Type.String(),
  name: Type.String(),
  instance_type: InstanceType,
  status: Type.String({ description: 'The v2 instance status.' }),
  zone: Type.Optional(Type.String()),
  ip: Nullable(Type.String()),
  created_at: IsoTime,
  started_at: Nullable(IsoTime),
  ended_at: Nullable(IsoTime),
});

export const V0ListInstancesQuery = Type.Object({ ...PageQuery('nodec') });
export const V0ListInstancesResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(V0InstanceResponse), has_more: Type.Boolean(), cursor: Nullable(Type.String()) });

export const V0CredentialResponse = Type.Object({
  object: Type.Literal('credential'),
  id: Type.String({ description: 'sshkey_…' }),
  pubkey: Type.String({ description: 'An OpenSSH public key line.' }),
  username: Nullable(Type.String()),
  created_at: IsoTime,
});

export const V0CreateCredentialRequest = Type.Object(
  {
    pubkey: Type.String({ minLength: 1, maxLength: sshKeyLengthMax, description: 'An OpenSSH public key line: "<type> <base64> [comment]".' }),
    username: Type.Optional(Nullable(Type.String({ maxLength: sshKeyUsernameLengthMax }))),
  },
  { additionalProperties: false },
);

export const V0ListCredentialsResponse = Type.Object({ object: Type.Literal('list'), data: Type.Array(V0CredentialResponse), has_more: Type.Boolean() });
