// The audit's check of deleted pools: a deleted pool holds nothing from the minute of its deletion.

import { describe, expect, it } from 'vitest';
import { auditDeletedPools } from '../../src/domain/operator/audit.js';
import { normalize } from '../../src/domain/kernel/schedule.js';

describe('auditDeletedPools', () => {
  const deleted = [{ id: 'pool_gone', deletedAt: 3_630 }];

  it('accepts a deleted pool that held allocation only before its deletion', () => {
    const schedule = normalize([{ at: 0, count: 2 }, { at: 3_600, count: 0 }]);
    expect(auditDeletedPools(deleted, [{ poolId: 'pool_gone', instanceSkuId: 'sku', schedule }])).toEqual([]);
  });

  it('reports a deleted pool holding allocation from the minute of its deletion on', () => {
    const schedule = normalize([{ at: 3_600, count: 1 }, { at: 7_200, count: 0 }]);
    expect(auditDeletedPools(deleted, [{ poolId: 'pool_gone', instanceSkuId: 'sku', schedule }])).toEqual(['Deleted pool pool_gone holds allocation of sku after its deletion at 3630']);
  });

  it('ignores live pools', () => {
    const schedule = normalize([{ at: 0, count: 1 }]);
    expect(auditDeletedPools(deleted, [{ poolId: 'pool_live', instanceSkuId: 'sku', schedule }])).toEqual([]);
  });
});
