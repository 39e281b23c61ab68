// Names of resources: the rules SF Compute's `Name` schema sets, and name templates
// (`{{adjective}}-{{noun}}-{{nanoid(6)}}` is the default, SF Compute's own), which give names
// to resources created without one and to a deployment's instances.

import { type Failure, invalidField } from './failures.js';
import { nameLengthMax, nameTemplateLengthMax } from './limits.js';

/** SF Compute's `Name` pattern, anchored. */
export const namePattern = '^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$';
const nameRegExp = new RegExp(namePattern);

export function isValidName(text: string): boolean {
  return text.length <= nameLengthMax && nameRegExp.test(text);
}

const adjectives = [
  'amber', 'ancient', 'arctic', 'autumn', 'bold', 'brave', 'breezy', 'bright', 'brisk', 'calm',
  'candid', 'cheerful', 'clever', 'cosmic', 'crimson', 'crisp', 'curious', 'daring', 'dazzling',
  'deft', 'eager', 'early', 'earnest', 'electric', 'elegant', 'emerald', 'epic', 'fabled', 'fair',
  'fancy', 'fearless', 'fiery', 'firm', 'fleet', 'fluent', 'frosty', 'gallant', 'gentle', 'gifted',
  'glad', 'gleaming', 'golden', 'graceful', 'grand', 'hardy', 'hazel', 'hearty', 'helpful',
  'hidden', 'honest', 'humble', 'icy', 'idle', 'ivory', 'jade', 'jolly', 'jovial', 'keen', 'kind',
  'lasting', 'lavish', 'lively', 'lucid', 'lucky', 'lunar', 'magic', 'majestic', 'mellow', 'merry',
  'mighty', 'misty', 'modest', 'mossy', 'nimble', 'noble', 'novel', 'oaken', 'opal', 'orderly',
  'patient', 'peaceful', 'pearl', 'plucky', 'polite', 'proud', 'quick', 'quiet', 'radiant',
  'rapid', 'ready', 'regal', 'rosy', 'royal', 'rugged', 'rustic', 'sage', 'scarlet', 'serene',
  'sharp', 'shiny', 'silent', 'silver', 'simple', 'sleek', 'smooth', 'snowy', 'solar', 'solid',
  'sonic', 'spry', 'stable', 'steady', 'stellar', 'still', 'stout', 'sturdy', 'sunny', 'swift',
  'tidy', 'tranquil', 'true', 'upbeat', 'valiant', 'velvet', 'vivid', 'warm', 'wise', 'witty',
] as const;

const nouns = [
  'acorn', 'anchor', 'arrow', 'aspen', 'badger', 'bamboo', 'beacon', 'birch', 'bison', 'bloom',
  'boulder', 'breeze', 'brook', 'canyon', 'cedar', 'cinder', 'cloud', 'clover', 'comet', 'coral',
  'cosmos', 'cove', 'crane', 'creek', 'crystal', 'cypress', 'dawn', 'delta', 'dune', 'eagle',
  'echo', 'ember', 'falcon', 'fern', 'field', 'finch', 'fjord', 'flame', 'forest', 'fox', 'gale',
  'garnet', 'geyser', 'glacier', 'glade', 'grove', 'harbor', 'hawk', 'heron', 'hill', 'horizon',
  'island', 'ivy', 'jaguar', 'jasper', 'lagoon', 'lake', 'lantern', 'lark', 'laurel', 'lichen',
  'lotus', 'lynx', 'maple', 'marble', 'meadow', 'mesa', 'meteor', 'mist', 'moon', 'moss', 'nebula',
  'oasis', 'ocean', 'orbit', 'orchid', 'osprey', 'otter', 'owl', 'panda', 'pebble', 'pine',
  'planet', 'prairie', 'puma', 'quartz', 'quasar', 'rain', 'raven', 'reef', 'ridge', 'river',
  'robin', 'sage', 'sequoia', 'shore', 'sierra', 'sky', 'spruce', 'star', 'stone', 'storm',
  'summit', 'sun', 'swan', 'thunder', 'tide', 'tiger', 'trail', 'tundra', 'valley', 'vertex',
  'willow', 'wind', 'wolf', 'zenith', 'zephyr', 'aurora', 'basin', 'cascade', 'cliff', 'dolphin',
  'estuary', 'galaxy', 'harvest', 'kestrel', 'marsh', 'pond',
] as const;

/** `{{nanoid(N)}}` draws from the alphanumerics. */
const nanoidAlphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export const defaultNameTemplate = '{{adjective}}-{{noun}}-{{nanoid(6)}}';

type TemplatePart = { readonly literal: string } | { readonly word: 'adjective' | 'noun' } | { readonly nanoid: number };

/** A name template, read and checked. */
export interface NameTemplate {
  readonly text: string;
  readonly parts: readonly TemplatePart[];
}

const variablePattern = /\{\{\s*(adjective|noun|nanoid\((\d+)\))\s*\}\}/g;

/** How many names a template can produce. */
function combinations(parts: readonly TemplatePart[]): number {
  let count = 1;
  for (const part of parts) {
    if ('word' in part) count *= part.word === 'adjective' ? adjectives.length : nouns.length;
    if ('nanoid' in part) count *= nanoidAlphabet.length ** part.nanoid;
  }
  return count;
}

function parseParts(text: string): TemplatePart[] | null {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(variablePattern)) {
    if (match.index > last) parts.push({ literal: text.slice(last, match.index) });
    const length = match[2] === undefined ? null : Number(match[2]);
    if (length === null) parts.push({ word: match[1] as 'adjective' | 'noun' });
    else if (length < 1 || length > 21) return null;
    else parts.push({ nanoid: length });
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ literal: text.slice(last) });
  return parts;
}

const defaultCombinations = combinations(parseParts(defaultNameTemplate)!);

/**
 * Reads a name template: `{{adjective}}`, `{{noun}}` and `{{nanoid(N)}}` (1 ≤ N ≤ 21) among
 * literal name characters, starting with a letter or digit, at most 512 characters, and able to
 * produce at least as many names as the default template.
 */
export function parseNameTemplate(text: string, field: string): NameTemplate | Failure {
  if (text.length > nameTemplateLengthMax) return invalidField(field, 'too_long', `${field} must be at most ${nameTemplateLengthMax} characters`);
  const parts = parseParts(text);
  if (parts === null) return invalidField(field, 'invalid_format', `${field}: nanoid(N) takes N from 1 to 21`);
  const literals = parts.filter((part): part is { literal: string } => 'literal' in part).map((part) => part.literal);
  if (literals.some((literal) => !/^[a-zA-Z0-9._-]*$/.test(literal))) {
    return invalidField(field, 'invalid_format', `${field} may hold only name characters and the variables {{adjective}}, {{noun}} and {{nanoid(N)}}`);
  }
  const first = parts[0];
  if (first === undefined || ('literal' in first && !/^[a-zA-Z0-9]/.test(first.literal))) {
    return invalidField(field, 'invalid_format', `${field} must start with a letter or digit`);
  }
  if (combinations(parts) < defaultCombinations) {
    return invalidField(field, 'too_few_combinations', `${field} must produce at least as many names as ${defaultNameTemplate}; add {{nanoid(N)}}`);
  }
  return { text, parts };
}

/** Random bytes a template needs to render: one per word and per nanoid character. */
export function randomBytesNeeded(template: NameTemplate): number {
  return template.parts.reduce((sum, part) => sum + ('word' in part ? 1 : 'nanoid' in part ? part.nanoid : 0), 0);
}

/** Renders a template with the given random bytes; the result is cut to the longest name allowed. */
export function renderNameTemplate(template: NameTemplate, randomBytes: Uint8Array): string {
  let next = 0;
  const take = () => randomBytes[next++]!;
  let name = '';
  for (const part of template.parts) {
    if ('literal' in part) name += part.literal;
    else if ('word' in part) name += part.word === 'adjective' ? adjectives[take() % adjectives.length] : nouns[take() % nouns.length];
    else for (let index = 0; index < part.nanoid; index++) name += nanoidAlphabet[take() % nanoidAlphabet.length];
  }
  return name.slice(0, nameLengthMax);
}

export const defaultTemplate = parseNameTemplate(defaultNameTemplate, 'name') as NameTemplate;

/** A readable name such as `swift-otter-k3R9xA`, from the default template and random bytes. */
export function generateName(randomBytes: Uint8Array): string {
  return renderNameTemplate(defaultTemplate, randomBytes);
}
