// The QEMU command line and the guest's size, as plain values: what a VM is given on this host,
// and what a GPU host's VM would be given (VFIO passthrough cannot run on a machine without
// the devices, so its command line is what is tested).

import { describe, expect, it } from 'vitest';
import { guestSize } from '../../src/providers/guest-size.js';
import { readDriverConfig } from '../../src/providers/driver-config.js';
import { type QemuMachine, qemuArguments } from '../../src/providers/qemu/qemu-command.js';
import { qemuMachineOf } from '../../src/providers/qemu/qemu-driver.js';
import { launchSpec } from './guest-support.js';

const machine: QemuMachine = {
  instanceId: 'inst_abc',
  accelerator: 'tcg',
  cpuModel: 'max',
  memoryMiB: 512,
  vcpus: 2,
  overlayPath: '/var/lib/allot/inst_abc/disk.qcow2',
  cidataPath: '/var/lib/allot/inst_abc/cidata.img',
  consolePath: '/var/lib/allot/inst_abc/console.log',
  qmpSocketPath: '/var/lib/allot/inst_abc/qmp.sock',
  controlSocketPath: '/var/lib/allot/inst_abc/qmp-control.sock',
  pidFilePath: '/var/lib/allot/inst_abc/qemu.pid',
  sshPort: 40022,
  httpsPort: null,
  network: 'user',
  pciDevices: [],
};

function option(args: readonly string[], name: string): string[] {
  return args.flatMap((arg, index) => (arg === name ? [args[index + 1]!] : []));
}

describe('qemu command line', () => {
  it('boots the overlay from firmware under TCG, with the NoCloud volume read-only, the console to a file and SSH forwarded on loopback', () => {
    const args = qemuArguments(machine);
    expect(option(args, '-machine')).toEqual(['q35,accel=tcg']);
    expect(option(args, '-cpu')).toEqual(['max']);
    expect(option(args, '-m')).toEqual(['512']);
    expect(option(args, '-smp')).toEqual(['2']);
    expect(option(args, '-drive')).toEqual(['file=/var/lib/allot/inst_abc/disk.qcow2,format=qcow2,if=virtio,discard=unmap', 'file=/var/lib/allot/inst_abc/cidata.img,format=raw,if=virtio,readonly=on']);
    expect(option(args, '-chardev')).toEqual(['file,id=console,path=/var/lib/allot/inst_abc/console.log,append=on']);
    expect(option(args, '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22']);
    expect(option(args, '-device')).toEqual(['virtio-net-pci,netdev=net0,romfile=']);
    expect(args).toContain('-daemonize');
    expect(args).not.toContain('-kernel');
  });

  it('forwards 443 when asked, and restricts the network when the operator says so', () => {
    expect(option(qemuArguments({ ...machine, httpsPort: 40443, network: 'restricted' }), '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40443-:443,restrict=on']);
  });

  it('passes a GPU SKU\'s PCI devices through with VFIO, under KVM with the host\'s CPU', () => {
    const args = qemuArguments({ ...machine, accelerator: 'kvm', cpuModel: 'host', memoryMiB: 1_800_000, vcpus: 200, pciDevices: ['0000:41:00.0', '0000:c1:00.0'] });
    expect(option(args, '-machine')).toEqual(['q35,accel=kvm']);
    expect(option(args, '-cpu')).toEqual(['host']);
    expect(option(args, '-device')).toEqual(['virtio-net-pci,netdev=net0,romfile=', 'vfio-pci,host=0000:41:00.0', 'vfio-pci,host=0000:c1:00.0']);
  });

  it('builds a GPU SKU\'s VM from the operator\'s configuration: its devices through VFIO under KVM, and none for another SKU', () => {
    const config = readDriverConfig(
      JSON.stringify({ driver: 'sandbox', skus: { 'h100-sxm': 'qemu', 'cpu-small': 'qemu' }, qemu: { accelerator: 'kvm', resources: { scale: 0.5, memoryMiBMax: 1_048_576, vcpusMax: 256 }, pciPassthrough: { 'h100-sxm': ['0000:41:00.0', '0000:c1:00.0'] } } }),
      { driver: 'simulated', stateDirectory: '/var/lib/allot/guests' },
    );
    const files = { directory: '/var/lib/allot/guests/qemu/inst_gpu', consoleLog: '/var/lib/allot/guests/qemu/inst_gpu/console.log' };
    const ports = { ssh: 40022, https: 40443, address: '127.0.0.1' };
    const gpu = { ...launchSpec({ sshAuthorizedKeys: [] }), instanceId: 'inst_gpu', instanceSku: 'h100-sxm', vcpus: 224, memoryBytes: 2048 * 1024 ** 3, forward443: true };
    const args = qemuArguments(qemuMachineOf(gpu, files, ports, config.qemu, 'host'));
    expect(option(args, '-machine')).toEqual(['q35,accel=kvm']);
    expect(option(args, '-cpu')).toEqual(['host']);
    expect(option(args, '-m')).toEqual([String(1024 * 1024)]);
    expect(option(args, '-smp')).toEqual(['112']);
    expect(option(args, '-device')).toEqual(['virtio-net-pci,netdev=net0,romfile=', 'vfio-pci,host=0000:41:00.0', 'vfio-pci,host=0000:c1:00.0']);
    expect(option(args, '-netdev')).toEqual(['user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22,hostfwd=tcp:127.0.0.1:40443-:443']);
    expect(option(args, '-drive')[0]).toMatch(/^file=\/var\/lib\/allot\/guests\/qemu\/inst_gpu\/disk.qcow2,/);
    const plain = qemuArguments(qemuMachineOf({ ...gpu, instanceSku: 'cpu-small', vcpus: 4, memoryBytes: 8 * 1024 ** 3 }, files, { ssh: 40022, https: null, address: '127.0.0.1' }, config.qemu, 'host'));
    expect(option(plain, '-device')).toEqual(['virtio-net-pci,netdev=net0,romfile=']);
    expect(option(plain, '-smp')).toEqual(['2']);
  });

  it('refuses what is not a PCI address, and escapes commas in paths', () => {
    expect(() => qemuArguments({ ...machine, pciDevices: ['41:00.0,x=1'] })).toThrow(/not a PCI address/);
    expect(option(qemuArguments({ ...machine, consolePath: '/a,b/console.log' }), '-chardev')).toEqual(['file,id=console,path=/a,,b/console.log,append=on']);
  });
});

describe('guest size', () => {
  const gib = 1024 ** 3;
  const resources = { scale: 1, memoryMiBMin: 256, memoryMiBMax: 64 * 1024, vcpusMax: 16 };

  it('gives the SKU\'s node, within the operator\'s bounds', () => {
    expect(guestSize({ vcpus: 8, memoryBytes: 32 * gib }, resources)).toEqual({ memoryMiB: 32 * 1024, vcpus: 8 });
    expect(guestSize({ vcpus: 224, memoryBytes: 2048 * gib }, resources)).toEqual({ memoryMiB: 64 * 1024, vcpus: 16 });
  });

  it('scales an H100 node down to a laptop\'s share, never below the minimum', () => {
    expect(guestSize({ vcpus: 224, memoryBytes: 2048 * gib }, { ...resources, scale: 1 / 1024 })).toEqual({ memoryMiB: 2048, vcpus: 1 });
    expect(guestSize({ vcpus: 224, memoryBytes: 2048 * gib }, { ...resources, scale: 1 / 100_000 })).toEqual({ memoryMiB: 256, vcpus: 1 });
  });

  it('gives a SKU that says nothing the minimum memory and one vCPU', () => {
    expect(guestSize({ vcpus: null, memoryBytes: null }, resources)).toEqual({ memoryMiB: 256, vcpus: 1 });
  });
});
