// What may be done to a v1 node (domain/nodes-v1/node-changes.ts): the type a request creates,
// the first hour's cost, and when a node can be deleted, extended, redeployed or released.

import { describe, expect, it } from 'vitest';
import { deletionRefusal, extensionRefusal, firstHourRefusal, type NodeFacts, nodeTypeOf, redeployRefusal, releasedEndAt, releaseRefusal } from '../../src/domain/nodes-v1/node-changes.js';
import { normalize } from '../../src/domain/kernel/schedule.js';

const now = 1_800_003_600;
const reserved: NodeFacts = { name: 'n1', nodeType: 'reserved', endAt: now + 3600, releasedAt: null, deploymentId: null };
const autoreserved: NodeFacts = { name: 'n2', nodeType: 'autoreserved', endAt: null, releasedAt: null, deploymentId: 'depl_1' };

describe('v1 node changes', () => {
  it('creates reserved nodes with an end and autoreserved ones without, in a zone or any zone', () => {
    expect(nodeTypeOf({ nodeType: undefined, endAt: now, zone: undefined, anyZone: undefined })).toBe('reserved');
    expect(nodeTypeOf({ nodeType: null, endAt: null, zone: 'z', anyZone: undefined })).toBe('autoreserved');
    expect(nodeTypeOf({ nodeType: undefined, endAt: null, zone: undefined, anyZone: true })).toBe('autoreserved');
    expect(nodeTypeOf({ nodeType: 'reserved', endAt: null, zone: 'z', anyZone: undefined })).toMatchObject({ details: [{ field: 'end_at', code: 'missing' }] });
    expect(nodeTypeOf({ nodeType: 'autoreserved', endAt: now, zone: 'z', anyZone: undefined })).toMatchObject({ details: [{ field: 'end_at', code: 'forbidden' }] });
    expect(nodeTypeOf({ nodeType: 'autoreserved', endAt: null, zone: undefined, anyZone: false })).toMatchObject({ details: [{ field: 'zone', code: 'missing' }] });
  });

  it('asks for the first hour of every node at the max price, exactly', () => {
    expect(firstHourRefusal(2_000_000, 1_000_000, 2)).toBeNull();
    expect(firstHourRefusal(1_999_999, 1_000_000, 2)).toMatchObject({ failure: 'insufficient_balance', message: expect.stringContaining('need 2.000000') });
  });

  it('deletes a node only when no VM of it is live', () => {
    expect(deletionRefusal(reserved, null)).toBeNull();
    expect(deletionRefusal(reserved, 'inst_abc')).toMatchObject({ failure: 'node_active', message: 'Node "n1" has an active VM (vm_abc)' });
    expect(deletionRefusal(autoreserved, 'inst_abc')).toMatchObject({ message: expect.stringMatching(/release it first$/) });
    expect(deletionRefusal({ ...autoreserved, releasedAt: now }, 'inst_abc')?.message).not.toMatch(/release it first/);
  });

  it('extends only a reserved node whose window has not ended', () => {
    expect(extensionRefusal(reserved, now)).toBeNull();
    expect(extensionRefusal(reserved, now + 3600)).toMatchObject({ failure: 'node_not_changeable', message: expect.stringContaining('has ended') });
    expect(extensionRefusal(autoreserved, now)).toMatchObject({ failure: 'node_not_changeable', message: expect.stringContaining('is autoreserved') });
  });

  it('redeploys neither a released node nor a reserved one that has ended', () => {
    expect(redeployRefusal(reserved, now)).toBeNull();
    expect(redeployRefusal(autoreserved, now)).toBeNull();
    expect(redeployRefusal(reserved, now + 3600)).toMatchObject({ failure: 'node_not_changeable', message: expect.stringContaining('has ended') });
    expect(redeployRefusal({ ...autoreserved, releasedAt: now }, now)).toMatchObject({ failure: 'node_not_changeable', message: expect.stringContaining('is released') });
  });

  it('releases an autoreserved node once; it ends when its running VM runs out of what was bought', () => {
    expect(releaseRefusal(autoreserved)).toBeNull();
    expect(releaseRefusal(reserved)).toMatchObject({ failure: 'node_not_changeable' });
    expect(releaseRefusal({ ...autoreserved, releasedAt: now })).toMatchObject({ failure: 'node_already_released' });
    const bought = normalize([{ at: now - 60, count: 1 }, { at: now + 7200, count: 0 }]);
    expect(releasedEndAt(true, bought, now)).toBe(now + 7200);
    expect(releasedEndAt(false, bought, now)).toBe(now);
    expect(releasedEndAt(true, null, now)).toBe(now);
  });
});
