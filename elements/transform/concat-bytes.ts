/**
 * concat-bytes: re-cuts a byte stream into buffers of exactly `blocksize` bytes (the last one
 * at EOS may be shorter), whatever sizes arrive — for block devices, fixed-size packets, or to
 * merge many small writes into few large ones. `blocksize=0` gathers the whole stream into one
 * buffer at EOS. (The byte-level counterpart of the flow element `concat`, which plays whole
 * streams one after another.) Bytes are copied into pooled blocks; each block gets the pts of
 * the input its first byte came from and its stream offset. A serialized event (EOS, caps,
 * segment, custom…) sends the partial block first, to keep order.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { isSerialized } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";
import { BytePool } from "./byte-pool.ts";

export const DEFAULT_BLOCKSIZE = 4096;

const Props = Type.Object({
  blocksize: Type.Integer({ default: DEFAULT_BLOCKSIZE, minimum: 0, description: "Bytes per output buffer (0 = one buffer at EOS)" }),
});
type P = Static<typeof Props>;

export class ConcatBytes extends Transform<P> {
  static override meta: ElementMeta = {
    name: "concat-bytes",
    category: "transform",
    description: "Re-cuts a byte stream into buffers of a fixed size (or one buffer at EOS)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #pool: BytePool | null = null;
  /** The block being filled (blocksize > 0). */
  #block: Buffer | null = null;
  #fill = 0;
  /** Everything so far (blocksize = 0). */
  #all: Buffer[] = [];
  #allBytes = 0;
  #allPts = TIME_NONE;
  #offset = 0;
  #blocks = 0;

  override prepare(): void {
    this.#pool = new BytePool(this.name);
  }

  override unprepare(): void {
    this.#reset();
    this.#pool?.close();
    this.#pool = null;
  }

  override start(): void {
    this.#reset();
  }

  #reset(): void {
    this.#block?.release();
    this.#block = null;
    this.#fill = 0;
    for (const b of this.#all) b.release();
    this.#all = [];
    this.#allBytes = 0;
    this.#allPts = TIME_NONE;
    this.#offset = 0;
    this.#blocks = 0;
  }

  transform(_buf: Buffer): null {
    return null; // unused: chain re-cuts
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const size = this.props.blocksize;
    if (size === 0) {
      if (this.#all.length === 0) this.#allPts = buf.pts;
      this.#all.push(buf);
      this.#allBytes += buf.size;
      return Flow.OK;
    }
    const d = buf.data;
    let i = 0;
    let flow: FlowReturn = Flow.OK;
    while (i < d.length && flow === Flow.OK) {
      if (this.#block === null) {
        this.#block = (this.#pool ??= new BytePool(this.name)).acquire(size);
        this.#block.pts = buf.pts;
        this.#block.offset = this.#offset;
        this.#fill = 0;
      }
      const n = Math.min(size - this.#fill, d.length - i);
      this.#block.data.set(d.subarray(i, i + n), this.#fill);
      this.#fill += n;
      this.#offset += n;
      i += n;
      if (this.#fill === size) flow = this.#pushBlock();
    }
    buf.release();
    return flow;
  }

  #pushBlock(): FlowReturn {
    const b = this.#block;
    if (b === null || this.#fill === 0) return Flow.OK;
    this.#block = null;
    if (this.#fill < b.size) b.data = b.data.subarray(0, this.#fill);
    b.offsetEnd = b.offset + this.#fill;
    b.sequence = this.#blocks++;
    this.#fill = 0;
    return this.srcPad.push(b);
  }

  #flush(): void {
    if (this.props.blocksize > 0) {
      this.#pushBlock();
      return;
    }
    if (this.#all.length === 0) return;
    const out = (this.#pool ??= new BytePool(this.name)).concat(
      this.#all.map((b) => b.data),
      this.#allBytes,
    );
    out.pts = this.#allPts;
    out.offset = 0;
    out.offsetEnd = this.#allBytes;
    out.sequence = this.#blocks++;
    for (const b of this.#all) b.release();
    this.#all = [];
    this.#allBytes = 0;
    this.srcPad.push(out);
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "flush-start") this.#reset();
      else if (isSerialized(ev)) this.#flush();
    }
    return this.forwardEvent(pad, ev);
  }
}
