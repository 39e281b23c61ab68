// Named component schemas for the served OpenAPI document, so that code generators make one type
// per resource (PoolResponse, ScheduleEntry, …) instead of one per place it appears. Every schema
// that src/http/schemas/ exports is a component named after its export; most of the names are SF
// Compute's own. Routes keep using the schema objects themselves — ajv and the serializer never
// see a `$id` or a `$ref` (ajv refuses one `$id` met twice in a schema) — and only the document
// names them: `markNamedSchemas` tags each use of a named schema in a route's body and responses
// as swagger reads the route, and `hoistNamedSchemas` moves each tagged schema into
// `components.schemas` once, leaving a `$ref` wherever it was used.

import Type from 'typebox';
import * as accounts from './schemas/accounts.js';
import * as common from './schemas/common.js';
import * as deployments from './schemas/deployments.js';
import * as featureFlags from './schemas/feature-flags.js';
import * as fleet from './schemas/fleet.js';
import * as images from './schemas/images.js';
import * as instanceSkus from './schemas/instance-skus.js';
import * as instances from './schemas/instances.js';
import * as legacyV0 from './schemas/legacy-v0.js';
import * as money from './schemas/money.js';
import * as nodes from './schemas/nodes.js';
import * as operator from './schemas/operator.js';
import * as orderbook from './schemas/orderbook.js';
import * as orders from './schemas/orders.js';
import * as poolTransfers from './schemas/pool-transfers.js';
import * as pools from './schemas/pools.js';
import * as procurements from './schemas/procurements.js';
import * as tokens from './schemas/tokens.js';
import * as users from './schemas/users.js';
import * as vms from './schemas/vms.js';
import * as workspaces from './schemas/workspaces.js';

/** The schema modules whose exports are named; test/api/openapi-document.test.ts checks none is missing. */
export const schemaModules: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  accounts, common, deployments, 'feature-flags': featureFlags, fleet, images, 'instance-skus': instanceSkus, instances, 'legacy-v0': legacyV0, money, nodes, operator, orderbook, orders, 'pool-transfers': poolTransfers, pools, procurements, tokens, users, vms, workspaces,
};

/** The key that tags a named schema between the two steps. */
const componentKey = 'x-allot-component';
const componentsPath = '#/components/schemas/';

type SchemaObject = Record<string, unknown>;

function isObject(value: unknown): value is SchemaObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface NamedSchemas {
  readonly byObject: ReadonlyMap<object, string>;
  readonly byName: ReadonlyMap<string, SchemaObject>;
  /** Named schemas by each object they hold (their properties, items, members): where to look for a copy's original. */
  readonly byPart: ReadonlyMap<unknown, readonly SchemaObject[]>;
}

function collectNamedSchemas(): NamedSchemas {
  const byObject = new Map<object, string>();
  const byName = new Map<string, SchemaObject>();
  const byPart = new Map<unknown, SchemaObject[]>();
  for (const [module, exports] of Object.entries(schemaModules)) {
    for (const [name, value] of Object.entries(exports)) {
      if (!isObject(value) || !Type.IsSchema(value) || byObject.has(value)) continue;
      if (byName.has(name)) throw new Error(`Two schemas are exported as ${name} (one of them in schemas/${module}.ts): component names must be unique`);
      byObject.set(value, name);
      byName.set(name, value);
      for (const part of Object.values(value)) {
        if (typeof part === 'object' && part !== null) byPart.set(part, [...(byPart.get(part) ?? []), value]);
      }
    }
  }
  return { byObject, byName, byPart };
}

let namedSchemas: NamedSchemas | null = null;

function named(): NamedSchemas {
  namedSchemas ??= collectNamedSchemas();
  return namedSchemas;
}

/**
 * Whether `candidate` is a copy of `original` that differs at most in its description:
 * `Type.Optional(X)` and `{ ...X, description }` make such copies, sharing X's parts.
 */
function isCopyOf(candidate: SchemaObject, original: SchemaObject): boolean {
  const keys = Object.keys(original).filter((key) => key !== 'description');
  const candidateKeys = Object.keys(candidate).filter((key) => key !== 'description');
  return keys.length === candidateKeys.length && keys.every((key) => candidate[key] === original[key]);
}

function nameOf(schema: SchemaObject): string | undefined {
  const { byObject, byPart } = named();
  const direct = byObject.get(schema);
  if (direct !== undefined) return direct;
  for (const part of Object.values(schema)) {
    if (typeof part !== 'object' || part === null) continue;
    const original = byPart.get(part)?.find((candidate) => isCopyOf(schema, candidate));
    if (original !== undefined) return byObject.get(original);
  }
  return undefined;
}

/** A copy of `schema` in which every use of a named schema carries its name. */
function markCopy(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(markCopy);
  if (!isObject(schema)) return schema;
  const copy: SchemaObject = {};
  for (const [key, value] of Object.entries(schema)) copy[key] = markCopy(value);
  const name = nameOf(schema);
  if (name !== undefined) copy[componentKey] = name;
  return copy;
}

/** A route's schema as the document should read it: its body and responses' named schemas tagged. */
export function markNamedSchemas(schema: SchemaObject): SchemaObject {
  const marked: SchemaObject = { ...schema };
  if (schema.body !== undefined) marked.body = markCopy(schema.body);
  if (isObject(schema.response)) {
    marked.response = Object.fromEntries(Object.entries(schema.response).map(([status, response]) => [status, markCopy(response)]));
  }
  return marked;
}

/**
 * Moves every tagged schema of the finished document into `components.schemas` and leaves a
 * `$ref` where it was. A use whose description differs from the component's keeps it beside the
 * `$ref` (OpenAPI 3.1 allows a description there).
 */
export function hoistNamedSchemas(document: SchemaObject): SchemaObject {
  const components: SchemaObject = {};
  const hoist = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(hoist);
    if (!isObject(value)) return value;
    const copy: SchemaObject = {};
    for (const [key, inner] of Object.entries(value)) if (key !== componentKey) copy[key] = hoist(inner);
    const name = value[componentKey];
    if (typeof name !== 'string') return copy;
    const componentDescription = named().byName.get(name)?.description;
    if (components[name] === undefined) {
      const { description: _useDescription, ...component } = copy;
      components[name] = componentDescription === undefined ? component : { ...component, description: componentDescription };
    }
    return copy.description === undefined || copy.description === componentDescription ? { $ref: `${componentsPath}${name}` } : { $ref: `${componentsPath}${name}`, description: copy.description };
  };
  const paths = hoist(document.paths);
  const existing = isObject(document.components) ? document.components : {};
  const existingSchemas = isObject(existing.schemas) ? existing.schemas : {};
  const sorted = Object.fromEntries(Object.entries({ ...existingSchemas, ...components }).sort(([a], [b]) => a.localeCompare(b)));
  return { ...document, paths, components: { ...existing, schemas: sorted } };
}
