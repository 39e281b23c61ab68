// The operator's driver configuration file: defaults, every field, and mistakes named by field.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDrivers, DriverConfigError, readDriverConfig } from '../../src/providers/driver-config.js';
import { guestResourcesDefault } from '../../src/providers/guest-size.js';

const fallback = { driver: 'simulated' as const, stateDirectory: '/var/lib/allot/guests' };

describe('driver configuration', () => {
  it('is the defaults when the file says nothing', () => {
    expect(readDriverConfig('{}', fallback)).toEqual({
      defaultDriver: 'simulated',
      skus: {},
      host: { stateDirectory: '/var/lib/allot/guests', advertisedHost: '127.0.0.1', bootConcurrency: 2, bootTimeoutSeconds: 300, stopGraceSeconds: 30 },
      qemu: { accelerator: 'auto', network: 'user', resources: guestResourcesDefault, pciPassthrough: {} },
      images: {},
    });
  });

  it('reads per-SKU drivers, the qemu settings and the catalogue image files', () => {
    const config = readDriverConfig(
      JSON.stringify({
        driver: 'sandbox',
        skus: { 'h100-sxm': 'qemu' },
        advertisedHost: 'gpu-7.example.net',
        bootConcurrency: 4,
        qemu: { accelerator: 'kvm', network: 'restricted', resources: { scale: 0.5, vcpusMax: 8 }, pciPassthrough: { 'h100-sxm': ['0000:41:00.0'] } },
        images: { 'ubuntu-24.04-cuda-12.8': '/srv/images/ubuntu-24.04.qcow2' },
      }),
      fallback,
    );
    expect(config.defaultDriver).toBe('sandbox');
    expect(config.skus).toEqual({ 'h100-sxm': 'qemu' });
    expect(config.host).toMatchObject({ advertisedHost: 'gpu-7.example.net', bootConcurrency: 4 });
    expect(config.qemu).toEqual({ accelerator: 'kvm', network: 'restricted', resources: { ...guestResourcesDefault, scale: 0.5, vcpusMax: 8 }, pciPassthrough: { 'h100-sxm': ['0000:41:00.0'] } });
    expect(config.images).toEqual({ 'ubuntu-24.04-cuda-12.8': '/srv/images/ubuntu-24.04.qcow2' });
  });

  it('names what is wrong', () => {
    expect(() => readDriverConfig('{"driver": "docker"', fallback)).toThrow(DriverConfigError);
    expect(() => readDriverConfig('{"driver": "docker"}', fallback)).toThrow(/\/driver /);
    expect(() => readDriverConfig('{"drivr": "qemu"}', fallback)).toThrow(/must NOT have additional properties \(drivr\)/);
    expect(() => readDriverConfig('{"qemu": {"pciPassthrough": {"h100": ["41:00.0"]}}}', fallback)).toThrow(/\/qemu\/pciPassthrough\/h100\/0 must match pattern/);
    expect(() => readDriverConfig('{"qemu": {"resources": {"memoryMiBMin": 4096, "memoryMiBMax": 1024}}}', fallback)).toThrow(/memoryMiBMin exceeds memoryMiBMax/);
    expect(() => readDriverConfig('{"bootConcurrency": 0}', fallback)).toThrow(/\/bootConcurrency must be >= 1/);
  });

  it('refuses PCI devices for a SKU that does not run on qemu under KVM', () => {
    expect(() => readDriverConfig(JSON.stringify({ driver: 'sandbox', qemu: { pciPassthrough: { 'h100-sxm': ['0000:41:00.0'] } } }), fallback)).toThrow(/\/qemu\/pciPassthrough\/h100-sxm gives PCI devices to a SKU that runs on the sandbox driver/);
    expect(() => readDriverConfig(JSON.stringify({ skus: { 'h100-sxm': 'qemu' }, qemu: { accelerator: 'tcg', pciPassthrough: { 'h100-sxm': ['0000:41:00.0'] } } }), fallback)).toThrow(/needs KVM \(VFIO\), but \/qemu\/accelerator is "tcg"/);
    expect(readDriverConfig(JSON.stringify({ skus: { 'h100-sxm': 'qemu' }, qemu: { pciPassthrough: { 'h100-sxm': ['0000:41:00.0'] } } }), fallback).qemu.pciPassthrough).toEqual({ 'h100-sxm': ['0000:41:00.0'] });
  });

  it('makes one driver per kind it uses and picks it by SKU', async () => {
    const drivers = createDrivers(readDriverConfig('{}', fallback));
    expect(drivers.all.map((driver) => driver.kind)).toEqual(['simulated']);
    expect(drivers.driverFor('anything').kind).toBe('simulated');
  });

  it('runs SKU A on qemu, SKU B in a sandbox and every other SKU simulated', async () => {
    const stateDirectory = mkdtempSync(join(tmpdir(), 'allot-driver-config-'));
    try {
      const config = readDriverConfig(JSON.stringify({ driver: 'simulated', skus: { 'sku-a': 'qemu', 'sku-b': 'sandbox' }, qemu: { accelerator: 'tcg' } }), { driver: 'qemu', stateDirectory });
      const drivers = createDrivers(config);
      expect(drivers.all.map((driver) => driver.kind).sort()).toEqual(['qemu', 'sandbox', 'simulated']);
      expect(drivers.driverFor('sku-a').kind).toBe('qemu');
      expect(drivers.driverFor('sku-b').kind).toBe('sandbox');
      expect(drivers.driverFor('sku-c').kind).toBe('simulated');
      expect(drivers.driverFor('sku-a').persistent && drivers.driverFor('sku-b').persistent && !drivers.driverFor('sku-c').persistent).toBe(true);
      // Each real driver keeps its guests in a folder of the state directory named for its kind.
      expect(readdirSync(stateDirectory).sort()).toEqual(['qemu', 'sandbox']);
      for (const driver of drivers.all) await driver.close();
    } finally {
      rmSync(stateDirectory, { recursive: true, force: true });
    }
  });
});
