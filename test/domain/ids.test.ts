import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatId, parseId } from '../../src/domain/kernel/ids.js';
import { idBodyLength, idRandomLength, idSequenceLength, idTimeLength } from '../../src/domain/kernel/limits.js';
import { isValidName, generateName } from '../../src/domain/kernel/names.js';
import { formatResourcePath, parseReference, resourceTypes } from '../../src/domain/kernel/resource-paths.js';
import { accountIdFromName, chooseAccountId } from '../../src/domain/tenancy/accounts.js';

describe('ids', () => {
  const order = fc.record({ atSeconds: fc.integer({ min: 0, max: 64 ** idTimeLength - 1 }), sequence: fc.integer({ min: 0, max: 64 ** idSequenceLength - 1 }) });
  const randomBytes = fc.uint8Array({ minLength: idRandomLength, maxLength: idRandomLength });

  it(`formats ${idBodyLength} characters after the prefix, ending in the random ones, and reads them back`, () => {
    fc.assert(
      fc.property(order, randomBytes, (at, bytes) => {
        const id = formatId('pool', at, bytes);
        expect(id).toMatch(new RegExp(`^pool_[0-9a-zA-Z_-]{${idBodyLength}}$`));
        expect(parseId('pool', id)).toBe(id);
        const other = formatId('pool', at, bytes.map((byte) => byte ^ 1));
        expect(other.slice(0, -idRandomLength)).toBe(id.slice(0, -idRandomLength));
        expect(other).not.toBe(id);
      }),
    );
  });

  it('sorts ids as bytes in the order they were made (by second, then by count)', () => {
    fc.assert(
      fc.property(order, order, randomBytes, randomBytes, (a, b, bytesA, bytesB) => {
        const idA = formatId('pool', a, bytesA);
        const idB = formatId('pool', b, bytesB);
        const madeFirst = a.atSeconds !== b.atSeconds ? a.atSeconds < b.atSeconds : a.sequence < b.sequence;
        if (a.atSeconds === b.atSeconds && a.sequence === b.sequence) return;
        expect(Buffer.compare(Buffer.from(idA), Buffer.from(idB)) < 0).toBe(madeFirst);
      }),
    );
  });

  it(`stays well formed past the ${idTimeLength} time and ${idSequenceLength} count characters' range (it wraps)`, () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), fc.integer({ min: 0, max: 1e12 }), randomBytes, (atSeconds, sequence, bytes) => {
        expect(parseId('pool', formatId('pool', { atSeconds, sequence }, bytes))).not.toBeNull();
      }),
    );
  });

  it('accepts legacy prefixes on read and answers with the canonical one', () => {
    expect(parseId('pool', 'cap_abc')).toBe('pool_abc');
    expect(parseId('poolTransfer', 'cxfr_abc')).toBe('pxfr_abc');
    expect(parseId('instance', 'vm_abc')).toBe('inst_abc');
    expect(parseId('image', 'vmi_abc')).toBe('image_abc');
    expect(parseId('instanceSku', 'clus_abc')).toBe('isku_abc');
    expect(parseId('instanceTemplate', 'ntmpl_abc')).toBe('itmpl_abc');
  });

  it('refuses ids of other kinds and malformed ids', () => {
    for (const text of ['wksp_abc', 'pool_', 'pool_a b', `pool_${'a'.repeat(22)}`, 'pool', '_abc', 'pxfr_abc']) {
      expect(parseId('pool', text), text).toBeNull();
    }
  });
});

describe('names', () => {
  it('follows the Name pattern', () => {
    for (const good of ['a', 'A.b_c-d', '9lives', 'x'.repeat(255)]) expect(isValidName(good), good).toBe(true);
    for (const bad of ['', '-a', '.a', '_a', 'a b', 'a/b', 'x'.repeat(256), 'é']) expect(isValidName(bad), bad).toBe(false);
  });

  it('generates valid adjective-noun-suffix names', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const name = generateName(bytes);
        expect(name).toMatch(/^[a-z]+-[a-z]+-[0-9a-zA-Z]{6}$/);
        expect(isValidName(name)).toBe(true);
      }),
    );
  });
});

describe('resource paths', () => {
  it('formats workspace-scoped and account-scoped paths', () => {
    expect(formatResourcePath(resourceTypes.pool, 'acme', 'prod', 'gpus')).toBe('sfc:pool:acme:prod:gpus');
    expect(formatResourcePath(resourceTypes.workspace, 'acme', null, 'prod')).toBe('sfc:workspace:acme:prod');
  });

  it('reads references as ids, paths or names', () => {
    expect(parseReference(resourceTypes.pool, 'cap_x1', false)).toEqual({ by: 'id', id: 'pool_x1' });
    expect(parseReference(resourceTypes.pool, 'sfc:pool:acme:prod:gpus', false)).toEqual({ by: 'path', account: 'acme', workspace: 'prod', name: 'gpus' });
    expect(parseReference(resourceTypes.pool, 'sfc:capacity:acme:prod:gpus', false)).toEqual({ by: 'path', account: 'acme', workspace: 'prod', name: 'gpus' });
    expect(parseReference(resourceTypes.workspace, 'sfc:workspace:acme:prod', true)).toEqual({ by: 'path', account: 'acme', workspace: null, name: 'prod' });
    expect(parseReference(resourceTypes.pool, 'gpus', true)).toEqual({ by: 'name', name: 'gpus' });
    expect(parseReference(resourceTypes.pool, 'gpus', false)).toBeNull();
  });

  it('refuses paths of the wrong type or shape', () => {
    for (const text of ['sfc:pool:acme:gpus', 'sfc:pool:acme:prod:gpus:extra', 'sfc:instance:acme:prod:x', 'sfc:pool:acme:pr od:x', 'sfc:pool::prod:x', 'sfc:workspace:acme']) {
      expect(parseReference(text.includes('workspace') ? resourceTypes.workspace : resourceTypes.pool, text, true), text).toBeNull();
    }
  });

  it('formats what it reads, for any valid segments', () => {
    const segment = fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,20}$/);
    fc.assert(
      fc.property(segment, segment, segment, (account, workspace, name) => {
        const path = formatResourcePath(resourceTypes.pool, account, workspace, name);
        expect(parseReference(resourceTypes.pool, path, false)).toEqual({ by: 'path', account, workspace, name });
      }),
    );
  });
});

describe('account ids', () => {
  it('derives slugs from display names', () => {
    expect(accountIdFromName('Acme Corp')).toBe('acme-corp');
    expect(accountIdFromName('  Ünïcode & Co.  ')).toBe('n-code-co');
    expect(accountIdFromName('!!!')).toBe('account');
    expect(accountIdFromName('x'.repeat(100))).toHaveLength(63);
  });

  it('checks explicit ids', () => {
    expect(chooseAccountId('acme', 'Whatever')).toBe('acme');
    expect(chooseAccountId(undefined, 'Acme')).toBe('acme');
    for (const bad of ['Acme', '-acme', 'ac me', 'a_b', 'x'.repeat(64)]) {
      expect(chooseAccountId(bad, 'Acme'), bad).toMatchObject({ failure: 'invalid_request' });
    }
  });
});
