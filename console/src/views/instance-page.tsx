// One instance: its state, SSH details, its console log (followed while it is live: new lines
// are fetched every two seconds and the view keeps to the bottom), and terminate.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from '../api/client.ts';
import type { Instance, InstanceSsh, List, LogLine } from '../api/types.ts';
import { useResource } from '../api/use-resource.ts';
import { ActionButton } from '../components/action.tsx';
import { ErrorMessage, Loaded } from '../components/status.tsx';
import { Time } from '../components/time.tsx';
import { formatLocalClock, formatLocalTime, formatUtcTime } from '../format/time.ts';
import { href } from '../router.ts';
import { StatusBadge } from './instances.tsx';

const followSeconds = 2;
/** Lines shown when the page opens: the end of the log, as `tail` would. */
const initialLines = 1000;
/** The API's largest page of log lines. */
const pageLinesMax = 2500;

function decode(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

function isLive(instance: Instance): boolean {
  return instance.status === 'running' || instance.status === 'awaiting_allocation';
}

/** The log so far and, while `follow` holds, every line that arrives after it. */
function useFollowedLog(api: Api, instanceId: string, follow: boolean) {
  const [lines, setLines] = useState<LogLine[] | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const lastSeqnum = useRef<number | null>(null);

  useEffect(() => {
    let stopped = false;
    lastSeqnum.current = null;
    setLines(undefined);
    const fetchMore = async () => {
      try {
        const after = lastSeqnum.current;
        const page =
          after === null
            ? [...(await api<List<LogLine>>(`/preview/v2/instances/${instanceId}/logs`, { query: { sort_by: '-seqnum', limit: initialLines } })).data].reverse()
            : (await api<List<LogLine>>(`/preview/v2/instances/${instanceId}/logs`, { query: { sort_by: 'seqnum', seqnum_after: after + 1, limit: pageLinesMax } })).data;
        if (stopped) return;
        const fresh = page.filter((line) => after === null || line.seqnum > after);
        if (fresh.length > 0) lastSeqnum.current = fresh.at(-1)!.seqnum;
        setLines((previous) => [...(previous ?? []), ...fresh]);
        setError(undefined);
      } catch (failure) {
        if (!stopped) setError(failure as Error);
      }
    };
    void fetchMore();
    const timer = follow ? setInterval(() => void fetchMore(), followSeconds * 1000) : undefined;
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [api, instanceId, follow]);

  return { lines, error };
}

function ConsoleLog({ api, instance }: { api: Api; instance: Instance }) {
  const live = isLive(instance);
  const [wantFollow, setWantFollow] = useState(true);
  const follow = live && wantFollow;
  const { lines, error } = useFollowedLog(api, instance.id, follow);
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    if (follow && box.current !== null) box.current.scrollTop = box.current.scrollHeight;
  }, [lines?.length, follow]);

  return (
    <section class="card">
      <header class="log-header">
        <h2>Console log</h2>
        <label class="checkbox">
          <input type="checkbox" checked={follow} disabled={!live} onChange={(event) => setWantFollow(event.currentTarget.checked)} /> follow
        </label>
        <span class="muted" data-log-state>
          {live ? (follow ? 'following: new lines appear as the instance writes them' : 'paused') : `the instance is ${instance.status}; its log is complete`}
        </span>
      </header>
      {error !== undefined && <ErrorMessage error={error} />}
      {lines === undefined ? (
        <p class="loading">Loading the log…</p>
      ) : lines.length === 0 ? (
        <p class="empty">{instance.status === 'awaiting_allocation' ? 'Nothing yet: the instance waits for allocation on its pool.' : 'Nothing written yet.'}</p>
      ) : (
        <pre class="log" ref={box} data-lines={lines.length}>
          {lines.map((line) => (
            <div key={line.seqnum} class="log-line">
              <span class="log-time" title={`${formatLocalTime(line.timestamp_realtime)} · ${formatUtcTime(line.timestamp_realtime)}`}>
                {formatLocalClock(line.timestamp_realtime)}
              </span>{' '}
              {decode(line.data).replace(/\n$/, '')}
            </div>
          ))}
        </pre>
      )}
    </section>
  );
}

function SshDetails({ api, instance }: { api: Api; instance: Instance }) {
  const ssh = useResource(() => api<InstanceSsh>(`/preview/v2/instances/${instance.id}/ssh`), [api, instance.id, instance.status], 10);
  if (instance.status !== 'running') return null;
  return (
    <section class="card">
      <h2>SSH</h2>
      <Loaded
        resource={ssh}
        what="SSH details"
        render={(details) => (
          <>
            <p>
              <code>
                ssh -p {details.port} root@{details.hostname}
              </code>
            </p>
            {details.host_keys.length === 0 ? (
              <p class="muted">No host keys yet: the instance is still booting.</p>
            ) : (
              details.host_keys.map((key) => (
                <p key={key.key} class="host-key">
                  <code>
                    {key.key_type} {key.key}
                  </code>
                </p>
              ))
            )}
          </>
        )}
      />
    </section>
  );
}

export function InstancePage({ api, instanceId }: { api: Api; instanceId: string }) {
  const instance = useResource(() => api<Instance>(`/preview/v2/instances/${instanceId}`), [api, instanceId], 3);
  return (
    <>
      <p>
        <a href={href('instances')}>← Instances</a>
      </p>
      <Loaded
        resource={instance}
        what="the instance"
        render={(found) => (
          <>
            <div class="view-header">
              <h1>
                {found.name} <StatusBadge status={found.status} />
              </h1>
              {isLive(found) && (
                <ActionButton kind="danger" run={() => api(`/preview/v2/instances/${found.id}/terminate`, { method: 'POST' })} confirm={`Terminate ${found.name}? It never runs again.`}>
                  Terminate
                </ActionButton>
              )}
            </div>
            <dl class="facts">
              <dt>id</dt>
              <dd>{found.id}</dd>
              <dt>pool</dt>
              <dd>{found.pool.name}</dd>
              <dt>SKU</dt>
              <dd>{found.instance_sku.alias}</dd>
              <dt>image</dt>
              <dd>{found.image.name}</dd>
              <dt>priority</dt>
              <dd>{found.priority_level ?? 'normal'}</dd>
              <dt>created</dt>
              <dd>
                <Time at={found.created_at} />
              </dd>
              <dt>updated</dt>
              <dd>
                <Time at={found.updated_at} />
              </dd>
              <dt>expected shutdown</dt>
              <dd>
                <Time at={found.expected_shutdown_at} />
              </dd>
              {found.public_ip !== undefined && (
                <>
                  <dt>public IP</dt>
                  <dd>{found.public_ip}</dd>
                </>
              )}
            </dl>
            <SshDetails api={api} instance={found} />
            <ConsoleLog api={api} instance={found} />
          </>
        )}
      />
    </>
  );
}
