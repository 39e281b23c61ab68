// The calling account's own: `allot balance`, and `allot env`, which prints what points SF
// Compute's own `sf` CLI and SDKs at this server.

import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ApiClient, type GlobalOptions } from './client.js';
import { cents, emit, fields, time } from './output.js';

/** The single quotes a POSIX shell reads back as `value`. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function registerAccountOwnCommands(program: Command): void {
  program
    .command('balance')
    .description('Show your account\'s balance: available to new buys, and in all')
    .action(async (_options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const balance = await ApiClient.for(global, 'account').get<Record<string, any>>('/v1/balances');
      emit(global.json, balance, () => fields([['available', cents(balance.available_balance_cents)], ['balance', cents(balance.current_balance_cents)], ['updated', time(balance.updated_at)]]));
    });

  program
    .command('env')
    .description('Print the exports and the ~/.sfcompute/config that point SF Compute\'s sf CLI and SDKs at this server')
    .option('--write-sf-config', 'write the config to ~/.sfcompute/config (replacing the one there)')
    .action(async (options: { writeSfConfig?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = ApiClient.for(global, 'account');
      const token = global.token ?? process.env.ALLOT_TOKEN!;
      const me = await client.get<{ account_id: string }>('/preview/v2/me');
      const config = { api_url: client.baseUrl, auth_token: token, account_id: me.account_id };
      const configPath = join(process.env.HOME || homedir(), '.sfcompute', 'config');
      if (options.writeSfConfig === true) {
        mkdirSync(join(configPath, '..'), { recursive: true, mode: 0o700 });
        writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
      }
      const exports = {
        ALLOT_URL: client.baseUrl,
        ALLOT_TOKEN: token,
        // SF Compute's SDKs read these (the nodes SDK; the others are made the same way).
        SFC_NODES_BASE_URL: client.baseUrl,
        SFC_NODES_BEARER_TOKEN: token,
      };
      emit(global.json, { exports, sf_config: config, sf_config_path: configPath }, () => [
        ...Object.entries(exports).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
        '',
        `# ${options.writeSfConfig === true ? 'Written to' : 'SF Compute\'s sf CLI reads'} ${configPath}${options.writeSfConfig === true ? '' : ' (allot env --write-sf-config writes it)'}:`,
        ...JSON.stringify(config, null, 2).split('\n').map((line) => `# ${line}`),
      ].join('\n'));
    });
}
