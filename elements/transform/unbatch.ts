/**
 * unbatch: splits what batch gathered back into its parts, each a view on the batch's memory
 * (no copy). With `framing=meta` (default) the boundaries come from the batch's metadata
 * (`meta.batch`), and each part gets back its pts; a buffer without that metadata is a batch
 * of one and passes unchanged. With `framing=length-prefixed` the boundaries are read from the
 * bytes (a u32 LE length before each part), which works after any transport; a length running
 * past the end of the buffer is a stream error.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";
import { BATCH_META, type BatchMeta, LENGTH_PREFIX } from "./batch.ts";

export const DEFAULT_FRAMING = "meta";

const Props = Type.Object({
  framing: Type.Enum(["meta", "length-prefixed"], { default: DEFAULT_FRAMING, description: "Read the boundaries from the batch metadata or from u32 LE lengths in the bytes" }),
});
type P = Static<typeof Props>;

export class Unbatch extends Transform<P> {
  static override meta: ElementMeta = {
    name: "unbatch",
    category: "transform",
    description: "Splits batches back into their parts (no copy)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  transform(_buf: Buffer): null {
    return null; // unused: chain splits
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    return this.props.framing === "meta" ? this.#byMeta(buf) : this.#byLength(buf);
  }

  #byMeta(buf: Buffer): FlowReturn {
    const info = buf.meta?.[BATCH_META] as BatchMeta | undefined;
    if (info === undefined) return this.srcPad.push(buf);
    const rest = { ...buf.meta };
    delete rest[BATCH_META];
    const meta = Object.keys(rest).length > 0 ? rest : null;
    let o = 0;
    let flow: FlowReturn = Flow.OK;
    for (let i = 0; i < info.sizes.length && flow === Flow.OK; i++) {
      const n = info.sizes[i]!;
      const part = buf.slice(o, o + n);
      o += n;
      part.pts = info.pts[i] ?? TIME_NONE;
      part.duration = TIME_NONE;
      part.meta = meta;
      part.sequence = buf.sequence;
      flow = this.srcPad.push(part);
    }
    buf.release();
    return flow;
  }

  #byLength(buf: Buffer): FlowReturn {
    const d = buf.data;
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    let o = 0;
    let flow: FlowReturn = Flow.OK;
    while (o < d.length && flow === Flow.OK) {
      if (o + LENGTH_PREFIX > d.length) return this.#bad(buf, o);
      const n = view.getUint32(o, true);
      o += LENGTH_PREFIX;
      if (o + n > d.length) return this.#bad(buf, o - LENGTH_PREFIX);
      const part = buf.slice(o, o + n);
      o += n;
      part.duration = TIME_NONE;
      if (part.meta && BATCH_META in part.meta) {
        const { [BATCH_META]: _, ...rest } = part.meta;
        part.meta = rest;
      }
      flow = this.srcPad.push(part);
    }
    buf.release();
    return flow;
  }

  #bad(buf: Buffer, at: number): FlowReturn {
    const size = buf.size;
    buf.release();
    return this.error(
      "stream",
      `${this.name}: a part length at byte ${at} runs past the end of the ${size}-byte buffer`,
      "the data is not length-prefixed batches: check framing on both batch and unbatch",
    );
  }
}
