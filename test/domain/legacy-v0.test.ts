// The v0 API's rules: instance types, contract states and shapes, quote windows.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SkuProperties } from '../../src/domain/allocation/instance-skus.js';
import { isFailure } from '../../src/domain/kernel/failures.js';
import { quoteWindowsMax } from '../../src/domain/kernel/limits.js';
import { normalize } from '../../src/domain/kernel/schedule.js';
import { contractBounds, contractShape, contractState, parseContractStateFilter } from '../../src/domain/legacy-v0/contracts.js';
import { instanceTypeOf, meetsInstanceType, parseInstanceType } from '../../src/domain/legacy-v0/instance-types.js';
import { betterQuote, parseQuoteQuery, quotePriceCents, quoteWindows } from '../../src/domain/legacy-v0/quotes.js';
import { parseNowOrIso } from '../../src/domain/legacy-v0/times.js';
import { checkColocationStrategy, gpuHourCentsToMicros, lastMessageOf, microsToGpuHourCents } from '../../src/domain/legacy-v0/procurements.js';
import { priceTickMicrosPerHour } from '../../src/domain/kernel/money.js';
import { addSshKey, checkPublicKey } from '../../src/domain/tenancy/ssh-keys.js';
import { sshKeysPerAccountMax } from '../../src/domain/kernel/limits.js';

const hour = 3600;
const sku = (accelerator: string | null, rdma: 'infiniband' | 'roce' | null): SkuProperties => ({
  region: null, availability_zone: 'z', accelerator, form_factor: null, rdma_type: rdma, num_accelerators: 8, num_vcpus: null, memory: null, local_storage: null, supports_public_ipv4: null,
});

describe('instance types', () => {
  it('maps SKUs to the narrowest type they meet, and types to the SKUs that meet them', () => {
    expect(instanceTypeOf(sku('h100', 'infiniband'))).toBe('h100i');
    expect(instanceTypeOf(sku('H100', 'roce'))).toBe('h100v');
    expect(instanceTypeOf(sku('h200', 'infiniband'))).toBe('h200ki');
    expect(instanceTypeOf(sku('h200', null))).toBe('h200v');
    expect(instanceTypeOf(sku('b200', null))).toBe('b200');
    expect(meetsInstanceType(sku('h100', 'infiniband'), 'h100v')).toBe(true);
    expect(meetsInstanceType(sku('h100', 'roce'), 'h100i')).toBe(false);
    expect(meetsInstanceType(sku('h200', 'infiniband'), 'h100v')).toBe(false);
    expect(parseInstanceType('H100I', 'instance_type')).toBe('h100i');
    expect(isFailure(parseInstanceType('a100x', 'instance_type'))).toBe(true);
  });

  it('every SKU meets the type it is shown as', () => {
    fc.assert(fc.property(fc.constantFrom('h100', 'h200'), fc.constantFrom('infiniband' as const, 'roce' as const, null), (accelerator, rdma) => meetsInstanceType(sku(accelerator, rdma), instanceTypeOf(sku(accelerator, rdma)))));
  });
});

describe('contracts', () => {
  it('is Upcoming, Active, then Expired', () => {
    expect(contractState(100, 200, 99)).toBe('Upcoming');
    expect(contractState(100, 200, 100)).toBe('Active');
    expect(contractState(100, 200, 200)).toBe('Expired');
  });

  it('reads the state filter in any case, none meaning all but expired', () => {
    expect(parseContractStateFilter(undefined)).toBe('Unexpired');
    expect(parseContractStateFilter('active')).toBe('Active');
    expect(parseContractStateFilter('All')).toBe('All');
    expect(isFailure(parseContractStateFilter('later'))).toBe(true);
  });

  it('bounds agree with the state of every contract', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 2000 }), fc.constantFrom('Upcoming' as const, 'Active' as const, 'Expired' as const, 'All' as const, 'Unexpired' as const), (start, length, now, filter) => {
        const end = start + length;
        const bounds = contractBounds(filter, now);
        const admitted = (bounds.startAfter === null || start > bounds.startAfter) && (bounds.startAtOrBefore === null || start <= bounds.startAtOrBefore) && (bounds.endAfter === null || end > bounds.endAfter) && (bounds.endAtOrBefore === null || end <= bounds.endAtOrBefore);
        const state = contractState(start, end, now);
        const expected = filter === 'All' ? true : filter === 'Unexpired' ? state !== 'Expired' : state === filter;
        return admitted === expected;
      }),
    );
  });

  it('shows a schedule as times and counts', () => {
    expect(contractShape(normalize([{ at: 0, count: 2 }, { at: hour, count: 3 }, { at: 2 * hour, count: 0 }]))).toEqual({ intervals: ['1970-01-01T00:00:00Z', '1970-01-01T01:00:00Z', '1970-01-01T02:00:00Z'], quantities: [2, 3, 0] });
  });
});

describe('quotes', () => {
  const now = 1_767_225_600 + 23 * 60 + 17;
  const minute = now - (now % 60);

  it('reads NOW and ISO times, and refuses what is not one', () => {
    expect(parseNowOrIso('NOW', 'f', now)).toBe(now);
    expect(parseNowOrIso('2026-01-01T00:00:00Z', 'f', now)).toBe(1_767_225_600);
    expect(isFailure(parseNowOrIso('tomorrow', 'f', now))).toBe(true);
    expect(isFailure(parseNowOrIso('2026-01-01', 'f', now))).toBe(true);
  });

  it('takes NOW as the current minute and the CLI\'s 90% duration', () => {
    const request = parseQuoteQuery({ side: 'buy', quantity: 1, min_start_date: 'NOW', max_start_date: 'NOW', min_duration: 2 * hour - 720, max_duration: 3 * hour }, now);
    expect(request).toMatchObject({ minStartAt: minute, maxStartAt: minute });
    const windows = quoteWindows(request as Exclude<typeof request, { failure: string }>);
    expect(windows.length).toBeGreaterThan(0);
    for (const window of windows) expect(window.endAt % hour).toBe(0);
  });

  it('tries only windows the request allows, at most quoteWindowsMax: ends on the hour within the durations, or the longest whole-minute one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 72 * 60 }), fc.integer({ min: 0, max: 72 * 60 }), fc.integer({ min: 60, max: 48 * hour }), fc.integer({ min: 0, max: 48 * hour }), (startOffset, spread, minDuration, extra) => {
        const request = parseQuoteQuery({ side: 'buy', quantity: 1, min_start_date: new Date((minute + startOffset * 60) * 1000).toISOString(), max_start_date: new Date((minute + (startOffset + spread) * 60) * 1000).toISOString(), min_duration: minDuration, max_duration: minDuration + extra }, now);
        if (isFailure(request)) return false;
        const windows = quoteWindows(request);
        if (windows.length === 0 || windows.length > quoteWindowsMax) return false;
        return windows.every((w) => w.startAt >= request.minStartAt && w.startAt <= request.maxStartAt && w.startAt % 60 === 0 && w.endAt % 60 === 0 && w.endAt - w.startAt <= request.maxDurationSeconds && ((w.endAt % hour === 0 && w.endAt - w.startAt >= request.minDurationSeconds) || w.endAt === w.startAt + Math.floor(request.maxDurationSeconds / 60) * 60));
      }),
    );
  });

  it('prefers the cheaper rate, then the earlier start, then the longer block', () => {
    const a = { window: { startAt: 0, endAt: hour }, totalMicros: 10 };
    const b = { window: { startAt: 0, endAt: 2 * hour }, totalMicros: 18 };
    expect(betterQuote('buy', b, a)).toBe(true);
    expect(betterQuote('sell', a, b)).toBe(true);
    expect(betterQuote('buy', { window: { startAt: 0, endAt: 2 * hour }, totalMicros: 20 }, a)).toBe(true);
    expect(quotePriceCents('buy', 10_001)).toBe(2);
    expect(quotePriceCents('sell', 19_999)).toBe(1);
  });
});

describe('v0 procurements', () => {
  it('converts cents per GPU-hour to micro-dollars per node-hour on the tick, never above, and back', () => {
    expect(gpuHourCentsToMicros(250, 'f', 1)).toBe(19_999_980);
    expect(gpuHourCentsToMicros(300, 'f', 1)).toBe(24_000_000);
    expect(isFailure(gpuHourCentsToMicros(0, 'f', 1))).toBe(true);
    expect(gpuHourCentsToMicros(0, 'f', 0)).toBe(0);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (cents) => {
        const micros = gpuHourCentsToMicros(cents, 'f', 0) as number;
        return micros % priceTickMicrosPerHour === 0 && micros <= cents * 80_000 && microsToGpuHourCents(micros) === cents;
      }),
    );
  });

  it('reads colocation strategies and the last message', () => {
    expect(checkColocationStrategy({ type: 'pinned', cluster_name: 'richmond' })).toEqual({ type: 'pinned', cluster_name: 'richmond' });
    expect(checkColocationStrategy({ type: 'colocate-pinned' })).toEqual({ type: 'colocate-pinned' });
    expect(isFailure(checkColocationStrategy({ type: 'pinned' }))).toBe(true);
    expect(lastMessageOf('error')).toBe('insufficient_balance');
    expect(lastMessageOf('warning')).toBe('running');
  });
});

describe('SSH keys', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== me@host';
  it('takes one OpenSSH public key line, trimmed, of a known type', () => {
    expect(checkPublicKey(`  ${key}\n`, 'pubkey')).toBe(key);
    expect(checkPublicKey('ssh-rsa AAAAB3Nza', 'pubkey')).toBe('ssh-rsa AAAAB3Nza');
    for (const bad of ['', 'ssh-ed25519', 'ssh-dss AAAA', `${key}\nssh-rsa AAAA`, 'ssh-ed25519 not*base64']) expect(isFailure(checkPublicKey(bad, 'pubkey')), bad).toBe(true);
  });

  it('refuses the same key twice and more than the limit', () => {
    const one = { id: 'sshkey_1', publicKey: key, username: null, createdAt: 0 };
    expect(isFailure(addSshKey([one], { ...one, id: 'sshkey_2', publicKey: key.replace('me@host', 'other') }))).toBe(true);
    const full = Array.from({ length: sshKeysPerAccountMax }, (_, i) => ({ ...one, id: `sshkey_${i}`, publicKey: `ssh-rsa AAAA${i.toString(36)}` }));
    expect(isFailure(addSshKey(full, one))).toBe(true);
    expect(addSshKey([], one)).toEqual([one]);
  });
});
