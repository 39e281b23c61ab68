// /preview/v2/orderbook: windows, quote, depth and fills. Anonymous by construction: levels sum
// orders per SKU and rate, fills carry no participants.

import type { AppContext } from '../../app/context.js';
import { type BookFrame, type DepthReading, getDepth, getQuote, listFills, listWindows } from '../../app/orderbook.js';
import { formatDollars } from '../../domain/money.js';
import type { BookWindow, PriceLevel } from '../../domain/orderbook.js';
import { requirementsAsMap } from '../../domain/requirements.js';
import { hourSeconds, toRectangles } from '../../domain/schedule.js';
import { type ApiServer, tags } from '../api-server.js';
import { respond } from '../respond.js';
import { errorResponses } from '../schemas/errors.js';
import { DepthQuery, DepthResponse, FillsQuery, FillsResponse, QuoteResponse, WindowQuery, WindowsQuery, WindowsResponse } from '../schemas/orderbook.js';

function renderLevel(level: PriceLevel) {
  return {
    instance_sku: level.instanceSkuId,
    dollars_per_node_hour: formatDollars(level.priceMicros),
    allocation_schedule_delta: toRectangles(level.schedule),
  };
}

function renderFrame(frame: BookFrame & { readonly startAt: number; readonly endAt: number }) {
  return { requirements: requirementsAsMap(frame.requirements), start_at: frame.startAt, end_at: frame.endAt, requested_at: frame.requestedAt };
}

function renderWindow(window: BookWindow) {
  return {
    instance_sku: window.instanceSkuId,
    start_at: window.startAt,
    end_at: window.endAt,
    duration_hours: Math.floor((window.endAt - window.startAt) / hourSeconds),
    total_bid_order_count: window.bidCount,
    total_ask_order_count: window.askCount,
    best_bid: window.bestBid === null ? null : renderLevel(window.bestBid),
    best_ask: window.bestAsk === null ? null : renderLevel(window.bestAsk),
  };
}

export function registerOrderbookRoutes(app: ApiServer, context: AppContext): void {
  const config = { audience: 'account' as const };
  const tagged = { tags: [tags.orderbook] };

  app.get('/preview/v2/orderbook/windows', {
    config,
    schema: {
      ...tagged,
      summary: 'List market windows',
      description: 'Each SKU and delivery window (an order\'s own start and end) with resting orders overlapping the range, by (start_at, end_at, instance_sku) ascending.',
      querystring: WindowsQuery,
      response: { 200: WindowsResponse, ...errorResponses(400, 401, 422) },
    },
  }, async (request, reply) =>
    respond(reply, await listWindows(context, request.query), 200, (page) => ({
      object: 'list' as const,
      requirements: requirementsAsMap(page.requirements),
      range_start_at: page.rangeStartAt,
      range_end_at: page.rangeEndAt,
      cursor: page.cursor,
      has_more: page.hasMore,
      data: page.data.map((window) => renderWindow(window)),
    })));

  app.get('/preview/v2/orderbook/quote', {
    config,
    schema: { ...tagged, summary: 'Get market quote', description: 'The best bid and best ask for what resting orders still offer within the window.', querystring: WindowQuery, response: { 200: QuoteResponse, ...errorResponses(400, 401, 422) } },
  }, async (request, reply) =>
    respond(reply, await getQuote(context, request.query), 200, (depth: DepthReading) => ({
      ...renderFrame(depth),
      best_bid: depth.bids[0] === undefined ? null : renderLevel(depth.bids[0]),
      best_ask: depth.asks[0] === undefined ? null : renderLevel(depth.asks[0]),
    })));

  app.get('/preview/v2/orderbook/depth', {
    config,
    schema: { ...tagged, summary: 'Get market depth', description: 'Price levels per SKU and rate: bids highest first, asks lowest first.', querystring: DepthQuery, response: { 200: DepthResponse, ...errorResponses(400, 401, 422) } },
  }, async (request, reply) =>
    respond(reply, await getDepth(context, request.query), 200, (depth) => ({
      ...renderFrame(depth),
      bids: depth.bids.map(renderLevel),
      asks: depth.asks.map(renderLevel),
    })));

  app.get('/preview/v2/orderbook/fills', {
    config,
    schema: { ...tagged, summary: 'List market fills', description: 'Contracts on SKUs meeting the requirements that overlap the window, newest first.', querystring: FillsQuery, response: { 200: FillsResponse, ...errorResponses(400, 401, 422) } },
  }, async (request, reply) =>
    respond(reply, await listFills(context, request.query), 200, (page) => ({
      object: 'list' as const,
      ...renderFrame(page),
      cursor: page.cursor,
      has_more: page.has_more,
      data: page.data.map((contract) => ({
        instance_sku: contract.instanceSkuId,
        dollars_per_node_hour: formatDollars(contract.priceMicros),
        allocation_schedule_delta: toRectangles(contract.schedule),
        filled_at: contract.filledAt,
      })),
    })));
}
