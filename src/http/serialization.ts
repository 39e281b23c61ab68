// Response schemas as the serializer reads them. fast-json-stringify writes a value of a union
// (`anyOf`) by asking ajv, on every answer, which branch the value matches, then writing it as
// that branch says: for `Nullable(...)` and for unions of literals, which most responses carry
// (a pool's `tags`, each schedule entry's `end_at`, a resource's `status`), that check cost more
// than writing the value. Such a union is written the same whichever branch matches — `null`, or
// the value as its one type writes it — so the serializer is given the union in a form it writes
// without asking: `nullable` (OpenAPI's keyword, which fast-json-stringify reads as "null, or
// this") and one `type` for literals of one type. Other unions are left as they are.
//
// Only the serializer reads this copy: validation, the served OpenAPI document and the tests'
// response checks read the route's schema as it is. A value the schema refuses was a bug before
// (answered as a 500) and is now written as it is; the API tests check every answer against SF
// Compute's reference.

type SchemaNode = Record<string, unknown>;

/** Keywords whose value maps names to schemas. */
const schemaMaps = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
/** Keywords whose value is a schema or a list of schemas. */
const subschemas = new Set(['items', 'prefixItems', 'additionalItems', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else']);
/** Keywords that describe and do not change how a value is written. */
const annotations = new Set(['description', 'title', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly', '$comment']);
/** Keywords that change how fast-json-stringify writes a value beyond its type, or pick among values. */
const shaping = new Set(['anyOf', 'oneOf', 'allOf', 'if', '$ref', 'nullable', 'format', 'default']);
/** Keywords a scalar branch of a union may have and still be written by its type alone. */
const scalarKeywords = new Set(['type', 'const', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', ...annotations]);
const scalarTypes = new Set(['string', 'number', 'integer', 'boolean']);

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyAnnotations(node: SchemaNode, except: readonly string[]): boolean {
  return Object.keys(node).every((key) => except.includes(key) || annotations.has(key));
}

function isNullBranch(node: unknown): boolean {
  return isNode(node) && node.type === 'null' && onlyAnnotations(node, ['type']);
}

/** A branch written by its one scalar type whatever else it says (a literal, a pattern, bounds). */
function scalarTypeOf(node: unknown): string | null {
  if (!isNode(node) || typeof node.type !== 'string' || !scalarTypes.has(node.type)) return null;
  return Object.keys(node).every((key) => scalarKeywords.has(key)) ? node.type : null;
}

/** The union in a form written without asking which branch matches, or null to leave it. */
function simplifiedUnion(node: SchemaNode): SchemaNode | null {
  const branches = node.anyOf;
  if (!Array.isArray(branches) || !onlyAnnotations(node, ['anyOf'])) return null;
  const nullable = branches.some(isNullBranch);
  const others = branches.filter((branch) => !isNullBranch(branch));
  if (others.length === 0) return null;
  const types = new Set(others.map(scalarTypeOf));
  if (types.size === 1 && !types.has(null)) return nullable ? { type: [...types][0], nullable: true } : { type: [...types][0] };
  // `null` or one schema of one type: that schema, nullable.
  const [only] = others;
  if (nullable && others.length === 1 && isNode(only) && typeof only.type === 'string' && !Object.keys(only).some((key) => shaping.has(key))) return { ...only, nullable: true };
  return null;
}

/** A copy of a response schema for fast-json-stringify, its simple unions rewritten (see the header). */
export function serializableSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(serializableSchema);
  if (!isNode(schema)) return schema;
  const node: SchemaNode = {};
  for (const [key, value] of Object.entries(schema)) {
    if (subschemas.has(key)) node[key] = serializableSchema(value);
    else if (schemaMaps.has(key) && isNode(value)) node[key] = Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, serializableSchema(entry)]));
    else node[key] = value;
  }
  return simplifiedUnion(node) ?? node;
}
