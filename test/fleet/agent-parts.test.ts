// The agent's pieces that need no driver: reading accelerators from the command line, reading the
// server's answers strictly, and the image cache (downloaded once, checked by SHA-256, never left
// half-written under its name).

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupAccelerators, parseAccelerators } from '../../src/agent/host-facts.js';
import { ImageCache } from '../../src/agent/image-cache.js';
import { ProtocolError, readHeartbeatAnswer, readRegistrationAnswer } from '../../src/agent/protocol.js';

describe('the agent\'s accelerators', () => {
  it('reads MODEL:COUNT lists, summing repeated models', () => {
    expect(parseAccelerators('H100:8')).toEqual([{ model: 'H100', count: 8 }]);
    expect(parseAccelerators('H100:4, A100 ,H100:4')).toEqual([{ model: 'H100', count: 8 }, { model: 'A100', count: 1 }]);
    expect(parseAccelerators('')).toEqual([]);
    expect(parseAccelerators('H100:0')).toMatch(/count/);
    expect(groupAccelerators([{ model: 'NVIDIA H100 80GB HBM3', count: 1 }, { model: 'NVIDIA H100 80GB HBM3', count: 1 }])).toEqual([{ model: 'NVIDIA H100 80GB HBM3', count: 2 }]);
  });
});

describe('the agent reading the server\'s answers', () => {
  it('takes runs with or without a launch, and refuses what it cannot act on', () => {
    expect(readRegistrationAnswer({ host_id: 'host_1', heartbeat_interval_seconds: 5, down_after_seconds: 30 }).host_id).toBe('host_1');
    expect(() => readRegistrationAnswer({ host_id: 1 })).toThrow(ProtocolError);
    const launch = { instance_id: 'inst_1', hostname: 'one', instance_sku: 'h100', vcpus: null, memory_bytes: null, image: { name: 'ubuntu', url: null, sha256: null }, user_data_base64: null, ssh_authorized_keys: [], forward_443: false };
    const answer = readHeartbeatAnswer({ host_id: 'host_1', heartbeat_interval_seconds: 2, runs: [{ instance_id: 'inst_1', action: 'run', launch }, { instance_id: 'inst_2', action: 'run', launch: null }, { instance_id: 'inst_3', action: 'remove', launch: null }] });
    expect(answer.heartbeat_interval_seconds).toBe(2);
    expect(answer.runs.map((run) => [run.instance_id, run.action, run.launch === null])).toEqual([['inst_1', 'run', false], ['inst_2', 'run', true], ['inst_3', 'remove', true]]);
    expect(() => readHeartbeatAnswer({ runs: [{ instance_id: '../etc', action: 'stop', launch: null }] })).toThrow(/folder name/);
    expect(() => readHeartbeatAnswer({ runs: [{ instance_id: 'inst_1', action: 'explode' }] })).toThrow(ProtocolError);
    expect(() => readHeartbeatAnswer({ runs: [{ instance_id: 'inst_1', action: 'run', launch: { ...launch, image: { name: 'x', url: 'https://x', sha256: null } } }] })).toThrow(ProtocolError);
    expect(() => readHeartbeatAnswer({})).toThrow(ProtocolError);
  });
});

describe('the agent\'s image cache', () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-agent-images-'));
  const bytes = Buffer.alloc(3 * 1024 * 1024 + 7, 'allot');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let server: Server;
  let downloads = 0;
  let base = '';

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/missing') return void response.writeHead(404).end();
      downloads++;
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(directory, { recursive: true, force: true });
  });

  it('downloads an image once however many ask at once, and keeps it by its SHA-256', async () => {
    const cache = new ImageCache(join(directory, 'a'));
    const paths = await Promise.all([1, 2, 3].map(() => cache.fetch(`${base}/image`, sha256)));
    expect(new Set(paths).size).toBe(1);
    expect(paths[0]).toBe(join(directory, 'a', `${sha256}.img`));
    expect(readFileSync(paths[0]!).equals(bytes)).toBe(true);
    expect(await cache.fetch(`${base}/image`, sha256)).toBe(paths[0]);
    expect(downloads).toBe(1);
  });

  it('refuses bytes of another hash or a failed download, leaving nothing under the name', async () => {
    const cache = new ImageCache(join(directory, 'b'));
    const other = 'f'.repeat(64);
    await expect(cache.fetch(`${base}/image`, other)).rejects.toThrow(/SHA-256/);
    await expect(cache.fetch(`${base}/missing`, other)).rejects.toThrow(/404/);
    expect(existsSync(cache.pathOf(other))).toBe(false);
    expect(readdirSync(join(directory, 'b'))).toEqual([]);
    expect(() => cache.pathOf('../../etc/passwd')).toThrow(/SHA-256/);
  });
});
