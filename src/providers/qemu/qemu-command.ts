// The qemu-system-x86_64 command line for one instance, built from plain values so that tests
// can read it (GPU passthrough included, which this machine cannot run). The VM boots its disk
// from firmware like any cloud image, writes to a copy-on-write overlay, reads cloud-init's
// NoCloud volume, prints its serial console to a file, and reaches the world through QEMU's
// user-mode network with the guest's SSH (and HTTPS) forwarded to host ports on 127.0.0.1.

export interface QemuMachine {
  /** Names the process; its directory is in the command line too, which is how allot recognises it. */
  readonly instanceId: string;
  readonly accelerator: 'kvm' | 'tcg';
  /** QEMU's `-cpu` model: under KVM the one `kvmCpuModel` found to start here; `max` under TCG. */
  readonly cpuModel: string;
  readonly memoryMiB: number;
  readonly vcpus: number;
  readonly overlayPath: string;
  readonly cidataPath: string;
  readonly consolePath: string;
  /** QMP for the driver's watcher, which hears why the VM ends. */
  readonly qmpSocketPath: string;
  /** QMP for commands (power-off): QEMU serves one client per socket, so the watcher has its own. */
  readonly controlSocketPath: string;
  readonly pidFilePath: string;
  /** The host address the forwarded ports listen on (127.0.0.1 unless an agent's guests are reached from elsewhere). */
  readonly forwardAddress?: string;
  readonly sshPort: number;
  readonly httpsPort: number | null;
  /** `restricted`: the guest reaches nothing but its forwarded ports (QEMU's `restrict=on`). */
  readonly network: 'user' | 'restricted';
  /** PCI addresses (`0000:41:00.0`) passed through with VFIO. */
  readonly pciDevices: readonly string[];
}

const pciAddressPattern = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** QEMU's comma-separated option values escape a comma by doubling it. */
function optionValue(text: string): string {
  return text.replaceAll(',', ',,');
}

export function qemuArguments(machine: QemuMachine): string[] {
  for (const device of machine.pciDevices) if (!pciAddressPattern.test(device)) throw new Error(`not a PCI address: ${device}`);
  const address = machine.forwardAddress ?? '127.0.0.1';
  const forwards = [`hostfwd=tcp:${address}:${machine.sshPort}-:22`];
  if (machine.httpsPort !== null) forwards.push(`hostfwd=tcp:${address}:${machine.httpsPort}-:443`);
  if (machine.network === 'restricted') forwards.push('restrict=on');
  return [
    '-name', `allot-${machine.instanceId},process=allot-${machine.instanceId}`,
    '-machine', `q35,accel=${machine.accelerator}`,
    '-cpu', machine.cpuModel,
    '-m', String(machine.memoryMiB),
    '-smp', String(machine.vcpus),
    '-nodefaults', '-no-user-config', '-display', 'none',
    '-chardev', `file,id=console,path=${optionValue(machine.consolePath)},append=on`,
    '-serial', 'chardev:console',
    '-drive', `file=${optionValue(machine.overlayPath)},format=qcow2,if=virtio,discard=unmap`,
    '-drive', `file=${optionValue(machine.cidataPath)},format=raw,if=virtio,readonly=on`,
    '-netdev', `user,id=net0,${forwards.join(',')}`,
    '-device', 'virtio-net-pci,netdev=net0,romfile=',
    ...machine.pciDevices.flatMap((device) => ['-device', `vfio-pci,host=${device}`]),
    '-qmp', `unix:${optionValue(machine.qmpSocketPath)},server=on,wait=off`,
    '-qmp', `unix:${optionValue(machine.controlSocketPath)},server=on,wait=off`,
    '-pidfile', machine.pidFilePath,
    '-daemonize',
  ];
}
