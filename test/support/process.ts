// Runs `allot serve` as a child process, as a user would, and reads the address and tokens it
// prints. Used by the crash test and the multi-process tests.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const allotBin = fileURLToPath(new URL('../../bin/allot.js', import.meta.url));

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Everything printed so far. */
  output(): string;
  /** The demo token, when this start seeded the database. */
  readonly demoToken: string | null;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServeProcess(args: readonly string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [allotBin, 'serve', '--port', '0', '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = await new Promise<string>((resolve, reject) => {
    // Generous: on a loaded machine (two processes migrating one schema in turn, other suites
    // beside) a start took past 20 s.
    const timer = setTimeout(() => reject(new Error(`allot serve did not start:\n${output}`)), 60_000);
    const check = () => {
      const match = /allot listening on (http:\/\/\S+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`allot serve exited with ${code}:\n${output}`));
    });
  });
  const demoToken = /Demo account "demo" token: (\S+)/.exec(output)?.[1] ?? null;
  return {
    child,
    baseUrl,
    demoToken,
    output: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
