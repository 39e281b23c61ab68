// A guest's SSH host keys, read from its console the way cloud providers read them: cloud-init
// prints the public keys between `-----BEGIN SSH HOST KEY KEYS-----` and `-----END SSH HOST KEY
// KEYS-----`, and allot's test guest and sandbox print the same block. The last complete block wins
// (a guest that regenerates its keys prints a new one).

import type { SshHostKey } from './provider.js';

const begin = '-----BEGIN SSH HOST KEY KEYS-----';
const end = '-----END SSH HOST KEY KEYS-----';
const keyPattern = /\b((?:ssh|ecdsa|sk)-[a-z0-9@.-]+) ([A-Za-z0-9+/]+={0,2})(?:\s|$)/;

/** Reads console lines one at a time; `keys` is the last complete block's keys, or null. */
export class HostKeyReader {
  private block: SshHostKey[] | null = null;
  keys: readonly SshHostKey[] | null = null;

  /** Takes one console line; answers whether it completed a block. */
  read(line: string): boolean {
    if (line.includes(begin)) {
      this.block = [];
      return false;
    }
    if (this.block === null) return false;
    if (line.includes(end)) {
      this.keys = this.block;
      this.block = null;
      return true;
    }
    const match = keyPattern.exec(line);
    if (match !== null) this.block.push({ keyType: match[1]!, key: match[2]! });
    return false;
  }
}
