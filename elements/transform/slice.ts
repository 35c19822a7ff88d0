/**
 * slice: keeps one byte range of each buffer, without copying: `length` bytes from `offset`
 * (a negative offset counts from the end, as in Array.slice; `length=-1` keeps the rest).
 * Ranges past the end are clipped; a buffer with nothing in the range goes on empty.
 */
import type { Buffer } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_OFFSET = 0;
export const DEFAULT_LENGTH = -1;

const Props = Type.Object({
  offset: Type.Integer({ default: DEFAULT_OFFSET, description: "First byte kept (negative: from the end)", mutable: true }),
  length: Type.Integer({ default: DEFAULT_LENGTH, minimum: -1, description: "Bytes kept (-1 = to the end)", mutable: true }),
});
type P = Static<typeof Props>;

export class Slice extends Transform<P> {
  static override meta: ElementMeta = {
    name: "slice",
    category: "transform",
    description: "Keeps one byte range of each buffer (no copy)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  transform(buf: Buffer): Buffer {
    const d = buf.data;
    const n = d.length;
    const { offset, length } = this.props;
    const start = offset < 0 ? Math.max(0, n + offset) : Math.min(n, offset);
    const end = length < 0 ? n : Math.min(n, start + length);
    if (start !== 0 || end !== n) buf.data = d.subarray(start, end);
    return buf;
  }
}
