/**
 * flat-map: runs a function on every buffer and sends on each buffer of what it returns, in
 * order (zero, one or many per input: split a message into records, expand a batch; an API
 * element, see api-function.ts). The input is released after the call unless the function
 * returned it among its results. Pushing stops at the first result downstream refuses; the
 * remaining results are released.
 *
 *   p.make("flat-map", { fn: (b: Buffer) => [b.slice(0, 4), b.slice(4)] })
 */
import type { Buffer } from "../../src/buffer.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { FunctionTransform, OutputCapsProps } from "./map.ts";

export type FlatMapFn = (buf: Buffer) => Iterable<Buffer>;

export class FlatMapElement extends FunctionTransform<FlatMapFn> {
  static override meta: ElementMeta = {
    name: "flat-map",
    category: "transform",
    description: "Turns each buffer into any number of buffers with a function (API element: give { fn } from TypeScript)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: OutputCapsProps,
    scheduling: { affinity: "auto", rtSafe: false },
    authority: "none",
  };

  transform(_buf: Buffer): FlowReturn {
    return Flow.ERROR; // unused: chain pushes each result
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    let results: Iterable<Buffer>;
    let keptInput = false;
    let flow: FlowReturn = Flow.OK;
    try {
      results = this.fn!(buf);
      for (const out of results) {
        if (out === buf) keptInput = true;
        if (flow !== Flow.OK) {
          if (out !== buf) out.release();
          continue;
        }
        flow = this.srcPad.push(out);
      }
    } catch (err) {
      if (!keptInput) buf.release();
      return this.error("stream", `${this.name}: the flat-map function threw: ${(err as Error)?.message ?? String(err)}`, undefined, err);
    }
    if (!keptInput) buf.release();
    return flow;
  }
}
