// Image bytes, kept as files in a blob directory beside the database: one file per uploaded
// part, written through a temporary file and renamed into place so that a part is either whole
// or absent. Bytes stream through; no part is ever held in memory.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface BlobStore {
  /** Stores one part from a stream; refuses (writing nothing) past `maxBytes`. */
  writePart(imageId: string, partId: number, body: Readable, maxBytes: number): Promise<{ readonly size: number } | 'too_large'>;
  /** The SHA-256 (hex) and size of the parts, in order, as one image. */
  hashParts(imageId: string, partIds: readonly number[]): Promise<{ readonly sha256: string; readonly size: number }>;
  /** The parts, in order, as one stream. */
  readParts(imageId: string, partIds: readonly number[]): Readable;
  deleteImage(imageId: string): Promise<void>;
}

class TooLarge extends Error {}

export class FileBlobStore implements BlobStore {
  constructor(private readonly directory: string) {}

  private imageDirectory(imageId: string): string {
    return join(this.directory, 'images', imageId);
  }

  private partPath(imageId: string, partId: number): string {
    return join(this.imageDirectory(imageId), `part-${partId}`);
  }

  async writePart(imageId: string, partId: number, body: Readable, maxBytes: number): Promise<{ readonly size: number } | 'too_large'> {
    await mkdir(this.imageDirectory(imageId), { recursive: true });
    const finalPath = this.partPath(imageId, partId);
    const temporaryPath = `${finalPath}.upload-${process.pid}-${Date.now()}`;
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) callback(new TooLarge());
        else callback(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(temporaryPath));
    } catch (error) {
      await rm(temporaryPath, { force: true });
      if (error instanceof TooLarge) {
        body.resume();
        return 'too_large';
      }
      throw error;
    }
    await rename(temporaryPath, finalPath);
    return { size };
  }

  async hashParts(imageId: string, partIds: readonly number[]): Promise<{ readonly sha256: string; readonly size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    for (const partId of partIds) {
      const path = this.partPath(imageId, partId);
      size += (await stat(path)).size;
      for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
    }
    return { sha256: hash.digest('hex'), size };
  }

  readParts(imageId: string, partIds: readonly number[]): Readable {
    const output = new PassThrough();
    void (async () => {
      try {
        for (const partId of partIds) await pipeline(createReadStream(this.partPath(imageId, partId)), output, { end: false });
        output.end();
      } catch (error) {
        output.destroy(error as Error);
      }
    })();
    return output;
  }

  async deleteImage(imageId: string): Promise<void> {
    await rm(this.imageDirectory(imageId), { recursive: true, force: true });
  }
}
