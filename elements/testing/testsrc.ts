/**
 * testsrc: produces buffers filled with a known byte pattern, for tests and benchmarks of
 * byte-level pipelines (the byte counterpart of videotestsrc):
 *
 *  - zero, ones: every byte 0x00 / 0xff;
 *  - counter: byte k of the stream is k mod 256, continuing across buffers (a reader checks
 *    order and loss from the bytes alone);
 *  - random: a seeded xorshift32 stream (same `seed`, same bytes, run after run);
 *  - alternating: 0x55, 0xaa, 0x55, … (bit checkerboard) by stream position;
 *  - sequence: the buffer's sequence number as u32 little-endian, repeated.
 *
 * `blocksize` bytes per buffer from a memfd pool (blocks when the pool is exhausted, so a slow
 * consumer throttles it), `num-buffers` before EOS. With `rate` (buffers per second) buffers
 * carry pts = n / rate and that duration; with `is-live` they are produced at the pace of the
 * pipeline clock (running time reaching their pts), as a live source does.
 */
import { Buffer, SECOND, TIME_NONE } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { Allocator } from "../../src/runtime/allocator.ts";

export const DEFAULT_PATTERN = "zero";
export const DEFAULT_BLOCKSIZE = 4096;
export const DEFAULT_NUM_BUFFERS = -1;
export const DEFAULT_RATE = 0;
export const DEFAULT_SEED = 1;

const Props = Type.Object({
  pattern: Type.Enum(["zero", "ones", "counter", "random", "alternating", "sequence"], {
    default: DEFAULT_PATTERN,
    description: "Byte pattern the buffers are filled with",
    mutable: true,
  }),
  blocksize: Type.Integer({ default: DEFAULT_BLOCKSIZE, minimum: 0, description: "Bytes per buffer" }),
  numBuffers: Type.Integer({ default: DEFAULT_NUM_BUFFERS, minimum: -1, description: "Buffers to produce before EOS (-1 = unlimited)" }),
  rate: Type.Number({ default: DEFAULT_RATE, minimum: 0, description: "Buffers per second, for timestamps and live pacing (0 = no timestamps)" }),
  isLive: Type.Boolean({ default: false, description: "Produce at the pace of the pipeline clock" }),
  seed: Type.Integer({ default: DEFAULT_SEED, minimum: 1, maximum: 4294967295, description: "Seed of pattern=random (same seed, same bytes)" }),
});
type P = Static<typeof Props>;

export class TestSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "testsrc",
    category: "testing",
    description: "Produces buffers with a known byte pattern (zero, ones, counter, random, alternating, sequence)",
    pads: [template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #alloc: Allocator | null = null;
  #count = 0;
  #offset = 0;
  #rng = 1;
  #empty = new Uint8Array(0);

  override start(): void {
    super.start();
    this.#count = 0;
    this.#offset = 0;
    this.#rng = this.props.seed >>> 0 || 1;
  }

  override prepare(): void {
    if (this.props.blocksize > 0) this.#alloc = new Allocator(this.props.blocksize, this.name);
  }

  override unprepare(): void {
    this.#alloc?.close();
    this.#alloc = null;
  }

  create(): CreateResult {
    const p = this.props;
    if (p.numBuffers >= 0 && this.#count >= p.numBuffers) return null;
    let pts = TIME_NONE;
    let duration = TIME_NONE;
    if (p.rate > 0) {
      pts = Math.round((this.#count * SECOND) / p.rate);
      duration = Math.round(SECOND / p.rate);
    } else if (p.isLive) {
      pts = this.ctx!.runningTime();
    }
    if (p.isLive && pts !== TIME_NONE && !this.reachedRunningTime(pts)) return WAIT;
    let buf: Buffer | null;
    if (p.blocksize === 0) {
      buf = new Buffer(this.#empty);
    } else {
      buf = this.#alloc!.acquire(p.blocksize, this.task);
      if (buf === null) return WAIT; // pool exhausted: blocked until a slot returns
      this.#fill(buf.data);
    }
    buf.pts = pts;
    buf.duration = duration;
    buf.offset = this.#offset;
    buf.offsetEnd = this.#offset + p.blocksize;
    buf.sequence = this.#count++;
    this.#offset += p.blocksize;
    return buf;
  }

  #fill(d: Uint8Array): void {
    const n = d.length;
    const o = this.#offset;
    switch (this.props.pattern) {
      case "zero":
        d.fill(0);
        return;
      case "ones":
        d.fill(0xff);
        return;
      case "alternating":
        if (n > 0) d[0] = o % 2 === 0 ? 0x55 : 0xaa;
        if (n > 1) d[1] = o % 2 === 0 ? 0xaa : 0x55;
        repeat(d, 2);
        return;
      case "counter": {
        const first = Math.min(n, 256);
        for (let i = 0; i < first; i++) d[i] = (o + i) & 0xff;
        repeat(d, first);
        return;
      }
      case "sequence": {
        const s = this.#count >>> 0;
        const head = Math.min(n, 4);
        for (let i = 0; i < head; i++) d[i] = (s >>> (8 * i)) & 0xff;
        repeat(d, head);
        return;
      }
      default: {
        let x = this.#rng;
        let i = 0;
        for (; i + 4 <= n; i += 4) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          d[i] = x;
          d[i + 1] = x >>> 8;
          d[i + 2] = x >>> 16;
          d[i + 3] = x >>> 24;
        }
        if (i < n) {
          x ^= x << 13;
          x ^= x >>> 17;
          x ^= x << 5;
          for (let k = 0; i < n; i++, k++) d[i] = x >>> (8 * k);
        }
        this.#rng = x >>> 0;
      }
    }
  }
}

/** Repeats d[0..period) over the whole of d, doubling with copyWithin (memmove speed). */
function repeat(d: Uint8Array, period: number): void {
  if (period <= 0) return;
  let filled = period;
  while (filled < d.length) {
    const n = Math.min(filled, d.length - filled);
    d.copyWithin(filled, 0, n);
    filled += n;
  }
}
