// A client of QEMU's machine protocol (QMP) on the VM's unix socket: enough to ask for an ACPI
// power-off and to hear the SHUTDOWN event that says why a VM ended.

import { connect, type Socket } from 'node:net';

export interface QmpEvent {
  readonly event: string;
  readonly data?: Record<string, unknown>;
}

export class QmpClient {
  private buffer = '';
  private readonly pending: { resolve: (value: unknown) => void; reject: (error: Error) => void }[] = [];
  private greeted = false;
  private readonly ready: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly onEvent: (event: QmpEvent) => void,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.pending.push({ resolve: () => resolve(), reject });
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    const fail = (error: Error) => {
      for (const waiting of this.pending.splice(0)) waiting.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('QMP socket closed')));
  }

  /** Connects and negotiates capabilities; `onEvent` hears every event until the socket closes. */
  static async connect(path: string, onEvent: (event: QmpEvent) => void = () => {}, timeoutMillis = 3000): Promise<QmpClient> {
    const socket = connect(path);
    const client = new QmpClient(socket, onEvent);
    // QEMU greets one client at a time on a socket; another waits, so the wait is bounded.
    const timer = setTimeout(() => socket.destroy(new Error(`QMP did not answer on ${path}`)), timeoutMillis);
    try {
      await client.ready;
      await client.execute('qmp_capabilities');
    } finally {
      clearTimeout(timer);
    }
    return client;
  }

  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(`${JSON.stringify(args === undefined ? { execute: command } : { execute: command, arguments: args })}\n`);
    });
  }

  /** Resolves when QEMU closes the socket (it has exited) or the client is closed. */
  closed(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let newline = this.buffer.indexOf('\n'); newline !== -1; newline = this.buffer.indexOf('\n')) {
      const message = JSON.parse(this.buffer.slice(0, newline)) as { QMP?: unknown; return?: unknown; error?: { desc: string }; event?: string; data?: Record<string, unknown> };
      this.buffer = this.buffer.slice(newline + 1);
      if (message.event !== undefined) this.onEvent({ event: message.event, ...(message.data === undefined ? {} : { data: message.data }) });
      else if (message.QMP !== undefined && !this.greeted) {
        this.greeted = true;
        this.pending.shift()?.resolve(undefined);
      } else if (message.error !== undefined) this.pending.shift()?.reject(new Error(`QMP: ${message.error.desc}`));
      else this.pending.shift()?.resolve(message.return);
    }
  }
}
