// The command that starts one sandbox, built from plain values so that tests can read it.
// `unshare` gives the sandbox a mount namespace of its own, where the host's /usr, /etc, /var
// (and /opt) are mounted as overlays whose writes land in the instance's directory — the sandbox
// may install packages or edit /etc without touching the host, and the mounts vanish with it.
// Then bubblewrap builds its root: those overlays, private /root, /home, /tmp, /srv and /mnt, a
// fresh /proc and /dev, its own PID, network, UTS and IPC namespaces, and the boot script.

import { join } from 'node:path';

export interface SandboxLayout {
  /** The instance's directory; everything below is the sandbox's. */
  readonly directory: string;
  readonly hostname: string;
  /** The host's top-level folders seen through overlays (those that exist). */
  readonly overlaid: readonly string[];
  /** The host's top-level symbolic links (/bin → usr/bin on a merged-/usr system), recreated. */
  readonly links: readonly { readonly path: string; readonly target: string }[];
}

/** Folders the sandbox has of its own, empty at first. */
export const privateFolders = ['root', 'home', 'tmp', 'srv', 'mnt'] as const;

export function sandboxPaths(directory: string) {
  return {
    boot: join(directory, 'boot'),
    upper: (folder: string) => join(directory, 'layers', 'upper', folder),
    work: (folder: string) => join(directory, 'layers', 'work', folder),
    merged: (folder: string) => join(directory, 'layers', 'merged', folder),
    private: (folder: string) => join(directory, 'private', folder),
    slirpSocket: join(directory, 'slirp.sock'),
    info: join(directory, 'sandbox.json'),
  };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** `unshare` and its arguments; the sandbox writes what bubblewrap learns of it (the child's pid) to fd 3. */
export function sandboxArguments(layout: SandboxLayout, tools: { readonly bwrap: string }): string[] {
  const paths = sandboxPaths(layout.directory);
  const mounts = layout.overlaid.map(
    (folder) => `mount -t overlay overlay -o ${shellQuote(`lowerdir=/${folder},upperdir=${paths.upper(folder)},workdir=${paths.work(folder)}`)} ${shellQuote(paths.merged(folder))}`,
  );
  const bwrap = [
    tools.bwrap,
    '--die-with-parent',
    '--info-fd', '3',
    '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-ipc', '--unshare-cgroup-try',
    '--hostname', layout.hostname,
    ...layout.overlaid.flatMap((folder) => ['--bind', paths.merged(folder), `/${folder}`]),
    ...layout.links.flatMap((link) => ['--symlink', link.target, link.path]),
    ...privateFolders.flatMap((folder) => ['--bind', paths.private(folder), `/${folder}`]),
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/run',
    '--ro-bind', paths.boot, '/run/allot',
    '--chdir', '/root',
    '--clearenv',
    '--setenv', 'PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    '--setenv', 'HOME', '/root',
    '--setenv', 'USER', 'root',
    '--setenv', 'LANG', 'C.UTF-8',
    '--',
    '/bin/sh', '/run/allot/boot.sh',
  ];
  // `--kill-child`: unshare forks and waits, so bubblewrap's parent is unshare, not allot, and
  // the sandbox outlives an allot process that dies (`--die-with-parent` would otherwise end it
  // with allot); killing unshare ends bubblewrap, and with it every process in the sandbox.
  return ['--kill-child=SIGKILL', '--mount', '--propagation', 'private', 'sh', '-ec', [...mounts, `exec ${bwrap.map(shellQuote).join(' ')}`].join('\n')];
}
