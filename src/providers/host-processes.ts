// The processes behind a guest, seen from the host: whether one still runs (and is still the one
// allot started, since process ids are reused), signals, and free ports for forwarding.

import { readdirSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';

/**
 * Whether `pid` is a live process (not a zombie) whose command line contains `marker` (the
 * instance's own directory, which every process of a guest has in its arguments).
 */
export function processAlive(pid: number, marker: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** Every live process whose command line contains `marker`, found by reading /proc. */
export function processesWithMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid !== process.pid && processAlive(pid, marker)) pids.push(pid);
  }
  return pids;
}

/** Sends `signal` to `pid` if it is still the process with `marker`; ignores one that has gone. */
export function signalProcess(pid: number, marker: string, signal: NodeJS.Signals): void {
  if (!processAlive(pid, marker)) return;
  try {
    process.kill(pid, signal);
  } catch {
    // it ended meanwhile
  }
}

/** A TCP port on 127.0.0.1 that nothing listens on now (the caller retries if another takes it first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether an SSH server answers on `port`: it sends its `SSH-` banner first, within `timeoutMillis`. */
export function sshAnswers(host: string, port: number, timeoutMillis: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let received = '';
    const finish = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), timeoutMillis);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.length >= 4) finish(received.startsWith('SSH-'));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}
