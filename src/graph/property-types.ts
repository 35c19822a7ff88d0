/**
 * The TypeBox builders elements declare their properties with (`Type.Object`, `Type.Integer`,
 * …), made without loading TypeBox.
 *
 * Why: TypeBox's modules import one another so widely that importing any builder loads nearly
 * all of it (≈140 KB, 300 modules, a few ms of module evaluation: character tables, regular
 * expressions), and every `parallax launch` loaded it for the schemas of the elements it named,
 * a good part of a one-buffer launch's start-up. The simple builders only make plain objects, so
 * they are written here with TypeBox 1.x's own rules (src/graph/property-types.test.ts checks
 * that each makes the very object TypeBox makes, hidden `~kind` included, and that TypeBox's
 * Value accepts them alike): enumerable fields, then the options, then the hidden ones. Record
 * and Refine need TypeBox's engine and load it on their first call.
 *
 * What it does not follow: TypeBox's global settings (`enumerableKind`, `immutableTypes`); the
 * elements' schemas are made at module load, with the defaults. The library API (src/index.ts)
 * exports TypeBox's own `Type`, with every builder.
 */
import type TypeBox from "typebox";

type Builders = Pick<
  typeof TypeBox,
  "Array" | "Boolean" | "Enum" | "Integer" | "Literal" | "Null" | "Number" | "Object" | "Optional" | "Record" | "Refine" | "String" | "Union" | "Unknown"
>;

type Schema = Record<string, unknown>;

/** TypeBox's Memory.Create: enumerable fields, then options, then non-enumerable hidden ones. */
function create(kind: string, enumerable: Schema, options: object | undefined): Schema {
  const schema: Schema = { ...enumerable, ...options };
  Object.defineProperty(schema, "~kind", { configurable: true, writable: true, enumerable: false, value: kind });
  return schema;
}

const UNSAFE_KEYS = ["__proto__", "constructor", "prototype"];

/** TypeBox's Memory.Update as AddOptional uses it: a copy of `type` with hidden `~optional`. */
function withOptional(type: Schema): Schema {
  const result: Schema = {};
  for (const key of Reflect.ownKeys(type)) {
    if (key === "~optional" || (typeof key === "string" && UNSAFE_KEYS.includes(key))) continue;
    Object.defineProperty(result, key, Object.getOwnPropertyDescriptor(type, key)!);
  }
  Object.defineProperty(result, "~optional", { configurable: true, writable: true, enumerable: false, value: true });
  return result;
}

const isOptional = (s: unknown) => typeof s === "object" && s !== null && "~optional" in s;

function literalType(value: unknown): string {
  switch (typeof value) {
    case "bigint":
    case "boolean":
    case "number":
    case "string":
      return typeof value;
    default:
      throw new Error("Invalid Literal value");
  }
}

/** TypeBox itself, for the builders that need its engine (loaded on first use). */
let typebox: typeof TypeBox | null = null;
const full = (): typeof TypeBox => (typebox ??= (require("typebox") as { default: typeof TypeBox }).default);

const builders = {
  Array: (items: Schema, options?: object) => create("Array", { type: "array", items }, options),
  Boolean: (options?: object) => create("Boolean", { type: "boolean" }, options),
  Enum: (values: unknown, options?: object) => {
    // A TypeScript enum object gives its values (numeric enums also map value → name).
    const list =
      typeof values === "object" && values !== null && !Array.isArray(values)
        ? Object.getOwnPropertyNames(values)
            .filter((k) => isNaN(k as unknown as number))
            .map((k) => (values as Schema)[k])
        : values;
    return create("Enum", { enum: list }, options);
  },
  Integer: (options?: object) => create("Integer", { type: "integer" }, options),
  Literal: (value: unknown, options?: object) => create("Literal", { type: literalType(value), const: value }, options),
  Null: (options?: object) => create("Null", { type: "null" }, options),
  Number: (options?: object) => create("Number", { type: "number" }, options),
  Object: (properties: Schema, options: object = {}) => {
    const required: string[] = [];
    for (const k of Object.getOwnPropertyNames(properties)) if (!isOptional(properties[k])) required.push(k);
    return create("Object", { type: "object", ...(required.length > 0 ? { required } : {}), properties }, options);
  },
  Optional: (type: Schema) => withOptional(type),
  Record: (...args: unknown[]) => (full().Record as (...a: unknown[]) => unknown)(...args),
  Refine: (...args: unknown[]) => (full().Refine as (...a: unknown[]) => unknown)(...args),
  String: (options?: object) => create("String", { type: "string" }, options),
  Union: (anyOf: Schema[], options: object = {}) => create("Union", { anyOf }, options),
  Unknown: (options?: object) => create("Unknown", {}, options),
};

/** The builders, typed as TypeBox's own (the objects are the same). */
export const Type: Builders = builders as unknown as Builders;
