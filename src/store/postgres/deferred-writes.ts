// Writes whose result nobody reads, held back by the connection and sent together, as one
// statement, just before the transaction's next statement (or its commit). A fill writes its
// money entries, its account transactions, its contract and both orders while the book is locked;
// each is a round trip to PostgreSQL, and the book's lock is held across every one. Sent as one
// statement (data-modifying CTEs: `WITH w1 AS (…), w2 AS (…) …`), they cost one round trip.
//
// What is held back is never read before it is written: any other statement on the connection
// (a read, an unheld write, the commit) sends the held writes first, in order, and a rollback
// drops them. Two held writes share a statement only where PostgreSQL runs them as it would one
// after another: every part of one statement sees the same snapshot, so a write that would see or
// touch another's rows (an update of a row another updates, an update after an insert into its
// table) is sent after the writes before it. A held write's error is the next statement's.
//
// A statement whose answer is not needed, such as taking a lock, may be pipelined too: sent at
// once and answered at once; the connection runs the next statement after it, and that
// statement's caller hears its error, if any.

import { deferredWriteTextsMax } from '../../domain/kernel/limits.js';

// Begins the SQL of a write to be held back; then its mode, table and row key (or a star) and
// the comment's end.
const marker = '/*allot:deferred ';

/**
 * How a held write relates to others on its table: inserts add rows no other held write touches;
 * an update may touch any row of its table unless keyed; a `replace` writes the whole state of
 * the one row its key names, so that a later one for the same row stands for both.
 */
export type DeferredMode = 'insert' | 'update' | 'replace';

export interface DeferredWrite {
  readonly mode: DeferredMode;
  readonly table: string;
  /** The one row it writes, or null for any rows of the table. */
  readonly key: string | null;
  readonly sql: string;
  readonly values: readonly unknown[];
}

/** The SQL that asks the connection to hold `sql` back (postgres-store.ts's client). */
export function deferredText(sql: string, mode: DeferredMode, table: string, key: string | null): string {
  if (/[\s*]/.test(table) || (key !== null && /[\s*]/.test(key))) throw new Error(`a deferred write's table and key have no spaces or stars: ${table} ${key}`);
  if (/^\s*with\s/i.test(sql)) throw new Error('a deferred write cannot begin with WITH: data-modifying CTEs must be at the top level');
  return `${marker}${mode} ${table} ${key ?? '*'}*/ ${sql}`;
}

/** The held write `text` asks for, or null if it is not one. */
export function parseDeferred(text: string, values: readonly unknown[]): DeferredWrite | null {
  if (!text.startsWith(marker)) return null;
  const end = text.indexOf('*/', marker.length);
  const [mode, table, key] = text.slice(marker.length, end).split(' ') as [DeferredMode, string, string];
  return { mode, table, key: key === '*' ? null : key, sql: text.slice(end + 2).trimStart(), values };
}

/** The statement of held writes whose SQL is that of a path of this tree from its root. */
interface CombinedTexts {
  readonly after: Map<string, CombinedTexts>;
  text?: string;
}

/**
 * The statement that runs `writes` in order, each one's parameters numbered after those of the
 * writes before it. A fill holds the same few writes every time: each combination's statement is
 * built once (renumbering a fill's SQL cost more than sending it) and is then the same string,
 * which the connection finds its statement name for at once. At most `deferredWriteTextsMax` are
 * kept.
 */
function combinedText(writes: readonly DeferredWrite[]): string {
  let node = combinedTexts;
  for (const write of writes) {
    let next = node.after.get(write.sql);
    if (next === undefined) {
      if (combinedTextsKept >= deferredWriteTextsMax) {
        combinedTexts.after.clear();
        combinedTextsKept = 0;
        return combine(writes);
      }
      node.after.set(write.sql, (next = { after: new Map() }));
      combinedTextsKept++;
    }
    node = next;
  }
  return (node.text ??= combine(writes));
}

const combinedTexts: CombinedTexts = { after: new Map() };
let combinedTextsKept = 0;

function combine(writes: readonly DeferredWrite[]): string {
  let offset = 0;
  const parts = writes.map((write) => {
    const part = offset === 0 ? write.sql : renumbered(write.sql, offset);
    offset += write.values.length;
    return part;
  });
  const last = parts.pop()!;
  return parts.length === 0 ? last : `with ${parts.map((part, index) => `"allot_w${index + 1}" as (${part})`).join(', ')} ${last}`;
}

/** `sql` with its parameters numbered from `offset` + 1. Kysely writes them as $1…$n, and no
 * literal of these writes holds a `$`. */
function renumbered(sql: string, offset: number): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

/** Whether `next` may share a statement with the held `earlier`. */
function compatible(earlier: DeferredWrite, next: DeferredWrite): boolean {
  if (earlier.table !== next.table) return true;
  if (earlier.mode === 'insert' && next.mode === 'insert') return true;
  if (earlier.mode === 'insert' || next.mode === 'insert') return false;
  return earlier.key !== null && next.key !== null && earlier.key !== next.key;
}

/** The writes one connection holds back, in the order they were asked for. */
export class DeferredWrites {
  #held: DeferredWrite[] = [];

  get size(): number {
    return this.#held.length;
  }

  /**
   * Holds `write` back, answering true; or answers false, holding nothing, when it cannot share
   * a statement with what is held (send those first, then ask again).
   */
  hold(write: DeferredWrite): boolean {
    if (write.mode === 'replace') {
      const index = this.#held.findIndex((held) => held.mode === 'replace' && held.table === write.table && held.key === write.key);
      if (index >= 0 && this.#held.slice(index + 1).every((held) => compatible(held, write))) {
        // Its whole row's state, so that it stands for the earlier one too.
        this.#held.splice(index, 1);
        this.#held.push(write);
        return true;
      }
    }
    if (!this.#held.every((held) => compatible(held, write))) return false;
    this.#held.push(write);
    return true;
  }

  /** What is held, as one statement to send, and holds nothing more; null if nothing is held. */
  take(): { readonly text: string; readonly values: unknown[] } | null {
    const held = this.#held;
    this.#held = [];
    if (held.length === 0) return null;
    const values: unknown[] = [];
    for (const write of held) values.push(...write.values);
    return { text: combinedText(held), values };
  }

  /** Forgets what is held: the transaction rolled back. */
  drop(): void {
    this.#held = [];
  }
}

/** Begins the SQL of a statement to be sent at once, its caller not waiting to hear it was done. */
const pipelinedMarker = '/*allot:pipelined*/ ';

/**
 * The SQL that asks the connection to send `sql` and answer at once, with no rows: its error, if
 * any, is the next statement's. For a statement whose answer is not needed (taking a lock).
 */
export function pipelinedText(sql: string): string {
  return `${pipelinedMarker}${sql}`;
}

/** The statement `text` asks to be pipelined, or null if it is not one. */
export function parsePipelined(text: string): string | null {
  return text.startsWith(pipelinedMarker) ? text.slice(pipelinedMarker.length) : null;
}

/** Begins the SQL of a read to be sent at once, its answer given later (`readAheadText`). */
const readAheadMarker = '/*allot:read-ahead*/ ';

/**
 * The SQL that asks the connection to send the read `sql` at once and answer at once with one
 * row, `{answer}`: the promise of the read's own answer, which fails with the first error of what
 * went ahead of it. The next statement's caller hears its error too, as a pipelined one's. For
 * reads that do not depend on each other (a book's first round and the funds a buy locks), so
 * that several cost one round trip although Kysely runs a transaction's statements one by one.
 */
export function readAheadText(sql: string): string {
  return `${readAheadMarker}${sql}`;
}

/** The read `text` asks to be sent ahead, or null if it is not one. */
export function parseReadAhead(text: string): string | null {
  return text.startsWith(readAheadMarker) ? text.slice(readAheadMarker.length) : null;
}
