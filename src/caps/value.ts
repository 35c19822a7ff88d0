/**
 * Field values and their set algebra: what a caps field can hold, and how two of them
 * intersect, contain each other or combine.
 *
 * A value is a set of acceptable settings for one field. Plain numbers, strings, booleans and
 * fractions are one-element sets ("fixed"); IntRange, DoubleRange and FractionRange are
 * intervals; ValueList is a union of its elements. The rules follow GStreamer's gstvalue.c:
 *
 *  - values of different types never intersect: `(int)30` and `30/1` are different sets,
 *    as are `(int)320` and `(double)320`;
 *  - int ranges with a step hold the multiples of the step within [min, max], and GStreamer
 *    requires min and max to be multiples of the step too (checked at construction);
 *  - a list intersects element by element, keeping the list's order, and a result with one
 *    element collapses to that element; an empty result means "no intersection" (undefined).
 *
 * JavaScript has a single number type, so whether a plain number is an int or a double is not
 * part of the value: the owning Structure records it per field as a NumKind and passes it in.
 * Within one field all plain numbers share that kind (a list mixing `(int)1` and `(double)2.5`
 * becomes all-double; ranges keep their own kind through their class).
 *
 * Structure (structure.ts) applies these per field; fixation lives in fixate.ts and printing
 * in format.ts.
 */

import {
  type Fraction,
  compareFractions,
  fraction,
  fractionsEqual,
  isFraction,
  lcm,
} from "./fraction.ts";

export type FieldType = "int" | "double" | "string" | "boolean" | "fraction";

/** How the plain numbers of one field are typed. */
export type NumKind = "int" | "double";

/** An int range `[ min, max ]` or `[ min, max, step ]`: the multiples of `step` in [min, max]. */
export class IntRange {
  readonly min: number;
  readonly max: number;
  readonly step: number;

  constructor(min: number, max: number, step = 1) {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
      throw new TypeError(
        `IntRange [ ${min}, ${max} ]: bounds must be integers; use DoubleRange for decimal bounds`,
      );
    }
    if (!Number.isSafeInteger(step) || step < 1) {
      throw new RangeError(`IntRange [ ${min}, ${max}, ${step} ]: the step must be a positive integer`);
    }
    if (min > max) {
      throw new RangeError(`IntRange [ ${min}, ${max} ]: min is greater than max; swap the bounds`);
    }
    if (step !== 1 && (min % step !== 0 || max % step !== 0)) {
      const lo = Math.ceil(min / step) * step;
      const hi = Math.floor(max / step) * step;
      throw new RangeError(
        `IntRange [ ${min}, ${max}, ${step} ]: min and max must be multiples of the step ` +
          `(GStreamer's rule); did you mean [ ${lo}, ${hi}, ${step} ]?`,
      );
    }
    this.min = min + 0; // + 0 turns -0 into 0 so printing never shows "-0"
    this.max = max + 0;
    this.step = step;
  }

  /** True when n is one of the range's values. */
  has(n: number): boolean {
    return n >= this.min && n <= this.max && (this.step === 1 || n % this.step === 0);
  }
}

/** A closed interval of doubles `[ min, max ]`. */
export class DoubleRange {
  readonly min: number;
  readonly max: number;

  constructor(min: number, max: number) {
    if (typeof min !== "number" || typeof max !== "number" || Number.isNaN(min) || Number.isNaN(max)) {
      throw new TypeError(`DoubleRange [ ${min}, ${max} ]: bounds must be numbers`);
    }
    if (min > max) {
      throw new RangeError(`DoubleRange [ ${min}, ${max} ]: min is greater than max; swap the bounds`);
    }
    this.min = min + 0;
    this.max = max + 0;
  }

  has(n: number): boolean {
    return n >= this.min && n <= this.max;
  }
}

/** A closed interval of fractions, e.g. `[ 0/1, 2147483647/1 ]`. */
export class FractionRange {
  readonly min: Fraction;
  readonly max: Fraction;

  constructor(min: Fraction, max: Fraction) {
    if (!isFraction(min) || !isFraction(max)) {
      throw new TypeError("FractionRange: bounds must be fractions such as fraction(30, 1)");
    }
    const lo = fraction(min.num, min.den);
    const hi = fraction(max.num, max.den);
    if (compareFractions(lo, hi) > 0) {
      throw new RangeError(
        `FractionRange [ ${lo.num}/${lo.den}, ${hi.num}/${hi.den} ]: min is greater than max; swap the bounds`,
      );
    }
    this.min = lo;
    this.max = hi;
  }

  has(f: Fraction): boolean {
    return compareFractions(f, this.min) >= 0 && compareFractions(f, this.max) <= 0;
  }
}

/** A set of alternatives `{ a, b, c }`, in order of preference. Nested lists are flattened. */
export class ValueList {
  readonly values: readonly Value[];

  constructor(values: readonly Value[]) {
    if (!Array.isArray(values) || values.length === 0) {
      throw new RangeError(
        "ValueList: a list needs at least one value; an empty list would match nothing " +
          "(leave the field out to accept anything)",
      );
    }
    const out: Value[] = [];
    for (const v of values) {
      if (v instanceof ValueList) out.push(...v.values);
      else out.push(checkValue(v));
    }
    this.values = Object.freeze(out);
  }
}

export type Value =
  | number
  | string
  | boolean
  | Fraction
  | IntRange
  | DoubleRange
  | FractionRange
  | ValueList;

/** Validates a value that came from outside and normalises fractions in it. */
export function checkValue(v: Value): Value {
  switch (typeof v) {
    case "number":
      if (Number.isNaN(v)) throw new TypeError("caps values cannot be NaN");
      return v + 0;
    case "string":
    case "boolean":
      return v;
    case "object":
      if (v instanceof IntRange || v instanceof DoubleRange || v instanceof FractionRange || v instanceof ValueList) {
        return v;
      }
      if (isFraction(v)) return fraction(v.num, v.den);
  }
  throw new TypeError(
    `unsupported caps value ${describe(v)}: use a number, string, boolean, fraction(n, d), ` +
      "IntRange, DoubleRange, FractionRange or ValueList",
  );
}

function describe(v: unknown): string {
  try {
    return typeof v === "object" ? JSON.stringify(v) : String(v);
  } catch {
    return String(v);
  }
}

/** True for a single setting (not a range, not a list). Lists are never fixed, as in GStreamer. */
export function isFixedValue(v: Value): boolean {
  return typeof v !== "object" || isFraction(v);
}

export function isRange(v: Value): v is IntRange | DoubleRange | FractionRange {
  return v instanceof IntRange || v instanceof DoubleRange || v instanceof FractionRange;
}

/**
 * The type GStreamer prints in front of a value: a range's element type, a list's first
 * element's type, a plain number's kind.
 */
export function typeOfValue(v: Value, kind: NumKind): FieldType {
  switch (typeof v) {
    case "number":
      return kind;
    case "string":
      return "string";
    case "boolean":
      return "boolean";
  }
  if (v instanceof IntRange) return "int";
  if (v instanceof DoubleRange) return "double";
  if (v instanceof ValueList) return typeOfValue(v.values[0]!, kind);
  return "fraction"; // Fraction or FractionRange
}

/**
 * The kind of a value's plain numbers when nobody declared it: double if any plain number is
 * not an integer, else int if there are plain numbers, else the kind of its ranges.
 */
export function inferKind(v: Value): NumKind {
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "double";
  if (v instanceof DoubleRange) return "double";
  if (!(v instanceof ValueList)) return "int";
  let sawInt = false;
  let sawDoubleRange = false;
  for (const e of v.values) {
    if (typeof e === "number") {
      if (!Number.isInteger(e)) return "double";
      sawInt = true;
    } else if (e instanceof DoubleRange) sawDoubleRange = true;
  }
  return sawInt ? "int" : sawDoubleRange ? "double" : "int";
}

/** Exact structural equality (same representation), used to drop duplicates from lists. */
export function sameValue(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object") return false;
  if (a instanceof IntRange) return b instanceof IntRange && a.min === b.min && a.max === b.max && a.step === b.step;
  if (a instanceof DoubleRange) return b instanceof DoubleRange && a.min === b.min && a.max === b.max;
  if (a instanceof FractionRange) {
    return b instanceof FractionRange && fractionsEqual(a.min, b.min) && fractionsEqual(a.max, b.max);
  }
  if (a instanceof ValueList) {
    if (!(b instanceof ValueList) || a.values.length !== b.values.length) return false;
    for (let i = 0; i < a.values.length; i++) if (!sameValue(a.values[i]!, b.values[i]!)) return false;
    return true;
  }
  return isFraction(b) && fractionsEqual(a, b);
}

/* ------------------------------------------------------------------------------------------ */
/* Intersection                                                                               */
/* ------------------------------------------------------------------------------------------ */

/**
 * The values in both a and b, or undefined when there are none. `ka`/`kb` say whether the
 * plain numbers of a and b are ints or doubles.
 */
export function intersectValues(a: Value, ka: NumKind, b: Value, kb: NumKind): Value | undefined {
  if (a instanceof ValueList) return intersectList(a, ka, b, kb, false);
  if (b instanceof ValueList) return intersectList(b, kb, a, ka, true);
  return intersectScalars(a, ka, b, kb);
}

/** Same answer as `intersectValues(...) !== undefined`, without building the result. */
export function valuesIntersect(a: Value, ka: NumKind, b: Value, kb: NumKind): boolean {
  if (a instanceof ValueList) {
    for (const e of a.values) if (valuesIntersect(e, ka, b, kb)) return true;
    return false;
  }
  if (b instanceof ValueList) {
    for (const e of b.values) if (valuesIntersect(a, ka, e, kb)) return true;
    return false;
  }
  return intersectScalars(a, ka, b, kb) !== undefined;
}

function intersectList(list: ValueList, lk: NumKind, other: Value, ok: NumKind, swapped: boolean): Value | undefined {
  const acc: { first: Value | undefined; more: Value[] | undefined } = { first: undefined, more: undefined };
  const values = list.values;
  for (let i = 0; i < values.length; i++) {
    const e = values[i]!;
    const r = swapped ? intersectValues(other, ok, e, lk) : intersectValues(e, lk, other, ok);
    if (r === undefined) continue;
    if (r instanceof ValueList) for (const p of r.values) addDistinct(acc, p);
    else addDistinct(acc, r);
  }
  if (acc.more !== undefined) return new ValueList(acc.more);
  return acc.first;
}

function addDistinct(acc: { first: Value | undefined; more: Value[] | undefined }, p: Value): void {
  if (acc.first === undefined) {
    acc.first = p;
    return;
  }
  if (sameValue(acc.first, p)) return;
  if (acc.more === undefined) acc.more = [acc.first];
  else for (const m of acc.more) if (sameValue(m, p)) return;
  acc.more.push(p);
}

function intersectScalars(a: Value, ka: NumKind, b: Value, kb: NumKind): Value | undefined {
  switch (typeof a) {
    case "number":
      if (typeof b === "number") return ka === kb && a === b ? a : undefined;
      if (b instanceof IntRange) return ka === "int" && b.has(a) ? a : undefined;
      if (b instanceof DoubleRange) return ka === "double" && b.has(a) ? a : undefined;
      return undefined;
    case "string":
    case "boolean":
      return a === b ? a : undefined;
  }
  if (a instanceof IntRange) {
    if (typeof b === "number") return kb === "int" && a.has(b) ? b : undefined;
    if (b instanceof IntRange) return intersectIntRanges(a, b);
    return undefined;
  }
  if (a instanceof DoubleRange) {
    if (typeof b === "number") return kb === "double" && a.has(b) ? b : undefined;
    if (b instanceof DoubleRange) {
      const min = Math.max(a.min, b.min);
      const max = Math.min(a.max, b.max);
      if (min < max) return new DoubleRange(min, max);
      return min === max ? min : undefined;
    }
    return undefined;
  }
  if (a instanceof FractionRange) {
    if (typeof b !== "object" || b instanceof IntRange || b instanceof DoubleRange || b instanceof ValueList) {
      return undefined;
    }
    if (b instanceof FractionRange) {
      const min = compareFractions(a.min, b.min) >= 0 ? a.min : b.min;
      const max = compareFractions(a.max, b.max) <= 0 ? a.max : b.max;
      const c = compareFractions(min, max);
      if (c < 0) return new FractionRange(min, max);
      return c === 0 ? min : undefined;
    }
    return a.has(b) ? b : undefined;
  }
  if (a instanceof ValueList) return undefined; // handled by the caller
  // a is a Fraction
  if (typeof b !== "object") return undefined;
  if (b instanceof FractionRange) return b.has(a) ? a : undefined;
  if (b instanceof IntRange || b instanceof DoubleRange || b instanceof ValueList) return undefined;
  return fractionsEqual(a, b) ? a : undefined;
}

function intersectIntRanges(a: IntRange, b: IntRange): Value | undefined {
  const step = a.step === b.step ? a.step : lcm(a.step, b.step);
  if (!Number.isSafeInteger(step)) return undefined;
  let min = Math.max(a.min, b.min);
  let max = Math.min(a.max, b.max);
  if (step !== 1) {
    min = Math.ceil(min / step) * step;
    max = Math.floor(max / step) * step;
  }
  if (min < max) return new IntRange(min, max, step);
  return min === max ? min + 0 : undefined;
}

/* ------------------------------------------------------------------------------------------ */
/* Subset                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** Coverage of an int range by a list is checked point by point past this many steps. */
const COVER_SWEEP_LIMIT = 100_000;

/** True when every setting in a is also in b (a ⊆ b). */
export function isValueSubset(a: Value, ka: NumKind, b: Value, kb: NumKind): boolean {
  if (a instanceof ValueList) {
    for (const e of a.values) if (!isValueSubset(e, ka, b, kb)) return false;
    return true;
  }
  if (!isRange(a)) return valuesIntersect(a, ka, b, kb);
  if (b instanceof ValueList) {
    for (const e of b.values) if (rangeInValue(a, e, kb)) return true;
    return rangeCoveredByList(a, b, kb);
  }
  return rangeInValue(a, b, kb);
}

/** a range ⊆ one non-list value. */
function rangeInValue(a: IntRange | DoubleRange | FractionRange, b: Value, kb: NumKind): boolean {
  if (a instanceof IntRange) {
    if (b instanceof IntRange) {
      if (a.min < b.min || a.max > b.max) return false;
      return a.min === a.max ? a.min % b.step === 0 : a.step % b.step === 0;
    }
    return typeof b === "number" && kb === "int" && a.min === a.max && a.min === b;
  }
  if (a instanceof DoubleRange) {
    if (b instanceof DoubleRange) return a.min >= b.min && a.max <= b.max;
    return typeof b === "number" && kb === "double" && a.min === a.max && a.min === b;
  }
  if (b instanceof FractionRange) {
    return compareFractions(a.min, b.min) >= 0 && compareFractions(a.max, b.max) <= 0;
  }
  return isFraction(b) && fractionsEqual(a.min, a.max) && fractionsEqual(a.min, b);
}

/** Whether the union of a list's elements covers a range (no single element does). */
function rangeCoveredByList(a: IntRange | DoubleRange | FractionRange, list: ValueList, kb: NumKind): boolean {
  if (a instanceof IntRange) return intRangeCovered(a, list.values, kb);
  if (a instanceof DoubleRange) {
    const spans: [number, number][] = [];
    for (const e of list.values) {
      if (e instanceof DoubleRange) spans.push([e.min, e.max]);
      else if (typeof e === "number" && kb === "double") spans.push([e, e]);
    }
    return spansCover(a.min, a.max, spans, (x, y) => (x < y ? -1 : x > y ? 1 : 0));
  }
  const spans: [Fraction, Fraction][] = [];
  for (const e of list.values) {
    if (e instanceof FractionRange) spans.push([e.min, e.max]);
    else if (isFraction(e)) spans.push([e, e]);
  }
  return spansCover(a.min, a.max, spans, compareFractions);
}

/** Closed-interval sweep: does the union of `spans` contain [min, max]? */
function spansCover<T>(min: T, max: T, spans: [T, T][], cmp: (x: T, y: T) => number): boolean {
  let cur = min;
  for (;;) {
    let best: T | undefined;
    for (const [lo, hi] of spans) {
      if (cmp(lo, cur) <= 0 && cmp(hi, cur) >= 0 && (best === undefined || cmp(hi, best) > 0)) best = hi;
    }
    if (best === undefined) return false;
    if (cmp(best, max) >= 0) return true;
    if (cmp(best, cur) <= 0) return false; // a point cannot bridge to anything further
    cur = best;
  }
}

function intRangeCovered(a: IntRange, values: readonly Value[], kb: NumKind): boolean {
  let cur = a.min;
  for (let i = 0; cur <= a.max; i++) {
    if (i > COVER_SWEEP_LIMIT) return false; // pathological; treat as not covered
    let reach = -Infinity;
    for (const e of values) {
      if (typeof e === "number") {
        if (kb === "int" && e === cur && cur > reach) reach = cur;
      } else if (e instanceof IntRange && e.has(cur)) {
        // Every point of a from cur up to e.max is in e when e's step divides a's step.
        const r = a.step % e.step === 0 ? cur + Math.floor((e.max - cur) / a.step) * a.step : cur;
        if (r > reach) reach = r;
      }
    }
    if (reach < cur) return false;
    cur = reach + a.step;
  }
  return true;
}

/** Set equality: a ⊆ b and b ⊆ a. */
export function valuesEqual(a: Value, ka: NumKind, b: Value, kb: NumKind): boolean {
  if (isFixedValue(a) && isFixedValue(b)) return ka === kb || typeof a !== "number" ? sameValue(a, b) : false;
  return isValueSubset(a, ka, b, kb) && isValueSubset(b, kb, a, ka);
}

/* ------------------------------------------------------------------------------------------ */
/* Union                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * A value holding exactly the settings of a and of b (both of kind `kind`). Adjacent or
 * overlapping ranges merge into one range; anything else becomes a list, a's elements first.
 */
export function unionValues(a: Value, b: Value, kind: NumKind): Value {
  if (isValueSubset(b, kind, a, kind)) return a;
  if (isValueSubset(a, kind, b, kind)) return b;
  const merged = mergeRanges(a, b, kind) ?? mergeRanges(b, a, kind);
  if (merged !== undefined) return merged;
  const out: Value[] = a instanceof ValueList ? [...a.values] : [a];
  for (const e of b instanceof ValueList ? b.values : [b]) {
    if (!isValueSubset(e, kind, a, kind)) out.push(e);
  }
  return new ValueList(out);
}

function mergeRanges(a: Value, b: Value, kind: NumKind): Value | undefined {
  if (a instanceof IntRange && a.step === 1) {
    if (b instanceof IntRange && b.step === 1 && b.min <= a.max + 1 && a.min <= b.max + 1) {
      return new IntRange(Math.min(a.min, b.min), Math.max(a.max, b.max));
    }
    if (typeof b === "number" && kind === "int" && (b === a.min - 1 || b === a.max + 1)) {
      return new IntRange(Math.min(a.min, b), Math.max(a.max, b));
    }
  }
  if (a instanceof DoubleRange && b instanceof DoubleRange && b.min <= a.max && a.min <= b.max) {
    return new DoubleRange(Math.min(a.min, b.min), Math.max(a.max, b.max));
  }
  if (
    a instanceof FractionRange && b instanceof FractionRange &&
    compareFractions(b.min, a.max) <= 0 && compareFractions(a.min, b.max) <= 0
  ) {
    return new FractionRange(
      compareFractions(a.min, b.min) <= 0 ? a.min : b.min,
      compareFractions(a.max, b.max) >= 0 ? a.max : b.max,
    );
  }
  return undefined;
}
