// Cursor pagination, one rule for every list: newest first; `starting_after` walks towards older
// items, `ending_before` towards newer ones. A cursor names items by their insertion sequence, so
// a page boundary stays put while rows are inserted or deleted around it.
//
// The response carries one `cursor`, used for either direction as SF Compute's lists have it:
// it names the page's first and last items in the list's order (`poolc_<first>_<last>`, base 36),
// so `starting_after=cursor` reads the items just after the page (the next page) and
// `ending_before=cursor` those just before it (the previous page). It is null when there is
// nothing more in the direction of travel. A cursor naming one item (`poolc_<seq>`, as a
// transaction's own `cursor` does) stands for both ends.

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

/** A cursor naming one item, or a page from its first item to its last in the list's order. */
export function formatCursor(prefix: string, seq: number, lastSeq: number = seq): string {
  return lastSeq === seq ? `${prefix}_${seq.toString(36)}` : `${prefix}_${seq.toString(36)}_${lastSeq.toString(36)}`;
}

/** The first and last items a cursor names, in the list's order. */
function parseCursor(prefix: string, field: string, text: string): { first: number; last: number } | Failure {
  const body = text.startsWith(`${prefix}_`) ? text.slice(prefix.length + 1) : '';
  const parts = /^([0-9a-z]{1,11})(?:_([0-9a-z]{1,11}))?$/.exec(body);
  if (parts === null) {
    return invalidField(field, 'invalid_cursor', `"${text}" is not a cursor of this list (expected ${prefix}_…)`);
  }
  const first = Number.parseInt(parts[1]!, 36);
  return { first, last: parts[2] === undefined ? first : Number.parseInt(parts[2], 36) };
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
    const ends = parseCursor(cursorPrefix, 'ending_before', query.ending_before);
    return 'failure' in ends ? ends : { direction: 'newer', boundarySeq: ends.first, limit };
  }
  if (query.starting_after !== undefined) {
    const ends = parseCursor(cursorPrefix, 'starting_after', query.starting_after);
    return 'failure' in ends ? ends : { direction: 'older', boundarySeq: ends.last, limit };
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
 * (the extra row only says there is more). Data is always returned in the list's order (newest
 * first), and the cursor names its first and last items.
 */
export function toPage<T extends { readonly seq: number }>(cursorPrefix: string, request: PageRequest, rows: readonly T[]): Page<T> {
  const hasMore = rows.length > request.limit;
  const taken = rows.slice(0, request.limit);
  const data = request.direction === 'newer' ? [...taken].reverse() : taken;
  const first = data[0];
  const last = data[data.length - 1];
  const cursor = hasMore && first !== undefined && last !== undefined ? formatCursor(cursorPrefix, first.seq, last.seq) : null;
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
