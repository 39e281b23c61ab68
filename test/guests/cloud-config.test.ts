// Cloud-config, read twice: by the sandbox (the yaml package, in TypeScript) and by the test
// guest (cloud-config.awk, under busybox, since the guest has no Python for cloud-init). Both
// turn the same documents into shell scripts; run in a scratch folder, the scripts must write the
// same files and print the same output, so the two readings agree with each other and with
// cloud-init's meaning.

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cloudConfigScript, readUserData } from '../../src/providers/cloud-init/user-data.js';
import { HostKeyReader } from '../../src/providers/host-keys.js';

const run = promisify(execFile);
const guestReader = fileURLToPath(new URL('../support/guest-image/guest/cloud-config.awk', import.meta.url));

/** The files below `folder`, with their text and permissions. */
function tree(folder: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) Object.assign(files, tree(path, `${prefix}${name}/`));
    else files[`${prefix}${name}`] = `${(statSync(path).mode & 0o777).toString(8)} ${readFileSync(path, 'utf8')}`;
  }
  return files;
}

/** Runs a script with its /root/.ssh and $ROOT moved into a scratch folder; answers what it wrote and printed. */
async function outcome(script: string): Promise<{ files: Record<string, string>; output: string }> {
  const root = mkdtempSync(join(tmpdir(), 'allot-cloud-config-'));
  const path = join(root, 'script.sh');
  writeFileSync(path, script.replaceAll('/root/.ssh', `${root}/files/ssh`).replaceAll('$ROOT', root));
  const { stdout } = await run('/bin/busybox', ['sh', path], { cwd: root });
  return { files: existsSync(join(root, 'files')) ? tree(join(root, 'files')) : {}, output: stdout };
}

function sandboxScript(document: string): string {
  const userData = readUserData(Buffer.from(document));
  if (userData.kind !== 'cloud-config') throw new Error(`not read as cloud-config: ${JSON.stringify(userData)}`);
  return cloudConfigScript(userData.config);
}

async function guestScript(document: string): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'allot-user-data-')), 'user-data');
  writeFileSync(path, document);
  return (await run('/bin/busybox', ['awk', '-f', guestReader, path])).stdout;
}

const documents: Record<string, string> = {
  'files of every kind, keys and commands': `#cloud-config
# comments are ignored
write_files:
  - path: $ROOT/files/etc/literal.conf
    permissions: '0600'
    content: |
      first line with 'quotes' and "doubles"
        indented line
      last line
  - content: "a quoted line\\n"
    path: $ROOT/files/quoted.txt
  - path: $ROOT/files/bytes.bin
    encoding: b64
    content: aGVsbG8gYnl0ZXMK
  - path: $ROOT/files/folded.txt
    content: >
      folded
      into one
  - path: $ROOT/files/quoted.txt
    append: true
    content: appended
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx one@example
  - "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ two@example"
runcmd:
  - echo "first $((1 + 2))"
  - [ sh, -c, "echo a list, with commas > $ROOT/files/list.txt" ]
  - 'echo single-quoted'
  - |
    echo block one
    echo block two
`,
  'flow lists': `#cloud-config
ssh_authorized_keys: [ "ssh-ed25519 AAAAflow flow@example" ]
runcmd: [ "echo flow one", "echo flow two" ]
`,
  'only commands': `#cloud-config
runcmd:
  - echo alone
`,
};

describe('cloud-config', () => {
  for (const [name, document] of Object.entries(documents)) {
    it(`means the same to the sandbox and to the test guest: ${name}`, async () => {
      const [sandbox, guest] = await Promise.all([outcome(sandboxScript(document)), guestScript(document).then(outcome)]);
      expect(guest).toEqual(sandbox);
      expect(Object.keys(sandbox.files).length + sandbox.output.length).toBeGreaterThan(0);
    });
  }

  it('writes, encodes, appends and runs as cloud-init does', async () => {
    const { files, output } = await outcome(sandboxScript(documents['files of every kind, keys and commands']!));
    expect(files).toEqual({
      'bytes.bin': '644 hello bytes\n',
      'etc/literal.conf': '600 first line with \'quotes\' and "doubles"\n  indented line\nlast line\n',
      'folded.txt': '644 folded into one\n',
      'list.txt': '644 a list, with commas\n',
      'quoted.txt': '644 a quoted line\nappended',
      'ssh/authorized_keys': '600 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx one@example\nssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ two@example\n',
    });
    expect(output).toBe('first 3\nsingle-quoted\nblock one\nblock two\n');
  });

  it('names the keys it does not act on, and tells scripts, cloud-config and other data apart', async () => {
    const script = sandboxScript('#cloud-config\npackages: [vim]\nruncmd: [echo hi]\n');
    expect((await outcome(script)).output).toBe('allot-sandbox: cloud-config key "packages" is not supported by the sandbox; ignored\nhi\n');
    expect(readUserData(Buffer.from('#!/bin/bash\necho hi\n')).kind).toBe('script');
    expect(readUserData(null).kind).toBe('none');
    expect(readUserData(Buffer.from('#cloud-config\n- a list\n'))).toEqual({ kind: 'unsupported', reason: '#cloud-config must be a mapping' });
    expect(readUserData(Buffer.from('plain words'))).toMatchObject({ kind: 'unsupported' });
  });
});

describe('host keys on the console', () => {
  it('reads the last complete block, as cloud-init prints it, prefixes and carriage returns included', () => {
    const reader = new HostKeyReader();
    const lines = [
      'ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----',
      'ec2: 256 SHA256:abc root@vm (ED25519)',
      '-----BEGIN SSH HOST KEY KEYS-----\r\n',
      'ecdsa-sha2-nistp256 AAAAE2VjZHNh root@vm\r\n',
      'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOld root@vm\n',
      '-----END SSH HOST KEY KEYS-----\n',
    ];
    expect(lines.map((line) => reader.read(line))).toEqual([false, false, false, false, false, true]);
    expect(reader.keys).toEqual([{ keyType: 'ecdsa-sha2-nistp256', key: 'AAAAE2VjZHNh' }, { keyType: 'ssh-ed25519', key: 'AAAAC3NzaC1lZDI1NTE5AAAAIOld' }]);
    for (const line of ['-----BEGIN SSH HOST KEY KEYS-----', 'ssh-ed25519 AAAAnew root@vm']) reader.read(line);
    expect(reader.keys).toHaveLength(2);
    reader.read('-----END SSH HOST KEY KEYS-----');
    expect(reader.keys).toEqual([{ keyType: 'ssh-ed25519', key: 'AAAAnew' }]);
  });
});
