// An account's instances: `allot instances create|ls|logs [-f]|ssh|terminate`.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { collect, tags, usage } from './arguments.js';
import { ApiClient, CliError, exitCodes, type GlobalOptions } from './client.js';
import { resolveSku } from './operator.js';
import { emit, fields, time } from './output.js';

const instanceRow = (instance: Record<string, any>) => [instance.id, instance.name, instance.status, instance.instance_sku.alias ?? instance.instance_sku.id, instance.pool.name ?? instance.pool.id, instance.image.name ?? instance.image.id, time(instance.created_at)];

const instanceView = (instance: Record<string, any>) => fields([
  ['id', instance.id],
  ['name', instance.name],
  ['status', instance.status],
  ['sku', instance.instance_sku.alias ?? instance.instance_sku.id],
  ['pool', instance.pool.name ?? instance.pool.id],
  ['image', instance.image.name ?? instance.image.id],
  ['created', time(instance.created_at)],
  ['expected shutdown', time(instance.expected_shutdown_at)],
]);

/** States an instance does not leave: following its log ends there. */
const finalStatuses = new Set(['terminated', 'failed', 'deleted']);

interface LogLine {
  readonly seqnum: number;
  readonly timestamp_realtime: number;
  readonly data: string;
}

async function logs(client: ApiClient, id: string, options: { follow?: boolean; json?: boolean; interval: number }): Promise<void> {
  let after: number | undefined;
  const path = `/preview/v2/instances/${encodeURIComponent(id)}`;
  for (;;) {
    // seqnum_after is inclusive: the next page starts after the last line printed.
    const page = await client.get<{ data: LogLine[] }>(`${path}/logs`, { sort_by: 'seqnum', limit: 2500, ...(after === undefined ? {} : { seqnum_after: after + 1 }) });
    for (const line of page.data) {
      if (options.json === true) process.stdout.write(`${JSON.stringify(line)}\n`);
      else process.stdout.write(Buffer.from(line.data, 'base64'));
      after = line.seqnum;
    }
    if (page.data.length === 2500) continue;
    if (options.follow !== true) return;
    const instance = await client.get<{ status: string }>(path);
    if (finalStatuses.has(instance.status)) {
      // One last read: lines written as it stopped.
      const rest = await client.get<{ data: LogLine[] }>(`${path}/logs`, { sort_by: 'seqnum', limit: 2500, ...(after === undefined ? {} : { seqnum_after: after + 1 }) });
      for (const line of rest.data) process.stdout.write(options.json === true ? `${JSON.stringify(line)}\n` : Buffer.from(line.data, 'base64'));
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, options.interval));
  }
}

/**
 * The SKU an instance on `pool` runs as when none is named: the one whose allocation the pool
 * holds from now on, when there is exactly one. A buy may fill on any SKU that meets its
 * requirements, so a user who bought by accelerator need not find out which to start one.
 */
async function skuHeldBy(client: ApiClient, pool: string): Promise<string> {
  const found = await client.get<{ allocation_schedule: { by_instance_sku: Record<string, { node_count: number }[]> } }>(`/preview/v2/pools/${encodeURIComponent(pool)}`);
  const held = Object.entries(found.allocation_schedule.by_instance_sku)
    .filter(([, schedule]) => schedule.some((entry) => entry.node_count > 0))
    .map(([skuId]) => skuId);
  if (held.length === 1) return held[0]!;
  if (held.length === 0) throw usage(`pool ${pool} holds no allocation from now on: buy some (allot buy --pool ${pool} …) or name the SKU with --sku`);
  throw usage(`pool ${pool} holds allocation of ${held.length} SKUs (${held.join(', ')}): name one with --sku`);
}

export function registerInstanceCommands(program: Command): void {
  const instances = program.command('instances').description('Start, list, follow, reach and end your instances');
  instances
    .command('create')
    .description('Start an instance on a pool\'s allocation')
    .requiredOption('--pool <pool>', 'the pool whose allocation it runs on')
    .option('--sku <sku>', 'instance SKU (isku_… or alias); by default the one the pool holds allocation of')
    .option('--image <image>', 'image id, resource path or name', 'ubuntu-24.04-cuda-12.8')
    .option('--name <name>', 'the instance\'s name')
    .option('--cloud-init <file>', 'cloud-init user data, from a file')
    .option('--tag <key=value>', 'a tag (repeatable)', collect)
    .action(async (options: { pool: string; sku?: string; image: string; name?: string; cloudInit?: string; tag?: string[] }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      let cloudInit: string | undefined;
      if (options.cloudInit !== undefined) {
        try {
          cloudInit = Buffer.from(readFileSync(options.cloudInit)).toString('base64');
        } catch (error) {
          throw usage(`--cloud-init: cannot read ${options.cloudInit}: ${(error as Error).message}`);
        }
      }
      const client = ApiClient.for(global, 'account');
      const instanceSku = options.sku === undefined ? await skuHeldBy(client, options.pool) : (await resolveSku(client, options.sku)).id;
      const body = { pool: options.pool, instance_sku: instanceSku, image: options.image, ...(options.name === undefined ? {} : { name: options.name }), ...(cloudInit === undefined ? {} : { cloud_init_user_data: cloudInit }), ...(options.tag === undefined ? {} : { tags: tags(options.tag) }) };
      emit(global.json, await client.post('/preview/v2/instances', body), instanceView);
    });
  instances
    .command('ls')
    .description('List your instances')
    .option('--pool <pool>', 'only on this pool (repeatable)', collect)
    .option('--status <status>', 'only in this state (repeatable)', collect)
    .action(async (options: { pool?: string[]; status?: string[] }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await ApiClient.for(global, 'account').get<{ data: Record<string, any>[] }>('/preview/v2/instances', { pool: options.pool, status: options.status, limit: 200 });
      emit(global.json, list, () => ({ head: ['id', 'name', 'status', 'sku', 'pool', 'image', 'created'], rows: list.data.map(instanceRow) }));
    });
  instances
    .command('get')
    .description('Show an instance')
    .argument('<instance>', 'inst_…, resource path or name')
    .action(async (id: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global.json, await ApiClient.for(global, 'account').get(`/preview/v2/instances/${encodeURIComponent(id)}`), instanceView);
    });
  instances
    .command('logs')
    .description('Print an instance\'s console log; -f follows it until the instance ends')
    .argument('<instance>', 'inst_…, resource path or name')
    .option('-f, --follow', 'keep printing new lines until the instance ends (Ctrl-C stops)')
    .option('--interval <ms>', 'how often to ask for new lines when following', '1000')
    .action(async (id: string, options: { follow?: boolean; interval: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const interval = Number(options.interval);
      if (!Number.isInteger(interval) || interval < 50) throw usage('--interval must be a whole number of milliseconds, at least 50');
      await logs(ApiClient.for(global, 'account'), id, { follow: options.follow, json: global.json, interval });
    });
  instances
    .command('ssh')
    .description('Open an SSH session to an instance, trusting the host keys the API gives')
    .argument('<instance>', 'inst_…, resource path or name')
    .option('--user <user>', 'the user to log in as', 'root')
    .option('--print', 'print the ssh command instead of running it')
    .allowExcessArguments(true)
    .action(async (id: string, options: { user: string; print?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const ssh = await ApiClient.for(global, 'account').get<{ hostname: string; port: number; host_keys: { key_type: string; key: string }[] }>(`/preview/v2/instances/${encodeURIComponent(id)}/ssh`);
      if (ssh.host_keys.length === 0 && options.print !== true) throw new CliError('the instance has no SSH host keys yet: it is still booting; try again shortly', exitCodes.refused);
      // The keys go into a known_hosts file of this session, under an alias, so no prompt appears.
      const alias = `${id}.allot`;
      const knownHosts = join(mkdtempSync(join(tmpdir(), 'allot-ssh-')), 'known_hosts');
      writeFileSync(knownHosts, ssh.host_keys.map((key) => `${alias} ${key.key_type} ${key.key}\n`).join(''));
      const args = ['-p', String(ssh.port), '-o', `HostKeyAlias=${alias}`, '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', `${options.user}@${ssh.hostname}`, ...command.args.slice(1)];
      if (options.print === true || global.json === true) {
        emit(global.json, { ...ssh, command: ['ssh', ...args] }, () => ['ssh', ...args].map((arg) => (/[^\w@%+=:,./-]/.test(arg) ? `'${arg}'` : arg)).join(' '));
        return;
      }
      const child = spawn('ssh', args, { stdio: 'inherit' });
      const code = await new Promise<number>((resolve) => {
        child.once('error', () => resolve(-1));
        child.once('exit', (exit) => resolve(exit ?? 1));
      });
      if (code === -1) throw new CliError('cannot run ssh: is OpenSSH\'s client installed?', exitCodes.refused);
      process.exitCode = code;
    });
  instances
    .command('terminate')
    .description('End an instance')
    .argument('<instance>', 'inst_…, resource path or name')
    .action(async (id: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      emit(global.json, await ApiClient.for(global, 'account').post(`/preview/v2/instances/${encodeURIComponent(id)}/terminate`, {}), instanceView);
    });
}
