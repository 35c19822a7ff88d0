/**
 * meta-extract: takes metadata out of band. For each buffer with metadata (only the `keys`
 * listed, comma-separated; empty = all), it posts an element message "meta" `{ sequence, pts,
 * meta }` (`post=true`) and calls the API callback `onMeta(meta, buf)` if set. `strip=true`
 * removes the metadata from the buffer afterwards. `output=json` replaces each buffer's bytes
 * with one line of JSON `{"pts":…,"sequence":…,"meta":{…}}` (for logging with filesink or
 * fdsink); that allocates per buffer, as any text rendering does.
 */
import { Buffer, TIME_NONE } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_KEYS = "";
export const DEFAULT_POST = true;
export const DEFAULT_STRIP = false;
export const DEFAULT_OUTPUT = "buffer";

const Props = Type.Object({
  keys: Type.String({ default: DEFAULT_KEYS, description: "Comma-separated fields to extract (empty = all)" }),
  post: Type.Boolean({ default: DEFAULT_POST, description: "Post an element message \"meta\" per buffer with metadata", mutable: true }),
  strip: Type.Boolean({ default: DEFAULT_STRIP, description: "Remove the metadata from the buffer" }),
  output: Type.Enum(["buffer", "json"], { default: DEFAULT_OUTPUT, description: "Pass the buffer on, or replace its bytes by the metadata as a JSON line" }),
});
type P = Static<typeof Props>;

export type MetaCallback = (meta: Record<string, unknown>, buf: Buffer) => void;

export class MetaExtract extends Transform<P> {
  static override meta: ElementMeta = {
    name: "meta-extract",
    category: "transform",
    description: "Reports buffer metadata on the bus or to a callback, and can strip it or emit it as JSON",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: false },
    authority: "none",
  };

  /** API callback, called per buffer with (selected) metadata; the buffer is only lent. */
  onMeta: MetaCallback | null = null;
  #keys: string[] = [];
  readonly #encoder = new TextEncoder();

  protected override validate(): void {
    this.#keys = this.props.keys
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k !== "");
  }

  #select(m: Record<string, unknown>): Record<string, unknown> | null {
    if (this.#keys.length === 0) return m;
    let out: Record<string, unknown> | null = null;
    for (const k of this.#keys) {
      if (k in m) (out ??= {})[k] = m[k];
    }
    return out;
  }

  transform(buf: Buffer): Buffer {
    const p = this.props;
    const m = buf.meta === null ? null : this.#select(buf.meta);
    if (m !== null) {
      if (p.post) this.postMessage("meta", { sequence: buf.sequence, pts: buf.pts, meta: m });
      this.onMeta?.(m, buf);
    }
    if (p.output === "json") {
      const line = JSON.stringify({ pts: buf.pts === TIME_NONE ? null : buf.pts, sequence: buf.sequence, meta: m ?? {} }) + "\n";
      const out = new Buffer(this.#encoder.encode(line));
      out.copyMetadataFrom(buf);
      if (p.strip) out.meta = null;
      buf.release();
      return out;
    }
    if (p.strip) buf.meta = null;
    return buf;
  }
}
