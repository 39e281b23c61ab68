// The sandbox driver when bubblewrap's own setup fails: a `bwrap` placed first on the PATH fails
// as bubblewrap does on a loaded host (it tells the child's pid, then the loopback's netlink
// request fails with a stale errno) for the first launches, then runs the real one. A transient
// failure is launched again and the guest runs; a failure that is not transient fails the guest
// at its first launch.

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { guestLaunchAttemptsMax } from '../../src/domain/kernel/limits.js';
import type { HostDriver } from '../../src/providers/host-driver.js';
import { findCommand } from '../../src/providers/prerequisites.js';
import { createSandboxDriver } from '../../src/providers/sandbox/sandbox-driver.js';
import { consoleText, launchSpec, until } from './guest-support.js';

/** A `bwrap` that fails `failures` times with `message` (after telling its own pid, as bubblewrap tells the child's), then is the real one. */
function failingBwrap(folder: string, failures: number, message: string): { launches: () => number } {
  const real = findCommand('bwrap')!;
  const count = join(folder, 'launches');
  writeFileSync(count, '0\n');
  writeFileSync(
    join(folder, 'bwrap'),
    [
      '#!/bin/sh',
      `n=$(( $(cat '${count}') + 1 )); echo $n > '${count}'`,
      `if [ $n -le ${failures} ]; then`,
      '  printf \'{\\n    "child-pid": %d\\n}\\n\' $$ >&3',
      '  exec 3>&-',
      `  echo '${message}' >&2`,
      '  exit 1',
      'fi',
      `exec '${real}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(folder, 'bwrap'), 0o755);
  return { launches: () => Number(readFileSync(count, 'utf8').trim()) };
}

describe('sandbox driver when bubblewrap fails setting up', { timeout: 120_000 }, () => {
  const folders: string[] = [];
  const drivers: HostDriver[] = [];
  const path = process.env.PATH;

  afterEach(async () => {
    for (const driver of drivers.splice(0)) {
      for (const status of await driver.list()) await driver.remove(status.instanceId);
      await driver.close();
    }
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  function driverWithBwrap(failures: number, message: string) {
    const folder = mkdtempSync(join(tmpdir(), 'allot-sandbox-retry-'));
    folders.push(folder);
    const bin = join(folder, 'bin');
    const stateDirectory = join(folder, 'state');
    mkdirSync(bin);
    const bwrap = failingBwrap(bin, failures, message);
    const driver = createSandboxDriver({ stateDirectory, advertisedHost: '127.0.0.1', bootConcurrency: 2, bootTimeoutSeconds: 60, stopGraceSeconds: 5 });
    process.env.PATH = `${bin}${delimiter}${path}`;
    try {
      driver.checkPrerequisites();
    } finally {
      process.env.PATH = path;
    }
    drivers.push(driver);
    return { driver, bwrap };
  }

  it('launches again after the transient loopback failure, and the guest runs', async () => {
    const { driver, bwrap } = driverWithBwrap(guestLaunchAttemptsMax - 1, 'bwrap: loopback: Failed RTM_NEWADDR: No child processes');
    const spec = launchSpec({ sshAuthorizedKeys: [] });
    await driver.start(spec);
    expect(await until(driver, spec.instanceId, (status) => status.state !== 'starting', 90_000)).toMatchObject({ state: 'running', failure: null });
    expect(bwrap.launches()).toBe(guestLaunchAttemptsMax);
    expect(consoleText(driver, spec.instanceId)).toContain('allot: bubblewrap failed setting up the sandbox (bwrap: loopback: Failed RTM_NEWADDR: No child processes); launching again');
  });

  it('fails the guest at its first launch when bubblewrap fails for good', async () => {
    const { driver, bwrap } = driverWithBwrap(guestLaunchAttemptsMax, 'bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted');
    const spec = launchSpec({ sshAuthorizedKeys: [] });
    await driver.start(spec);
    expect(await until(driver, spec.instanceId, (status) => status.state !== 'starting', 90_000)).toMatchObject({ state: 'failed', failure: 'bubblewrap did not start the sandbox (its console log says why)' });
    expect(bwrap.launches()).toBe(1);
    expect(consoleText(driver, spec.instanceId)).toContain('bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted');
  });
});
