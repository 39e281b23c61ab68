// Shared by the agent tests: `allot agent` as a child process (optionally inside a network
// namespace the test makes, with a veth pair to the test's own namespace), and waiting on
// conditions instead of sleeping.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const allotBin = fileURLToPath(new URL('../../bin/allot.js', import.meta.url));

export interface AgentProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output matches `pattern`; answers the match. */
  waitFor(pattern: RegExp, timeoutMillis?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startAgentProcess(args: readonly string[], options: { readonly netns?: string | null; readonly env?: Record<string, string> } = {}): AgentProcess {
  const command = [process.execPath, allotBin, 'agent', ...args];
  const [file, ...rest] = options.netns == null ? command : ['ip', 'netns', 'exec', options.netns, ...command];
  const child = spawn(file!, rest, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    async waitFor(pattern, timeoutMillis = 30_000) {
      const deadline = Date.now() + timeoutMillis;
      for (;;) {
        const match = pattern.exec(output);
        if (match !== null) return match;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`allot agent exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`allot agent did not print ${pattern} within ${timeoutMillis} ms:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function eventually<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMillis = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A network namespace with a veth pair: the agent's side has `agentAddress`, the test's side `peerAddress`. */
export interface Namespace {
  readonly name: string;
  readonly agentAddress: string;
  readonly peerAddress: string;
  remove(): void;
}

/**
 * Whether this test may make network namespaces (root, iproute2, a kernel that allows it);
 * null when it can, otherwise why not (the tests then run their agents in the test's namespace).
 */
export function namespacesUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = `allotprobe${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return `ip netns add failed: ${(error as Error).message.split('\n')[0]}`;
  }
}

/** Makes namespace number `index` (1–250) of this test run: 10.231.<index>.2 inside, .1 outside. */
export function makeNamespace(tag: string, index: number): Namespace {
  const name = `allot-${tag}-${index}`;
  const outside = `veth-${tag.slice(0, 6)}-${index}`.slice(0, 15);
  const inside = `vpeer${index}`;
  const peerAddress = `10.231.${index}.1`;
  const agentAddress = `10.231.${index}.2`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  try {
    ip('netns', 'del', name);
  } catch {
    // not there
  }
  try {
    ip('link', 'del', outside);
  } catch {
    // not there
  }
  ip('netns', 'add', name);
  ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
  ip('link', 'set', inside, 'netns', name);
  ip('addr', 'add', `${peerAddress}/24`, 'dev', outside);
  ip('link', 'set', outside, 'up');
  ip('-n', name, 'addr', 'add', `${agentAddress}/24`, 'dev', inside);
  ip('-n', name, 'link', 'set', inside, 'up');
  ip('-n', name, 'link', 'set', 'lo', 'up');
  return {
    name,
    agentAddress,
    peerAddress,
    remove() {
      try {
        ip('link', 'del', outside);
      } catch {
        // gone with the namespace
      }
      try {
        ip('netns', 'del', name);
      } catch {
        // already gone
      }
    },
  };
}
