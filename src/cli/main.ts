// The `allot` command: `allot serve` runs the server; every other command is a client of one,
// parsed by commander (the most used argument parser for Node, with subcommands, generated
// --help at every level and typed options; docs/cli.md says why). Exit codes: see client.ts.

import { Command, CommanderError, Option } from 'commander';
import { registerAccountCommands } from './accounts.js';
import { registerAgentCommand } from './agent.js';
import { registerAccountOwnCommands } from './account.js';
import { CliError, defaultUrl, exitCodes } from './client.js';
import { registerHostCommands } from './hosts.js';
import { registerImageCommands } from './images.js';
import { registerInstanceCommands } from './instances.js';
import { registerOperatorCommands } from './operator.js';
import { registerPoolCommands } from './pools.js';
import { registerResetCommand } from './reset.js';
import { registerTokenCommands } from './tokens.js';
import { registerTradingCommands } from './trading.js';
import { allotVersion } from './version.js';

function program(): Command {
  const root = new Command('allot')
    .description('allot: an open implementation of the SF Compute platform.\nallot serve runs the server; the other commands talk to one.')
    .version(allotVersion, '-V, --version', 'print allot\'s version')
    .addOption(new Option('--url <url>', `the allot server (default ${defaultUrl})`).env('ALLOT_URL'))
    .addOption(new Option('--token <token>', 'API token: an account\'s (ALLOT_TOKEN), or the operator\'s for operator commands (ALLOT_ADMIN_TOKEN)'))
    .option('--json', 'print the server\'s JSON instead of tables (for scripts)')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  // Listed for --help; `allot serve` is handled before commander sees it (it has its own options).
  root.command('serve').description('Serve the SF Compute API (allot serve --help for its options)');
  registerPoolCommands(root);
  registerTradingCommands(root);
  registerInstanceCommands(root);
  registerImageCommands(root);
  registerAccountOwnCommands(root);
  registerOperatorCommands(root);
  registerAccountCommands(root);
  registerTokenCommands(root);
  registerHostCommands(root);
  registerAgentCommand(root);
  registerResetCommand(root);
  root.addHelpText('after', `
Environment:
  ALLOT_URL           the server (default ${defaultUrl})
  ALLOT_TOKEN         an account's API token
  ALLOT_ADMIN_TOKEN   the operator token (clock advance|set, accounts, credit, tokens, hosts, host-tokens, reset)
  ALLOT_HOST_TOKEN    a host token, for allot agent

Exit codes: 0 done, 1 refused by the server, 2 bad command line, 3 server unreachable,
4 no or wrong token, 5 not found. See docs/cli.md.`);
  // Every command, at any depth, reports usage errors the same way.
  const override = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(root);
  return root;
}

export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'serve') {
    // Loaded only here: the server is most of allot's code, and the other commands are clients.
    // The build (dist/) does not come here: bin/allot.js runs the server's own file for `serve`.
    return (await import('./serve.js')).serveCommand(rest);
  }
  const root = program();
  if (args.length === 0) {
    root.outputHelp({ error: true });
    return exitCodes.usage;
  }
  try {
    await root.parseAsync([...args], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : exitCodes.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here too.
      return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    }
    if (error instanceof CliError) {
      process.stderr.write(`allot: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
