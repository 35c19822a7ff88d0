/**
 * regex-filter: keeps the buffers whose bytes, read as UTF-8 text, match `pattern` (a
 * JavaScript regular expression, with `flags`); `invert=true` keeps those that do not match
 * (grep -v). An empty pattern matches everything. Reading the text costs a string per buffer:
 * put split before it to filter line by line. A pattern that does not compile is refused when
 * the element is made, with the engine's message.
 */
import type { Buffer } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_PATTERN = "";
export const DEFAULT_FLAGS = "";
export const DEFAULT_INVERT = false;

const Props = Type.Object({
  pattern: Type.String({ default: DEFAULT_PATTERN, description: "JavaScript regular expression the text must match", mutable: true }),
  flags: Type.String({ default: DEFAULT_FLAGS, description: "Regular expression flags (i, m, s, u)", mutable: true }),
  invert: Type.Boolean({ default: DEFAULT_INVERT, description: "Keep the buffers that do not match", mutable: true }),
});
type P = Static<typeof Props>;

export class RegexFilter extends Transform<P> {
  static override meta: ElementMeta = {
    name: "regex-filter",
    category: "transform",
    description: "Keeps buffers whose text matches a regular expression (or does not, with invert)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: false },
    authority: "none",
  };

  #re: RegExp = /(?:)/;
  readonly #decoder = new TextDecoder();
  /** Buffers dropped since start. */
  dropped = 0;

  protected override validate(): void {
    const { pattern, flags } = this.props;
    if (/[gy]/.test(flags)) {
      throw new PropertyError(this.name, "flags", `property "flags" of ${this.name}: "g" and "y" make matching stateful`, "leave them out");
    }
    try {
      this.#re = new RegExp(pattern, flags);
    } catch (err) {
      throw new PropertyError(this.name, "pattern", `property "pattern" of ${this.name}: ${(err as Error).message}`);
    }
  }

  override start(): void {
    this.dropped = 0;
  }

  transform(buf: Buffer): Buffer | null {
    const hit = this.#re.test(this.#decoder.decode(buf.data));
    if (hit !== this.props.invert) return buf;
    this.dropped++;
    buf.release();
    return null;
  }
}
