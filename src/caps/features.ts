/**
 * Caps features: extra requirements attached to one caps structure, written in parentheses
 * after the media type, `video/x-raw(memory:memfd)`.
 *
 * A feature names a memory type (`memory:SystemMemory`, `memory:memfd`, `memory:DMABuf`) or a
 * required meta (`meta:GstVideoOverlayComposition`). Structures with the same media type but
 * different feature sets are not compatible: a pad that handles several memory types lists one
 * structure per set. As in GStreamer (gstcapsfeatures.c):
 *
 *  - no features means system memory, so `null`, `[]` and `["memory:SystemMemory"]` are the
 *    same set; this module normalises all three to `null`, which prints as nothing;
 *  - `ANY` features equal every feature set (the structure does not care about memory),
 *    but caps with ANY features are not fixed, and fixation turns them into system memory;
 *  - sets compare without regard to order.
 *
 * Feature names follow GStreamer's rule: letters, a colon, then a letter followed by letters
 * and digits.
 */

export const FEATURE_MEMORY_SYSTEM = "memory:SystemMemory";
/** The one-element feature set that matches any features: `video/x-raw(ANY)`. */
export const FEATURES_ANY = "ANY";

export type Features = readonly string[] | null;

/** Why a feature name is invalid, or null when it is valid. */
export function featureNameProblem(name: string): string | null {
  const colon = name.indexOf(":");
  if (colon <= 0) return `caps feature "${name}" must look like "memory:SystemMemory" or "meta:SomeMeta"`;
  for (let i = 0; i < colon; i++) {
    if (!isAlpha(name.charCodeAt(i))) {
      return `caps feature "${name}": the part before ':' may only contain letters`;
    }
  }
  if (colon + 1 >= name.length || !isAlpha(name.charCodeAt(colon + 1))) {
    return `caps feature "${name}": the part after ':' must start with a letter`;
  }
  for (let i = colon + 2; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!isAlpha(c) && !(c >= 48 && c <= 57)) {
      return `caps feature "${name}": the part after ':' may only contain letters and digits`;
    }
  }
  return null;
}

function isAlpha(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * Validates a feature list and returns its canonical form: null for system memory, a frozen
 * array otherwise (duplicates removed, order kept). Throws a TypeError naming the bad feature.
 */
export function normaliseFeatures(features: readonly string[] | null | undefined): Features {
  if (features === null || features === undefined || features.length === 0) return null;
  if (features.length === 1) {
    const f = features[0]!;
    if (f === FEATURE_MEMORY_SYSTEM) return null;
    if (f === FEATURES_ANY) return ANY_FEATURES;
  }
  const out: string[] = [];
  for (const f of features) {
    if (typeof f !== "string") throw new TypeError(`caps features must be strings, got ${String(f)}`);
    if (f === FEATURES_ANY) {
      throw new TypeError(`caps features "ANY" cannot be combined with other features (${features.join(", ")})`);
    }
    const problem = featureNameProblem(f);
    if (problem !== null) throw new TypeError(problem);
    if (!out.includes(f)) out.push(f);
  }
  if (out.length === 1 && out[0] === FEATURE_MEMORY_SYSTEM) return null;
  return Object.freeze(out);
}

const ANY_FEATURES: Features = Object.freeze([FEATURES_ANY]);

export function isAnyFeatures(f: Features): boolean {
  return f !== null && f.length === 1 && f[0] === FEATURES_ANY;
}

/** Equal feature sets, where ANY equals everything (gst_caps_features_is_equal). */
export function featuresMatch(a: Features, b: Features): boolean {
  if (a === b) return true;
  if (isAnyFeatures(a) || isAnyFeatures(b)) return true;
  return featuresSame(a, b);
}

/** Equal feature sets, ANY only equal to ANY. */
export function featuresSame(a: Features, b: Features): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false; // normalised: null is the only system-memory form
  if (a.length !== b.length) return false;
  for (const f of a) if (!b.includes(f)) return false;
  return true;
}

/** `(memory:memfd, meta:Foo)`, or "" for system memory. */
export function formatFeatures(f: Features): string {
  return f === null ? "" : `(${f.join(", ")})`;
}
