// Loads something from the API for a view and keeps it fresh: the last good value stays on
// screen while a reload runs, the error of the last attempt is kept beside it, and every view
// reloads when `useRefresh().refreshAll()` is called (after an action that changes the state).

import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';

/** Seconds between reloads of what is on screen, so that it follows the server without a click. */
export const refreshSecondsDefault = 5;

interface Refresh {
  /** Bumped to make every resource reload. */
  readonly generation: number;
  readonly refreshAll: () => void;
}

export const RefreshContext = createContext<Refresh>({ generation: 0, refreshAll: () => undefined });

export function useRefresh(): Refresh {
  return useContext(RefreshContext);
}

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** True until the first answer (or failure). */
  readonly loading: boolean;
  readonly reload: () => void;
}

/**
 * `load` is called again whenever one of `keys` changes, every `refreshSeconds` (0: never), and
 * on refreshAll(). Answers to outdated requests are dropped.
 */
export function useResource<T>(load: () => Promise<T>, keys: readonly unknown[], refreshSeconds = refreshSecondsDefault): Resource<T> {
  const { generation } = useRefresh();
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // A change of keys is another thing to show: forget the old one.
  useEffect(() => setState({ data: undefined, error: undefined, loading: true }), keys);

  useEffect(() => {
    const request = ++latest.current;
    loadRef.current().then(
      (data) => request === latest.current && setState({ data, error: undefined, loading: false }),
      (error: Error) => request === latest.current && setState((previous) => ({ data: previous.data, error, loading: false })),
    );
  }, [...keys, tick, generation]);

  useEffect(() => {
    if (refreshSeconds <= 0) return undefined;
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') setTick((count) => count + 1);
    }, refreshSeconds * 1000);
    return () => clearInterval(timer);
  }, [refreshSeconds]);

  const reload = useCallback(() => setTick((count) => count + 1), []);
  return { ...state, reload };
}
