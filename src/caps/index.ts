/**
 * Caps: media format descriptions in GStreamer's caps syntax, and the set algebra that
 * negotiation runs on (intersection, subset, fixation, simplification).
 *
 * Public surface of src/caps/. `Caps` (caps.ts) is a list of `Structure`s (structure.ts), each
 * a media type with caps features (features.ts) and fields holding `Value`s (value.ts,
 * fraction.ts). Text goes in through `Caps.parse` (parse.ts) and comes out through
 * `toString` (format.ts), and the two round-trip.
 */

export { Caps, type IntersectMode } from "./caps.ts";
export { CapsParseError } from "./parse.ts";
export { Structure } from "./structure.ts";
export {
  DoubleRange,
  type FieldType,
  FractionRange,
  IntRange,
  type Value,
  ValueList,
} from "./value.ts";
export {
  type Fraction,
  compareFractions,
  fraction,
  fractionFromNumber,
} from "./fraction.ts";
export { FEATURE_MEMORY_SYSTEM, FEATURES_ANY } from "./features.ts";
