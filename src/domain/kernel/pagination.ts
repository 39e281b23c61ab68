// Cursor pagination, one rule for every list: newest first; `starting_after` walks towards older
// items, `ending_before` towards newer ones. A cursor names one item by its insertion sequence, so
// a page boundary stays put while rows are inserted or deleted around it.
//
// The response carries one `cursor`: the last item of the page in the direction of travel, to be
// passed back in the same parameter, or null when there is nothing more that way.

import { type Failure, invalidField } from './failures.js';
import { pageSizeDefault, pageSizeMax } from './limits.js';

/** Each list's cursor prefix, as SF Compute's API spells them (`acctc` is allot's admin list). */
export const cursorPrefixes = {
  accounts: 'acctc',
  pools: 'poolc',
  poolTransfers: 'ptfrc',
  instances: 'nodec',
  orders: 'ordrc',
  procurements: 'procc',
  deployments: 'deplc',
  images: 'imagec',
  instanceSkus: 'iskuc',
  instanceSkuProperties: 'ispkc',
  instanceTemplates: 'itmplc',
  orderbookFills: 'mfilc',
  orderbookWindows: 'mwin',
  transactions: 'txc',
  tokens: 'tokc',
  users: 'usrc',
  hosts: 'hostc',
  hostTokens: 'htokc',
} as const;

export type PageDirection = 'older' | 'newer';

/** What a store needs to read one page: the boundary sequence (exclusive) and how many rows. */
export interface PageRequest {
  readonly direction: PageDirection;
  readonly boundarySeq: number | null;
  readonly limit: number;
}

export interface PageQuery {
  readonly limit?: number | undefined;
  readonly starting_after?: string | undefined;
  readonly ending_before?: string | undefined;
}

export function formatCursor(prefix: string, seq: number): string {
  return `${prefix}_${seq.toString(36)}`;
}

function parseCursor(prefix: string, field: string, text: string): number | Failure {
  const body = text.startsWith(`${prefix}_`) ? text.slice(prefix.length + 1) : '';
  if (!/^[0-9a-z]{1,11}$/.test(body)) {
    return invalidField(field, 'invalid_cursor', `"${text}" is not a cursor of this list (expected ${prefix}_…)`);
  }
  return Number.parseInt(body, 36);
}

export function parsePageQuery(cursorPrefix: string, query: PageQuery): PageRequest | Failure {
  const limit = query.limit ?? pageSizeDefault;
  if (!Number.isInteger(limit) || limit < 1 || limit > pageSizeMax) {
    return invalidField('limit', 'out_of_range', `limit must be between 1 and ${pageSizeMax}`);
  }
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    return invalidField('ending_before', 'conflicting_parameters', 'Give starting_after or ending_before, not both');
  }
  if (query.ending_before !== undefined) {
    const seq = parseCursor(cursorPrefix, 'ending_before', query.ending_before);
    return typeof seq === 'number' ? { direction: 'newer', boundarySeq: seq, limit } : seq;
  }
  if (query.starting_after !== undefined) {
    const seq = parseCursor(cursorPrefix, 'starting_after', query.starting_after);
    return typeof seq === 'number' ? { direction: 'older', boundarySeq: seq, limit } : seq;
  }
  return { direction: 'older', boundarySeq: null, limit };
}

export interface Page<T> {
  readonly data: readonly T[];
  readonly has_more: boolean;
  readonly cursor: string | null;
}

/**
 * Builds a page from the rows a store read: up to `limit + 1` rows in the direction of travel
 * (the extra row only says there is more). Data is always returned newest first.
 */
export function toPage<T extends { readonly seq: number }>(cursorPrefix: string, request: PageRequest, rows: readonly T[]): Page<T> {
  const hasMore = rows.length > request.limit;
  const taken = rows.slice(0, request.limit);
  const last = taken[taken.length - 1];
  const cursor = hasMore && last !== undefined ? formatCursor(cursorPrefix, last.seq) : null;
  const data = request.direction === 'newer' ? [...taken].reverse() : taken;
  return { data, has_more: hasMore, cursor };
}

/**
 * Applies a page request to items held in memory, newest (highest `seq`) first, reading what a
 * store would: up to `limit + 1` items past the boundary in the direction of travel.
 */
export function pageRows<T extends { readonly seq: number }>(items: readonly T[], request: PageRequest): T[] {
  const boundary = request.boundarySeq;
  const ordered = [...items].sort((a, b) => (request.direction === 'older' ? b.seq - a.seq : a.seq - b.seq));
  const past = boundary === null ? ordered : ordered.filter((item) => (request.direction === 'older' ? item.seq < boundary : item.seq > boundary));
  return past.slice(0, request.limit + 1);
}
