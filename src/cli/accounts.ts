// The operator's accounts: `allot accounts create|ls` and `allot credit`.

import type { Command } from 'commander';
import { dollars } from './arguments.js';
import { ApiClient, type GlobalOptions } from './client.js';
import { emit, fields, time } from './output.js';

export function registerAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('Create and list accounts (operator)');
  accounts
    .command('create')
    .description('Create an account; prints its first API token, once')
    .argument('<name>', 'display name, such as "Acme Corp"')
    .option('--id <id>', 'account id (lowercase letters, digits, dashes); derived from the name when absent')
    .action(async (name: string, options: { id?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const account = await ApiClient.for(global, 'operator').post<Record<string, any>>('/admin/v1/accounts', { name, ...(options.id === undefined ? {} : { id: options.id }) });
      emit(global.json, account, () => fields([['account', account.id], ['name', account.name], ['token', account.token], ['', '(shown once; allot tokens create issues more)']]));
    });
  accounts
    .command('ls')
    .description('List accounts')
    .action(async (_options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await ApiClient.for(global, 'operator').get<{ data: Record<string, any>[] }>('/admin/v1/accounts', { limit: 200 });
      emit(global.json, list, () => ({ head: ['id', 'name', 'created'], rows: list.data.map((account) => [account.id, account.name, time(account.created_at)]) }));
    });

  program
    .command('credit')
    .description('Grant an account credit, in dollars (operator)')
    .argument('<account>', 'account id')
    .argument('<dollars>', 'amount, such as 1000 or 12.50')
    .option('--memo <text>', 'a note kept with the grant')
    .action(async (account: string, amount: string, options: { memo?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const body = { amount_dollars: dollars(amount, 'dollars'), ...(options.memo === undefined ? {} : { memo: options.memo }) };
      const grant = await ApiClient.for(global, 'operator').post<Record<string, any>>(`/admin/v1/accounts/${encodeURIComponent(account)}/credits`, body);
      emit(global.json, grant, () => fields([['account', grant.account], ['granted', `$${grant.amount_dollars}`], ['available', `$${grant.available_balance_dollars}`], ['balance', `$${grant.current_balance_dollars}`]]));
    });
}
