import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTagFilter, tagsMatch } from '../../src/domain/kernel/tags.js';

describe('tag filters', () => {
  it('reads key=value pairs, splitting at the first equals sign', () => {
    expect(parseTagFilter(['env=prod', 'url=a=b'], ['team'])).toEqual({ pairs: [{ key: 'env', value: 'prod' }, { key: 'url', value: 'a=b' }], keys: ['team'] });
    expect(parseTagFilter(['env='], [])).toEqual({ pairs: [{ key: 'env', value: '' }], keys: [] });
  });

  it('refuses malformed filters', () => {
    expect(parseTagFilter(['env'], [])).toMatchObject({ failure: 'invalid_request', details: [{ field: 'tag' }] });
    expect(parseTagFilter(['_x=1'], [])).toMatchObject({ failure: 'invalid_request' });
    expect(parseTagFilter([], ['a b'])).toMatchObject({ failure: 'invalid_request', details: [{ field: 'tag_key' }] });
  });

  it('matches when every pair and every key is present', () => {
    const tags = { env: 'prod', team: 'infra' };
    expect(tagsMatch(tags, { pairs: [{ key: 'env', value: 'prod' }], keys: ['team'] })).toBe(true);
    expect(tagsMatch(tags, { pairs: [{ key: 'env', value: 'dev' }], keys: [] })).toBe(false);
    expect(tagsMatch(tags, { pairs: [], keys: ['missing'] })).toBe(false);
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.string()), (any) => {
      expect(tagsMatch(any, { pairs: [], keys: [] })).toBe(true);
    }));
  });
});
