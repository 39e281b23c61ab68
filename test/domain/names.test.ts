import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFailure } from '../../src/domain/kernel/failures.js';
import { defaultTemplate, isValidName, type NameTemplate, parseNameTemplate, randomBytesNeeded, renderNameTemplate } from '../../src/domain/kernel/names.js';

describe('name templates', () => {
  it('renders the default template as adjective-noun-nanoid', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const name = renderNameTemplate(defaultTemplate, bytes);
        expect(name).toMatch(/^[a-z]+-[a-z]+-[0-9a-zA-Z]{6}$/);
        expect(isValidName(name)).toBe(true);
      }),
    );
  });

  it('accepts templates with enough combinations', () => {
    for (const text of ['my-fleet-{{nanoid(9)}}', 'gpu-{{noun}}-{{adjective}}-{{nanoid(6)}}', '{{nanoid(21)}}', 'a.{{ nanoid(12) }}_x']) {
      const template = parseNameTemplate(text, 'instance_name_template');
      expect(isFailure(template), text).toBe(false);
      const name = renderNameTemplate(template as NameTemplate, new Uint8Array(randomBytesNeeded(template as NameTemplate)).fill(7));
      expect(isValidName(name), name).toBe(true);
    }
  });

  it('refuses templates that are malformed or too small', () => {
    for (const [text, code] of [
      ['worker-{{nanoid(3)}}', 'too_few_combinations'],
      ['fixed-name', 'too_few_combinations'],
      ['-x-{{nanoid(12)}}', 'invalid_format'],
      ['x/{{nanoid(12)}}', 'invalid_format'],
      ['x-{{nanoid(22)}}', 'invalid_format'],
      ['x-{{nanoid(0)}}', 'invalid_format'],
      ['x-{{unknown}}-{{nanoid(12)}}', 'invalid_format'],
      [`${'a'.repeat(500)}{{nanoid(12)}}`, 'too_long'],
    ]) {
      expect(parseNameTemplate(text!, 'instance_name_template'), text).toMatchObject({ failure: 'invalid_request', details: [{ field: 'instance_name_template', code }] });
    }
  });
});
