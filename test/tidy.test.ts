// Keeps the code's shape honest: the domain stays pure, time and randomness come in as arguments,
// and dependencies point one way (cli → http → app → domain/store/clock; engine → app).

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const sourceRoot = join(projectRoot, 'src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const files = sourceFiles(sourceRoot).map((path) => ({ path: relative(sourceRoot, path), text: readFileSync(path, 'utf8') }));
const layer = (path: string) => path.split('/')[0]!;

/** Which layers each layer may import. */
const allowedImports: Readonly<Record<string, readonly string[]>> = {
  domain: ['domain'],
  clock: ['clock'],
  store: ['store', 'domain'],
  app: ['app', 'domain', 'store', 'clock', 'providers'],
  engine: ['engine', 'app', 'domain', 'store', 'clock', 'providers'],
  providers: ['providers', 'domain'],
  http: ['http', 'app', 'domain', 'store', 'clock', 'providers'],
  cli: ['cli', 'http', 'app', 'engine', 'providers', 'domain', 'store', 'clock'],
};

describe('tidy', () => {
  it('keeps clock reads, randomness and console output out of the domain and the use cases', () => {
    const banned = [/Date\.now\(/, /new Date\(\)/, /Math\.random\(/, /console\.(log|info|warn|error)\(/, /performance\.now\(/];
    const offenders = files
      .filter((file) => ['domain', 'app'].includes(layer(file.path)))
      .flatMap((file) => banned.filter((pattern) => pattern.test(file.text)).map((pattern) => `${file.path}: ${pattern}`));
    expect(offenders).toEqual([]);
  });

  it('keeps the domain free of I/O and async', () => {
    const offenders = files
      .filter((file) => layer(file.path) === 'domain')
      .filter((file) => /from 'node:|from "node:|\basync\b|\bawait\b|from 'kysely'|from 'fastify'/.test(file.text))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('keeps money out of floating point in the domain and the use cases', () => {
    const offenders = files
      .filter((file) => ['domain', 'app'].includes(layer(file.path)))
      .filter((file) => /parseFloat\(|toFixed\(/.test(file.text))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });

  it('points dependencies one way', () => {
    const offenders: string[] = [];
    for (const file of files) {
      for (const match of file.text.matchAll(/from '(\.[^']+)'/g)) {
        const target = relative(sourceRoot, join(sourceRoot, file.path, '..', match[1]!));
        const allowed = allowedImports[layer(file.path)] ?? [];
        if (!allowed.includes(layer(target))) offenders.push(`${file.path} imports ${target}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('gives every source file a header comment that says what it is for', () => {
    const missing = files.filter((file) => !file.text.startsWith('//')).map((file) => file.path);
    expect(missing).toEqual([]);
  });

  it('carries its own references: nothing outside reference/ reads the team folder beside the clone', () => {
    // A user's clone has only itself; reference/ holds verbatim copies, whose own text may name the folder.
    const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot, encoding: 'utf8' })
      .split('\n')
      .filter((path) => path !== '' && !path.startsWith('reference/') && !path.endsWith('package-lock.json'));
    const offenders = tracked.filter((path) => {
      try {
        return /\.\.\/shared\b|shared\/(reference|spec|seeds|notes)\b/.test(readFileSync(join(projectRoot, path), 'utf8'));
      } catch {
        return false; // listed but deleted in the work tree
      }
    });
    expect(offenders).toEqual([]);
  });
});
