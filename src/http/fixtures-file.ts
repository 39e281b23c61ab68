// A fixtures file read outside a request (`allot serve --seed <file>`), checked by the same
// schema and described by the same messages as the fixtures POST /admin/v1/reset takes.

import secureJson from 'secure-json-parse';
import type { Fixtures as FixturesInput } from '../app/operator/fixtures.js';
import { validationDetails } from './errors.js';
import { Fixtures } from './schemas/operator.js';
import { createValidatorCompiler } from './validation.js';

/** The fixtures in `text`, or what is wrong with them, naming each bad field. */
export function parseFixtures(text: string): FixturesInput | string {
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
  const validate = createValidatorCompiler()({ schema: { type: 'object', properties: { fixtures: Fixtures }, required: ['fixtures'] } as never, httpPart: 'body', method: 'POST', url: '' }) as ((data: unknown) => boolean) & { errors?: unknown[] | null };
  if (validate({ fixtures: value })) return value as FixturesInput;
  return validationDetails('body', (validate.errors ?? []) as Parameters<typeof validationDetails>[1]).map((detail) => detail.message).join('; ');
}
