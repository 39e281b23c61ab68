// The v1 nodes API's rules: names, prices in cents, reserved windows, statuses and zones.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFailure } from '../../src/domain/kernel/failures.js';
import { checkExtension, checkNodeNames, maxPriceMicros, nodeStatus, reservedWindow, zoneOf } from '../../src/domain/nodes-v1/nodes.js';
import type { SkuProperties } from '../../src/domain/allocation/instance-skus.js';

const hour = 3600;

describe('v1 nodes', () => {
  it('checks names: one per node, not an id or a number, at most 128 characters, no two alike', () => {
    expect(checkNodeNames(undefined, 3)).toBeNull();
    expect(checkNodeNames(['cuda-crunch', 'b.2'], 2)).toBeNull();
    for (const [names, count] of [[['a'], 2], [['vm_a'], 1], [['n_a'], 1], [['007'], 1], [['x'.repeat(129)], 1], [['a', 'a'], 2], [['with space'], 1]] as const) {
      expect(checkNodeNames(names, count), JSON.stringify(names)).toMatchObject({ failure: 'invalid_request' });
    }
    expect(checkNodeNames(undefined, 0)).toMatchObject({ failure: 'invalid_request' });
  });

  it('takes a max price in cents down to the price tick, never above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (cents) => {
        const micros = maxPriceMicros(cents, 'price') as number;
        expect(micros % 60).toBe(0);
        expect(micros).toBeLessThanOrEqual(cents * 10_000);
        expect(micros).toBeGreaterThan(cents * 10_000 - 60);
      }),
    );
    expect(maxPriceMicros(1800, 'price')).toBe(18_000_000);
    expect(isFailure(maxPriceMicros(0, 'price'))).toBe(true);
    expect(isFailure(maxPriceMicros(1.5, 'price'))).toBe(true);
  });

  it('starts a reserved window now or on any whole minute, and ends it on the hour', () => {
    const now = 10 * hour + 125;
    expect(reservedWindow(undefined, 12 * hour, now)).toEqual({ startAt: 10 * hour + 120, endAt: 12 * hour });
    expect(reservedWindow(now - 500, 12 * hour, now)).toEqual({ startAt: 10 * hour + 120, endAt: 12 * hour });
    expect(reservedWindow(11 * hour, 12 * hour, now)).toEqual({ startAt: 11 * hour, endAt: 12 * hour });
    expect(reservedWindow(11 * hour + 60, 12 * hour, now)).toEqual({ startAt: 11 * hour + 60, endAt: 12 * hour });
    expect(reservedWindow(11 * hour + 61, 12 * hour, now)).toMatchObject({ details: [{ field: 'start_at', code: 'misaligned' }] });
    expect(reservedWindow(undefined, 12 * hour + 60, now)).toMatchObject({ details: [{ field: 'end_at' }] });
    expect(reservedWindow(11 * hour, 11 * hour, now)).toMatchObject({ details: [{ field: 'end_at', code: 'invalid_range' }] });
    expect(checkExtension(hour)).toBeNull();
    expect(checkExtension(5400)).toMatchObject({ failure: 'invalid_request' });
  });

  it('shows a node status from its type, release and latest VM', () => {
    const base = { deleted: false, released: false, startAt: 100 };
    const reserved = { ...base, nodeType: 'reserved' as const };
    const auto = { ...base, nodeType: 'autoreserved' as const };
    expect(nodeStatus({ ...reserved, vm: 'awaiting_allocation' }, 50)).toBe('pending');
    expect(nodeStatus({ ...reserved, vm: 'awaiting_allocation' }, 150)).toBe('awaitingcapacity');
    expect(nodeStatus({ ...reserved, vm: 'running' }, 150)).toBe('running');
    expect(nodeStatus({ ...reserved, vm: 'terminated' }, 150)).toBe('terminated');
    expect(nodeStatus({ ...reserved, vm: 'failed' }, 150)).toBe('failed');
    // An autoreserved node with a later start_at is pending until it; awaiting capacity after.
    expect(nodeStatus({ ...auto, vm: 'awaiting_allocation' }, 50)).toBe('pending');
    expect(nodeStatus({ ...auto, vm: 'awaiting_allocation' }, 150)).toBe('awaitingcapacity');
    expect(nodeStatus({ ...auto, released: true, vm: 'running' }, 150)).toBe('released');
    // Released stays released after the VM ends (or fails), so that `sf nodes delete` can delete it.
    expect(nodeStatus({ ...auto, released: true, vm: 'terminated' }, 150)).toBe('released');
    expect(nodeStatus({ ...auto, released: true, vm: 'failed' }, 150)).toBe('released');
    expect(nodeStatus({ ...auto, deleted: true, vm: 'terminated' }, 150)).toBe('deleted');
    expect(nodeStatus({ ...auto, vm: null }, 150)).toBe('pending');
  });

  it('makes zones of H100 and H200 SKUs with a zone', () => {
    const sku = (overrides: Partial<SkuProperties>): SkuProperties => ({
      region: 'us-west',
      availability_zone: 'hayes-valley',
      accelerator: 'h100',
      form_factor: null,
      rdma_type: 'infiniband',
      num_accelerators: 8,
      num_vcpus: null,
      memory: null,
      local_storage: null,
      supports_public_ipv4: null,
      ...overrides,
    });
    expect(zoneOf(sku({}))).toEqual({ name: 'hayes-valley', displayName: 'Hayes Valley', region: 'NorthAmerica', hardwareType: 'H100', interconnectType: 'Infiniband' });
    expect(zoneOf(sku({ accelerator: 'h200', rdma_type: 'roce', region: 'eu-north' }))).toMatchObject({ hardwareType: 'H200', interconnectType: 'None', region: 'EuropeMiddleEastAfrica' });
    expect(zoneOf(sku({ region: 'ap-south' }))!.region).toBe('AsiaPacific');
    expect(zoneOf(sku({ accelerator: 'b200' }))).toBeNull();
    expect(zoneOf(sku({ availability_zone: null }))).toBeNull();
  });
});
