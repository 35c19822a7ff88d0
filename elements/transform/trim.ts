/**
 * trim: cuts bytes off both ends of each buffer, without copying (the output is a view on the
 * same memory): `head` bytes from the start, `tail` bytes from the end, then any run of the
 * bytes in `chars` from either end (`chars="\r\n\t "` strips whitespace; escapes as in
 * escapes.ts). A buffer trimmed to nothing goes on empty.
 */
import type { Buffer } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";
import { parseEscapes } from "./escapes.ts";

export const DEFAULT_HEAD = 0;
export const DEFAULT_TAIL = 0;
export const DEFAULT_CHARS = "";

const Props = Type.Object({
  head: Type.Integer({ default: DEFAULT_HEAD, minimum: 0, description: "Bytes cut from the start", mutable: true }),
  tail: Type.Integer({ default: DEFAULT_TAIL, minimum: 0, description: "Bytes cut from the end", mutable: true }),
  chars: Type.String({ default: DEFAULT_CHARS, description: "Bytes stripped from both ends (escapes \\n \\r \\t \\0 \\xHH)" }),
});
type P = Static<typeof Props>;

export class Trim extends Transform<P> {
  static override meta: ElementMeta = {
    name: "trim",
    category: "transform",
    description: "Cuts bytes off both ends of each buffer (no copy)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  /** strip[b] is 1 when byte b is stripped. */
  #strip = new Uint8Array(256);
  #stripAny = false;

  protected override validate(): void {
    let bytes: Uint8Array;
    try {
      bytes = parseEscapes(this.props.chars);
    } catch (err) {
      throw new PropertyError(this.name, "chars", `property "chars" of ${this.name}: ${(err as Error).message}`);
    }
    this.#strip.fill(0);
    for (const b of bytes) this.#strip[b] = 1;
    this.#stripAny = bytes.length > 0;
  }

  transform(buf: Buffer): Buffer {
    const d = buf.data;
    let start = Math.min(this.props.head, d.length);
    let end = Math.max(start, d.length - this.props.tail);
    if (this.#stripAny) {
      const s = this.#strip;
      while (start < end && s[d[start]!] === 1) start++;
      while (end > start && s[d[end - 1]!] === 1) end--;
    }
    if (start !== 0 || end !== d.length) buf.data = d.subarray(start, end);
    return buf;
  }
}
