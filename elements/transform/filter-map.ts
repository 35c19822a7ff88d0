/**
 * filter-map: runs a function on every buffer; what it returns goes on, and null drops the
 * buffer (map and filter in one step; an API element, see api-function.ts). Ownership as in
 * map: returning another buffer (or null) releases the input.
 *
 *   p.make("filter-map", { fn: (b: Buffer) => (b.size > 4 ? b.slice(4) : null) })
 */
import type { Buffer } from "../../src/buffer.ts";
import type { FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { FunctionTransform, OutputCapsProps } from "./map.ts";

export type FilterMapFn = (buf: Buffer) => Buffer | null;

export class FilterMapElement extends FunctionTransform<FilterMapFn> {
  static override meta: ElementMeta = {
    name: "filter-map",
    category: "transform",
    description: "Maps each buffer with a function that may drop it (API element: give { fn } from TypeScript)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: OutputCapsProps,
    scheduling: { affinity: "auto", rtSafe: false },
    authority: "none",
  };

  transform(buf: Buffer): Buffer | null | FlowReturn {
    let out: Buffer | null;
    try {
      out = this.fn!(buf);
    } catch (err) {
      return this.fail(buf, err);
    }
    if (out !== buf) buf.release();
    return out;
  }
}
