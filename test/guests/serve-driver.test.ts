// `allot serve --driver` and `--driver-config`: a mistake is a clear error at start, before
// anything is served.

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const allotBin = fileURLToPath(new URL('../../bin/allot.js', import.meta.url));

function serve(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [allotBin, 'serve', '--port', '0', '--db', 'sqlite::memory:', ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : ((error as { code?: number }).code ?? null), output: `${stdout}${stderr}` });
    });
  });
}

describe('allot serve --driver', { timeout: 60_000 }, () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-serve-driver-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('refuses an unknown driver', async () => {
    const answer = await serve(['--driver', 'firecracker']);
    expect(answer.code).toBe(2);
    expect(answer.output).toContain('--driver must be simulated, sandbox, qemu or fleet, not "firecracker"');
  });

  it('refuses a configuration file with a mistake, naming the field', async () => {
    const path = join(directory, 'drivers.json');
    writeFileSync(path, JSON.stringify({ driver: 'sandbox', bootConcurrency: 0 }));
    const answer = await serve(['--driver-config', path]);
    expect(answer.code).toBe(1);
    expect(answer.output).toContain('/bootConcurrency');
    const missing = await serve(['--driver-config', join(directory, 'absent.json')]);
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('absent.json');
  });
});
