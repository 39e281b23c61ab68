// The pieces of a driver that need no guest: a console log read as it grows, whose seqnums and
// times stay put when allot restarts; prerequisites that name the Debian package to install; and
// the simulated driver's lifecycle, which only notes what it was asked.

import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsoleLog } from '../../src/providers/console-log.js';
import { PrerequisiteError, requireCommands } from '../../src/providers/prerequisites.js';
import { SimulatedProvider } from '../../src/providers/simulated.js';
import { launchSpec } from './guest-support.js';

describe('console log', () => {
  it('numbers complete lines in order, stamps each when first read, and keeps the stamps across a restart', () => {
    const folder = mkdtempSync(join(tmpdir(), 'allot-console-'));
    const logPath = join(folder, 'console.log');
    const timesPath = join(folder, 'console.times');
    let now = 1_000_000_500;
    const log = new ConsoleLog(logPath, timesPath, 1_000_000_000, () => now);
    appendFileSync(logPath, 'first\nsecond\nthi');
    expect(log.poll().map((line) => [line.seqnum, line.data])).toEqual([[1, 'first\n'], [2, 'second\n']]);
    now += 2_250;
    appendFileSync(logPath, 'rd\n');
    expect(log.poll()).toEqual([{ seqnum: 3, timestampRealtime: 1_000_002, monotonicSeconds: 2, monotonicNanos: 750_000_000, data: 'third\n' }]);
    expect(log.note('the guest was stopped').map((line) => line.data)).toEqual(['allot: the guest was stopped\n']);

    now += 60_000;
    const reopened = new ConsoleLog(logPath, timesPath, 1_000_000_000, () => now);
    expect(reopened.all()).toEqual(log.all());
  });

  it('read by another process, writes no stamps, and takes the stamps the guest\'s driver wrote', () => {
    const folder = mkdtempSync(join(tmpdir(), 'allot-console-'));
    const logPath = join(folder, 'console.log');
    const timesPath = join(folder, 'console.times');
    let now = 5_000;
    const owner = new ConsoleLog(logPath, timesPath, 0, () => now);
    const reader = new ConsoleLog(logPath, timesPath, 0, () => now + 777, true);
    appendFileSync(logPath, 'one\n');
    owner.poll();
    now += 1_000;
    appendFileSync(logPath, 'two\n');
    expect(reader.poll().map((line) => [line.seqnum, line.timestampRealtime * 1000 + line.monotonicNanos / 1_000_000, line.data])).toEqual([
      [1, 5_000, 'one\n'],
      [2, 6_777, 'two\n'],
    ]);
    expect(readFileSync(timesPath, 'utf8')).toBe('5000\n');
    owner.poll();
    expect(readFileSync(timesPath, 'utf8')).toBe('5000\n6000\n');
  });

  it('ends a last line without its newline when the guest has ended', () => {
    const folder = mkdtempSync(join(tmpdir(), 'allot-console-'));
    const log = new ConsoleLog(join(folder, 'console.log'), join(folder, 'console.times'), 0, () => 0);
    appendFileSync(join(folder, 'console.log'), 'login: ');
    expect(log.poll()).toEqual([]);
    expect(log.finish().map((line) => line.data)).toEqual(['login: \n']);
  });
});

describe('prerequisites', () => {
  it('names every missing command with the Debian package to install', () => {
    expect(() => requireCommands('the test', [{ command: 'sh', debianPackage: 'dash' }, { command: 'allot-no-such-command', debianPackage: 'allot-no-such-package' }])).toThrow(
      new PrerequisiteError('the test needs allot-no-such-command (Debian package allot-no-such-package): install with `apt-get install allot-no-such-package`'),
    );
    expect(requireCommands('the test', [{ command: 'sh', debianPackage: 'dash' }])).toHaveLength(1);
  });
});

describe('simulated driver lifecycle', () => {
  it('answers the same status to a second start, stops once, and has nothing to reconcile', async () => {
    const driver = new SimulatedProvider();
    const spec = launchSpec({ sshAuthorizedKeys: [] });
    const started = await driver.start(spec);
    expect(started.state).toBe('running');
    expect(await driver.start(spec)).toBe(started);
    expect(await driver.stop(spec.instanceId)).toMatchObject({ state: 'stopped' });
    expect(await driver.stop('inst_unknown')).toBeNull();
    expect(driver.persistent).toBe(false);
    await driver.remove(spec.instanceId);
    expect(await driver.list()).toEqual([]);
  });
});
