// Loading, failure and emptiness, shown the same way in every view. A failure shows the API's own
// message (and the fields it names), with a way to try again.

import type { ComponentChildren } from 'preact';
import { ApiError } from '../api/client.ts';
import type { Resource } from '../api/use-resource.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorMessage({ error, retry }: { error: Error; retry?: () => void }) {
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div class="error" role="alert">
      <strong>{error instanceof ApiError && error.status > 0 ? `Error ${error.status}: ` : 'Error: '}</strong>
      {error.message}
      {details.length > 0 && (
        <ul>
          {details.map((detail) => (
            <li key={`${detail.field}:${detail.message}`}>{detail.field === null ? detail.message : `${detail.field}: ${detail.message}`}</li>
          ))}
        </ul>
      )}
      {retry !== undefined && (
        <button type="button" class="link" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/**
 * Shows `resource` through `render` once it has a value; until then its loading state or its
 * error. A failed reload keeps the last value on screen with the error above it.
 */
export function Loaded<T>({ resource, what, render }: { resource: Resource<T>; what: string; render: (data: T) => ComponentChildren }) {
  if (resource.data === undefined) {
    return resource.error === undefined ? <Loading what={what} /> : <ErrorMessage error={resource.error} retry={resource.reload} />;
  }
  return (
    <>
      {resource.error !== undefined && <ErrorMessage error={resource.error} retry={resource.reload} />}
      {render(resource.data)}
    </>
  );
}
