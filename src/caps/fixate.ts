/**
 * Fixation of one field value: choosing a single setting out of a range or a list.
 *
 * Negotiation ends with fixed caps, so every range and list must be narrowed to one setting.
 * Without a preference the choice is GStreamer's gst_value_fixate: the minimum of a range and
 * the (fixated) first element of a list, the list's order being its preference order.
 *
 * With a preferred value the choice follows gst_structure_fixate_field_nearest_int / _double /
 * _fraction / _string / _boolean: for numbers and fractions the setting nearest to the target
 * (a range clamps the target, a stepped int range rounds it to the nearest multiple of the
 * step, a list takes the element at the smallest distance, the earlier one on a tie); for
 * strings and booleans the target if the list holds it. Unlike GStreamer, ranges inside a list
 * take part in the nearest search instead of being skipped. When the preference cannot apply
 * (wrong type, string not in the list) the caller falls back to the default choice.
 *
 * Every function returns the chosen value with the NumKind of its plain number, because a
 * number picked out of an IntRange is an int even in a field whose other numbers are doubles.
 */

import {
  type Fraction,
  compareDistance,
  compareFractions,
  fractionFromNumber,
  fractionToNumber,
  isFraction,
} from "./fraction.ts";
import { DoubleRange, FractionRange, IntRange, type NumKind, type Value, ValueList } from "./value.ts";

/** A preferred setting: a fixed value. */
export type Preferred = number | string | boolean | Fraction;

export type Fixated = readonly [Value, NumKind];

/** GStreamer's default fixation: lowest value of a range, first element of a list. */
export function fixateDefault(v: Value, kind: NumKind): Fixated {
  if (v instanceof IntRange) return [v.min, "int"];
  if (v instanceof DoubleRange) return [v.min, "double"];
  if (v instanceof FractionRange) return [v.min, kind];
  if (v instanceof ValueList) return fixateDefault(v.values[0]!, kind);
  return [v, kind];
}

/** The setting of v nearest to `target`, or undefined when the target does not apply to v. */
export function fixateNearest(v: Value, kind: NumKind, target: Preferred): Fixated | undefined {
  if (typeof target === "string" || typeof target === "boolean") {
    const elements = v instanceof ValueList ? v.values : [v];
    for (const e of elements) if (e === target) return [target, kind];
    return undefined;
  }
  const tNumber = typeof target === "number" ? target : fractionToNumber(target);
  let tFraction: Fraction | null | undefined; // computed on demand; null when not representable
  const targetAsFraction = (): Fraction | null => {
    if (tFraction === undefined) {
      if (isFraction(target)) tFraction = target;
      else {
        try {
          tFraction = fractionFromNumber(target);
        } catch {
          tFraction = null;
        }
      }
    }
    return tFraction;
  };

  let best: Value | undefined;
  let bestKind: NumKind = kind;
  let bestDist = Infinity;
  const consider = (cand: Value, candKind: NumKind, dist: number): void => {
    let nearer = best === undefined || dist < bestDist;
    if (best !== undefined && isFraction(cand) && isFraction(best)) {
      // Doubles round distances (|1/3 - 1/2| looks larger than |2/3 - 1/2|): compare exactly.
      const t = targetAsFraction();
      if (t !== null) nearer = compareDistance(cand, best, t) < 0;
    }
    if (nearer) {
      best = cand;
      bestKind = candKind;
      bestDist = dist;
    }
  };

  for (const e of v instanceof ValueList ? v.values : [v]) {
    if (typeof e === "number") {
      consider(e, kind, Math.abs(e - tNumber));
    } else if (e instanceof IntRange) {
      const c = nearestInIntRange(e, tNumber);
      consider(c, "int", Math.abs(c - tNumber));
    } else if (e instanceof DoubleRange) {
      const c = Math.min(Math.max(tNumber, e.min), e.max);
      consider(c, "double", Math.abs(c - tNumber));
    } else if (e instanceof FractionRange) {
      const t = targetAsFraction();
      if (t === null) continue;
      const c = compareFractions(t, e.min) < 0 ? e.min : compareFractions(t, e.max) > 0 ? e.max : t;
      consider(c, kind, Math.abs(fractionToNumber(c) - tNumber));
    } else if (isFraction(e)) {
      consider(e, kind, Math.abs(fractionToNumber(e) - tNumber));
    }
  }
  return best === undefined ? undefined : [best, bestKind];
}

/** The value of an int range nearest to t (gst_structure_fixate_field_nearest_int). */
export function nearestInIntRange(r: IntRange, t: number): number {
  let x = Math.min(Math.max(Math.round(t), r.min), r.max);
  if (r.step !== 1) {
    const rem = ((x % r.step) + r.step) % r.step;
    x -= rem;
    if (rem > r.step / 2) x += r.step;
    if (x > r.max) x -= r.step;
    if (x < r.min) x += r.step;
  }
  return x + 0;
}
