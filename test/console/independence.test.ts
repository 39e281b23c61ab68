// Keeps the console a client like any other: it imports nothing from allot's src/ (only the
// HTTP API joins them), and each of its source files says what it is for.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const consoleRoot = fileURLToPath(new URL('../../console/', import.meta.url));
const sourceRoot = join(consoleRoot, 'src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx|css)$/.test(entry.name) ? [path] : [];
  });
}

const files = [...sourceFiles(sourceRoot), join(consoleRoot, 'vite.config.ts')].map((path) => ({ path, text: readFileSync(path, 'utf8') }));

describe('the console\'s sources', () => {
  it('import nothing from outside console/ but packages', () => {
    const outside = files.flatMap((file) =>
      [...file.text.matchAll(/(?:from|import)\s+['"](\.[^'"]+)['"]/g)]
        .map((match) => resolve(join(file.path, '..'), match[1]!))
        .filter((target) => relative(consoleRoot, target).startsWith('..'))
        .map((target) => `${relative(consoleRoot, file.path)} imports ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('each begin with a comment that says what they are for', () => {
    const missing = files.filter((file) => !file.text.startsWith('//') && !file.text.startsWith('/*')).map((file) => relative(consoleRoot, file.path));
    expect(missing).toEqual([]);
  });
});
