// The server's time, which is not the browser's: under `--clock manual` it stands still until the
// operator advances it. The operator reads it at /admin/v1/clock; an account reads it from the
// time its balance was read (/v1/balances `updated_at`), the one account read that carries "now".

import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { apiWithToken } from './api/client.ts';
import type { Balances, Clock } from './api/types.ts';
import { type Resource, useResource } from './api/use-resource.ts';
import type { Session } from './session.ts';

export interface ServerTime {
  readonly now: number;
  /** Known only to the operator. */
  readonly mode: 'real' | 'manual' | null;
}

export function useServerTimeResource(session: Session): Resource<ServerTime> {
  return useResource(async () => {
    if (session.operator !== null) {
      const clock = await apiWithToken(session.operator.token)<Clock>('/admin/v1/clock');
      return { now: clock.now, mode: clock.mode };
    }
    const balances = await apiWithToken(session.account!.token)<Balances>('/v1/balances');
    return { now: balances.updated_at, mode: null };
  }, [session.operator?.token, session.account?.token]);
}

/** Until the server has answered, the browser's own time stands in. */
export const ServerTimeContext = createContext<ServerTime>({ now: Math.floor(Date.now() / 1000), mode: null });

export function useServerTime(): ServerTime {
  return useContext(ServerTimeContext);
}
