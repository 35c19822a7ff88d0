/**
 * fakesrc: produces empty or filled buffers, for testing and benchmarking (GStreamer's fakesrc).
 *
 * Sizes: `sizetype=empty` (zero-length), `fixed` (sizemax bytes), `random` (sizemin..sizemax).
 * Fill: `nothing` leaves pool memory as it is, `zero`, `random`, `pattern` (0,1,2,…),
 * `pattern-span` (the pattern continues across buffers). With `datarate` (bytes/s) buffers get
 * timestamps; with `is-live` they are produced at the pace of the clock.
 */
import { Buffer, SECOND, TIME_NONE } from "../../src/buffer.ts";
import { Element, template, type ElementMeta } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { Allocator } from "../../src/runtime/allocator.ts";

export const DEFAULT_SIZEMAX = 4096;
export const DEFAULT_SIZEMIN = 0;

const Props = Type.Object({
  numBuffers: Type.Integer({ default: -1, minimum: -1, description: "Buffers to produce before EOS (-1 = unlimited)" }),
  sizetype: Type.Enum(["empty", "fixed", "random"], { default: "empty", description: "How buffer sizes are chosen" }),
  sizemin: Type.Integer({ default: DEFAULT_SIZEMIN, minimum: 0, description: "Minimum size with sizetype=random" }),
  sizemax: Type.Integer({ default: DEFAULT_SIZEMAX, minimum: 0, description: "Size with sizetype=fixed, maximum with random" }),
  filltype: Type.Enum(["nothing", "zero", "random", "pattern", "pattern-span"], {
    default: "nothing",
    description: "How buffers are filled",
  }),
  datarate: Type.Integer({ default: 0, minimum: 0, description: "Bytes per second, for timestamps (0 = none)" }),
  isLive: Type.Boolean({ default: false, description: "Produce at the pace of the clock" }),
  silent: Type.Boolean({ default: true, description: "Do not post a message per buffer" }),
  signalHandoffs: Type.Boolean({ default: false, description: "Call onHandoff for each buffer" }),
});
type P = Static<typeof Props>;

export class FakeSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "fakesrc",
    category: "testing",
    description: "Produces empty or filled buffers, for tests and benchmarks",
    pads: [template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  /** API callback, called with each buffer before it is pushed (signal-handoffs=true). */
  onHandoff: ((buf: Buffer) => void) | null = null;
  #count = 0;
  #offset = 0;
  #pattern = 0;
  #alloc: Allocator | null = null;
  #empty = new Uint8Array(0);

  override start(): void {
    super.start();
    this.#count = 0;
    this.#offset = 0;
    this.#pattern = 0;
    const p = this.props;
    if (p.sizetype !== "empty") this.#alloc = new Allocator(p.sizemax, this.name);
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
    let size = 0;
    if (p.sizetype === "fixed") size = p.sizemax;
    else if (p.sizetype === "random") size = p.sizemin + Math.floor(Math.random() * (p.sizemax - p.sizemin + 1));
    if (p.datarate > 0) {
      pts = Math.round((this.#offset * SECOND) / p.datarate);
      duration = Math.round((size * SECOND) / p.datarate);
    } else if (p.isLive) {
      pts = this.ctx!.runningTime();
    }
    if (p.isLive && pts !== TIME_NONE && !this.reachedRunningTime(pts)) return WAIT;

    let buf: Buffer;
    if (size === 0) {
      buf = new Buffer(this.#empty);
    } else {
      const b = this.#alloc!.acquire(size, this.task);
      if (b === null) return WAIT; // pool exhausted: the task was blocked until a slot returns
      buf = b;
      this.#fill(buf.data);
    }
    buf.pts = pts;
    buf.duration = duration;
    buf.offset = this.#offset;
    buf.offsetEnd = this.#offset + size;
    buf.sequence = this.#count++;
    this.#offset += size;
    if (p.signalHandoffs && this.onHandoff) this.onHandoff(buf);
    if (!p.silent) this.postMessage("handoff", { sequence: buf.sequence, size });
    return buf;
  }

  #fill(d: Uint8Array): void {
    switch (this.props.filltype) {
      case "zero":
        d.fill(0);
        break;
      case "random":
        crypto.getRandomValues(d.subarray(0, Math.min(d.length, 65536)));
        for (let o = 65536; o < d.length; o += 65536) crypto.getRandomValues(d.subarray(o, o + 65536));
        break;
      case "pattern":
        for (let i = 0; i < d.length; i++) d[i] = i & 0xff;
        break;
      case "pattern-span": {
        let v = this.#pattern;
        for (let i = 0; i < d.length; i++) d[i] = (v + i) & 0xff;
        this.#pattern = (v + d.length) & 0xff;
        break;
      }
    }
  }
}
