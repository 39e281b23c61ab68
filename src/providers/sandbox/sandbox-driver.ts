// The sandbox driver, for fast local use: each instance is a bubblewrap sandbox on this host —
// the host's own system seen through copy-on-write overlays, its own process, network, UTS and
// IPC namespaces — that runs the user data and an SSH server (dropbear) accepting the account's
// keys. Its network is slirp4netns (user-mode networking, as QEMU's), which also forwards a host
// port on 127.0.0.1 to the sandbox's port 22 (and 443), so the same `ssh -p PORT` works as for a
// VM. It is isolation for development, not a security boundary against a hostile guest: the
// sandbox's root is the host's root with fewer views. The image is not booted: a sandbox runs the
// host's system.

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { cloudConfigScript, readUserData } from '../cloud-init/user-data.js';
import type { LaunchSpec } from '../driver.js';
import { type ForwardedPorts, type GuestBackend, HostDriver, type HostDriverOptions, type LaunchResult, type RunFiles } from '../host-driver.js';
import { processAlive, signalProcess } from '../host-processes.js';
import { PrerequisiteError, requireCommands } from '../prerequisites.js';
import { sandboxBootScript } from './boot-script.js';
import { transientBwrapFailure } from './bwrap-failure.js';
import { privateFolders, sandboxArguments, sandboxPaths } from './sandbox-command.js';
import { forwardPort } from './slirp.js';

const run = promisify(execFile);
/** The host's folders a sandbox sees through overlays, when the host has them. */
const overlaidFolders = ['usr', 'etc', 'var', 'opt'];
// Generous: a loaded host (CI, shared cores) may take seconds to start bubblewrap and slirp4netns.
const startupTimeoutMillis = 30_000;

interface Tools {
  readonly unshare: string;
  readonly bwrap: string;
  readonly slirp4netns: string;
  readonly dropbearkey: string;
}

/** The OpenSSH public key line and SHA256 fingerprint of a dropbear key, as `dropbearkey -y` prints it. */
function publicKeyOf(dropbearOutput: string): { line: string; fingerprint: string } {
  const line = dropbearOutput.split('\n').find((text) => text.startsWith('ssh-'));
  if (line === undefined) throw new Error(`dropbearkey printed no public key:\n${dropbearOutput}`);
  const [type, key] = line.split(' ');
  const fingerprint = createHash('sha256').update(Buffer.from(key!, 'base64')).digest('base64').replace(/=+$/, '');
  return { line: `${type} ${key}`, fingerprint };
}

function waitForData(stream: Readable, timeoutMillis: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('timed out')), timeoutMillis);
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('}')) {
        clearTimeout(timer);
        resolve(text);
      }
    });
    stream.on('end', () => {
      clearTimeout(timer);
      reject(new Error('ended'));
    });
  });
}

/** Whether bubblewrap's init (`childPid`, pid 1 of the sandbox) has started the boot script. */
function bootScriptStarted(childPid: number): boolean {
  let children: string[];
  try {
    children = readFileSync(`/proc/${childPid}/task/${childPid}/children`, 'utf8').trim().split(/\s+/);
  } catch {
    return false;
  }
  return children.some((pid) => pid !== '' && processAlive(Number(pid), '/run/allot/boot.sh'));
}

/** Why a sandbox did not start, from what this launch printed: a transient failure of
 * bubblewrap's own setup is launched again by the host driver, anything else fails the guest. */
function startFailure(consoleLog: string, printedFrom: number): LaunchResult {
  let printed = '';
  try {
    printed = readFileSync(consoleLog).subarray(printedFrom).toString('utf8');
  } catch {
    // No log: nothing to tell by.
  }
  const transient = transientBwrapFailure(printed);
  if (transient !== null) return { failure: `bubblewrap failed setting up the sandbox (${transient})`, transient: true };
  return { failure: 'bubblewrap did not start the sandbox (its console log says why)' };
}

export class SandboxBackend implements GuestBackend {
  readonly kind = 'sandbox';
  private tools: Tools | null = null;

  checkPrerequisites(): Tools {
    const [unshare, bwrap, slirp4netns, , dropbearkey] = requireCommands('the sandbox driver', [
      { command: 'unshare', debianPackage: 'util-linux' },
      { command: 'bwrap', debianPackage: 'bubblewrap' },
      { command: 'slirp4netns', debianPackage: 'slirp4netns' },
      { command: 'dropbear', debianPackage: 'dropbear-bin' },
      { command: 'dropbearkey', debianPackage: 'dropbear-bin' },
    ]);
    if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay')) throw new PrerequisiteError('the sandbox driver needs the kernel\'s overlay file system (modprobe overlay)');
    if (!existsSync('/dev/net/tun')) throw new PrerequisiteError('the sandbox driver needs /dev/net/tun for slirp4netns (modprobe tun)');
    this.tools = { unshare: unshare!, bwrap: bwrap!, slirp4netns: slirp4netns!, dropbearkey: dropbearkey! };
    return this.tools;
  }

  async launch(spec: LaunchSpec, files: RunFiles, ports: ForwardedPorts): Promise<LaunchResult> {
    const tools = this.tools ?? this.checkPrerequisites();
    const paths = sandboxPaths(files.directory);
    const userData = readUserData(spec.userData);
    const overlaid = overlaidFolders.filter((folder) => existsSync(`/${folder}`) && lstatSync(`/${folder}`).isDirectory());
    for (const folder of overlaid) for (const path of [paths.upper(folder), paths.work(folder), paths.merged(folder)]) mkdirSync(path, { recursive: true });
    for (const folder of privateFolders) mkdirSync(paths.private(folder), { recursive: true, mode: folder === 'root' ? 0o700 : 0o755 });
    chmodSync(paths.private('tmp'), 0o1777);

    // What the boot script reads, at /run/allot in the sandbox.
    rmSync(paths.boot, { recursive: true, force: true });
    mkdirSync(paths.boot, { recursive: true });
    writeFileSync(join(paths.boot, 'boot.sh'), sandboxBootScript);
    writeFileSync(join(paths.boot, 'instance-id'), `${spec.instanceId}\n`);
    await run(tools.dropbearkey, ['-t', 'ed25519', '-f', join(paths.boot, 'host_key')]);
    const hostKey = publicKeyOf((await run(tools.dropbearkey, ['-y', '-f', join(paths.boot, 'host_key')])).stdout);
    writeFileSync(
      join(paths.boot, 'host-keys.txt'),
      [
        '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
        `256 SHA256:${hostKey.fingerprint} root@${spec.hostname} (ED25519)`,
        '-----END SSH HOST KEY FINGERPRINTS-----',
        '-----BEGIN SSH HOST KEY KEYS-----',
        `${hostKey.line} root@${spec.hostname}`,
        '-----END SSH HOST KEY KEYS-----',
        '',
      ].join('\n'),
    );
    if (userData.kind === 'script') writeFileSync(join(paths.boot, 'user-script'), userData.bytes, { mode: 0o755 });
    if (userData.kind === 'cloud-config') writeFileSync(join(paths.boot, 'user-script'), cloudConfigScript(userData.config), { mode: 0o755 });
    if (userData.kind === 'unsupported') writeFileSync(join(paths.boot, 'user-script'), `#!/bin/sh\necho 'allot-sandbox: ${userData.reason.replaceAll("'", '')}; not run'\n`, { mode: 0o755 });
    const sshFolder = join(paths.private('root'), '.ssh');
    mkdirSync(sshFolder, { recursive: true, mode: 0o700 });
    const keys = [...spec.sshAuthorizedKeys];
    writeFileSync(join(sshFolder, 'authorized_keys'), keys.map((key) => `${key}\n`).join(''), { mode: 0o600, flag: 'a' });

    const links = readdirSync('/')
      .filter((name) => lstatSync(`/${name}`).isSymbolicLink())
      .map((name) => ({ path: `/${name}`, target: readlinkSync(`/${name}`) }))
      .filter((link) => !link.target.startsWith('/'));
    const args = sandboxArguments({ directory: files.directory, hostname: spec.hostname, overlaid, links }, tools);
    const log = openSync(files.consoleLog, 'a');
    // What this launch prints begins here (an earlier launch's lines stay above it).
    const printedFrom = fstatSync(log).size;
    // Detached, in a session of its own: the sandbox outlives allot, for the next process to adopt.
    const sandbox = spawn(tools.unshare, args, { detached: true, stdio: ['ignore', log, log, 'pipe'] });
    closeSync(log);
    sandbox.unref();
    let exited = false;
    sandbox.once('exit', () => (exited = true));
    const deadline = Date.now() + startupTimeoutMillis;
    let childPid: number;
    try {
      childPid = (JSON.parse(await waitForData(sandbox.stdio[3] as Readable, startupTimeoutMillis)) as { 'child-pid': number })['child-pid'];
    } catch {
      return startFailure(files.consoleLog, printedFrom);
    } finally {
      (sandbox.stdio[3] as Readable).destroy();
    }
    // bubblewrap tells the child's pid before that child sets the sandbox up (its loopback among
    // the rest), and starts the boot script only once it has: until then the start may still
    // fail by chance, and is not yet the guest's.
    while (!bootScriptStarted(childPid) && !exited && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (!bootScriptStarted(childPid)) {
      signalProcess(sandbox.pid!, `${files.directory}/`, 'SIGKILL');
      return startFailure(files.consoleLog, printedFrom);
    }
    writeFileSync(paths.info, `${JSON.stringify({ childPid })}\n`);

    const slirpLog = openSync(join(files.directory, 'slirp4netns.log'), 'a');
    rmSync(paths.slirpSocket, { force: true });
    const slirp = spawn(tools.slirp4netns, ['--configure', '--mtu=65520', '--disable-host-loopback', '--api-socket', paths.slirpSocket, String(childPid), 'tap0'], { detached: true, stdio: ['ignore', slirpLog, slirpLog] });
    closeSync(slirpLog);
    slirp.unref();
    const pids = [sandbox.pid!, slirp.pid!];
    while (!existsSync(paths.slirpSocket) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const [hostPort, guestPort] of [[ports.ssh, 22], ...(ports.https === null ? [] : [[ports.https, 443]])] as [number, number][]) {
      const refused = await forwardPort(paths.slirpSocket, ports.address, hostPort, guestPort).catch((error: Error) => error.message);
      if (refused !== null) {
        for (const pid of pids) signalProcess(pid, `${files.directory}/`, 'SIGKILL');
        return { failure: `slirp4netns could not forward port ${hostPort}: ${refused}`, portTaken: /in use|bind/i.test(refused) };
      }
    }
    return { pids };
  }

  /** SIGTERM to the boot script (the first child of bubblewrap's init in the sandbox), which ends the sandbox. */
  async powerOff(files: RunFiles): Promise<void> {
    const info = sandboxPaths(files.directory).info;
    if (!existsSync(info)) return;
    const { childPid } = JSON.parse(readFileSync(info, 'utf8')) as { childPid: number };
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${childPid}/task/${childPid}/children`, 'utf8').trim().split(/\s+/).filter((pid) => pid !== '').map(Number);
    } catch {
      return;
    }
    for (const pid of children) if (processAlive(pid, '/run/allot/boot.sh')) process.kill(pid, 'SIGTERM');
  }

  async adopted(): Promise<void> {
    // The lifecycle's own watch (the process and the console) is all a sandbox needs.
  }

  endReason(): string | null {
    return null;
  }

  async ended(files: RunFiles): Promise<void> {
    rmSync(sandboxPaths(files.directory).slirpSocket, { force: true });
  }
}

export function createSandboxDriver(host: HostDriverOptions): HostDriver {
  return new HostDriver(new SandboxBackend(), host);
}
