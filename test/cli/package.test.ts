// allot as a package: `npm pack` makes a tarball that holds what an installed allot needs (the
// compiled build, the console's bundle, the command), and that tarball, installed into an empty
// folder as `npx` would, starts and serves. Dependencies come from npm's cache where it has them, and
// their install scripts are skipped: better-sqlite3's native addon is copied from this clone's
// node_modules instead of being compiled again, which would take minutes and tests nothing of
// allot's.

import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('the npm package', () => {
  const directory = mkdtempSync(join(tmpdir(), 'allot-package-'));
  let files: string[] = [];
  let tarball = '';
  const installed = join(directory, 'project');
  const command = join(installed, 'node_modules', '.bin', 'allot');

  beforeAll(async () => {
    // A clone builds the console at install (prepare); build it here if this one has not.
    if (!existsSync(join(projectRoot, 'console', 'dist', 'index.html'))) await run('npm', ['run', 'build:console'], { cwd: projectRoot });
    // dist/ is fresh: the tests' global setup built it.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', directory], { cwd: projectRoot });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    files = packed!.files.map((file) => file.path);
    tarball = join(directory, packed!.filename);
    writeFileSync(join(directory, 'package.json'), '{}');
    cpSync(join(directory, 'package.json'), join(installed, 'package.json'));
    await run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', tarball], { cwd: installed });
    cpSync(join(projectRoot, 'node_modules', 'better-sqlite3', 'build'), join(installed, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });
  }, 180_000);
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('holds the command, the compiled build and the console, and no sources', () => {
    expect(files).toContain('bin/allot.js');
    expect(files).toContain('bin/dist-state.js');
    expect(files).toContain('bin/load-dist.js');
    expect(files).toContain('dist/allot.cjs');
    expect(files).toContain('dist/serve.cjs');
    // V8's code cache is made by the installed allot's first serve, for its own Node.
    expect(files.filter((file) => file.endsWith('.cache'))).toEqual([]);
    expect(files).toContain('console/dist/index.html');
    expect(files.some((file) => file.startsWith('console/dist/assets/') && file.endsWith('.js'))).toBe(true);
    expect(files.filter((file) => file.startsWith('src/') || file.startsWith('test/'))).toEqual([]);
  });

  it('runs from the installed tarball: --version, then serve answering 200 with its console and reference', async () => {
    const { stdout } = await run(command, ['--version'], { cwd: installed });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

    const child = spawn(command, ['serve', '--port', '0', '--db', `sqlite:${join(directory, 'allot.db')}`, '--log-level', 'warn'], { cwd: installed, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = /allot listening on (http:\/\/\S+)/.exec(output);
          if (match !== null) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`allot serve exited with ${code}:\n${output}`)));
      });
      // Not through tsx: the installed package has no sources and no tsx.
      expect(output).not.toContain('tsx');
      const token = /Demo account "demo" token: (\S+)/.exec(output)![1]!;
      const skus = await fetch(`${base}/preview/v2/instance_skus`, { headers: { authorization: `Bearer ${token}` } });
      expect(skus.status).toBe(200);
      expect(((await skus.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
      const consolePage = await fetch(`${base}/console`);
      expect(consolePage.status).toBe(200);
      expect(await consolePage.text()).toContain('<script');
      expect((await fetch(`${base}/docs/`)).status).toBe(200);
      expect((await fetch(`${base}/openapi.json`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
