// The operator's API tokens: `allot tokens create|ls|revoke`, for any account. A token is shown
// only when it is created; lists show its last four characters.

import type { Command } from 'commander';
import { timeSeconds } from './arguments.js';
import { ApiClient, type GlobalOptions } from './client.js';
import { serverNow } from './operator.js';
import { emit, fields, time } from './output.js';

const tokenRow = (token: Record<string, any>) => [token.id, token.name, `…${token.suffix}`, token.status, time(token.created_at), time(token.expires_at), time(token.last_used_at)];

export function registerTokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('Issue, list and revoke accounts\' API tokens (operator)');
  tokens
    .command('create')
    .description('Issue a token for an account; prints it, once')
    .argument('<account>', 'account id, such as demo')
    .option('--name <name>', 'a label for the token')
    .option('--expires <time>', 'when it stops working: "in 30d", ISO 8601 or Unix seconds (default never)')
    .action(async (account: string, options: { name?: string; expires?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const client = ApiClient.for(global, 'operator');
      const expiresAt = options.expires === undefined ? undefined : timeSeconds(options.expires, await serverNow(client), '--expires');
      const body = { ...(options.name === undefined ? {} : { name: options.name }), ...(expiresAt === undefined ? {} : { expires_at: expiresAt }) };
      const token = await client.post<Record<string, any>>(`/admin/v1/accounts/${encodeURIComponent(account)}/tokens`, body);
      emit(global.json, token, () => fields([['account', token.account], ['id', token.id], ['token', token.token], ['expires', time(token.expires_at)]]));
    });
  tokens
    .command('ls')
    .description('List an account\'s tokens')
    .argument('<account>', 'account id')
    .action(async (account: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await ApiClient.for(global, 'operator').get<{ data: Record<string, any>[] }>(`/admin/v1/accounts/${encodeURIComponent(account)}/tokens`, { limit: 200 });
      emit(global.json, list, () => ({ head: ['id', 'name', 'token', 'status', 'created', 'expires', 'last used'], rows: list.data.map(tokenRow) }));
    });
  tokens
    .command('revoke')
    .description('Revoke a token: it stops working at once')
    .argument('<token-id>', 'tokn_…')
    .action(async (id: string, _options, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const token = await ApiClient.for(global, 'operator').delete<Record<string, any>>(`/admin/v1/tokens/${encodeURIComponent(id)}`);
      emit(global.json, token ?? { id, status: 'revoked' }, (revoked) => fields([['id', revoked.id], ['status', revoked.status ?? 'revoked']]));
    });
}
