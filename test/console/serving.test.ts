// How allot serves the console's files (src/http/console.ts): the page and its hashed assets with
// their content types and caching, a 404 in the API's envelope for a file that is not there, and,
// when the bundle has not been built, a page that says how to build it. A small stand-in bundle
// is written for these tests; the real one is exercised in Chromium (console.test.ts).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConsole } from '../../src/http/console.js';

/** A server as allot builds it, in the respect that matters here: trailing slashes are ignored. */
async function serverWithConsole(directory: string): Promise<FastifyInstance> {
  const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
  await registerConsole(app, { directory });
  await app.ready();
  return app;
}

describe('the console bundle, served', () => {
  let directory: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'allot-console-'));
    mkdirSync(join(directory, 'assets'));
    writeFileSync(join(directory, 'index.html'), '<!doctype html><title>allot console</title><script type="module" src="/console/assets/index-AbC123.js"></script>');
    writeFileSync(join(directory, 'assets', 'index-AbC123.js'), 'console.info("hello")');
    writeFileSync(join(directory, 'assets', 'index-AbC123.css'), 'body { margin: 0 }');
    app = await serverWithConsole(directory);
  });
  afterAll(async () => {
    await app.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it.each(['/console', '/console/'])('serves the page at %s, checked with the server on every load', async (url) => {
    const response = await app.inject({ url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.body).toContain('<title>allot console</title>');
  });

  it('serves hashed assets with their types, to be kept for a year', async () => {
    const script = await app.inject({ url: '/console/assets/index-AbC123.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const style = await app.inject({ url: '/console/assets/index-AbC123.css' });
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 404 in the API\'s envelope for a file that is not there', async () => {
    const response = await app.inject({ url: '/console/assets/missing.js' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ error: { type: 'not_found', message: 'The console has no file /console/assets/missing.js' } });
  });

  it('serves nothing from outside the bundle', async () => {
    for (const url of ['/console/../package.json', '/console/%2e%2e/package.json', '/console/..%2fpackage.json', '/console/assets/%2e%2e/%2e%2e/package.json']) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body, url).not.toContain('"name"');
    }
  });
});

describe('the console, not built', () => {
  it('answers 503 with a page that says to run npm run build:console', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'allot-console-empty-'));
    const app = await serverWithConsole(empty);
    try {
      for (const url of ['/console', '/console/assets/index.js']) {
        const response = await app.inject({ url });
        expect(response.statusCode, url).toBe(503);
        expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(response.body).toContain('npm run build:console');
      }
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
