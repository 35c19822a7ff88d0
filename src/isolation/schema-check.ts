/**
 * Checks a decoded control or link message against its TypeBox schema, without TypeBox's Value
 * module.
 *
 * Every message between a supervisor and an element host (protocol.ts) and on a link's socket
 * (link-protocol.ts) is checked on arrival: the other side may be compromised. Value does that,
 * but it is large, and both processes load it on their start-up path — an element host only
 * to check the few messages it gets (≈250 ms of a host's start under `bun`, a few ms in the
 * compiled executable). These schemas use a small part of JSON Schema, which is checked here
 * with the same rules as Value.Check: `type` (object, array, string, number, integer, boolean,
 * null), `const`, `anyOf`, `properties` with `required` (other properties allowed, as TypeBox
 * objects allow them), `patternProperties`, `items`, `minItems`/`maxItems`, `minimum`/`maximum`.
 * A schema with any other keyword is refused when it is first checked, so that a protocol
 * change cannot silently weaken a check (schema-check.test.ts compares the two on every
 * protocol schema).
 *
 * Thread: any. Pure.
 */

type Schema = Record<string, unknown>;

/** Keywords understood here; anything else in a schema is a programming error. */
const KNOWN = new Set(["type", "const", "anyOf", "properties", "required", "patternProperties", "items", "minItems", "maxItems", "minimum", "maximum", "description", "title", "default"]);

const verified = new WeakSet<object>();

/** Throws when `schema` (recursively) uses a keyword this checker does not implement. */
function verify(schema: Schema): void {
  if (verified.has(schema)) return;
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema-check: the keyword "${k}" is not supported; extend src/isolation/schema-check.ts`);
  if (schema.additionalProperties !== undefined) throw new Error(`schema-check: additionalProperties is not supported`);
  const children: Schema[] = [
    ...((schema.anyOf as Schema[] | undefined) ?? []),
    ...Object.values((schema.properties as Record<string, Schema> | undefined) ?? {}),
    ...Object.values((schema.patternProperties as Record<string, Schema> | undefined) ?? {}),
    ...(schema.items ? [schema.items as Schema] : []),
  ];
  verified.add(schema);
  for (const c of children) verify(c);
}

const patterns = new Map<string, RegExp>();

/** The first mismatch, as Value.Errors would place it: the JSON pointer and what was wanted. */
export type SchemaMismatch = { path: string; message: string };

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return typeof v === "object" && v !== null && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    default:
      throw new Error(`schema-check: the type "${type}" is not supported`);
  }
}

function check(s: Schema, v: unknown, path: string): SchemaMismatch | null {
  if (s.anyOf !== undefined) {
    for (const alt of s.anyOf as Schema[]) if (check(alt, v, path) === null) return null;
    return { path, message: "must match one of the allowed schemas" };
  }
  if ("const" in s && v !== s.const) return { path, message: `must be ${JSON.stringify(s.const)}` };
  if (typeof s.type === "string" && !typeOk(s.type, v)) return { path, message: `must be ${s.type}` };
  if (typeof v === "number") {
    if (typeof s.minimum === "number" && v < s.minimum) return { path, message: `must be >= ${s.minimum}` };
    if (typeof s.maximum === "number" && v > s.maximum) return { path, message: `must be <= ${s.maximum}` };
  }
  if (Array.isArray(v)) {
    if (typeof s.minItems === "number" && v.length < s.minItems) return { path, message: `must have at least ${s.minItems} items` };
    if (typeof s.maxItems === "number" && v.length > s.maxItems) return { path, message: `must have at most ${s.maxItems} items` };
    if (s.items !== undefined) {
      for (let i = 0; i < v.length; i++) {
        const e = check(s.items as Schema, v[i], `${path}/${i}`);
        if (e) return e;
      }
    }
  }
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    for (const k of (s.required as string[] | undefined) ?? []) if (!Object.hasOwn(o, k) || o[k] === undefined) return { path: `${path}/${k}`, message: "is required" };
    const props = s.properties as Record<string, Schema> | undefined;
    if (props !== undefined) {
      for (const [k, ps] of Object.entries(props)) {
        if (!Object.hasOwn(o, k) || o[k] === undefined) continue;
        const e = check(ps, o[k], `${path}/${k}`);
        if (e) return e;
      }
    }
    const pp = s.patternProperties as Record<string, Schema> | undefined;
    if (pp !== undefined) {
      for (const [src, ps] of Object.entries(pp)) {
        let re = patterns.get(src);
        if (!re) patterns.set(src, (re = new RegExp(src)));
        for (const k of Object.keys(o)) {
          if (!re.test(k)) continue;
          const e = check(ps, o[k], `${path}/${k}`);
          if (e) return e;
        }
      }
    }
  }
  return null;
}

/** The first place where `value` does not match `schema`, or null when it matches. */
export function schemaMismatch(schema: object, value: unknown): SchemaMismatch | null {
  verify(schema as Schema);
  return check(schema as Schema, value, "");
}
