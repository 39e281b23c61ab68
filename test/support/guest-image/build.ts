// Builds the test guest: a tiny bootable disk image made from Debian packages, for the real-guest
// tests and benches. The disk is raw, with an MBR, one FAT partition and the SYSLINUX boot loader
// (so QEMU boots it from its firmware like any cloud image), holding the kernel of
// linux-image-amd64 (downloaded and unpacked, never installed) and an initramfs of busybox-static,
// dropbear and its libraries, the kernel modules for virtio disks and network, and the scripts in
// guest/ that act as cloud-init on a NoCloud volume. The built image is cached under
// ~/.cache/allot/guest-image, keyed by the package versions and the scripts, so a test run
// rebuilds it only when one of them changes.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { requireCommands } from '../../../src/providers/prerequisites.js';

const run = promisify(execFile);
const guestFiles = fileURLToPath(new URL('./guest/', import.meta.url));
/** Bumped when the way the image is put together changes, so cached images are rebuilt. */
const layoutVersion = 1;
/** Kernel modules the guest loads at boot (their dependencies come along). */
const guestModules = ['virtio_pci', 'virtio_blk', 'virtio_net', 'vfat', 'nls_cp437', 'nls_ascii', 'nls_utf8', 'button', 'evdev'];
const diskMiB = 48;
/** The partition starts at 1 MiB, as partitioning tools align it. */
const partitionStartSectors = 2048;

export interface GuestImage {
  /** The raw disk image. */
  readonly path: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** What `uname -r` answers in the guest. */
  readonly kernelRelease: string;
  readonly packages: Readonly<Record<string, string>>;
}

const buildEnvironment = { ...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.env.PATH ?? ''}`, LC_ALL: 'C' };

async function output(command: string, args: readonly string[], cwd?: string): Promise<string> {
  const { stdout } = await run(command, args, { cwd, env: buildEnvironment, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function shell(script: string, cwd: string): Promise<void> {
  await run('sh', ['-ec', script], { cwd, env: buildEnvironment, maxBuffer: 64 * 1024 * 1024 });
}

async function installedVersion(debianPackage: string): Promise<string> {
  try {
    return (await output('dpkg-query', ['-W', '-f', '${Version}', debianPackage])).trim();
  } catch {
    throw new Error(`building the test guest needs the Debian package ${debianPackage}: apt-get install ${debianPackage}`);
  }
}

/** The kernel package linux-image-amd64 points at, and its version. */
async function kernelPackage(): Promise<{ name: string; version: string }> {
  const dependency = async () => /Depends: (linux-image-\d\S*-amd64)\b/.exec(await output('apt-cache', ['depends', 'linux-image-amd64']).catch(() => ''))?.[1];
  // A machine whose package lists were never fetched knows no kernel until `apt-get update`.
  const name = (await dependency()) ?? (await output('apt-get', ['update']).then(dependency));
  if (name === undefined) throw new Error('apt-cache knows no kernel behind linux-image-amd64, even after apt-get update');
  const policy = await output('apt-cache', ['policy', name]);
  const version = /Candidate: (\S+)/.exec(policy)?.[1];
  if (version === undefined || version === '(none)') throw new Error(`apt-cache has no candidate for ${name} (run apt-get update)`);
  return { name, version };
}

function cacheRoot(): string {
  return process.env.ALLOT_GUEST_IMAGE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'allot', 'guest-image');
}

/** Everything the image is made of, so that a change to any of it gives a new cache key. */
function cacheKey(packages: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256').update(JSON.stringify({ layoutVersion, packages, guestModules, diskMiB }));
  for (const name of readdirSync(guestFiles).sort()) hash.update(name).update(readFileSync(join(guestFiles, name)));
  return hash.digest('hex').slice(0, 24);
}

/** Downloads the kernel package (once more after `apt-get update` when the mirror has moved on). */
async function downloadKernel(name: string, into: string): Promise<string> {
  try {
    await output('apt-get', ['download', name], into);
  } catch {
    await output('apt-get', ['update']);
    await output('apt-get', ['download', name], into);
  }
  const deb = readdirSync(into).find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
  if (deb === undefined) throw new Error(`apt-get download ${name} left no .deb in ${into}`);
  return join(into, deb);
}

/** The modules to load and their dependencies, from modules.dep, as paths below the release folder. */
function moduleClosure(modulesDep: string, wanted: readonly string[]): string[] {
  const dependencies = new Map<string, string[]>();
  for (const line of modulesDep.split('\n')) {
    const [path, rest] = line.split(':');
    if (path === undefined || rest === undefined) continue;
    dependencies.set(path.trim(), rest.trim().split(/\s+/).filter((dependency) => dependency !== ''));
  }
  const byName = new Map([...dependencies.keys()].map((path) => [path.split('/').pop()!.replace(/\.ko(\.\w+)?$/, ''), path]));
  const closure = new Set<string>();
  const visit = (path: string) => {
    if (closure.has(path)) return;
    closure.add(path);
    for (const dependency of dependencies.get(path) ?? []) visit(dependency);
  };
  for (const name of wanted) {
    const path = byName.get(name);
    if (path === undefined) throw new Error(`the kernel has no module ${name}`);
    visit(path);
  }
  return [...closure];
}

/** The libraries a dynamically linked binary loads, from ldd. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const listing = await output('ldd', [binary]);
  return [...listing.matchAll(/(?:=> )?(\/\S+) \(0x/g)].map((match) => match[1]!);
}

function copyInto(root: string, path: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  copyFileSync(path, join(root, path));
}

async function buildRoot(root: string, kernelTree: string, release: string): Promise<void> {
  for (const folder of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc/init.d', 'etc/acpi/PWRF', 'etc/dropbear', 'proc', 'sys', 'dev', 'tmp', 'run', 'root', 'var/log', 'usr/share/allot-guest']) {
    mkdirSync(join(root, folder), { recursive: true });
  }
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  for (const applet of (await output('/bin/busybox', ['--list-full'])).split('\n')) {
    if (applet === '' || existsSync(join(root, applet))) continue;
    mkdirSync(dirname(join(root, applet)), { recursive: true });
    symlinkSync('/bin/busybox', join(root, applet));
  }
  symlinkSync('bin/busybox', join(root, 'init'));
  for (const binary of ['/usr/sbin/dropbear', '/usr/bin/dropbearkey']) {
    copyInto(root, binary);
    for (const library of await sharedLibraries(binary)) if (!existsSync(join(root, library))) copyInto(root, library);
  }
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\n');
  writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o600 });
  writeFileSync(join(root, 'etc/hostname'), 'allot-guest\n');
  copyFileSync(join(guestFiles, 'inittab'), join(root, 'etc/inittab'));
  copyFileSync(join(guestFiles, 'boot'), join(root, 'etc/init.d/boot'));
  copyFileSync(join(guestFiles, 'shutdown'), join(root, 'etc/init.d/shutdown'));
  // busybox acpid runs /etc/acpi/PWRF/00000080 for the power button.
  copyFileSync(join(guestFiles, 'power-button'), join(root, 'etc/acpi/PWRF/00000080'));
  copyFileSync(join(guestFiles, 'cloud-config.awk'), join(root, 'usr/share/allot-guest/cloud-config.awk'));
  const modulesFolder = join(kernelTree, 'lib/modules', release);
  await output('/bin/busybox', ['depmod', '-b', kernelTree, release]);
  for (const module of moduleClosure(readFileSync(join(modulesFolder, 'modules.dep'), 'utf8'), guestModules)) {
    const target = join(root, 'lib/modules', release, module);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(modulesFolder, module), target);
  }
  for (const file of ['modules.builtin', 'modules.order']) copyFileSync(join(modulesFolder, file), join(root, 'lib/modules', release, file));
  await output('/bin/busybox', ['depmod', '-b', root, release]);
  writeFileSync(join(root, 'etc/modules'), `${guestModules.join('\n')}\n`);
  await shell('chmod 755 etc/init.d/boot etc/init.d/shutdown etc/acpi/PWRF/00000080 && chmod 700 root', root);
}

/** A raw disk: MBR with SYSLINUX's boot code, one bootable FAT partition with the kernel, initramfs and SYSLINUX. */
async function buildDisk(work: string, kernel: string, initramfs: string): Promise<string> {
  const disk = join(work, 'disk.raw');
  const partitionSectors = diskMiB * 2048 - partitionStartSectors;
  const offsetBytes = partitionStartSectors * 512;
  writeFileSync(join(work, 'syslinux.cfg'), ['DEFAULT linux', 'PROMPT 0', 'TIMEOUT 0', 'LABEL linux', '  KERNEL /vmlinuz', '  INITRD /initrd.img', '  APPEND console=ttyS0 quiet panic=10', ''].join('\n'));
  copyFileSync(kernel, join(work, 'vmlinuz'));
  copyFileSync(initramfs, join(work, 'initrd.img'));
  await shell(
    [
      `truncate -s ${diskMiB}M disk.raw`,
      `printf 'label: dos\\nstart=${partitionStartSectors}, type=c, bootable\\n' | sfdisk --quiet disk.raw`,
      'dd if=/usr/lib/syslinux/mbr/mbr.bin of=disk.raw bs=440 count=1 conv=notrunc status=none',
      `mkfs.vfat -n ALLOTBOOT --offset ${partitionStartSectors} disk.raw ${partitionSectors / 2} > /dev/null`,
      `mcopy -i disk.raw@@${offsetBytes} vmlinuz initrd.img syslinux.cfg ::`,
      `syslinux --offset ${offsetBytes} --install disk.raw`,
    ].join('\n'),
    work,
  );
  return disk;
}

async function sha256Of(path: string): Promise<string> {
  return (await output('sha256sum', [path])).split(' ')[0]!;
}

let building: Promise<GuestImage> | undefined;

/** The test guest image, built if the cache does not have this version of it. */
export function guestImage(): Promise<GuestImage> {
  building ??= buildGuestImage();
  return building;
}

async function buildGuestImage(): Promise<GuestImage> {
  requireCommands('building the test guest', [
    { command: 'busybox', debianPackage: 'busybox-static' },
    { command: 'dropbear', debianPackage: 'dropbear-bin' },
    { command: 'syslinux', debianPackage: 'syslinux' },
    { command: 'mcopy', debianPackage: 'mtools' },
    { command: 'mkfs.vfat', debianPackage: 'dosfstools' },
    { command: 'sfdisk', debianPackage: 'fdisk' },
    { command: 'dpkg-deb', debianPackage: 'dpkg' },
  ]);
  if (!existsSync('/usr/lib/syslinux/mbr/mbr.bin')) throw new Error('building the test guest needs the Debian package syslinux-common (/usr/lib/syslinux/mbr/mbr.bin)');
  const kernel = await kernelPackage();
  const packages: Record<string, string> = { [kernel.name]: kernel.version };
  for (const name of ['busybox-static', 'dropbear-bin', 'syslinux', 'syslinux-common']) packages[name] = await installedVersion(name);
  const folder = join(cacheRoot(), cacheKey(packages));
  const manifestPath = join(folder, 'manifest.json');
  if (existsSync(manifestPath)) return JSON.parse(readFileSync(manifestPath, 'utf8')) as GuestImage;

  mkdirSync(cacheRoot(), { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'allot-guest-image-'));
  try {
    const deb = await downloadKernel(kernel.name, work);
    const kernelTree = join(work, 'kernel');
    await output('dpkg-deb', ['-x', deb, kernelTree]);
    const release = readdirSync(join(kernelTree, 'lib/modules'))[0]!;
    const root = join(work, 'root');
    await buildRoot(root, kernelTree, release);
    await shell('find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -n -6 > ../initrd.gz', root);
    const disk = await buildDisk(work, join(kernelTree, 'boot', `vmlinuz-${release}`), join(work, 'initrd.gz'));
    // Built beside the cache and renamed into place, so a half-built image is never found.
    const staging = mkdtempSync(join(cacheRoot(), 'building-'));
    const image: GuestImage = { path: join(folder, 'disk.raw'), sha256: await sha256Of(disk), sizeBytes: statSync(disk).size, kernelRelease: release, packages };
    renameSync(disk, join(staging, 'disk.raw'));
    writeFileSync(join(staging, 'manifest.json'), `${JSON.stringify(image, null, 2)}\n`);
    try {
      renameSync(staging, folder);
    } catch (error) {
      // Another process built the same image meanwhile: theirs is as good.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(manifestPath)) throw error;
    }
    return image;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
