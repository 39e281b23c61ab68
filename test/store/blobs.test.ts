// The blob store: parts stream to disk whole or not at all, and a part past its limit is refused
// without a trace (the 128 GiB image limit is enforced this way, with what remains of it).

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { FileBlobStore } from '../../src/store/blobs.js';

describe('file blob store', () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-blobs-'));
  const blobs = new FileBlobStore(directory);
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  function chunks(count: number, size: number): Readable {
    return Readable.from((function* () {
      for (let index = 0; index < count; index++) yield Buffer.alloc(size, index);
    })());
  }

  it('writes parts and reads them back in order', async () => {
    expect(await blobs.writePart('image_a', 2, Readable.from([Buffer.from('world')]), 100)).toEqual({ size: 5 });
    expect(await blobs.writePart('image_a', 1, Readable.from([Buffer.from('hello ')]), 100)).toEqual({ size: 6 });
    const read: Buffer[] = [];
    for await (const chunk of blobs.readParts('image_a', [1, 2])) read.push(chunk as Buffer);
    expect(Buffer.concat(read).toString()).toBe('hello world');
    expect(await blobs.hashParts('image_a', [1, 2])).toEqual({ sha256: createHash('sha256').update('hello world').digest('hex'), size: 11 });
  });

  it('refuses a part past its limit and leaves nothing behind', async () => {
    expect(await blobs.writePart('image_b', 1, chunks(10, 1024), 10 * 1024)).toEqual({ size: 10 * 1024 });
    expect(await blobs.writePart('image_b', 2, chunks(11, 1024), 10 * 1024)).toBe('too_large');
    expect(readdirSync(join(directory, 'images', 'image_b'))).toEqual(['part-1']);
  });

  it('deletes an image\'s parts', async () => {
    await blobs.deleteImage('image_a');
    expect(readdirSync(join(directory, 'images'))).not.toContain('image_a');
  });
});
