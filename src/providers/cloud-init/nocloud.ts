// The cloud-init NoCloud volume a VM reads its configuration from: a small FAT file system
// labelled CIDATA holding `meta-data` (instance id, hostname, the account's SSH keys as
// `public-keys`) and `user-data` (the instance's own, as given). cloud-init finds it by its label;
// so does allot's test guest.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';

const run = promisify(execFile);
/** Room for 64 KiB of user data and the meta-data, with FAT's own overhead. */
const volumeKiB = 1024;

export interface NoCloudSeed {
  readonly instanceId: string;
  readonly hostname: string;
  readonly publicKeys: readonly string[];
  readonly userData: Uint8Array | null;
}

export function metaData(seed: NoCloudSeed): string {
  return stringify({ 'instance-id': seed.instanceId, 'local-hostname': seed.hostname, ...(seed.publicKeys.length > 0 ? { 'public-keys': [...seed.publicKeys] } : {}) }, { lineWidth: 0 });
}

/** Writes the volume to `path` with mkfs.vfat and mcopy (Debian packages dosfstools and mtools). */
export async function writeNoCloudVolume(path: string, seed: NoCloudSeed, tools: { readonly mkfsVfat: string; readonly mcopy: string }): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), 'allot-cidata-'));
  try {
    writeFileSync(join(folder, 'meta-data'), metaData(seed));
    writeFileSync(join(folder, 'user-data'), seed.userData ?? new Uint8Array());
    rmSync(path, { force: true });
    await run(tools.mkfsVfat, ['-C', '-n', 'CIDATA', path, String(volumeKiB)]);
    await run(tools.mcopy, ['-i', path, join(folder, 'meta-data'), join(folder, 'user-data'), '::'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
