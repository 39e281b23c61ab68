// Applies a PageRequest to a query ordered by insertion sequence: newest first when walking
// towards older rows, oldest first when walking towards newer ones. One row past the limit is
// read so that the page can tell whether there is more (see domain/kernel/pagination.ts).

import type { SelectQueryBuilder } from 'kysely';
import type { PageRequest } from '../../domain/kernel/pagination.js';

export function pageBySeq<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  seqColumn: string,
  page: PageRequest,
): SelectQueryBuilder<DB, TB, O> {
  // Kysely cannot type a column name chosen at run time; the callers pass their table's `seq`.
  const column = seqColumn as never;
  let paged = query;
  if (page.boundarySeq !== null) {
    paged = paged.where(column, page.direction === 'older' ? '<' : '>', page.boundarySeq as never);
  }
  return paged.orderBy(column, page.direction === 'older' ? 'desc' : 'asc').limit(page.limit + 1);
}
