// The sandbox driver with real sandboxes: bubblewrap on this host runs the user data, dropbear
// answers the real OpenSSH client (with the host key the driver reports) on a port slirp4netns
// forwards, writes land in the sandbox's own overlay and never on the host, stopping ends every
// process of it, and a sandbox killed by hand is reported failed.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverEvent } from '../../src/providers/driver.js';
import type { HostDriver } from '../../src/providers/host-driver.js';
import { processAlive, processesWithMarker } from '../../src/providers/host-processes.js';
import { createSandboxDriver } from '../../src/providers/sandbox/sandbox-driver.js';
import { consoleText, type KeyPair, launchSpec, providerInstance, readFromPort, ssh, sshKeyPair, until, untilConsole } from './guest-support.js';

describe('sandbox driver', { timeout: 120_000 }, () => {
  let key: KeyPair;
  let stateDirectory: string;
  let driver: HostDriver;
  const events: DriverEvent[] = [];
  const hostOptions = () => ({ stateDirectory, advertisedHost: '127.0.0.1', bootConcurrency: 4, bootTimeoutSeconds: 60, stopGraceSeconds: 10 });

  beforeAll(async () => {
    key = await sshKeyPair();
    stateDirectory = mkdtempSync(join(tmpdir(), 'allot-sandbox-test-'));
    driver = createSandboxDriver(hostOptions());
    driver.checkPrerequisites();
    driver.subscribe((event) => events.push(event));
  });

  afterAll(async () => {
    for (const status of (await driver?.list()) ?? []) await driver.remove(status.instanceId);
    await driver?.close();
    if (stateDirectory !== undefined) rmSync(stateDirectory, { recursive: true, force: true });
  });

  it('runs #cloud-config, answers ssh with the reported host key, keeps its writes to itself, survives a new driver, and ends when stopped', async () => {
    const hostFile = `/etc/allot-sandbox-test-${process.pid}`;
    const userData = [
      '#cloud-config',
      'write_files:',
      `  - path: ${hostFile}`,
      '    content: written in the sandbox',
      'ssh_authorized_keys:',
      `  - ${key.publicKey}`,
      'runcmd:',
      '  - echo "SANDBOX-MARKER from $(hostname)"',
      '  - [ sh, -c, "echo runcmd list > /root/list.txt" ]',
      '',
    ].join('\n');
    const spec = launchSpec({ userData: Buffer.from(userData), sshAuthorizedKeys: [], forward443: true });
    await driver.start(spec);
    const running = await until(driver, spec.instanceId, (status) => status.state !== 'starting', 60_000);
    expect(running).toMatchObject({ state: 'running', failure: null });
    expect(events.some((event) => event.type === 'ready' && event.status.instanceId === spec.instanceId)).toBe(true);
    await untilConsole(driver, spec.instanceId, `SANDBOX-MARKER from ${spec.hostname}`, 30_000);

    const answer = await ssh('127.0.0.1', running.sshPort!, key, `uname -r; hostname; cat ${hostFile}; echo; cat /root/list.txt; echo $$`);
    expect(answer.split('\n').slice(0, 4)).toEqual([release(), spec.hostname, 'written in the sandbox', 'runcmd list']);
    // Its own PID namespace: the shell's pid is small, and the host's processes are not visible.
    expect(Number(answer.split('\n')[4])).toBeLessThan(1000);
    expect(existsSync(hostFile)).toBe(false);

    const info = driver.sshInfo(providerInstance(spec.instanceId));
    const knownHosts = join(stateDirectory, 'known_hosts');
    writeFileSync(knownHosts, info!.hostKeys.map((hostKey) => `[127.0.0.1]:${running.sshPort} ${hostKey.keyType} ${hostKey.key}\n`).join(''));
    expect(await ssh('127.0.0.1', running.sshPort!, key, 'echo verified', knownHosts)).toBe('verified\n');

    // Port 443 reaches the sandbox too.
    await ssh('127.0.0.1', running.sshPort!, key, 'nohup sh -c "echo https-answer | timeout 20 nc -l -p 443 || echo https-answer | timeout 20 busybox nc -l -p 443" > /dev/null 2>&1 &');
    expect(await readFromPort(running.httpsPort!)).toContain('https-answer');

    const restarted = createSandboxDriver(hostOptions());
    expect((await restarted.list()).find((status) => status.instanceId === spec.instanceId)).toMatchObject({ state: 'running' });
    const marker = `${join(stateDirectory, spec.instanceId)}/`;
    expect(processesWithMarker(marker).length).toBeGreaterThanOrEqual(2);
    const stopped = await restarted.stop(spec.instanceId);
    expect(stopped).toMatchObject({ state: 'stopped', failure: null });
    expect(processesWithMarker(marker)).toEqual([]);
    expect(consoleText(restarted, spec.instanceId)).toContain('allot-sandbox: powering off');
    await restarted.close();

    await driver.remove(spec.instanceId);
    expect(existsSync(join(stateDirectory, spec.instanceId))).toBe(false);
  });

  it('runs a #! script with the account key, and reports a sandbox killed by hand as failed', async () => {
    const spec = launchSpec({ userData: Buffer.from('#!/bin/sh\necho "SCRIPT-MARKER $(hostname)"\n'), sshAuthorizedKeys: [key.publicKey] });
    await driver.start(spec);
    const running = await until(driver, spec.instanceId, (status) => status.state === 'running', 60_000);
    await untilConsole(driver, spec.instanceId, `SCRIPT-MARKER ${spec.hostname}`, 30_000);
    expect(await ssh('127.0.0.1', running.sshPort!, key, 'hostname')).toBe(`${spec.hostname}\n`);

    const marker = `${join(stateDirectory, spec.instanceId)}/`;
    const [sandboxPid] = processesWithMarker(marker).sort((a, b) => a - b);
    process.kill(sandboxPid!, 'SIGKILL');
    const failed = await until(driver, spec.instanceId, (status) => status.state !== 'running', 30_000);
    expect(failed.state).toBe('failed');
    expect(consoleText(driver, spec.instanceId)).toContain(`allot: ${failed.failure}`);
    expect(processAlive(sandboxPid!, marker)).toBe(false);
    expect(processesWithMarker(marker)).toEqual([]);
  });
});
