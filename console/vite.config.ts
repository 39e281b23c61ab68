// Builds the web console into console/dist, which allot serves at /console (src/http/console.ts).
// Preact's JSX is compiled by Vite's own transformer; no plugin is needed for it.

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Current browsers; the console needs no legacy syntax.
    target: 'es2022',
    reportCompressedSize: false,
  },
  // Under `vite` (a live-reloading copy for working on the console), API calls go to an allot
  // server: ALLOT_URL, or the default address.
  server: {
    proxy: Object.fromEntries(['/preview', '/v1', '/v0', '/admin'].map((prefix) => [prefix, process.env.ALLOT_URL ?? 'http://127.0.0.1:8080'])),
  },
});
