/**
 * Element properties: a TypeBox object schema per element drives everything about them.
 *
 * The schema's keys are camelCase (the TypeScript API: `{ numBuffers: 10 }`); launch strings
 * and `inspect` use the kebab-case form GStreamer users type (`num-buffers=10`). Text from a
 * launch string is converted with TypeBox's Value.Convert, then checked; a failure becomes a
 * PropertyError that says which property, what it expects (type, range, choices) and what it
 * got. Defaults come from the schema (every default is also a named constant in the element).
 */
import Type, { type TSchema } from "typebox";
import Value from "typebox/value";

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
  return name.replace(/[-_]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
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
      value = Value.Convert(schema, raw);
    }
  }
  if (!Value.Check(schema, value)) {
    const shown = typeof raw === "string" ? `"${raw}"` : JSON.stringify(raw);
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
  return Value.Default(props, { ...given }) as T;
}
