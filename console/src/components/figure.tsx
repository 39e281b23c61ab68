// One number that matters, large, with what it is above and what it means below: a balance, the
// server's time.

import type { ComponentChildren } from 'preact';

export function Figure({ label, note, children, ...data }: { label: string; note: string; children: ComponentChildren } & Record<`data-${string}`, string | number>) {
  return (
    <div class="figure">
      <span class="label">{label}</span>
      <span class="value" {...data}>
        {children}
      </span>
      <span class="muted">{note}</span>
    </div>
  );
}
