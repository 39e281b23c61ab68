// The `allot` command.

import { allotVersion } from './version.js';


const help = `allot: an open implementation of the SF Compute platform

Usage:
  allot serve [options]    Serve the API (allot serve --help for its options)
  allot --help             Show this help
  allot --version          Print allot's version
`;

export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(help);
    return command === undefined ? 1 : 0;
  }
  if (command === '--version' || command === '-V') {
    process.stdout.write(`${allotVersion}\n`);
    return 0;
  }
  if (command === 'serve') {
    // Loaded only here: the server is most of allot's code, and the other commands are clients.
    const { serve, serveHelp } = await import('./serve.js');
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(serveHelp);
      return 0;
    }
    return serve(rest);
  }
  process.stderr.write(`allot: unknown command "${command}"\n\n${help}`);
  return 1;
}
