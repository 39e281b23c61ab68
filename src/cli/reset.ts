// `allot reset`: the operator brings the server back to a fresh state (POST /admin/v1/reset):
// the demo market, nothing, or a fixtures file seeded anew. It asks first on a terminal, and
// without a terminal it needs --yes, so that a script never resets by accident.

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { usage } from './arguments.js';
import { ApiClient, CliError, exitCodes, type GlobalOptions } from './client.js';
import { emit, fields, time } from './output.js';

interface ResetAnswer {
  readonly object: 'reset';
  readonly seed: 'demo' | 'none' | 'fixtures';
  readonly demo_token: string | null;
  readonly accounts: readonly string[];
  readonly at: number;
}

/** The request body for `--seed`: absent (what the server was started with), demo, none, or a fixtures file. */
function resetBody(seed: string | undefined): Record<string, unknown> {
  if (seed === undefined) return {};
  if (seed === 'demo' || seed === 'none') return { seed };
  let text;
  try {
    text = readFileSync(seed, 'utf8');
  } catch (error) {
    throw usage(`--seed must be demo, none or a fixtures file; cannot read "${seed}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return { fixtures: JSON.parse(text) as unknown };
  } catch (error) {
    throw usage(`--seed ${seed}: not valid JSON: ${(error as Error).message}`);
  }
}

async function confirmed(url: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`Reset ${url}? Every account, token, pool, order, instance and image on it goes. [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

export function registerResetCommand(program: Command): void {
  program
    .command('reset')
    .description('Bring the server back to a fresh state: everything goes, and the seed is put in anew (operator)')
    .option('--seed <seed>', 'demo, none, or a fixtures file (default: what allot serve was started with)')
    .option('-y, --yes', 'reset without asking (needed when stdin is not a terminal)')
    .action(async (options: { seed?: string; yes?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const body = resetBody(options.seed);
      const client = ApiClient.for(global, 'operator');
      if (options.yes !== true) {
        if (process.stdin.isTTY !== true) throw usage('allot reset asks before it resets; add --yes to reset without asking');
        if (!(await confirmed(client.baseUrl))) throw new CliError('not reset', exitCodes.refused);
      }
      const reset = await client.post<ResetAnswer>('/admin/v1/reset', body);
      emit(global.json, reset, (answer: ResetAnswer) => fields([
        ['seeded', answer.seed],
        ['accounts', answer.accounts.join(', ') || '-'],
        ['demo token', answer.demo_token],
        ['at', time(answer.at)],
      ]));
    });
}
