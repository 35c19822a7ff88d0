/**
 * map: runs a function on every buffer and sends on what it returns (an API element: the
 * function comes from TypeScript, see api-function.ts). The function takes the buffer: it may
 * change it in place and return it, or return another buffer (then the input is released; call
 * `clone()` in the function to keep it). `caps` declares the output format when the function
 * changes it; empty means "same as the input".
 *
 *   p.make("map", { fn: (b: Buffer) => { b.pts += offset; return b; } })
 */
import type { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import type { FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad, PadDirection } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";
import { requireFunction, takeFunction, threw } from "./api-function.ts";

export const DEFAULT_CAPS = "";

export const OutputCapsProps = Type.Object({
  caps: Type.String({ default: DEFAULT_CAPS, description: "Caps of the output when the function changes the format (empty = same as input)" }),
});
type P = Static<typeof OutputCapsProps>;

export type MapFn = (buf: Buffer) => Buffer;

/**
 * Base of the function elements: the `fn` option, the prepare-time check, and the optional
 * output caps (`caps`), which negotiation uses instead of "same as input".
 */
export abstract class FunctionTransform<F, Q extends P = P> extends Transform<Q> {
  fn: F | null;
  #out: Caps | null = null;

  constructor(name: string, props: Record<string, unknown> = {}) {
    const { fn, rest } = takeFunction<F>(name, (new.target as unknown as { meta: ElementMeta }).meta.name, props);
    super(name, rest);
    this.fn = fn;
  }

  protected override validate(): void {
    const text = this.props.caps;
    if (text === "") {
      this.#out = null;
      return;
    }
    try {
      this.#out = Caps.parse(text);
    } catch (err) {
      throw new PropertyError(this.name, "caps", `property "caps" of ${this.name}: ${(err as Error).message}`);
    }
  }

  override padCaps(pad: Pad): Caps {
    return pad.direction === "src" && this.#out ? this.#out : pad.template.caps;
  }

  override transformCaps(from: PadDirection, caps: Caps): Caps {
    if (this.#out === null) return caps;
    return from === "sink" ? this.#out : Caps.any();
  }

  override prepare(): void {
    requireFunction(this.name, this.factoryName, this.fn);
  }

  protected fail(buf: Buffer, err: unknown): FlowReturn {
    buf.release();
    return this.error("stream", threw(this.name, this.factoryName, err), undefined, err);
  }
}

export class MapElement extends FunctionTransform<MapFn> {
  static override meta: ElementMeta = {
    name: "map",
    category: "transform",
    description: "Runs a function on each buffer (API element: give { fn } from TypeScript)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: OutputCapsProps,
    scheduling: { affinity: "auto", rtSafe: false },
    authority: "none",
  };

  transform(buf: Buffer): Buffer | FlowReturn {
    let out: Buffer;
    try {
      out = this.fn!(buf);
    } catch (err) {
      return this.fail(buf, err);
    }
    if (out !== buf) buf.release();
    return out;
  }
}
