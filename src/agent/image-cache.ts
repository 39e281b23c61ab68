// The images an agent's VMs boot, downloaded by their signed URL into a cache named by SHA-256:
// an image is fetched once however many instances boot it, checked while it streams in, and
// written through a partial file renamed into place, so a file in the cache is always whole and
// of the hash it is named by. The driver checks the hash again at each boot.

import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class ImageCache {
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a SHA-256: ${JSON.stringify(sha256)}`);
    return join(this.directory, `${sha256}.img`);
  }

  /** The cached file of `sha256`, downloaded from `url` first if it is not there; throws why not. */
  fetch(url: string, sha256: string): Promise<string> {
    const path = this.pathOf(sha256);
    if (existsSync(path)) return Promise.resolve(path);
    let download = this.downloads.get(sha256);
    if (download === undefined) {
      download = this.download(url, sha256, path).finally(() => this.downloads.delete(sha256));
      this.downloads.set(sha256, download);
    }
    return download;
  }

  private async download(url: string, sha256: string, path: string): Promise<string> {
    const partial = `${path}.${process.pid}.partial`;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(3_600_000) });
      if (!response.ok || response.body === null) throw new Error(`the image download answered HTTP ${response.status}`);
      const hash = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), hashing, createWriteStream(partial));
      const got = hash.digest('hex');
      if (got !== sha256) throw new Error(`the downloaded image has SHA-256 ${got}, not ${sha256}`);
      renameSync(partial, path);
      return path;
    } catch (error) {
      rmSync(partial, { force: true });
      throw error;
    }
  }
}
