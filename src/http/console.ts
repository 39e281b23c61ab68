// Serves the web console (console/, built into console/dist by `npm run build:console`) at
// /console, from the same address as the API. The console is a static bundle that talks to the
// public API and /admin/v1 like any other client; this file only hands out its files, with
// caching that suits them and headers that keep a page holding API tokens to itself.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorBody } from './errors.js';

export const consolePath = '/console';

/** Hashed file names never change content: a browser may keep them for a year. */
const assetCacheControl = 'public, max-age=31536000, immutable';

/** index.html names the current hashed files, so it is checked with the server on every load. */
const pageCacheControl = 'no-cache';

/**
 * The console runs only its own scripts and talks only to this server. Inline styles are allowed
 * because the charting library positions its cursor and legend with style attributes.
 */
const securityHeaders = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

/** The folder that holds package.json, found from this file wherever the build puts it. */
function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('allot\'s package.json was not found above src/http/console.ts');
    directory = parent;
  }
  return directory;
}

export const defaultConsoleDirectory = join(packageRoot(), 'console', 'dist');

const missingBundlePage = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>allot console: not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The console has not been built</h1>
<p>allot serves its web console from <code>console/dist</code>, which is built when allot is
installed. It is missing here. Build it from allot's folder with</p>
<pre>npm run build:console</pre>
<p>and restart allot. The API itself is unaffected: its reference is at <a href="/docs">/docs</a>.</p>
</body>
</html>
`;

function sendPage(reply: FastifyReply, status: number, page: string) {
  return reply.code(status).headers({ ...securityHeaders, 'cache-control': pageCacheControl }).type('text/html; charset=utf-8').send(page);
}

/**
 * Registers GET /console (the page) and /console/* (its files). When the bundle is missing, both
 * answer 503 with a page that says how to build it.
 */
export async function registerConsole(app: FastifyInstance, options: { directory?: string } = {}): Promise<void> {
  const directory = options.directory ?? defaultConsoleDirectory;
  const route = { schema: { hide: true } };
  if (!existsSync(join(directory, 'index.html'))) {
    app.get(consolePath, route, async (_request, reply) => sendPage(reply, 503, missingBundlePage));
    app.get(`${consolePath}/*`, route, async (_request, reply) => sendPage(reply, 503, missingBundlePage));
    return;
  }
  // Its own scope, so that its reply decorations do not meet those of the API reference's copy,
  // and so that a missing file is a 404 here rather than the server's 405 for other methods.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: directory,
      prefix: '/',
      index: ['index.html'],
      // /console and /console/ are one route (the server ignores trailing slashes): no redirect.
      redirect: false,
      cacheControl: false,
      dotfiles: 'ignore',
      setHeaders(response, path) {
        for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
        response.setHeader('cache-control', path.endsWith('.html') ? pageCacheControl : assetCacheControl);
      },
    });
    scope.get('/', route, async (_request, reply) => reply.sendFile('index.html'));
    scope.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('not_found', `The console has no file ${request.url.split('?')[0]}`)));
  }, { prefix: consolePath });
}
