// The audit's check of deleted pools and workspaces: a deleted pool holds no allocation from the minute of its deletion, and nothing live stays in either.

import { describe, expect, it } from 'vitest';
import { auditDeletedContainers, auditDeletedPools } from '../../src/domain/operator/audit.js';
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

describe('auditDeletedContainers', () => {
  it('names each live thing in a deleted container, and nothing when there is none', () => {
    expect(auditDeletedContainers('pool', [])).toEqual([]);
    expect(auditDeletedContainers('workspace', [{ kind: 'image', id: 'image_1', containerId: 'wksp_1' }])).toEqual(['Deleted workspace wksp_1 holds live image image_1']);
  });
});
