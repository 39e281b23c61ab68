// A deployment's status, from its counts and (for a spot deployment) its procurement's.

import { describe, expect, it } from 'vitest';
import { deploymentStatus } from '../../src/domain/compute/deployments.js';

describe('deployment status', () => {
  const base = { enabled: true, targetInstanceCount: 3, running: 3, awaiting: 0, procurement: null };

  it('is info when all run or when disabled, and a warning with counts when some wait', () => {
    expect(deploymentStatus(base)).toEqual({ state: 'info', message: 'All 3 instance(s) running.' });
    expect(deploymentStatus({ ...base, running: 1, awaiting: 2 })).toEqual({ state: 'warning', message: '1 of 3 instance(s) running; 2 awaiting allocation on the pool.' });
    expect(deploymentStatus({ ...base, enabled: false, running: 1 }).state).toBe('info');
  });

  it('says how many are still being created while a large change goes a batch at a time', () => {
    expect(deploymentStatus({ ...base, targetInstanceCount: 10_000, running: 400, awaiting: 100 })).toEqual({ state: 'info', message: '400 of 10000 instance(s) running; 100 awaiting allocation on the pool; 9500 more being created.' });
  });

  it('puts a spot procurement that cannot buy first', () => {
    const short = { state: 'warning' as const, message: 'Short of the target' };
    expect(deploymentStatus({ ...base, running: 1, awaiting: 2, procurement: short })).toEqual(short);
    expect(deploymentStatus({ ...base, procurement: { state: 'info', message: 'Holding' } })).toEqual({ state: 'info', message: 'All 3 instance(s) running.' });
  });
});
