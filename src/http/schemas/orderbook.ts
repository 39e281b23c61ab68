// The order book (`/preview/v2/orderbook/*`), after SF Compute's Orderbook* and PriceLevel schemas.
// Anonymous: price levels sum orders per SKU and rate, fills show no participants.

import Type from 'typebox';
import { DollarsPerNodeHour, IdOf, Nullable, Schedule, UnixEpoch } from './common.js';
import { Requirements } from './orders.js';

const InstanceSkuId = IdOf('isku');

const RequirementsQuery = Type.Optional(Type.String({ maxLength: 2048, description: 'URL-safe `field[:op]:value` triples joined by `;`, such as `accelerator:h100,h200;zone:richmond`.' }));

export const PriceLevel = Type.Object({
  instance_sku: InstanceSkuId,
  dollars_per_node_hour: DollarsPerNodeHour,
  allocation_schedule_delta: Schedule,
});

const Frame = {
  requirements: Requirements,
  start_at: UnixEpoch,
  end_at: UnixEpoch,
  requested_at: UnixEpoch,
};

export const WindowQuery = Type.Object({
  requirements: RequirementsQuery,
  start_at: UnixEpoch,
  end_at: UnixEpoch,
});

export const DepthQuery = Type.Object({
  ...WindowQuery.properties,
  depth: Type.Optional(Type.Integer({ default: 20, description: 'Levels per side, clamped to [1, 100].' })),
});

export const FillsQuery = Type.Object({
  ...WindowQuery.properties,
  since_at: Type.Optional(UnixEpoch),
  limit: Type.Optional(Type.Integer({ default: 50, description: 'Clamped to [1, 200].' })),
  starting_after: Type.Optional(Type.String()),
});

export const WindowsQuery = Type.Object({
  requirements: RequirementsQuery,
  range_start_at: UnixEpoch,
  range_end_at: UnixEpoch,
  limit: Type.Optional(Type.Integer({ default: 50, description: 'Clamped to [1, 200].' })),
  starting_after: Type.Optional(Type.String()),
});

export const QuoteResponse = Type.Object({ ...Frame, best_bid: Nullable(PriceLevel), best_ask: Nullable(PriceLevel) });

export const DepthResponse = Type.Object({ ...Frame, bids: Type.Array(PriceLevel), asks: Type.Array(PriceLevel) });

export const FillsResponse = Type.Object({
  object: Type.Literal('list'),
  ...Frame,
  cursor: Nullable(Type.String({ pattern: '^mfilc_[A-Za-z0-9_-]+$' })),
  has_more: Type.Boolean(),
  data: Type.Array(Type.Object({ instance_sku: InstanceSkuId, dollars_per_node_hour: DollarsPerNodeHour, allocation_schedule_delta: Schedule, filled_at: UnixEpoch })),
});

export const WindowsResponse = Type.Object({
  object: Type.Literal('list'),
  requirements: Requirements,
  range_start_at: UnixEpoch,
  range_end_at: UnixEpoch,
  cursor: Nullable(Type.String({ pattern: '^mwin_[A-Za-z0-9_-]+$' })),
  has_more: Type.Boolean(),
  data: Type.Array(
    Type.Object({
      instance_sku: InstanceSkuId,
      start_at: UnixEpoch,
      end_at: UnixEpoch,
      duration_hours: Type.Integer(),
      total_bid_order_count: Type.Integer(),
      total_ask_order_count: Type.Integer(),
      best_bid: Nullable(PriceLevel),
      best_ask: Nullable(PriceLevel),
    }),
  ),
});
