/**
 * duplicate-filter: drops buffers seen recently. `key` says what makes two buffers the same:
 * their bytes (`data`, a 53-bit hash — cyrb53 — so nothing is kept alive and no pooled memory
 * is held; the chance that two different buffers collide among the last `window` is about
 * window² / 2^54), their `pts` (buffers without one always pass), or their `sequence`. `window` is how many recent keys are
 * remembered (1 = drop consecutive repeats only). Per buffer: one hash pass, no allocation.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_KEY = "data";
export const DEFAULT_WINDOW = 1;

const Props = Type.Object({
  key: Type.Enum(["data", "pts", "sequence"], { default: DEFAULT_KEY, description: "What makes two buffers the same: bytes, pts or sequence" }),
  window: Type.Integer({ default: DEFAULT_WINDOW, minimum: 1, maximum: 1_000_000, description: "How many recent keys are remembered" }),
});
type P = Static<typeof Props>;

export class DuplicateFilter extends Transform<P> {
  static override meta: ElementMeta = {
    name: "duplicate-filter",
    category: "transform",
    description: "Drops buffers whose bytes (or pts, or sequence) were seen among the last N",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #ring = new Float64Array(1);
  #head = 0;
  #filled = 0;
  /** key → how many times it is in the ring. */
  readonly #counts = new Map<number, number>();
  /** Buffers dropped since start. */
  dropped = 0;

  override start(): void {
    this.#clear();
    this.dropped = 0;
  }

  #clear(): void {
    this.#ring = new Float64Array(this.props.window);
    this.#head = 0;
    this.#filled = 0;
    this.#counts.clear();
  }

  #key(buf: Buffer): number {
    switch (this.props.key) {
      case "pts":
        return buf.pts;
      case "sequence":
        return buf.sequence;
      default:
        return cyrb53(buf.data);
    }
  }

  transform(buf: Buffer): Buffer | null {
    // Buffers without a timestamp have no pts key: they always pass.
    if (this.props.key === "pts" && buf.pts === TIME_NONE) return buf;
    const k = this.#key(buf);
    if (this.#counts.has(k)) {
      this.dropped++;
      buf.release();
      return null;
    }
    const ring = this.#ring;
    if (this.#filled === ring.length) {
      const old = ring[this.#head]!;
      const c = this.#counts.get(old)!;
      if (c <= 1) this.#counts.delete(old);
      else this.#counts.set(old, c - 1);
    } else {
      this.#filled++;
    }
    ring[this.#head] = k;
    this.#head = (this.#head + 1) % ring.length;
    this.#counts.set(k, (this.#counts.get(k) ?? 0) + 1);
    return buf;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink" && ev.type === "flush-stop") this.#clear();
    return this.forwardEvent(pad, ev);
  }
}

/** cyrb53: a fast 53-bit string/byte hash (public domain, bryc). */
export function cyrb53(d: Uint8Array, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < d.length; i++) {
    const c = d[i]!;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
