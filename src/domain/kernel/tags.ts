// Tags: the rules of SF Compute's `Tags` schema, and the `tag` / `tag_key` list filters.

import { type Failure, invalidField } from './failures.js';
import { tagKeyLengthMax, tagsCountMax, tagValueLengthMax } from './limits.js';

export type Tags = Readonly<Record<string, string>>;

/** Key: no leading underscore, no comma, equals sign or space (SF Compute's `Tags` schema). */
export const tagKeyPattern = `^[^_,= ][^,= ]{0,${tagKeyLengthMax - 1}}$`;
/** Value: no comma or equals sign. */
export const tagValuePattern = `^[^,=]{0,${tagValueLengthMax}}$`;

const tagKeyRegExp = new RegExp(tagKeyPattern);

/** Filters on tags that a list request gives: exact key/value pairs and keys that must exist. */
export interface TagFilter {
  readonly pairs: readonly { readonly key: string; readonly value: string }[];
  readonly keys: readonly string[];
}

/** Reads the `tag=key=value` and `tag_key=key` query parameters. */
export function parseTagFilter(tag: readonly string[], tagKey: readonly string[]): TagFilter | Failure {
  const pairs: { key: string; value: string }[] = [];
  for (const text of tag) {
    const equals = text.indexOf('=');
    if (equals < 0) return invalidField('tag', 'invalid_format', `Tag filter "${text}" must have the form key=value`);
    const key = text.slice(0, equals);
    if (!tagKeyRegExp.test(key)) return invalidField('tag', 'invalid_format', `Tag filter key "${key}" is not a valid tag key`);
    pairs.push({ key, value: text.slice(equals + 1) });
  }
  for (const key of tagKey) {
    if (!tagKeyRegExp.test(key)) return invalidField('tag_key', 'invalid_format', `"${key}" is not a valid tag key`);
  }
  return { pairs, keys: [...tagKey] };
}

export const noTagFilter: TagFilter = { pairs: [], keys: [] };

/** Whether tags pass a filter; the stores filter in SQL, and tests compare against this. */
export function tagsMatch(tags: Tags, filter: TagFilter): boolean {
  return filter.pairs.every(({ key, value }) => tags[key] === value) && filter.keys.every((key) => key in tags);
}

/** Guards the tag count; the HTTP schema enforces the same limit, this catches callers that skip it. */
export function assertTagsWithinLimits(tags: Tags): void {
  if (Object.keys(tags).length > tagsCountMax) throw new Error(`more than ${tagsCountMax} tags`);
}
