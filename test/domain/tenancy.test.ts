// Tenancy's rules: when a token stops working and when its last use is written again, what a new
// token, user or feature flag may be given, and which flags an account sees.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFailure } from '../../src/domain/kernel/failures.js';
import { tokenActivityIntervalSeconds, tokenLifetimeSecondsMax } from '../../src/domain/kernel/limits.js';
import { featureFlagName, featureFlagState, isListedFeatureFlag, listedFeatureFlags } from '../../src/domain/tenancy/feature-flags.js';
import { activityDueBefore, expiryAt, expiryFromLifetime, isActivityDue, isTokenLive, tokenLabels, tokenRefusal } from '../../src/domain/tenancy/tokens.js';
import { emailKey, userDetails } from '../../src/domain/tenancy/users.js';

describe('token validity', () => {
  it('refuses a revoked token before an expired one, and an expired one from its expiry on', () => {
    expect(tokenRefusal({ revokedAt: null, expiresAt: null }, 1_000)).toBeNull();
    expect(tokenRefusal({ revokedAt: null, expiresAt: 1_001 }, 1_000)).toBeNull();
    expect(tokenRefusal({ revokedAt: null, expiresAt: 1_000 }, 1_000)?.message).toBe('This API token has expired');
    expect(tokenRefusal({ revokedAt: 5, expiresAt: 1_000 }, 1_000)?.message).toBe('This API token has been revoked');
    expect(tokenRefusal({ revokedAt: 5, expiresAt: null }, 1)?.failure).toBe('unauthenticated');
  });

  it('is live exactly while unrevoked and before its expiry', () => {
    fc.assert(fc.property(fc.option(fc.nat()), fc.option(fc.nat()), fc.nat(), (revokedAt, expiresAt, now) => {
      expect(isTokenLive({ revokedAt, expiresAt }, now)).toBe(revokedAt === null && (expiresAt === null || now < expiresAt));
    }));
  });
});

describe('token activity', () => {
  it('is due on first use and then once per interval', () => {
    expect(isActivityDue(null, 0)).toBe(true);
    expect(isActivityDue(100, 100 + tokenActivityIntervalSeconds - 1)).toBe(false);
    expect(isActivityDue(100, 100 + tokenActivityIntervalSeconds)).toBe(true);
  });

  it('agrees with the conditional write: a use is due exactly when the last one is before dueBefore', () => {
    fc.assert(fc.property(fc.nat({ max: 1e9 }), fc.nat({ max: 1e6 }), (last, gap) => {
      const now = last + gap;
      expect(isActivityDue(last, now)).toBe(last < activityDueBefore(now));
    }));
  });
});

describe('new tokens', () => {
  it('treat empty labels as none and trim the rest', () => {
    expect(tokenLabels('', '')).toEqual({ name: null, description: null });
    expect(tokenLabels(undefined, null)).toEqual({ name: null, description: null });
    expect(tokenLabels(' ci ', 'for CI')).toEqual({ name: 'ci', description: 'for CI' });
    expect(tokenLabels('x'.repeat(100), 'y'.repeat(1000))).not.toHaveProperty('failure');
    expect(tokenLabels('x'.repeat(101), null)).toMatchObject({ failure: 'invalid_request', details: [{ field: 'name', code: 'too_long' }] });
    expect(tokenLabels(null, 'y'.repeat(1001))).toMatchObject({ details: [{ field: 'description' }] });
  });

  it('expire within the longest lifetime, in the future', () => {
    expect(expiryFromLifetime(1_000, 60)).toBe(1_060);
    expect(expiryFromLifetime(1_000, tokenLifetimeSecondsMax)).toBe(1_000 + tokenLifetimeSecondsMax);
    for (const lifetime of [0, -1, 1.5, tokenLifetimeSecondsMax + 1]) expect(isFailure(expiryFromLifetime(1_000, lifetime)), String(lifetime)).toBe(true);
    expect(expiryAt(1_000, null)).toBeNull();
    expect(expiryAt(1_000, undefined)).toBeNull();
    expect(expiryAt(1_000, 1_001)).toBe(1_001);
    expect(expiryAt(1_000, 1_000)).toMatchObject({ details: [{ field: 'expires_at' }] });
    expect(expiryAt(1_000, 1_000 + tokenLifetimeSecondsMax + 1)).toMatchObject({ details: [{ field: 'expires_at' }] });
  });
});

describe('users', () => {
  it('need an email address and may have names', () => {
    expect(userDetails({ email: ' Ada@Example.com ' })).toEqual({ email: 'Ada@Example.com', firstName: null, lastName: null });
    expect(userDetails({ email: 'a@b', first_name: 'Ada', last_name: '' })).toEqual({ email: 'a@b', firstName: 'Ada', lastName: null });
    for (const email of ['', 'ada', 'ada@', '@example.com', 'a b@c.d', `${'a'.repeat(250)}@b.cd`]) {
      expect(userDetails({ email }), email).toMatchObject({ failure: 'invalid_request', details: [{ field: 'email' }] });
    }
    expect(userDetails({ email: 'a@b', last_name: 'x'.repeat(256) })).toMatchObject({ details: [{ field: 'last_name' }] });
  });

  it('compare emails without case', () => {
    expect(emailKey('Ada@Example.COM')).toBe(emailKey('ada@example.com'));
  });
});

describe('feature flags', () => {
  it('are all on and open to self-enrolment unless set', () => {
    expect(featureFlagState('zones', undefined)).toMatchObject({ enabled: true, userEnroll: true });
    expect(featureFlagState('never-heard-of', undefined)).toEqual({ featureFlag: 'never-heard-of', description: '', enabled: true, userEnroll: true });
    expect(featureFlagState('zones', { featureFlag: 'zones', enabled: false, userEnroll: false })).toMatchObject({ enabled: false, userEnroll: false });
  });

  it('list the known flags and those set for the account, by name', () => {
    expect(listedFeatureFlags([]).map((flag) => flag.featureFlag)).toEqual(['infiniband-preview', 'procurements', 'zones']);
    const listed = listedFeatureFlags([{ featureFlag: 'beta', enabled: false, userEnroll: true }, { featureFlag: 'zones', enabled: false, userEnroll: false }]);
    expect(listed.map((flag) => [flag.featureFlag, flag.enabled])).toEqual([['beta', false], ['infiniband-preview', true], ['procurements', true], ['zones', false]]);
    expect(isListedFeatureFlag('zones', [])).toBe(true);
    expect(isListedFeatureFlag('beta', [])).toBe(false);
  });

  it('have lowercase names', () => {
    expect(featureFlagName('infiniband-preview')).toBe('infiniband-preview');
    for (const name of ['', 'Zones', '-x', 'a b', 'x'.repeat(65)]) expect(isFailure(featureFlagName(name)), name).toBe(true);
  });
});
