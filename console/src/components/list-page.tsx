// A view that lists one kind of thing: its title and actions above, then the list once loaded,
// or what to do when it is empty.

import type { ComponentChildren } from 'preact';
import type { List } from '../api/types.ts';
import type { Resource } from '../api/use-resource.ts';
import { Empty, Loaded } from './status.tsx';

interface ListPageProps<T> {
  readonly title: string;
  /** Beside the title: a form to create one, a filter. */
  readonly actions?: ComponentChildren;
  readonly resource: Resource<List<T>>;
  /** What is loading, for the loading line: "pools". */
  readonly what: string;
  /** Shown instead of an empty list. */
  readonly empty: ComponentChildren;
  readonly render: (items: readonly T[]) => ComponentChildren;
}

export function ListPage<T>({ title, actions, resource, what, empty, render }: ListPageProps<T>) {
  return (
    <>
      <div class="view-header">
        <h1>{title}</h1>
        {actions}
      </div>
      <Loaded
        resource={resource}
        what={what}
        render={(list) => (
          <>
            {list.data.length === 0 ? <Empty>{empty}</Empty> : render(list.data)}
            {list.has_more && <p class="muted">Showing the first {list.data.length}.</p>}
          </>
        )}
      />
    </>
  );
}
