/**
 * Caps: the set of media formats a pad can produce or accept, as an ordered list of
 * structures, or ANY (every format) or EMPTY (none).
 *
 * Caps are what negotiation works on: a pad template's caps are intersected with the peer's,
 * the result is fixated to one format, and the fixed caps travel downstream. The order of the
 * structures is a preference order, earlier first, and every operation here keeps it.
 * Semantics follow gstcaps.c:
 *
 *  - `intersect` pairs every structure of `this` with every structure of `other` and keeps the
 *    non-empty results, skipping a result already covered by an earlier one. The default order
 *    follows `this` (GST_CAPS_INTERSECT_FIRST); `"zig-zag"` gives gst_caps_intersect's
 *    default order, which interleaves both sides' preferences;
 *  - `isSubset` holds when each structure of `this` is a subset of some structure of the
 *    superset; a structure with lists may also be covered element by element by several
 *    (GStreamer misses that), but a range split across structures is not detected;
 *  - `fixate` keeps the first structure and narrows every field to one setting;
 *  - `simplify` removes structures covered by others and merges structures that differ in
 *    one field; unlike gst_caps_simplify it keeps the preference order.
 *
 * Caps are immutable and safe to share; `Caps.parse` memoises recent strings because pad
 * templates parse the same text for every element instance. Everything runs synchronously on
 * the calling thread and allocates only for results.
 */

import type * as ParseModule from "./parse.ts";
import type * as StructureModule from "./structure.ts";
import type { Structure } from "./structure.ts";
import type { Value } from "./value.ts";

// The parser and the structure code (with values, fractions, fixation and formatting: most of
// src/caps/) load on first need, synchronously: caps that are only ANY or EMPTY (pad templates
// and a launch such as `fakesrc ! fakesink`) never need them, and loading them costs start-up
// time (issue 7, case s0 of BENCHMARKS.md). In the compiled executable, built with
// `--splitting`, a `require` of a module is a chunk of its own, read only when first required.
let parseModule: typeof ParseModule | undefined;
let structureModule: typeof StructureModule | undefined;
function parserCode(): typeof ParseModule {
  return (parseModule ??= require("./parse.ts") as typeof ParseModule);
}
function structureCode(): typeof StructureModule {
  return (structureModule ??= require("./structure.ts") as typeof StructureModule);
}

export type IntersectMode = "first" | "zig-zag";

const PARSE_CACHE_LIMIT = 512;
/** How many list-element pieces `isSubset` may try before answering "not a subset". */
const SUBSET_SPLIT_LIMIT = 256;
/** How many structure-pair reasons `explainMismatch` lists before summarising the rest. */
const EXPLAIN_LIMIT = 6;

const parseCache = new Map<string, Caps>();

export class Caps {
  /** The structures in preference order; empty for both ANY and EMPTY (see isAny). */
  readonly structures: readonly Structure[];
  readonly #any: boolean;
  #text: string | undefined;

  private constructor(any: boolean, structures: readonly Structure[]) {
    this.#any = any;
    this.structures = structures;
  }

  static #ANY = new Caps(true, Object.freeze([]));
  static #EMPTY = new Caps(false, Object.freeze([]));

  /**
   * Parses GStreamer caps syntax: `video/x-raw, format=(string)I420, width=[ 16, 4096 ]`,
   * several structures joined by ';', `ANY`, `EMPTY` (or an empty string). Throws a
   * CapsParseError that points at the offending column.
   */
  static parse(text: string): Caps {
    if (typeof text !== "string") throw new TypeError(`Caps.parse expects a string, got ${typeof text}`);
    // The exact texts of ANY and EMPTY need no parser (see parserCode()); any other text, even
    // " ANY", goes through it.
    if (text === "ANY") return Caps.#ANY;
    if (text === "EMPTY" || text === "") return Caps.#EMPTY;
    const cached = parseCache.get(text);
    if (cached !== undefined) return cached;
    const parsed = parserCode().parseCaps(text);
    const caps = parsed === "ANY" ? Caps.#ANY : parsed.length === 0 ? Caps.#EMPTY : new Caps(false, Object.freeze(parsed));
    if (parseCache.size >= PARSE_CACHE_LIMIT) parseCache.clear();
    parseCache.set(text, caps);
    return caps;
  }

  static any(): Caps {
    return Caps.#ANY;
  }

  static empty(): Caps {
    return Caps.#EMPTY;
  }

  /** Caps made of these structures, in this order (an empty array gives EMPTY). */
  static from(structures: readonly Structure[]): Caps {
    if (structures.length === 0) return Caps.#EMPTY;
    for (const s of structures) {
      if (!(s instanceof structureCode().Structure)) throw new TypeError("Caps.from expects Structure objects (see Structure.of)");
    }
    return new Caps(false, Object.freeze(structures.slice()));
  }

  /**
   * One-structure caps from a record: `Caps.of("audio/x-raw", { rate: 48000, channels: 2 })`.
   * Plain numbers are ints when Number.isInteger, else doubles.
   */
  static of(name: string, fields?: Record<string, Value>): Caps {
    return new Caps(false, Object.freeze([structureCode().Structure.of(name, fields)]));
  }

  isAny(): boolean {
    return this.#any;
  }

  isEmpty(): boolean {
    return !this.#any && this.structures.length === 0;
  }

  /** Exactly one structure, every field a single setting, features not ANY. */
  isFixed(): boolean {
    return this.structures.length === 1 && this.structures[0]!.isFixed();
  }

  /**
   * The formats in both caps. ANY ∩ X = X; EMPTY ∩ X = EMPTY. The result's order follows
   * `this` (mode "first", the default) or alternates between both (mode "zig-zag", the order of
   * gst_caps_intersect).
   */
  intersect(other: Caps, mode: IntersectMode = "first"): Caps {
    if (this.isEmpty() || other.isEmpty()) return Caps.#EMPTY;
    if (this.#any) return other;
    if (other.#any || other === this) return this;
    const a = this.structures;
    const b = other.structures;
    const out: Structure[] = [];
    if (mode === "first") {
      for (const sa of a) for (const sb of b) appendUnique(out, sa.intersect(sb));
    } else {
      // Walk the diagonals of the a × b grid: (0,0), (1,0), (0,1), (2,0), (1,1), ...
      for (let i = 0; i < a.length + b.length - 1; i++) {
        let j = Math.min(i, a.length - 1);
        let k = i - j;
        while (k < b.length && j >= 0) {
          appendUnique(out, a[j]!.intersect(b[k]!));
          k++;
          j--;
        }
      }
    }
    return out.length === 0 ? Caps.#EMPTY : new Caps(false, Object.freeze(out));
  }

  /** Whether `intersect(other)` would be non-empty, without building it. */
  canIntersect(other: Caps): boolean {
    if (this.isEmpty() || other.isEmpty()) return false;
    if (this.#any || other.#any) return true;
    for (const sa of this.structures) for (const sb of other.structures) if (sa.canIntersect(sb)) return true;
    return false;
  }

  /**
   * this ⊆ superset: every structure of `this` is inside some structure of `superset`, or, when
   * it has list fields, each of its list elements is (so `format={ I420, NV12 }` is inside
   * `format=I420; format=NV12`, which gst_caps_is_subset misses). A range split across several
   * superset structures is still not detected, as in GStreamer.
   */
  isSubset(superset: Caps): boolean {
    if (this.isEmpty() || superset.#any) return true;
    if (this.#any || superset.isEmpty()) return false;
    const budget = { pieces: SUBSET_SPLIT_LIMIT };
    for (const s of this.structures) if (!structureInside(s, superset.structures, budget)) return false;
    return true;
  }

  /** Both caps describe the same set of formats. */
  isEqual(other: Caps): boolean {
    if (other === this) return true;
    if (this.#any || other.#any) return this.#any === other.#any;
    const a = this.structures;
    const b = other.structures;
    if (a.length === b.length) {
      let same = true;
      for (let i = 0; i < a.length && same; i++) same = a[i]!.isEqual(b[i]!);
      if (same) return true;
    }
    return this.isSubset(other) && other.isSubset(this);
  }

  /**
   * Fixed caps: the first structure with every range and list narrowed to one setting, the
   * one nearest `preferred[field]` when given (see Structure.fixate), else the range minimum
   * or the first list element. EMPTY stays EMPTY. Throws for ANY caps, which have nothing to
   * choose from.
   */
  fixate(preferred?: Record<string, Value>): Caps {
    if (this.#any) {
      throw new Error(
        "cannot fixate ANY caps: intersect them with concrete caps (a pad template or the peer's caps) first",
      );
    }
    if (this.structures.length === 0) return this;
    const first = this.structures[0]!;
    const fixed = first.fixate(preferred);
    if (fixed === first && this.structures.length === 1) return this;
    return new Caps(false, Object.freeze([fixed]));
  }

  /** Caps with only the first (most preferred) structure, unfixed. */
  truncate(): Caps {
    if (this.structures.length <= 1) return this;
    return new Caps(false, Object.freeze([this.structures[0]!]));
  }

  /**
   * The formats of either caps: this's structures, then other's that are not already covered
   * (gst_caps_merge). ANY if either is ANY.
   */
  union(other: Caps): Caps {
    if (this.#any || other.#any) return Caps.#ANY;
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    const out = this.structures.slice();
    for (const s of other.structures) appendUnique(out, s);
    return out.length === this.structures.length ? this : new Caps(false, Object.freeze(out));
  }

  /**
   * Equivalent caps with fewer structures: structures covered by another are dropped, and
   * structures that differ in a single field are merged into one with a list or a wider
   * range. The order of preference is kept.
   */
  simplify(): Caps {
    if (this.structures.length <= 1) return this;
    let list = dropCovered(this.structures.slice());
    let merged = true;
    while (merged) {
      merged = false;
      search: for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const m = structureCode().mergeStructures(list[i]!, list[j]!);
          if (m === null) continue;
          list[i] = m;
          list.splice(j, 1);
          list = dropCovered(list);
          merged = true;
          break search;
        }
      }
    }
    if (list.length === this.structures.length && list.every((s, i) => s === this.structures[i])) return this;
    return new Caps(false, Object.freeze(list));
  }

  /**
   * Why these caps and `other` do not intersect, for negotiation errors: per structure pair,
   * the media types, the caps features or the first field with nothing in common, e.g.
   * `field "format": I420 vs { RGBA, BGRA }`. Pairs with the same media type come first.
   * Null when they intersect.
   */
  explainMismatch(other: Caps): string | null {
    if (this.isEmpty()) return "these caps are EMPTY, so nothing can intersect them";
    if (other.isEmpty()) return "the other caps are EMPTY, so nothing can intersect them";
    if (this.canIntersect(other)) return null;
    const multi = this.structures.length > 1 || other.structures.length > 1;
    const sameType: string[] = [];
    const otherType: string[] = [];
    for (const a of this.structures) {
      for (const b of other.structures) {
        let r = a.explainMismatch(b);
        if (r === null) continue;
        const bucket = a.name === b.name ? sameType : otherType;
        if (multi && a.name === b.name) r = `${a.name}: ${r}`;
        if (!bucket.includes(r)) bucket.push(r);
      }
    }
    const reasons = sameType.concat(otherType);
    if (reasons.length > EXPLAIN_LIMIT) {
      const rest = reasons.length - EXPLAIN_LIMIT;
      return `${reasons.slice(0, EXPLAIN_LIMIT).join("; ")}; and ${rest} more`;
    }
    return reasons.join("; ");
  }

  /** GStreamer syntax; `Caps.parse(c.toString()).isEqual(c)` always holds. */
  toString(): string {
    if (this.#text === undefined) {
      this.#text = this.#any ? "ANY" : this.structures.length === 0 ? "EMPTY" : this.structures.join("; ");
    }
    return this.#text;
  }
}

/** s ⊆ the union of `supers`, splitting s on its list fields while the budget lasts. */
function structureInside(s: Structure, supers: readonly Structure[], budget: { pieces: number }): boolean {
  for (const sup of supers) if (s.isSubset(sup)) return true;
  if (supers.length < 2) return false;
  const pieces = structureCode().splitOnFirstList(s);
  if (pieces === null || budget.pieces < pieces.length) return false;
  budget.pieces -= pieces.length;
  for (const p of pieces) if (!structureInside(p, supers, budget)) return false;
  return true;
}

/** Appends s unless it is null or already covered by a structure in `out`. */
function appendUnique(out: Structure[], s: Structure | null): void {
  if (s === null) return;
  for (const e of out) if (s.isSubset(e)) return;
  out.push(s);
}

/** Drops every structure covered by another one (the earlier of two equal ones stays). */
function dropCovered(list: Structure[]): Structure[] {
  return list.filter((s, i) => {
    for (let j = 0; j < list.length; j++) {
      if (j === i || !s.isSubset(list[j]!)) continue;
      if (j < i || !list[j]!.isSubset(s)) return false;
    }
    return true;
  });
}
