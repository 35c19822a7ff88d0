/**
 * pad: grows each buffer to a size with a fill byte: to at least `size` bytes, and/or to a
 * multiple of `multiple` bytes (block ciphers, aligned records, fixed-size frames), adding
 * `value` bytes at the end (`side=end`) or the start. Buffers already long enough pass
 * unchanged, without a copy; a padded one is a new pooled buffer with the input's metadata.
 */
import type { Buffer } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";
import { BytePool } from "./byte-pool.ts";

export const DEFAULT_SIZE = 0;
export const DEFAULT_MULTIPLE = 1;
export const DEFAULT_VALUE = 0;
export const DEFAULT_SIDE = "end";

const Props = Type.Object({
  size: Type.Integer({ default: DEFAULT_SIZE, minimum: 0, description: "Smallest output size in bytes (0 = no minimum)" }),
  multiple: Type.Integer({ default: DEFAULT_MULTIPLE, minimum: 1, description: "Output size is rounded up to a multiple of this" }),
  value: Type.Integer({ default: DEFAULT_VALUE, minimum: 0, maximum: 255, description: "Fill byte" }),
  side: Type.Enum(["end", "start"], { default: DEFAULT_SIDE, description: "Where the fill goes" }),
});
type P = Static<typeof Props>;

export class PadBytes extends Transform<P> {
  static override meta: ElementMeta = {
    name: "pad",
    category: "transform",
    description: "Grows buffers to a size or a multiple of a size with a fill byte",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #pool: BytePool | null = null;

  override prepare(): void {
    this.#pool = new BytePool(this.name);
  }

  override unprepare(): void {
    this.#pool?.close();
    this.#pool = null;
  }

  transform(buf: Buffer): Buffer {
    const p = this.props;
    const n = buf.size;
    let target = Math.max(n, p.size);
    const m = p.multiple;
    if (m > 1) target = Math.ceil(target / m) * m;
    if (target === n) return buf;
    const out = (this.#pool ??= new BytePool(this.name)).acquire(target);
    const fill = target - n;
    if (p.side === "end") {
      out.data.set(buf.data, 0);
      out.data.fill(p.value, n);
    } else {
      out.data.fill(p.value, 0, fill);
      out.data.set(buf.data, fill);
    }
    out.copyMetadataFrom(buf);
    buf.release();
    return out;
  }
}
