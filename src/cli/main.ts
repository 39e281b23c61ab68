// The `allot` command.

import { serve, serveHelp } from './serve.js';

const help = `allot: an open implementation of the SF Compute platform

Usage:
  allot serve [options]    Serve the API (allot serve --help for its options)
  allot --help             Show this help
`;

export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help);
    return command === undefined ? 1 : 0;
  }
  if (command === 'serve') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(serveHelp);
      return 0;
    }
    return serve(rest);
  }
  process.stderr.write(`allot: unknown command "${command}"\n\n${help}`);
  return 1;
}
