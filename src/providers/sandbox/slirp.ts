// slirp4netns's API socket: one JSON request per connection, one JSON answer. The sandbox driver
// asks it to forward host ports to the sandbox's network namespace.

import { connect } from 'node:net';

export function slirpRequest(socketPath: string, request: Record<string, unknown>, timeoutMillis = 5000): Promise<{ return?: unknown; error?: { desc?: string } }> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let answer = '';
    const timer = setTimeout(() => socket.destroy(new Error('slirp4netns did not answer')), timeoutMillis);
    socket.on('connect', () => socket.end(JSON.stringify(request)));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(answer) as { return?: unknown; error?: { desc?: string } });
      } catch {
        reject(new Error(`slirp4netns answered ${JSON.stringify(answer)}`));
      }
    });
  });
}

/** Forwards `hostAddress`:`hostPort` to the sandbox's `guestPort`; null when done, otherwise why not. */
export async function forwardPort(socketPath: string, hostAddress: string, hostPort: number, guestPort: number): Promise<string | null> {
  const answer = await slirpRequest(socketPath, { execute: 'add_hostfwd', arguments: { proto: 'tcp', host_addr: hostAddress, host_port: hostPort, guest_port: guestPort } });
  return answer.error === undefined ? null : (answer.error.desc ?? JSON.stringify(answer.error));
}
