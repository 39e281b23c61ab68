// Orders (`/preview/v2/orders`) and order previews (`/preview/v2/order_preview`), after SF
// Compute's v2.OrderResponse, v2.CreateOrderRequest and v2.OrderPreview* schemas.

import Type from 'typebox';
import { cursorPrefixes } from '../../domain/kernel/pagination.js';
import {
  DollarsPerNodeHour,
  DollarsPerNodeHourInput,
  IdOf,
  InstanceSkuSummary,
  ListOf,
  Nullable,
  PageQuery,
  Reference,
  Repeated,
  Schedule,
  ScheduleInput,
  SummaryOf,
  UnixEpoch,
} from './common.js';

export const Side = Type.Union([Type.Literal('buy'), Type.Literal('sell')]);

export const OrderStatus = Type.Union(
  ['pending', 'filled', 'partially_filled', 'rejected', 'cancelled', 'standing'].map((status) => Type.Literal(status)),
  { description: '`standing` and `partially_filled` orders rest on the book; `filled`, `cancelled` and `rejected` are final.' },
);

const OrderFill = Type.Object({
  contract: Nullable(IdOf('cont')),
  filled_at: UnixEpoch,
  allocation_schedule_delta: Schedule,
  price_dollars_per_node_hour: DollarsPerNodeHour,
});

export const OrderResponse = Type.Object({
  object: Type.Literal('order'),
  id: IdOf('ordr'),
  capacity: SummaryOf('pool'),
  pool: SummaryOf('pool'),
  side: Side,
  allow_standing: Type.Boolean(),
  allow_partial: Type.Boolean(),
  instance_sku: InstanceSkuSummary,
  allocation_schedule_delta: Schedule,
  filled_allocation_schedule_delta: Schedule,
  limit_price_dollars_per_node_hour: DollarsPerNodeHour,
  status: OrderStatus,
  created_at: UnixEpoch,
  created_by: Nullable(Type.Object({
    id: Type.String({ description: 'The user\'s id for a user principal, the token\'s for a token principal.' }),
    type: Type.Union([Type.Literal('user'), Type.Literal('token')]),
    email: Type.Optional(Nullable(Type.String({ description: 'The user\'s email, when the principal is a user.' }))),
    name: Type.Optional(Nullable(Type.String({ description: 'The token\'s name, when the principal is a token.' }))),
  })),
  filled_at: Nullable(UnixEpoch),
  filled_average_price_dollars_per_node_hour: Nullable(DollarsPerNodeHour),
  fills: Type.Array(OrderFill),
  cancelled_at: Nullable(UnixEpoch),
});

export const ListOrdersResponse = ListOf(OrderResponse, cursorPrefixes.orders);

export const CreateOrderRequest = Type.Object({
  pool: Reference('The pool that receives compute (a buy) or gives it (a sell).'),
  side: Side,
  instance_sku: Type.String({ description: 'The instance SKU the order fills on.' }),
  allocation_schedule_delta: ScheduleInput,
  limit_price_dollars_per_node_hour: DollarsPerNodeHourInput,
  allow_standing: Type.Optional(Type.Boolean({ default: false, description: 'Rest on the book until filled, cancelled or ended; otherwise what does not fill at once is cancelled.' })),
  allow_partial: Type.Optional(Type.Boolean({ default: false, description: 'May fill fewer nodes or part of the window; otherwise all or nothing.' })),
});

export const ListOrdersQuery = Type.Object({
  id: Repeated(Type.String(), 'Only these orders (repeatable).'),
  pool: Type.Optional(Reference('Only orders of this pool.')),
  workspace: Type.Optional(Reference('Only orders of this workspace; ignored when pool is given.')),
  side: Type.Optional(Side),
  status: Repeated(OrderStatus, 'Only orders in these statuses (repeatable).'),
  created_after: Type.Optional(UnixEpoch),
  created_before: Type.Optional(UnixEpoch),
  procurement: Type.Optional(Reference('Only the orders this procurement placed; without it, procurement orders are left out.')),
  sort_by: Type.Optional(Type.Union(['created_at', '-created_at', 'start_at', '-start_at'].map((sort) => Type.Literal(sort)), { default: '-created_at' })),
  ...PageQuery(cursorPrefixes.orders),
});

export const Requirements = Type.Record(Type.String(), Type.Array(Type.String()), { description: 'Instance SKU property → the values it may take; empty for any SKU.', examples: [{ accelerator: ['H100'] }] });

export const OrderPreviewRequest = Type.Object({
  side: Side,
  requirements: Requirements,
  start_at: UnixEpoch,
  duration_seconds: Type.Integer({ minimum: 0, description: 'A positive multiple of 60.' }),
  node_count: Type.Integer(),
  pool: Type.Optional(Nullable(Reference('The pool the order would use; omit for a placeholder to replace before posting.'))),
});

const Fee = Type.Object({ flat_dollars_per_node_hour: DollarsPerNodeHour, percentage_bps: Type.Integer() }, { description: 'What the operator takes from each sell fill: flat per node-hour plus a share of the fill.' });

const PostOrderBody = Type.Object({
  pool: Type.String(),
  side: Side,
  instance_sku: Type.String(),
  allocation_schedule_delta: Schedule,
  limit_price_dollars_per_node_hour: DollarsPerNodeHour,
  allow_standing: Type.Boolean(),
  allow_partial: Type.Boolean(),
});

export const OrderPreviewNotice = Type.Object({
  type: Type.Literal('maintenance_window'),
  start_at: UnixEpoch,
  end_at: UnixEpoch,
  maintenance_type: Type.Union([Type.Literal('info'), Type.Literal('degraded_performance'), Type.Literal('marketplace_unavailable')]),
  title: Type.String(),
  description: Type.String(),
  action_message: Nullable(Type.String()),
}, { description: 'A maintenance window of hosts of the SKU (a drained host of the fleet) overlapping the order\'s window.' });

export const OrderPreviewResponse = Type.Union([
  Type.Object({ type: Type.Literal('quoted'), post_order_body: PostOrderBody, fee: Fee, notices: Type.Array(OrderPreviewNotice) }),
  Type.Object({ type: Type.Literal('unavailable'), reason: Type.Union([Type.Literal('no_matching_instance_skus'), Type.Literal('no_availability')]), fee: Nullable(Fee), notices: Type.Array(OrderPreviewNotice) }),
]);

