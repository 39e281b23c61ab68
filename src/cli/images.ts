// An account's images: `allot images upload <file>` (multipart, as SF Compute's API takes it:
// create, a signed URL per part, PUT each part, complete with the SHA-256) with a progress bar
// (cli-progress) on a terminal, and `allot images ls`.

import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { positiveInteger, usage } from './arguments.js';
import { ApiClient, CliError, errorFromResponse, exitCodes, type GlobalOptions } from './client.js';
import { emit, fields, time } from './output.js';

const mebibyte = 1024 * 1024;

/** One part of the file, read as it is sent, counting bytes and hashing them in order. */
function partBody(path: string, start: number, end: number, onBytes: (chunk: Buffer) => void): ReadableStream<Uint8Array> {
  const stream = createReadStream(path, { start, end: end - 1, highWaterMark: mebibyte });
  stream.on('data', (chunk) => onBytes(chunk as Buffer));
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}

async function upload(client: ApiClient, path: string, options: { name?: string; workspace: string; partSize: number; json?: boolean }): Promise<Record<string, any>> {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch (error) {
    throw usage(`cannot read ${path}: ${(error as Error).message}`);
  }
  const name = options.name ?? basename(path).replace(/\.[^.]*$/, '').replace(/[^a-zA-Z0-9._-]/g, '-');
  const image = await client.post<Record<string, any>>('/preview/v2/images', { workspace: options.workspace, name });
  const imagePath = `/preview/v2/images/${encodeURIComponent(image.id)}`;
  const hash = createHash('sha256');
  // The bar goes to stderr, and only on a terminal: scripts read stdout, and logs need no bar.
  const bar = process.stderr.isTTY === true && options.json !== true ? new SingleBar({ format: `${name} [{bar}] {percentage}% {value}/{total} MiB {eta_formatted}`, stream: process.stderr, hideCursor: true }) : null;
  bar?.start(Math.max(1, Math.ceil(size / mebibyte)), 0);
  let sent = 0;
  try {
    const parts = Math.max(1, Math.ceil(size / options.partSize));
    for (let part = 1; part <= parts; part++) {
      const start = (part - 1) * options.partSize;
      const end = Math.min(size, start + options.partSize);
      const { url } = await client.post<{ url: string }>(`${imagePath}/parts`, { part_id: part });
      const response = await client.send('PUT', url, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start) },
        body: partBody(path, start, end, (chunk) => {
          hash.update(chunk);
          sent += chunk.length;
          bar?.update(Math.floor(sent / mebibyte));
        }),
        duplex: 'half',
      });
      if (!response.ok) throw errorFromResponse('PUT', `part ${part}`, response.status, await response.json().catch(() => undefined));
      await response.arrayBuffer();
    }
    bar?.update(Math.ceil(size / mebibyte));
  } finally {
    bar?.stop();
  }
  if (sent !== size) throw new CliError(`${path} changed while it was read (${sent} of ${size} bytes)`, exitCodes.refused);
  return client.post<Record<string, any>>(`${imagePath}/complete`, { sha256: hash.digest('hex') });
}

export function registerImageCommands(program: Command): void {
  const images = program.command('images').description('Upload and list your images');
  images
    .command('upload')
    .description('Upload an image file, showing its progress')
    .argument('<file>', 'the image file')
    .option('--name <name>', 'the image\'s name (default: the file\'s name without extension)')
    .option('--workspace <workspace>', 'workspace id, resource path or name', 'default')
    .option('--part-size <MiB>', 'size of each uploaded part, in MiB', '64')
    .action(async (file: string, options: { name?: string; workspace: string; partSize: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const partSize = positiveInteger(options.partSize, '--part-size') * mebibyte;
      const image = await upload(ApiClient.for(global, 'account'), file, { name: options.name, workspace: options.workspace, partSize, json: global.json });
      emit(global.json, image, () => fields([['id', image.id], ['name', image.name], ['status', image.upload_status], ['sha256', image.sha256]]));
    });
  images
    .command('ls')
    .description('List your images (or SF Compute\'s public ones with --public)')
    .option('--public', 'list the public images')
    .action(async (options: { public?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const list = await ApiClient.for(global, 'account').get<{ data: Record<string, any>[] }>('/preview/v2/images', { limit: 200, ...(options.public === true ? { workspace: 'sfc:workspace:sfcompute:public' } : {}) });
      emit(global.json, list, () => ({ head: ['id', 'name', 'status', 'created'], rows: list.data.map((image) => [image.id, image.name, image.upload_status, time(image.created_at)]) }));
    });
}
