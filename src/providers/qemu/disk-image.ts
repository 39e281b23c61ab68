// The image an instance boots, checked before QEMU sees it: its SHA-256 must be the one it was
// registered with (the reference: "used during instance boot to verify integrity"), and it must
// be a raw or qcow2 disk with no backing file of its own — a qcow2 image naming a backing file
// would let an uploaded image read any file on the host. Each VM writes to its own qcow2 overlay
// over the image, so the image is never written.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type DiskFormat = 'raw' | 'qcow2';

/**
 * Hashes already checked in this process, by the file's identity and change time: an image is
 * hashed once, not at every boot, and again if its file changes.
 */
const verified = new Map<string, string>();

function identity(path: string): string {
  const stat = statSync(path);
  return `${path} ${stat.dev} ${stat.ino} ${stat.size} ${stat.mtimeMs}`;
}

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Null when the image has the expected hash; otherwise why it may not boot. */
export async function checkImageSha256(path: string, expected: string): Promise<string | null> {
  let key: string;
  try {
    key = identity(path);
  } catch {
    return `the image file ${path} is missing`;
  }
  const actual = verified.get(key) ?? (await sha256OfFile(path));
  if (actual !== expected.toLowerCase()) return `the image's SHA-256 is ${actual}, not the ${expected} it was registered with; the instance was not booted`;
  verified.set(key, actual);
  return null;
}

/** The image's format, or why it may not boot. */
export async function checkImageFormat(qemuImg: string, path: string): Promise<DiskFormat | { failure: string }> {
  let info: { format?: string; 'backing-filename'?: string };
  try {
    info = JSON.parse((await run(qemuImg, ['info', '--output=json', path])).stdout) as typeof info;
  } catch (error) {
    return { failure: `qemu-img cannot read the image: ${(error as Error).message}` };
  }
  if (info.format !== 'raw' && info.format !== 'qcow2') return { failure: `the image is ${info.format ?? 'of no known format'}; allot boots raw and qcow2 disks` };
  if (info['backing-filename'] !== undefined) return { failure: 'the image is a qcow2 overlay with a backing file of its own; allot boots self-contained images only' };
  return info.format;
}

/** A qcow2 overlay at `overlay` whose reads fall through to `image`. */
export async function createOverlay(qemuImg: string, image: string, format: DiskFormat, overlay: string): Promise<void> {
  await run(qemuImg, ['create', '-q', '-f', 'qcow2', '-F', format, '-b', image, overlay]);
}
