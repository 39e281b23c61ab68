// The qemu driver: one qemu-system-x86_64 process per instance (KVM when /dev/kvm is usable, TCG
// otherwise), booting the instance's image through a qcow2 overlay, configured by a NoCloud
// volume, with its serial console as the instance's log and its SSH forwarded to a host port.
// Stopping presses the ACPI power button (QMP `system_powerdown`); the shared lifecycle kills
// the VM after the grace period. Operators map GPU SKUs to PCI devices passed through with VFIO.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeNoCloudVolume } from '../cloud-init/nocloud.js';
import type { LaunchSpec } from '../driver.js';
import { type GuestResources, guestResourcesDefault, guestSize } from '../guest-size.js';
import { type ForwardedPorts, type GuestBackend, HostDriver, type HostDriverOptions, type LaunchResult, type RunFiles } from '../host-driver.js';
import { kvmCpuModel, kvmUsable, PrerequisiteError, requireCommands, requireKvm } from '../prerequisites.js';
import { checkImageFormat, checkImageSha256, createOverlay } from './disk-image.js';
import { type QemuMachine, qemuArguments } from './qemu-command.js';
import { type QmpEvent, QmpClient } from './qmp.js';

const run = promisify(execFile);

export interface QemuOptions {
  /** `kvm` demands /dev/kvm (a clear error at start without it); `auto` uses it when usable. */
  readonly accelerator: 'auto' | 'kvm' | 'tcg';
  readonly resources: GuestResources;
  readonly network: 'user' | 'restricted';
  /** Per instance SKU (id or alias): the PCI devices each of its VMs is given with VFIO. */
  readonly pciPassthrough: Readonly<Record<string, readonly string[]>>;
}

export const qemuDefaults: QemuOptions = { accelerator: 'auto', resources: guestResourcesDefault, network: 'user', pciPassthrough: {} };

/** What QMP's SHUTDOWN event says, as the reason a VM ended unasked. */
const shutdownReasons: Readonly<Record<string, string>> = {
  'guest-shutdown': 'the guest powered itself off',
  'guest-panic': 'the guest kernel panicked',
  'host-signal': 'the QEMU process was stopped by a signal',
  'host-qmp-quit': 'QEMU was told to quit',
  'kvm-internal-error': 'KVM could not run the guest (QEMU stopped it with an internal error; under nested virtualisation, set the qemu accelerator to "tcg")',
};

interface Tools {
  readonly qemu: string;
  readonly qemuImg: string;
  readonly mkfsVfat: string;
  readonly mcopy: string;
  /** The `-cpu` model under KVM, or null when this driver runs its VMs under TCG. */
  readonly kvmCpuModel: string | null;
}

export class QemuBackend implements GuestBackend {
  readonly kind = 'qemu';
  private tools: Tools | null = null;
  /** The open QMP connection of each running VM, and the last SHUTDOWN reason it heard. */
  private readonly watchers = new Map<string, { client: QmpClient | null; shutdownReason: string | null }>();

  constructor(private readonly options: QemuOptions) {}

  checkPrerequisites(): Tools {
    const [qemu, qemuImg, mkfsVfat, mcopy] = requireCommands('the qemu driver', [
      { command: 'qemu-system-x86_64', debianPackage: 'qemu-system-x86' },
      { command: 'qemu-img', debianPackage: 'qemu-utils' },
      { command: 'mkfs.vfat', debianPackage: 'dosfstools' },
      { command: 'mcopy', debianPackage: 'mtools' },
    ]);
    const needsKvm = this.options.accelerator === 'kvm' || Object.keys(this.options.pciPassthrough).length > 0;
    const purpose = this.options.accelerator === 'kvm' ? 'the qemu driver (accelerator "kvm")' : 'PCI passthrough';
    if (needsKvm) requireKvm(purpose);
    let cpuModel: string | null = null;
    if (this.options.accelerator !== 'tcg' && kvmUsable()) {
      // /dev/kvm can be open and KVM still refuse every CPU model (nested virtualisation): `auto`
      // then runs under TCG, as it would without /dev/kvm; a demand for KVM says why it cannot.
      const probe = kvmCpuModel(qemu!);
      if ('model' in probe) cpuModel = probe.model;
      else if (needsKvm) throw new PrerequisiteError(`${purpose} demands KVM, but QEMU cannot start a VM under KVM here: ${probe.failure}`);
    }
    this.tools = { qemu: qemu!, qemuImg: qemuImg!, mkfsVfat: mkfsVfat!, mcopy: mcopy!, kvmCpuModel: cpuModel };
    return this.tools;
  }

  async launch(spec: LaunchSpec, files: RunFiles, ports: ForwardedPorts): Promise<LaunchResult> {
    const tools = this.tools ?? this.checkPrerequisites();
    if (spec.image === null) return { failure: 'the qemu driver boots an image, and the instance has none' };
    const hashFailure = await checkImageSha256(spec.image.path, spec.image.sha256);
    if (hashFailure !== null) return { failure: hashFailure };
    const format = await checkImageFormat(tools.qemuImg, spec.image.path);
    if (typeof format !== 'string') return format;
    const paths = this.paths(files);
    if (!existsSync(paths.overlay)) await createOverlay(tools.qemuImg, spec.image.path, format, paths.overlay);
    await writeNoCloudVolume(paths.cidata, { instanceId: spec.instanceId, hostname: spec.hostname, publicKeys: spec.sshAuthorizedKeys, userData: spec.userData }, tools);
    const args = qemuArguments(qemuMachineOf(spec, files, ports, this.options, tools.kvmCpuModel));
    rmSync(paths.pid, { force: true });
    try {
      // With -daemonize, QEMU answers once the VM is set up: an error (a port taken, a device
      // missing) is its exit status and message, before anything runs.
      await run(tools.qemu, args, { cwd: files.directory });
    } catch (error) {
      const message = ((error as { stderr?: string }).stderr ?? String(error)).trim();
      return { failure: `QEMU did not start: ${message}`, portTaken: /host forwarding rule|Address already in use/i.test(message) };
    }
    const pid = Number(readFileSync(paths.pid, 'utf8').trim());
    await this.watch(files);
    return { pids: [pid] };
  }

  async powerOff(files: RunFiles): Promise<void> {
    try {
      const client = await QmpClient.connect(this.paths(files).control);
      await client.execute('system_powerdown').finally(() => client.close());
    } catch {
      // QEMU has gone already, or does not answer: the grace period ends in a kill either way.
    }
  }

  async adopted(files: RunFiles): Promise<void> {
    if (!this.watchers.has(files.directory)) await this.watch(files);
  }

  endReason(files: RunFiles): string | null {
    const reason = this.watchers.get(files.directory)?.shutdownReason ?? null;
    return reason === null ? null : `${shutdownReasons[reason] ?? `QEMU shut down (${reason})`}; it was not asked to stop`;
  }

  async ended(files: RunFiles): Promise<void> {
    this.watchers.get(files.directory)?.client?.close();
    this.watchers.delete(files.directory);
    rmSync(this.paths(files).qmp, { force: true });
    rmSync(this.paths(files).control, { force: true });
  }

  /** Listens on the VM's QMP socket for the SHUTDOWN event that tells why it ends. */
  private async watch(files: RunFiles): Promise<void> {
    const watcher: { client: QmpClient | null; shutdownReason: string | null } = { client: null, shutdownReason: null };
    this.watchers.set(files.directory, watcher);
    const onEvent = (event: QmpEvent) => {
      if (event.event === 'SHUTDOWN' && typeof event.data?.reason === 'string') watcher.shutdownReason ??= event.data.reason;
      // A KVM internal error (an instruction nested KVM cannot emulate) pauses the VM for good,
      // with the process alive: end it now, saying why, rather than wait out the boot timeout.
      if (event.event === 'STOP' && watcher.client !== null) void this.quitIfKvmFailed(watcher);
    };
    try {
      watcher.client = await QmpClient.connect(this.paths(files).qmp, onEvent);
    } catch {
      // Without QMP the lifecycle still sees the process end; it only knows less of why.
    }
  }

  private async quitIfKvmFailed(watcher: { client: QmpClient | null; shutdownReason: string | null }): Promise<void> {
    try {
      const status = (await watcher.client!.execute('query-status')) as { status?: string };
      if (status.status !== 'internal-error') return;
      watcher.shutdownReason = 'kvm-internal-error';
      await watcher.client!.execute('quit');
    } catch {
      // QEMU went meanwhile: its end is seen all the same.
    }
  }

  private paths(files: RunFiles) {
    return qemuPaths(files);
  }
}

function qemuPaths(files: RunFiles) {
  return {
    overlay: join(files.directory, 'disk.qcow2'),
    cidata: join(files.directory, 'cidata.img'),
    qmp: join(files.directory, 'qmp.sock'),
    control: join(files.directory, 'qmp-control.sock'),
    pid: join(files.directory, 'qemu.pid'),
  };
}

/**
 * The VM an instance is given on this host: its SKU's size scaled by the operator's resources,
 * the PCI devices the operator maps its SKU to (VFIO, under KVM), and its files and ports.
 * `kvmCpuModel` is the model KVM starts here, or null to run under TCG.
 */
export function qemuMachineOf(spec: LaunchSpec, files: RunFiles, ports: ForwardedPorts, options: QemuOptions, kvmCpuModel: string | null): QemuMachine {
  const paths = qemuPaths(files);
  return {
    instanceId: spec.instanceId,
    accelerator: kvmCpuModel === null ? 'tcg' : 'kvm',
    cpuModel: kvmCpuModel ?? 'max',
    ...guestSize(spec, options.resources),
    overlayPath: paths.overlay,
    cidataPath: paths.cidata,
    consolePath: files.consoleLog,
    qmpSocketPath: paths.qmp,
    controlSocketPath: paths.control,
    pidFilePath: paths.pid,
    forwardAddress: ports.address,
    sshPort: ports.ssh,
    httpsPort: ports.https,
    network: options.network,
    pciDevices: [...(options.pciPassthrough[spec.instanceSku] ?? [])],
  };
}

export function createQemuDriver(host: HostDriverOptions, options: QemuOptions = qemuDefaults): HostDriver {
  return new HostDriver(new QemuBackend(options), host);
}
