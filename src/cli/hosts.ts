// The operator's fleet commands (docs/fleet.md): `allot hosts ls|get|cordon|uncordon|drain|rm`
// and `allot host-tokens create|ls|revoke`. A host token is shown only when it is created.

import type { Command } from 'commander';
import { timeSeconds, usage } from './arguments.js';
import { ApiClient, type GlobalOptions } from './client.js';
import { serverNow } from './operator.js';
import { emit, fields, time } from './output.js';

type Host = Record<string, any>;

const skuName = (host: Host) => host.instance_sku?.name ?? host.instance_sku?.id ?? host.instance_sku;
const accelerators = (host: Host) => ((host.accelerators ?? []) as { model: string; count: number }[]).map((entry) => `${entry.model}×${entry.count}`).join(', ') || '-';
const window = (host: Host) => (host.maintenance == null ? '-' : `${time(host.maintenance.start_at)} → ${time(host.maintenance.end_at)}`);

const hostRow = (host: Host) => [host.id, host.hostname, host.address, skuName(host), host.status, `${(host.instances ?? []).length}/${host.node_count}`, host.driver, time(host.last_heartbeat_at)];

function hostView(host: Host): string {
  const head = fields([
    ['id', host.id],
    ['hostname', host.hostname],
    ['address', host.address],
    ['sku', skuName(host)],
    ['status', host.status],
    ['nodes', host.node_count],
    ['accelerators', accelerators(host)],
    ['cpus', host.cpus],
    ['memory', host.memory_bytes === undefined ? null : `${(host.memory_bytes / 2 ** 30).toFixed(1)} GiB`],
    ['disk', host.disk_bytes === undefined ? null : `${(host.disk_bytes / 2 ** 30).toFixed(1)} GiB`],
    ['driver', host.driver],
    ['registered', time(host.registered_at)],
    ['last heartbeat', time(host.last_heartbeat_at)],
    ['maintenance', window(host)],
    ['supplies market', host.supplies_market],
  ]);
  const instances = (host.instances ?? []) as Record<string, any>[];
  if (instances.length === 0) return `${head}\ninstances: none`;
  const lines = instances.map((instance) => `  ${instance.id}  node ${instance.node_index ?? '-'}  ${instance.status}${instance.state !== undefined ? ` (${instance.state})` : ''}${instance.ssh == null ? '' : `  ssh ${instance.ssh.hostname}:${instance.ssh.port}`}`);
  return `${head}\ninstances:\n${lines.join('\n')}`;
}

const hostPath = (id: string) => `/admin/v1/hosts/${encodeURIComponent(id)}`;

/** Every page of a fleet list (they page by `starting_after`, at most 200 a page), as one list. */
async function listAll<T>(client: ApiClient, path: string): Promise<{ object: 'list'; data: T[]; has_more: false }> {
  const data: T[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.get<{ data: T[]; has_more: boolean; cursor?: string | null }>(path, after === undefined ? { limit: '200' } : { limit: '200', starting_after: after });
    data.push(...page.data);
    if (!page.has_more || page.cursor == null) return { object: 'list', data, has_more: false };
    after = page.cursor;
  }
}

export function registerHostCommands(program: Command): void {
  const hosts = program.command('hosts').description('The fleet\'s machines: list, inspect, cordon, drain and remove hosts (operator)');
  hosts
    .command('ls')
    .description('List the hosts and their status')
    .action(async (_options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await listAll<Host>(ApiClient.for(global, 'operator'), '/admin/v1/hosts');
      emit(global.json, list, () => ({ head: ['id', 'hostname', 'address', 'sku', 'status', 'used', 'driver', 'last heartbeat'], rows: list.data.map(hostRow) }));
    });
  hosts
    .command('get')
    .description('One host, with the instances on it')
    .argument('<host-id>', 'host_…')
    .action(async (id: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global.json, await ApiClient.for(global, 'operator').get<Host>(hostPath(id)), hostView);
    });
  for (const [name, description] of [
    ['cordon', 'Take no new instances on the host; what runs keeps running'],
    ['uncordon', 'Let the host take instances again (also ends its maintenance window)'],
  ] as const) {
    hosts
      .command(name)
      .description(description)
      .argument('<host-id>', 'host_…')
      .action(async (id: string, _options, command: Command) => {
        const global = command.optsWithGlobals<GlobalOptions>();
        emit(global.json, await ApiClient.for(global, 'operator').post<Host>(`${hostPath(id)}/${name}`, {}), hostView);
      });
  }
  hosts
    .command('drain')
    .description('Set a maintenance window: no new instances from now; what runs ends at its start and is replaced elsewhere')
    .argument('<host-id>', 'host_…')
    .requiredOption('--start <time>', 'when the window starts: "now", "in 1h", ISO 8601 or Unix seconds (a whole minute)')
    .requiredOption('--end <time>', 'when it ends (the host is ready again)')
    .action(async (id: string, options: { start: string; end: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = ApiClient.for(global, 'operator');
      const now = await serverNow(client);
      const minute = (seconds: number) => Math.floor(seconds / 60) * 60;
      const startAt = minute(timeSeconds(options.start, now, '--start'));
      const endAt = minute(timeSeconds(options.end, now, '--end'));
      if (endAt <= startAt) throw usage(`--end must come after --start (${time(startAt)})`);
      emit(global.json, await client.post<Host>(`${hostPath(id)}/drain`, { start_at: startAt, end_at: endAt }), hostView);
    });
  hosts
    .command('rm')
    .description('Remove a host: what runs on it fails (deployments replace it), its supply is retired, its agent is refused')
    .argument('<host-id>', 'host_…')
    .action(async (id: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const removed = await ApiClient.for(global, 'operator').delete<Host>(hostPath(id));
      emit(global.json, removed ?? { id, status: 'removed' }, (host: Host) => fields([['id', host.id], ['status', host.status ?? 'removed']]));
    });

  const tokens = program.command('host-tokens').description('The tokens agents register hosts with: create, list, revoke (operator)');
  tokens
    .command('create')
    .description('Make a host token for allot agent --token; prints it, once')
    .argument('<name>', 'a label, such as rack-12')
    .action(async (name: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const token = await ApiClient.for(global, 'operator').post<Record<string, any>>('/admin/v1/host_tokens', { name });
      emit(global.json, token, () => fields([['id', token.id], ['name', token.name], ['token', token.token], ['created', time(token.created_at)]]));
    });
  tokens
    .command('ls')
    .description('List the host tokens (never their values)')
    .action(async (_options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await listAll<Record<string, any>>(ApiClient.for(global, 'operator'), '/admin/v1/host_tokens');
      emit(global.json, list, () => ({ head: ['id', 'name', 'created', 'revoked'], rows: list.data.map((token) => [token.id, token.name, time(token.created_at), time(token.revoked_at)]) }));
    });
  tokens
    .command('revoke')
    .description('Revoke a host token: the hosts registered with it are refused from their next call')
    .argument('<token-id>', 'htok_…')
    .action(async (id: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const token = await ApiClient.for(global, 'operator').delete<Record<string, any>>(`/admin/v1/host_tokens/${encodeURIComponent(id)}`);
      emit(global.json, token ?? { id }, (revoked) => fields([['id', revoked.id], ['name', revoked.name], ['revoked', time(revoked.revoked_at)]]));
    });
}
