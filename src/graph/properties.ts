/**
 * Element properties: a TypeBox object schema per element drives everything about them.
 *
 * The schema's keys are camelCase (the TypeScript API: `{ numBuffers: 10 }`); launch strings
 * and `inspect` use the kebab-case form GStreamer users type (`num-buffers=10`). Text from a
 * launch string is converted with TypeBox's Value.Convert, then checked; a failure becomes a
 * PropertyError that says which property, what it expects (type, range, choices) and what it
 * got. Defaults come from the schema (every default is also a named constant in the element).
 *
 * Start-up cost: TypeBox's Value module (conversion, checking, defaults) is large, and loading
 * it was a good part of the `parallax` command's start-up. Every built-in property is a scalar
 * (integer, number, boolean, string, or an enum of strings), so those are converted, checked and
 * defaulted here with TypeBox's own rules (`scalarKind` says which schemas qualify); any other
 * schema goes to Value, which is then loaded on first use. properties.test.ts checks both paths
 * agree on every built-in property.
 */
import type { TSchema } from "typebox";
import { Type } from "./property-types.ts";

// Elements build their schemas with these (TypeBox's builders, made without loading TypeBox).
export { Type };
export type { Static, TSchema } from "typebox";

export type PropertySchema = ReturnType<typeof Type.Object>;

export class PropertyError extends Error {
  constructor(
    readonly element: string,
    readonly property: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "PropertyError";
  }
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase());
}

export function camel(name: string): string {
  // As name.replace(/[-_]([a-z0-9])/g, upper-case), written out: a launch converts each
  // property name, and a regular expression with a callback costs a first-use compilation of
  // JavaScriptCore's replace machinery (≈0.5 ms) that a one-buffer launch need not pay.
  if (name.indexOf("-") < 0 && name.indexOf("_") < 0) return name;
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const next = i + 1 < name.length ? name.charCodeAt(i + 1) : 0;
    const lowerOrDigit = (next >= 0x61 && next <= 0x7a) || (next >= 0x30 && next <= 0x39);
    if ((c === 0x2d || c === 0x5f) && lowerOrDigit) {
      out += name[i + 1]!.toUpperCase();
      i++;
    } else out += name[i];
  }
  return out;
}

type SchemaLike = TSchema & {
  type?: string;
  enum?: unknown[];
  anyOf?: { const?: unknown }[];
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
  readOnly?: boolean;
  mutable?: boolean;
};

/** Human description of what a property accepts: "integer in [-1, 2147483647]", "one of a, b". */
export function describeType(schema: TSchema): string {
  const s = schema as SchemaLike;
  const choices = enumChoices(s);
  if (choices) return `one of ${choices.join(", ")}`;
  const range =
    s.minimum !== undefined || s.maximum !== undefined
      ? ` in [${s.minimum ?? "-inf"}, ${s.maximum ?? "inf"}]`
      : "";
  switch (s.type) {
    case "integer":
      return `integer${range}`;
    case "number":
      return `number${range}`;
    case "boolean":
      return "boolean (true/false)";
    case "string":
      return "string";
    default:
      return s.type ?? "value";
  }
}

export function enumChoices(schema: TSchema): string[] | null {
  const s = schema as SchemaLike;
  if (Array.isArray(s.enum)) return s.enum.map(String);
  if (Array.isArray(s.anyOf) && s.anyOf.every((x) => "const" in x)) {
    return s.anyOf.map((x) => String(x.const));
  }
  return null;
}

export function schemaDefault(schema: TSchema): unknown {
  return (schema as SchemaLike).default;
}

export function schemaDescription(schema: TSchema): string {
  return (schema as SchemaLike).description ?? "";
}

/** True when the property may be changed while the pipeline runs (`{ mutable: true }`). */
export function isMutable(schema: TSchema): boolean {
  return (schema as SchemaLike).mutable === true;
}

/** The schema of one property, looked up by camelCase or kebab-case name. */
export function propertySchema(props: PropertySchema, name: string): TSchema | undefined {
  const key = camel(name);
  return (props.properties as Record<string, TSchema>)[key];
}

/**
 * Converts and checks one value (text from a launch string, or a JS value from the API).
 * Throws PropertyError with a message that says what the property expects.
 */
export function coerceProperty(
  element: string,
  props: PropertySchema,
  name: string,
  raw: unknown,
): { key: string; value: unknown } {
  const key = camel(name);
  const schema = propertySchema(props, key);
  if (!schema) {
    const names = Object.keys(props.properties).map(kebab);
    throw new PropertyError(
      element,
      name,
      `${element} has no property "${name}"`,
      names.length ? `its properties are: ${names.join(", ")}` : `${element} has no properties`,
    );
  }
  let value = raw;
  const s = schema as SchemaLike;
  if (typeof raw === "string") {
    // Enum values from launch strings may be typed in any case; GStreamer also accepts the
    // enum's position number for some enums, which we do not.
    if (s.type === "boolean" && /^(yes|no|on|off|1|0)$/i.test(raw)) {
      value = /^(yes|on|1)$/i.test(raw);
    } else {
      value = convertValue(schema, raw);
    }
  }
  if (!checkValue(schema, value)) {
    const shown = typeof raw === "string" ? `"${raw}"` : typeof raw === "bigint" ? `${raw}n` : JSON.stringify(raw);
    throw new PropertyError(
      element,
      name,
      `property "${kebab(key)}" of ${element} expects ${describeType(schema)}, got ${shown}`,
      describeHint(schema),
    );
  }
  return { key, value };
}

function describeHint(schema: TSchema): string {
  const d = schemaDefault(schema);
  const desc = schemaDescription(schema);
  const parts = [];
  if (desc) parts.push(desc);
  if (d !== undefined) parts.push(`default ${JSON.stringify(d)}`);
  return parts.join("; ");
}

/** The full property record: defaults from the schema, overridden by `given` (already coerced). */
export function withDefaults<T>(props: PropertySchema, given: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...given };
  if (!scalarObject(props)) return typeboxValue().Default(props, out) as T;
  for (const [key, schema] of Object.entries(props.properties as Record<string, SchemaLike>)) {
    // As Value.Default: only a missing (undefined) value takes the default.
    if (out[key] === undefined && "default" in schema) out[key] = schema.default;
  }
  return out as T;
}

// ---------------------------------------------------------------------------------------------
// Scalar schemas without TypeBox's Value module
// ---------------------------------------------------------------------------------------------

type ValueModule = typeof import("typebox/value").default;
let valueModule: ValueModule | undefined;

/** TypeBox's Value module, loaded on first use (synchronously: it has no top-level await). */
function typeboxValue(): ValueModule {
  return (valueModule ??= (require("typebox/value") as typeof import("typebox/value")).default);
}

type ScalarKind = "integer" | "number" | "boolean" | "string" | "enum";

/** TypeBox kinds (the hidden `~kind`) handled here, with the JSON Schema `type` each must have. */
const SCALAR_KINDS: Record<string, ScalarKind> = { Integer: "integer", Number: "number", Boolean: "boolean", String: "string", Enum: "enum" };

/** Keywords that leave conversion and checking alone, or that are checked here. */
const SCALAR_KEYWORDS = new Set(["type", "enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "default", "description", "title", "mutable", "readOnly", "~kind", "~optional", "~readonly"]);

const scalarCache = new WeakMap<object, ScalarKind | null>();

/**
 * Which scalar a schema is, when this module converts and checks it exactly as Value would; null
 * sends it to Value. Only TypeBox-built schemas qualify (Value converts only those), with no
 * keyword beyond SCALAR_KEYWORDS (a `pattern`, a `~refine` and the like go to Value), a
 * primitive default, and for an enum, string members.
 */
export function scalarKind(schema: TSchema): ScalarKind | null {
  let kind = scalarCache.get(schema);
  if (kind !== undefined) return kind;
  kind = classify(schema as SchemaLike & Record<string, unknown>);
  scalarCache.set(schema, kind);
  return kind;
}

function classify(s: SchemaLike & Record<string, unknown>): ScalarKind | null {
  const kind = SCALAR_KINDS[s["~kind"] as string];
  if (!kind) return null;
  // Plain loops, not every(): each array builtin costs a first-use compilation at start-up.
  for (const k of Object.getOwnPropertyNames(s)) if (!SCALAR_KEYWORDS.has(k)) return null;
  if (Object.getOwnPropertySymbols(s).length > 0) return null;
  if ("default" in s && s.default !== null && (typeof s.default === "object" || typeof s.default === "function")) return null;
  if (kind === "enum") {
    if ("type" in s || !Array.isArray(s.enum)) return null;
    for (const v of s.enum) if (typeof v !== "string") return null;
    return "enum";
  }
  return s.type === kind && !("enum" in s) ? kind : null;
}

/** An object schema whose properties are all scalars, with no other keyword that fills values. */
function scalarObject(props: PropertySchema): boolean {
  const p = props as unknown as Record<string, unknown>;
  if (p.type !== "object" || "default" in p || (p.additionalProperties !== undefined && typeof p.additionalProperties !== "boolean")) return false;
  for (const s of Object.values(props.properties as Record<string, TSchema>)) if (scalarKind(s) === null) return false;
  return true;
}

/** Value.Convert of launch-string text. */
function convertValue(schema: TSchema, raw: string): unknown {
  switch (scalarKind(schema)) {
    case "integer": {
      const n = textToNumber(raw);
      return n === undefined ? raw : Math.trunc(n);
    }
    case "number":
      return textToNumber(raw) ?? raw;
    case "boolean": {
      const l = raw.toLowerCase();
      return l === "true" ? true : l === "false" ? false : raw;
    }
    case "string":
    case "enum": // string members only: the text is the value
      return raw;
    default:
      return typeboxValue().Convert(schema, raw);
  }
}

const BIGINT_TEXT = /^-?(0|[1-9]\d*)n$/;

/** TypeBox's text-to-number rule: `+text` when finite, true/false as 1/0, `123n`; else undefined. */
function textToNumber(raw: string): number | undefined {
  const n = +raw;
  if (Number.isFinite(n)) return n;
  const l = raw.toLowerCase();
  if (l === "false") return 0;
  if (l === "true") return 1;
  if (BIGINT_TEXT.test(raw)) {
    const b = BigInt(raw.slice(0, -1));
    return b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(b) : undefined;
  }
  return undefined;
}

/** Value.Check. */
function checkValue(schema: TSchema, value: unknown): boolean {
  const s = schema as SchemaLike & { exclusiveMinimum?: number; exclusiveMaximum?: number };
  switch (scalarKind(schema)) {
    case "integer":
    case "number": {
      if (typeof value !== "number" || !(s.type === "integer" ? Number.isInteger(value) : Number.isFinite(value))) return false;
      return (
        (s.minimum === undefined || value >= s.minimum) &&
        (s.maximum === undefined || value <= s.maximum) &&
        (s.exclusiveMinimum === undefined || value > s.exclusiveMinimum) &&
        (s.exclusiveMaximum === undefined || value < s.exclusiveMaximum)
      );
    }
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "enum":
      return s.enum!.includes(value);
    default:
      return typeboxValue().Check(schema, value);
  }
}
