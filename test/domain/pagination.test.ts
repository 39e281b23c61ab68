import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PageRequest, parsePageQuery, toPage } from '../../src/domain/kernel/pagination.js';
import { pageSizeMax } from '../../src/domain/kernel/limits.js';

/** A brute-force store: what rows a page request reads from a set of sequences. */
function readRows(all: readonly number[], request: PageRequest): { seq: number }[] {
  const sorted = [...all].sort((a, b) => (request.direction === 'older' ? b - a : a - b));
  const past = request.boundarySeq === null ? sorted : sorted.filter((seq) => (request.direction === 'older' ? seq < request.boundarySeq! : seq > request.boundarySeq!));
  return past.slice(0, request.limit + 1).map((seq) => ({ seq }));
}

function walk(all: readonly number[], limit: number, direction: 'older' | 'newer', start: string | undefined): number[] {
  const seen: number[] = [];
  let cursor = start;
  for (let guard = 0; guard < 1000; guard++) {
    const query = direction === 'older' ? { limit, starting_after: cursor } : { limit, ending_before: cursor };
    const request = parsePageQuery('poolc', query);
    if ('failure' in request) throw new Error(request.message);
    const page = toPage('poolc', request, readRows(all, request));
    const pageSeqs = page.data.map((row) => row.seq);
    seen.push(...(direction === 'older' ? pageSeqs : [...pageSeqs].reverse()));
    if (page.cursor === null) return seen;
    cursor = page.cursor;
  }
  throw new Error('pagination did not end');
}

describe('pagination', () => {
  it('walks every row exactly once, newest first, for any page size', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (seqs, limit) => {
        const expected = [...seqs].sort((a, b) => b - a);
        expect(walk(seqs, limit, 'older', undefined)).toEqual(expected);
      }),
    );
  });

  it('walks back to the newest row from any cursor', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 10 }), fc.nat(), (seqs, limit, pick) => {
        const boundary = seqs[pick % seqs.length]!;
        const expected = seqs.filter((seq) => seq > boundary).sort((a, b) => a - b);
        expect(walk(seqs, limit, 'newer', `poolc_${boundary.toString(36)}`)).toEqual(expected);
      }),
    );
  });

  it('walks forward with starting_after, then back with ending_before, through the same pages', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { maxLength: 60 }), fc.integer({ min: 1, max: 10 }), (seqs, limit) => {
        // The model: the list newest first, cut into pages of `limit`.
        const newestFirst = [...seqs].sort((a, b) => b - a);
        const model: number[][] = [];
        for (let at = 0; at < newestFirst.length; at += limit) model.push(newestFirst.slice(at, at + limit));
        if (model.length === 0) model.push([]);

        const forward: { seqs: number[]; cursor: string | null }[] = [];
        let cursor: string | undefined;
        do {
          const request = parsePageQuery('poolc', { limit, starting_after: cursor });
          if ('failure' in request) throw new Error(request.message);
          const page = toPage('poolc', request, readRows(seqs, request));
          forward.push({ seqs: page.data.map((row) => row.seq), cursor: page.cursor });
          cursor = page.cursor ?? undefined;
        } while (cursor !== undefined);
        expect(forward.map((page) => page.seqs)).toEqual(model);

        // From each page that has a cursor, ending_before gives the page before it; walking back
        // from the last such page passes every earlier page in turn and stops at the first.
        for (const [index, page] of forward.entries()) {
          if (page.cursor === null) continue;
          const request = parsePageQuery('poolc', { limit, ending_before: page.cursor });
          if ('failure' in request) throw new Error(request.message);
          const previous = toPage('poolc', request, readRows(seqs, request));
          expect(previous.data.map((row) => row.seq)).toEqual(index === 0 ? [] : model[index - 1]);
          expect(previous.has_more).toBe(index > 1);
          if (index > 0) expect(previous.cursor).toBe(index > 1 ? forward[index - 1]!.cursor : null);
        }
        const lastWithCursor = forward.findLastIndex((page) => page.cursor !== null);
        if (lastWithCursor > 0) {
          const back: number[][] = [];
          let backCursor: string | null = forward[lastWithCursor]!.cursor;
          while (backCursor !== null) {
            const request = parsePageQuery('poolc', { limit, ending_before: backCursor });
            if ('failure' in request) throw new Error(request.message);
            const page = toPage('poolc', request, readRows(seqs, request));
            back.push(page.data.map((row) => row.seq));
            backCursor = page.cursor;
          }
          expect(back).toEqual(model.slice(0, lastWithCursor).reverse());
        }
      }),
    );
  });

  it('reads a cursor naming one item as both ends of a page', () => {
    expect(parsePageQuery('poolc', { starting_after: 'poolc_a' })).toEqual({ direction: 'older', boundarySeq: 10, limit: 50 });
    expect(parsePageQuery('poolc', { ending_before: 'poolc_a' })).toEqual({ direction: 'newer', boundarySeq: 10, limit: 50 });
    expect(parsePageQuery('poolc', { starting_after: 'poolc_z_a' })).toEqual({ direction: 'older', boundarySeq: 10, limit: 50 });
    expect(parsePageQuery('poolc', { ending_before: 'poolc_z_a' })).toEqual({ direction: 'newer', boundarySeq: 35, limit: 50 });
  });

  it('checks limits and cursors', () => {
    expect(parsePageQuery('poolc', {})).toEqual({ direction: 'older', boundarySeq: null, limit: 50 });
    expect(parsePageQuery('poolc', { limit: pageSizeMax })).toMatchObject({ limit: pageSizeMax });
    for (const bad of [{ limit: 0 }, { limit: pageSizeMax + 1 }, { starting_after: 'ordrc_1' }, { starting_after: 'poolc_' }, { ending_before: 'poolc_A' }, { ending_before: 'poolc_1_' }, { starting_after: 'poolc_1_2_3' }, { starting_after: 'poolc_1', ending_before: 'poolc_2' }]) {
      expect(parsePageQuery('poolc', bad), JSON.stringify(bad)).toMatchObject({ failure: 'invalid_request' });
    }
  });
});
