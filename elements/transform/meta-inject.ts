/**
 * meta-inject: puts fields into each buffer's metadata (`buf.meta`), so later elements and
 * the application can read them (a camera name, a zone, a tenant). `fields` is either a list
 * `key=value,key2=value2` (values typed as numbers, true/false, or text; quote text that holds
 * commas: `name="a, b"`) or a JSON object. With `overwrite=false`, fields the buffer already
 * has keep their value. The fields may be changed while running (`set("fields", …)`).
 *
 * A buffer without metadata gets one shared frozen record (no allocation); a buffer that has
 * some gets a merged copy, so buffers sharing a record (tee branches) never see each other's
 * fields.
 */
import type { Buffer } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_FIELDS = "";
export const DEFAULT_OVERWRITE = true;

const Props = Type.Object({
  fields: Type.String({ default: DEFAULT_FIELDS, description: "Fields to add: key=value,key2=value2 or a JSON object", mutable: true }),
  overwrite: Type.Boolean({ default: DEFAULT_OVERWRITE, description: "Replace fields the buffer already has", mutable: true }),
});
type P = Static<typeof Props>;

export class MetaInject extends Transform<P> {
  static override meta: ElementMeta = {
    name: "meta-inject",
    category: "transform",
    description: "Adds fields to each buffer's metadata",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: false }, // merging into existing metadata allocates
    authority: "none",
  };

  #fields: Readonly<Record<string, unknown>> = Object.freeze({});
  #empty = true;

  protected override validate(): void {
    try {
      this.#fields = Object.freeze(parseFields(this.props.fields));
    } catch (err) {
      throw new PropertyError(this.name, "fields", `property "fields" of ${this.name}: ${(err as Error).message}`, 'write key=value,key2=value2 or a JSON object such as {"zone":3}');
    }
    this.#empty = Object.keys(this.#fields).length === 0;
  }

  /** The parsed fields. */
  get fields(): Readonly<Record<string, unknown>> {
    return this.#fields;
  }

  transform(buf: Buffer): Buffer {
    if (this.#empty) return buf;
    const m = buf.meta;
    if (m === null) buf.meta = this.#fields as Record<string, unknown>;
    else buf.meta = this.props.overwrite ? { ...m, ...this.#fields } : { ...this.#fields, ...m };
    return buf;
  }
}

/** Parses `key=value,…` (typed values, quoted text) or a JSON object. */
export function parseFields(text: string): Record<string, unknown> {
  const t = text.trim();
  if (t === "") return {};
  if (t.startsWith("{")) {
    const v = JSON.parse(t) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("the JSON must be an object");
    return v as Record<string, unknown>;
  }
  const out: Record<string, unknown> = {};
  let i = 0;
  while (i < t.length) {
    const eq = t.indexOf("=", i);
    if (eq < 0) throw new Error(`"${t.slice(i)}" has no "=" (write key=value)`);
    const key = t.slice(i, eq).trim();
    if (!/^[A-Za-z_][\w.-]*$/.test(key)) throw new Error(`"${key}" is not a field name (letters, digits, _ . -)`);
    i = eq + 1;
    let value: unknown;
    if (t[i] === '"') {
      const close = t.indexOf('"', i + 1);
      if (close < 0) throw new Error(`the quoted value of "${key}" is not closed`);
      value = t.slice(i + 1, close);
      i = close + 1;
      while (i < t.length && t[i] === " ") i++;
      if (i < t.length && t[i] !== ",") throw new Error(`expected "," after the value of "${key}"`);
    } else {
      const comma = t.indexOf(",", i);
      const raw = (comma < 0 ? t.slice(i) : t.slice(i, comma)).trim();
      i = comma < 0 ? t.length : comma;
      value = raw === "true" ? true : raw === "false" ? false : raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    }
    out[key] = value;
    if (t[i] === ",") i++;
  }
  return out;
}
