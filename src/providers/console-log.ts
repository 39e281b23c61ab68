// An instance's console log as a file its guest writes (QEMU's serial port, a sandbox's output),
// read as it grows into numbered lines. The file has no times of its own, so each line is
// stamped when the driver first reads it, and the stamps are kept beside the log
// (`console.times`), so that the seqnums and times a client saw stay the same after allot
// restarts. Lines written while allot was down are stamped when it reads them again.

import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { ConsoleLine } from './provider.js';

/** How much of the file one read takes; what is left is read on the next poll. */
const readChunkBytes = 1 << 20;

/** Appends to a file of the guest's directory, unless the directory is gone (the guest was removed meanwhile). */
function appendIfThere(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

export class ConsoleLog {
  private readonly lines: ConsoleLine[] = [];
  private readonly stampedMillis: number[] = [];
  private offset = 0;
  private partial = Buffer.alloc(0);

  /**
   * @param startedAtMillis when the instance started: the zero of the monotonic times.
   * @param nowMillis the wall clock.
   * @param readOnly for a process that only reads another's guest: lines not yet stamped are
   *   stamped in memory, never in `console.times`, which the guest's own driver writes.
   */
  constructor(
    private readonly logPath: string,
    private readonly timesPath: string,
    private readonly startedAtMillis: number,
    private readonly nowMillis: () => number,
    private readonly readOnly = false,
  ) {
    if (existsSync(timesPath)) {
      for (const entry of readFileSync(timesPath, 'utf8').split('\n')) if (entry !== '') this.stampedMillis.push(Number(entry));
    }
    this.poll();
  }

  /** Every line read so far, in order. */
  all(): readonly ConsoleLine[] {
    return this.lines;
  }

  /** Reads what the guest wrote since the last poll; returns the new complete lines. */
  poll(): ConsoleLine[] {
    if (this.readOnly) this.readTimes();
    if (!existsSync(this.logPath)) return [];
    const size = statSync(this.logPath).size;
    const added: ConsoleLine[] = [];
    if (size <= this.offset) return added;
    const descriptor = openSync(this.logPath, 'r');
    try {
      while (this.offset < size) {
        const chunk = Buffer.alloc(Math.min(readChunkBytes, size - this.offset));
        const read = readSync(descriptor, chunk, 0, chunk.length, this.offset);
        if (read === 0) break;
        this.offset += read;
        let text = Buffer.concat([this.partial, chunk.subarray(0, read)]);
        for (let newline = text.indexOf(10); newline !== -1; newline = text.indexOf(10)) {
          added.push(this.addLine(text.subarray(0, newline + 1).toString('utf8')));
          text = text.subarray(newline + 1);
        }
        this.partial = Buffer.from(text);
      }
    } finally {
      closeSync(descriptor);
    }
    return added;
  }

  /** Once the guest has ended: a last line without its newline becomes a line. */
  finish(): ConsoleLine[] {
    const added = this.poll();
    if (this.partial.length > 0) {
      added.push(this.addLine(`${this.partial.toString('utf8')}\n`));
      this.partial = Buffer.alloc(0);
    }
    return added;
  }

  /** Writes a line of allot's own into the log (why a boot failed, why the guest ended). */
  note(text: string): ConsoleLine[] {
    const head = this.partial.length > 0 ? '\n' : '';
    appendIfThere(this.logPath, `${head}allot: ${text}\n`);
    return this.poll();
  }

  /** A reader picks up the stamps the guest's driver wrote since (its lines keep the driver's times). */
  private readTimes(): void {
    if (!existsSync(this.timesPath)) return;
    const entries = readFileSync(this.timesPath, 'utf8').split('\n');
    for (let index = this.stampedMillis.length; index < entries.length; index++) if (entries[index] !== '') this.stampedMillis.push(Number(entries[index]));
  }

  private addLine(data: string): ConsoleLine {
    const seqnum = this.lines.length + 1;
    let stamp = this.stampedMillis[seqnum - 1];
    if (stamp === undefined) {
      stamp = this.nowMillis();
      if (!this.readOnly) {
        this.stampedMillis.push(stamp);
        appendIfThere(this.timesPath, `${stamp}\n`);
      }
    }
    const sinceStartMillis = Math.max(0, stamp - this.startedAtMillis);
    const line: ConsoleLine = {
      seqnum,
      timestampRealtime: Math.floor(stamp / 1000),
      monotonicSeconds: Math.floor(sinceStartMillis / 1000),
      monotonicNanos: (sinceStartMillis % 1000) * 1_000_000,
      data,
    };
    this.lines.push(line);
    return line;
  }
}
