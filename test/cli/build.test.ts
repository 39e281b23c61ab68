// The server's build (scripts/build-dist.mjs) as it loads: the built-in modules that only a
// configuration allot does not run needs (HTTPS, HTTP/2, TLS, DNS) are not loaded with it.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const serveBuild = fileURLToPath(new URL('../../dist/serve.cjs', import.meta.url));

describe('the server build', () => {
  it('loads no HTTPS, HTTP/2, TLS or DNS module with it', async () => {
    // dist/ is fresh: the tests' global setup built it.
    const script = `require(${JSON.stringify(serveBuild)}); process.stdout.write(JSON.stringify(process.moduleLoadList))`;
    const { stdout } = await run(process.execPath, ['-e', script]);
    const loaded = (JSON.parse(stdout) as string[]).filter((entry) => entry.startsWith('NativeModule ')).map((entry) => entry.slice('NativeModule '.length));
    expect(loaded).toContain('http');
    expect(loaded.filter((name) => ['https', 'http2', 'tls', 'dns'].includes(name))).toEqual([]);
  });
});
