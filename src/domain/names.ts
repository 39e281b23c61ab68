// Names of resources: the rules SF Compute's `Name` schema sets, and names generated for
// resources created without one (`{{adjective}}-{{noun}}-{{nanoid(6)}}`, the default of SF
// Compute's deployment name template).

import { generatedNameSuffixLength, nameLengthMax } from './limits.js';

/** SF Compute's `Name` pattern, anchored. */
export const namePattern = '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$';
const nameRegExp = new RegExp(namePattern);

export function isValidName(text: string): boolean {
  return text.length <= nameLengthMax && nameRegExp.test(text);
}

const adjectives = [
  'amber', 'brave', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fancy', 'gentle', 'golden',
  'happy', 'humble', 'jolly', 'keen', 'lively', 'lucky', 'merry', 'mighty', 'nimble', 'noble',
  'polite', 'proud', 'quick', 'quiet', 'rapid', 'shiny', 'silent', 'steady', 'swift', 'tidy',
  'vivid', 'witty',
] as const;

const nouns = [
  'badger', 'beacon', 'canyon', 'cedar', 'comet', 'delta', 'falcon', 'fjord', 'glacier', 'harbor',
  'heron', 'island', 'lagoon', 'lantern', 'maple', 'meadow', 'nebula', 'orbit', 'otter', 'pebble',
  'pine', 'prairie', 'quartz', 'raven', 'reef', 'river', 'summit', 'tundra', 'valley', 'willow',
  'zenith', 'zephyr',
] as const;

const suffixAlphabet = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A readable name such as `swift-otter-k3r9xa`, built from the given random bytes (at least 8). */
export function generateName(randomBytes: Uint8Array): string {
  const needed = 2 + generatedNameSuffixLength;
  if (randomBytes.length < needed) throw new Error(`generateName needs ${needed} random bytes`);
  const adjective = adjectives[randomBytes[0]! % adjectives.length]!;
  const noun = nouns[randomBytes[1]! % nouns.length]!;
  let suffix = '';
  for (let i = 0; i < generatedNameSuffixLength; i++) {
    suffix += suffixAlphabet[randomBytes[2 + i]! % suffixAlphabet.length];
  }
  return `${adjective}-${noun}-${suffix}`;
}
