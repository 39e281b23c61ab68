// A button that calls the API: disabled while the call runs, the API's error shown beside it,
// and every view refreshed when it succeeds.

import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useRefresh } from '../api/use-resource.ts';
import { ErrorMessage } from './status.tsx';

export function useAction<A extends unknown[]>(run: (...args: A) => Promise<unknown>) {
  const { refreshAll } = useRefresh();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);
  const perform = async (...args: A): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await run(...args);
      refreshAll();
      return true;
    } catch (failure) {
      setError(failure as Error);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, perform, clearError: () => setError(undefined) };
}

export function ActionButton({ run, children, confirm, kind = 'secondary' }: { run: () => Promise<unknown>; children: ComponentChildren; confirm?: string; kind?: 'primary' | 'secondary' | 'danger' }) {
  const action = useAction(run);
  return (
    <span class="action">
      <button
        type="button"
        class={kind}
        disabled={action.busy}
        onClick={() => {
          if (confirm === undefined || window.confirm(confirm)) void action.perform();
        }}
      >
        {children}
      </button>
      {action.error !== undefined && <ErrorMessage error={action.error} />}
    </span>
  );
}

interface ActionFormProps {
  /** From useAction: what submitting runs. */
  readonly action: { readonly busy: boolean; readonly error: Error | undefined; readonly perform: () => Promise<boolean> };
  /** The submit button's label. */
  readonly submit: string;
  /** After the action succeeded: to clear the fields, say. */
  readonly onDone?: () => void;
  readonly kind?: 'primary' | 'secondary';
  readonly compact?: boolean;
  readonly children: ComponentChildren;
}

/** A one-line form that runs an action on submit, with its error beneath. */
export function ActionForm({ action, submit, onDone, kind = 'primary', compact = false, children }: ActionFormProps) {
  return (
    <>
      <form
        class={compact ? 'inline-form compact' : 'inline-form'}
        onSubmit={async (event) => {
          event.preventDefault();
          if ((await action.perform()) && onDone !== undefined) onDone();
        }}
      >
        {children}
        <button type="submit" class={kind} disabled={action.busy}>
          {submit}
        </button>
      </form>
      {action.error !== undefined && <ErrorMessage error={action.error} />}
    </>
  );
}
