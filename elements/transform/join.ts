/**
 * join: the inverse of split — lays records end to end with `separator` between them (as
 * Array.join), `count` records per output buffer (0 = everything until EOS in one buffer).
 * `trailing` also puts the separator after the last record, so `join count=1 trailing=true
 * separator="\n"` terminates each record with a newline. The output is a pooled copy with the
 * first record's timestamps and offset; `sequence` numbers the outputs. A serialized event
 * (EOS, caps, segment, custom…) sends what has been joined so far first, to keep order.
 */
import type { Buffer } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { isSerialized } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";
import { BytePool } from "./byte-pool.ts";
import { parseEscapes } from "./escapes.ts";

export const DEFAULT_SEPARATOR = "";
export const DEFAULT_COUNT = 0;
export const DEFAULT_TRAILING = false;

const Props = Type.Object({
  separator: Type.String({ default: DEFAULT_SEPARATOR, description: "Bytes put between records (escapes \\n \\r \\t \\0 \\xHH)" }),
  count: Type.Integer({ default: DEFAULT_COUNT, minimum: 0, description: "Records per output buffer (0 = all until EOS)" }),
  trailing: Type.Boolean({ default: DEFAULT_TRAILING, description: "Also put the separator after the last record" }),
});
type P = Static<typeof Props>;

export class Join extends Transform<P> {
  static override meta: ElementMeta = {
    name: "join",
    category: "transform",
    description: "Lays records end to end with a separator, N records per output buffer",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #sep: Uint8Array = new Uint8Array(0);
  #parts: Buffer[] = [];
  #bytes = 0;
  #pool: BytePool | null = null;
  #outputs = 0;

  protected override validate(): void {
    try {
      this.#sep = parseEscapes(this.props.separator);
    } catch (err) {
      throw new PropertyError(this.name, "separator", `property "separator" of ${this.name}: ${(err as Error).message}`);
    }
  }

  override prepare(): void {
    this.#pool = new BytePool(this.name);
  }

  override unprepare(): void {
    this.#drop();
    this.#pool?.close();
    this.#pool = null;
  }

  override start(): void {
    this.#drop();
    this.#outputs = 0;
  }

  transform(_buf: Buffer): null {
    return null; // unused: chain collects
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    this.#parts.push(buf);
    this.#bytes += buf.size;
    const n = this.props.count;
    if (n > 0 && this.#parts.length >= n) return this.#flush();
    return Flow.OK;
  }

  #flush(): FlowReturn {
    const parts = this.#parts;
    if (parts.length === 0) return Flow.OK;
    const sep = this.#sep;
    const seps = parts.length - 1 + (this.props.trailing ? 1 : 0);
    const total = this.#bytes + seps * sep.length;
    const out = (this.#pool ??= new BytePool(this.name)).acquire(total);
    const d = out.data;
    let o = 0;
    for (let i = 0; i < parts.length; i++) {
      d.set(parts[i]!.data, o);
      o += parts[i]!.size;
      if (i < parts.length - 1 || this.props.trailing) {
        d.set(sep, o);
        o += sep.length;
      }
    }
    const first = parts[0]!;
    out.copyMetadataFrom(first);
    out.offsetEnd = first.offset === -1 ? -1 : first.offset + total;
    out.sequence = this.#outputs++;
    this.#drop();
    return this.srcPad.push(out);
  }

  #drop(): void {
    for (const b of this.#parts) b.release();
    this.#parts = [];
    this.#bytes = 0;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "flush-start") this.#drop();
      else if (isSerialized(ev)) this.#flush();
    }
    return this.forwardEvent(pad, ev);
  }
}
