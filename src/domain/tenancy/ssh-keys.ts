// An account's SSH public keys: every VM the account starts authorises them (cloud-init's
// `public-keys`). A key is one OpenSSH public key line: its type, its base64 body, and an
// optional comment.

import { type Failure, fail, invalidField } from '../kernel/failures.js';
import { sshKeyLengthMax, sshKeysPerAccountMax } from '../kernel/limits.js';

export interface SshKey {
  readonly id: string;
  /** The key line as given, trimmed. */
  readonly publicKey: string;
  readonly username: string | null;
  readonly createdAt: number;
}

const keyTypes = ['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com'];
const keyPattern = /^(\S+) ([A-Za-z0-9+/]+={0,2})( [^\r\n]*)?$/;

/** Checks a public key line; returns it trimmed. */
export function checkPublicKey(text: string, field: string): string | Failure {
  const line = text.trim();
  if (line.length === 0 || line.length > sshKeyLengthMax) return invalidField(field, 'out_of_range', `${field} is one OpenSSH public key line of at most ${sshKeyLengthMax} characters`);
  const match = keyPattern.exec(line);
  if (match === null) return invalidField(field, 'invalid_format', `${field} is an OpenSSH public key line: "<type> <base64> [comment]"`);
  if (!keyTypes.includes(match[1]!)) return invalidField(field, 'invalid_value', `${field} has key type "${match[1]}"; allot takes ${keyTypes.join(', ')}`);
  return line;
}

/** Adds a key to an account's list: refused when the list is full or already holds the same key. */
export function addSshKey(keys: readonly SshKey[], key: SshKey): SshKey[] | Failure {
  const body = (line: string) => line.split(' ')[1];
  if (keys.some((existing) => body(existing.publicKey) === body(key.publicKey))) return invalidField('pubkey', 'duplicate', 'The account already has this key');
  if (keys.length >= sshKeysPerAccountMax) return fail('invalid_request', `An account keeps at most ${sshKeysPerAccountMax} SSH keys`, [{ field: 'pubkey', code: 'too_many', message: `at most ${sshKeysPerAccountMax} keys` }]);
  return [...keys, key];
}
