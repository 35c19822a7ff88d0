/**
 * Structure: one media type with named fields, the unit that Caps are a list of.
 *
 * `video/x-raw(memory:memfd), format=(string)I420, width=(int)[ 16, 4096 ]` is one structure:
 * a media type name, optional caps features (features.ts) and ordered fields. Each field holds
 * a Value (value.ts), a set of acceptable settings, together with the NumKind of its plain
 * numbers, because JavaScript cannot tell the int 320 from the double 320.0 and GStreamer
 * treats them as different types.
 *
 * Structures are immutable: `with` and `without` return new structures. The set operations
 * follow gststructure.c: two structures intersect when their names are equal, their features
 * match and every field present on both sides intersects; a field present on one side only is
 * kept as it is (an absent field means "anything"). A structure is a subset of another when
 * the names and features agree and every field of the superset is present in the subset with
 * a value contained in the superset's.
 *
 * Fields keep insertion order (it is the printed order) and are looked up by a linear scan:
 * structures have a handful of fields, where a scan beats hashing.
 */

import {
  type Features,
  featuresMatch,
  featuresSame,
  formatFeatures,
  isAnyFeatures,
  normaliseFeatures,
} from "./features.ts";
import { type Preferred, fixateDefault, fixateNearest } from "./fixate.ts";
import { formatTypedValue, formatValue, isSimpleChar } from "./format.ts";
import { fractionFromNumber, isFraction } from "./fraction.ts";
import {
  DoubleRange,
  type FieldType,
  FractionRange,
  IntRange,
  type NumKind,
  type Value,
  ValueList,
  checkValue,
  inferKind,
  intersectValues,
  isFixedValue,
  isValueSubset,
  typeOfValue,
  unionValues,
  valuesEqual,
  valuesIntersect,
} from "./value.ts";

/** One field as stored: the value and the kind of its plain numbers. */
export interface FieldEntry {
  readonly name: string;
  readonly value: Value;
  readonly kind: NumKind;
}

// Set by makeStructure so that structures built from already-checked parts skip validation.
let trusted = false;

/**
 * Builds a structure from parts that are already valid (parser output, results of set
 * operations). Internal to the caps module.
 */
export function makeStructure(name: string, features: Features, fields: readonly FieldEntry[]): Structure {
  trusted = true;
  try {
    return new Structure(name, features, fields);
  } finally {
    trusted = false;
  }
}

export class Structure {
  /** The media type, e.g. "video/x-raw". */
  readonly name: string;
  /** Caps features, e.g. ["memory:memfd"]; null means system memory; ["ANY"] matches any. */
  readonly features: readonly string[] | null;
  readonly #fields: readonly FieldEntry[];
  #text: string | undefined;

  /**
   * An empty structure (add fields with `with`, or use `Structure.of`). Throws a TypeError
   * for an invalid media type name or feature.
   */
  constructor(name: string, features: readonly string[] | null = null, fields: readonly FieldEntry[] = []) {
    if (trusted) {
      this.name = name;
      this.features = features;
      this.#fields = fields;
      return;
    }
    checkMediaType(name);
    this.name = name;
    this.features = normaliseFeatures(features);
    const checked: FieldEntry[] = [];
    for (const f of fields) {
      checkFieldName(f.name);
      if (checked.some((c) => c.name === f.name)) {
        throw new TypeError(`field "${f.name}" is given twice in ${name}; give each field once`);
      }
      checked.push({ name: f.name, ...typed(f.name, f.value, f.kind) });
    }
    this.#fields = Object.freeze(checked);
  }

  /**
   * A structure from a record of values; ints and doubles are told apart with
   * Number.isInteger (use `with(field, value, "double")` for a whole-number double).
   */
  static of(name: string, fields: Record<string, Value> = {}, features: readonly string[] | null = null): Structure {
    checkMediaType(name);
    const entries: FieldEntry[] = [];
    for (const key of Object.keys(fields)) {
      checkFieldName(key);
      entries.push({ name: key, ...typed(key, fields[key]!) });
    }
    return makeStructure(name, normaliseFeatures(features), Object.freeze(entries));
  }

  get(field: string): Value | undefined {
    return this.#find(field)?.value;
  }

  has(field: string): boolean {
    return this.#find(field) !== undefined;
  }

  /** The printed type of a field: "int" for `(int)[ 1, 2 ]`, the first element's for a list. */
  typeOf(field: string): FieldType | undefined {
    const f = this.#find(field);
    return f === undefined ? undefined : typeOfValue(f.value, f.kind);
  }

  /** Number of fields. */
  get size(): number {
    return this.#fields.length;
  }

  *fields(): IterableIterator<[string, Value]> {
    for (const f of this.#fields) yield [f.name, f.value];
  }

  /** The stored fields with their number kinds. Internal to the caps module. */
  entries(): readonly FieldEntry[] {
    return this.#fields;
  }

  /**
   * A copy with `field` set (replaced in place, or appended). Without `type`, plain numbers
   * are ints when Number.isInteger, else doubles; with `type` the value is checked against it
   * (`"fraction"` also accepts numbers: 30 -> 30/1, 29.97 -> 2997/100).
   */
  with(field: string, value: Value, type?: FieldType): Structure {
    checkFieldName(field);
    const entry: FieldEntry = { name: field, ...typed(field, value, type) };
    const i = this.#index(field);
    const fields = this.#fields.slice();
    if (i < 0) fields.push(entry);
    else fields[i] = entry;
    return makeStructure(this.name, this.features, Object.freeze(fields));
  }

  without(field: string): Structure {
    const i = this.#index(field);
    if (i < 0) return this;
    const fields = this.#fields.slice();
    fields.splice(i, 1);
    return makeStructure(this.name, this.features, Object.freeze(fields));
  }

  /** A copy with other caps features (null for system memory). */
  withFeatures(features: readonly string[] | null): Structure {
    return makeStructure(this.name, normaliseFeatures(features), this.#fields);
  }

  /** True when every field holds a single setting and the features are not ANY. */
  isFixed(): boolean {
    if (isAnyFeatures(this.features)) return false;
    for (const f of this.#fields) if (!isFixedValue(f.value)) return false;
    return true;
  }

  /** The common part of two structures, or null when they have nothing in common. */
  intersect(other: Structure): Structure | null {
    if (other === this) return this;
    if (this.name !== other.name || !featuresMatch(this.features, other.features)) return null;
    const out: FieldEntry[] = [];
    for (const f of this.#fields) {
      const o = other.#find(f.name);
      if (o === undefined) {
        out.push(f);
        continue;
      }
      const v = intersectValues(f.value, f.kind, o.value, o.kind);
      if (v === undefined) return null;
      out.push(v === f.value ? f : { name: f.name, value: v, kind: f.kind === o.kind ? f.kind : inferKind(v) });
    }
    for (const o of other.#fields) if (this.#find(o.name) === undefined) out.push(o);
    const features = isAnyFeatures(this.features) ? other.features : this.features;
    return makeStructure(this.name, features, Object.freeze(out));
  }

  /** Same answer as `intersect(other) !== null`, without building the result. */
  canIntersect(other: Structure): boolean {
    if (other === this) return true;
    if (this.name !== other.name || !featuresMatch(this.features, other.features)) return false;
    for (const f of this.#fields) {
      const o = other.#find(f.name);
      if (o !== undefined && !valuesIntersect(f.value, f.kind, o.value, o.kind)) return false;
    }
    return true;
  }

  /** this ⊆ superset (gst_structure_is_subset plus the caps-level feature rule). */
  isSubset(superset: Structure): boolean {
    if (superset === this) return true;
    if (this.name !== superset.name) return false;
    if (isAnyFeatures(this.features) && !isAnyFeatures(superset.features)) return false;
    if (!featuresMatch(this.features, superset.features)) return false;
    for (const s of superset.#fields) {
      const f = this.#find(s.name);
      if (f === undefined || !isValueSubset(f.value, f.kind, s.value, s.kind)) return false;
    }
    return true;
  }

  /** Same media type, same features and the same set of settings in every field. */
  isEqual(other: Structure): boolean {
    if (other === this) return true;
    if (this.name !== other.name || !featuresSame(this.features, other.features)) return false;
    if (this.#fields.length !== other.#fields.length) return false;
    for (const f of this.#fields) {
      const o = other.#find(f.name);
      if (o === undefined || !valuesEqual(f.value, f.kind, o.value, o.kind)) return false;
    }
    return true;
  }

  /**
   * A fixed copy: each range or list narrowed to one setting, the one nearest to
   * `preferred[field]` when given and applicable, else GStreamer's default (range minimum,
   * first list element). ANY features become system memory. Preferred values for fields the
   * structure lacks are ignored. Throws a TypeError when a preferred value is not fixed.
   */
  fixate(preferred?: Record<string, Value>): Structure {
    let changed = false;
    const out = this.#fields.map((f) => {
      if (isFixedValue(f.value)) return f;
      changed = true;
      let r: readonly [Value, NumKind] | undefined;
      if (preferred !== undefined && Object.hasOwn(preferred, f.name)) {
        r = fixateNearest(f.value, f.kind, checkPreferred(f.name, preferred[f.name]!));
      }
      r ??= fixateDefault(f.value, f.kind);
      return { name: f.name, value: r[0], kind: r[1] };
    });
    const anyFeatures = isAnyFeatures(this.features);
    if (!changed && !anyFeatures) return this;
    return makeStructure(this.name, anyFeatures ? null : this.features, Object.freeze(out));
  }

  /**
   * Why this structure and `other` do not intersect: the media types, the features, or the
   * first field whose values share nothing. Null when they intersect.
   */
  explainMismatch(other: Structure): string | null {
    if (this.name !== other.name) return `media type ${this.name} vs ${other.name}`;
    if (!featuresMatch(this.features, other.features)) {
      return `caps features ${featuresText(this.features)} vs ${featuresText(other.features)}`;
    }
    for (const f of this.#fields) {
      const o = other.#find(f.name);
      if (o === undefined || valuesIntersect(f.value, f.kind, o.value, o.kind)) continue;
      // Show the types only when they are what differs, e.g. (int)30 vs (fraction)30/1.
      const showTypes = typeOfValue(f.value, f.kind) !== typeOfValue(o.value, o.kind) ||
        (f.kind !== o.kind && (hasPlainNumber(f.value) || hasPlainNumber(o.value)));
      const a = showTypes ? formatTypedValue(f.value, f.kind) : formatValue(f.value, f.kind);
      const b = showTypes ? formatTypedValue(o.value, o.kind) : formatValue(o.value, o.kind);
      return `field "${f.name}": ${a} vs ${b}`;
    }
    return null;
  }

  /** GStreamer syntax: `video/x-raw(memory:memfd), format=(string)I420, width=(int)320`. */
  toString(): string {
    if (this.#text === undefined) {
      let s = this.name + formatFeatures(this.features);
      for (const f of this.#fields) s += `, ${f.name}=${formatTypedValue(f.value, f.kind)}`;
      this.#text = s;
    }
    return this.#text;
  }

  #find(name: string): FieldEntry | undefined {
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i++) if (fields[i]!.name === name) return fields[i];
    return undefined;
  }

  #index(name: string): number {
    const fields = this.#fields;
    for (let i = 0; i < fields.length; i++) if (fields[i]!.name === name) return i;
    return -1;
  }
}

/**
 * The union of two structures when it is again one structure: same name, same features, same
 * fields, and at most one field with different values (merged with unionValues). Used by
 * Caps.simplify. Null when they cannot be merged.
 */
export function mergeStructures(a: Structure, b: Structure): Structure | null {
  if (a.name !== b.name || !featuresSame(a.features, b.features) || a.size !== b.size) return null;
  const fa = a.entries();
  const fb = b.entries();
  let diff = -1;
  let other: FieldEntry | undefined;
  for (let i = 0; i < fa.length; i++) {
    const f = fa[i]!;
    const o = fb.find((x) => x.name === f.name);
    if (o === undefined) return null;
    if (valuesEqual(f.value, f.kind, o.value, o.kind)) continue;
    if (diff >= 0 || f.kind !== o.kind) return null;
    diff = i;
    other = o;
  }
  if (diff < 0) return a;
  const f = fa[diff]!;
  const fields = fa.slice();
  fields[diff] = { name: f.name, value: unionValues(f.value, other!.value, f.kind), kind: f.kind };
  return makeStructure(a.name, a.features, Object.freeze(fields));
}

/**
 * The structures that together hold exactly what `s` holds, one per element of its first
 * list-valued field (`format={ I420, NV12 }` -> `format=I420` and `format=NV12`); null when no
 * field holds a list. Used to test a structure against the union of several structures.
 */
export function splitOnFirstList(s: Structure): Structure[] | null {
  const fields = s.entries();
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (!(f.value instanceof ValueList)) continue;
    return f.value.values.map((e) => {
      const copy = fields.slice();
      copy[i] = { name: f.name, value: e, kind: f.kind };
      return makeStructure(s.name, s.features, Object.freeze(copy));
    });
  }
  return null;
}

function featuresText(f: Features): string {
  return f === null ? "(memory:SystemMemory)" : formatFeatures(f);
}

function hasPlainNumber(v: Value): boolean {
  if (typeof v === "number") return true;
  return v instanceof ValueList && v.values.some((e) => typeof e === "number");
}

/** Throws a TypeError unless `name` is a valid media type (a letter, then simple characters). */
export function checkMediaType(name: string): void {
  const ok = typeof name === "string" && name.length > 0 && isLetter(name.charCodeAt(0)) && allSimple(name);
  if (!ok) {
    throw new TypeError(
      `invalid media type ${JSON.stringify(name)}: it must start with a letter and contain only ` +
        "letters, digits and _-+/:. (for example video/x-raw)",
    );
  }
}

/** Throws a TypeError unless `name` is a valid field name (simple characters only). */
export function checkFieldName(name: string): void {
  if (typeof name !== "string" || name.length === 0 || !allSimple(name)) {
    throw new TypeError(
      `invalid field name ${JSON.stringify(name)}: use letters, digits and _-+/:. (for example pixel-aspect-ratio)`,
    );
  }
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

function allSimple(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isSimpleChar(s.charCodeAt(i))) return false;
  return true;
}

function checkPreferred(field: string, v: Value): Preferred {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (isFraction(v)) return checkValue(v) as Preferred;
  throw new TypeError(
    `preferred value for field "${field}" must be a single setting (number, string, boolean or ` +
      "fraction), not a range or a list",
  );
}

/**
 * Checks a value against a declared field type (or infers the kind when there is none) and
 * returns the stored value and number kind.
 */
function typed(field: string, value: Value, type?: FieldType | NumKind): { value: Value; kind: NumKind } {
  const v = checkValue(value);
  if (type === undefined) return { value: v, kind: inferKind(v) };
  const elements = v instanceof ValueList ? v.values : [v];
  const bad = (e: Value, hint: string): never => {
    throw new TypeError(`field "${field}": ${formatValue(e, inferKind(e))} is not a valid (${type}) value; ${hint}`);
  };
  switch (type) {
    case "int":
      for (const e of elements) {
        if (!(e instanceof IntRange) && !(typeof e === "number" && Number.isSafeInteger(e))) {
          bad(e, "int fields take whole numbers and IntRange");
        }
      }
      return { value: v, kind: "int" };
    case "double":
      for (const e of elements) {
        if (!(e instanceof DoubleRange) && typeof e !== "number") {
          bad(e, e instanceof IntRange ? "use DoubleRange for a range of doubles" : "double fields take numbers and DoubleRange");
        }
      }
      return { value: v, kind: "double" };
    case "string":
      for (const e of elements) if (typeof e !== "string") bad(e, "string fields take strings");
      return { value: v, kind: "int" };
    case "boolean":
      for (const e of elements) if (typeof e !== "boolean") bad(e, "boolean fields take true or false");
      return { value: v, kind: "int" };
    case "fraction": {
      const out = elements.map((e) => {
        if (typeof e === "number") return fractionFromNumber(e);
        if (e instanceof FractionRange || isFraction(e)) return e;
        return bad(e, "fraction fields take fraction(n, d), numbers and FractionRange");
      });
      return { value: v instanceof ValueList ? new ValueList(out) : out[0]!, kind: "int" };
    }
  }
  throw new TypeError(`field "${field}": unknown type "${String(type)}"; use int, double, string, boolean or fraction`);
}
