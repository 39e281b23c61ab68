// A moment on screen: the browser's zone, UTC on hover, the ISO form for machines.

import { formatLocalTime, formatUtcTime, isoTime } from '../format/time.ts';

export function Time({ at }: { at: number | null }) {
  if (at === null) return <span class="muted">—</span>;
  return (
    <time dateTime={isoTime(at)} title={formatUtcTime(at)}>
      {formatLocalTime(at)}
    </time>
  );
}
