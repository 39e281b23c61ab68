// The v0 lists' cursor prefixes: v0 lists page as every allot list does (newest first,
// `limit`, `starting_after`, `ending_before`), besides the `has_more` SF Compute's v0 shows.

export const v0CursorPrefixes = {
  contracts: 'contc',
} as const;
