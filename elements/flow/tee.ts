/**
 * tee: sends every buffer to all of its request pads `src_%u` (GStreamer's tee). Each branch
 * gets its own O(1) clone sharing the same memory. Put a queue after each branch so a slow
 * branch does not hold up the others. With `allow-not-linked`, a tee without linked branches
 * drops data instead of failing.
 */
import type { Buffer } from "../../src/buffer.ts";
import { combineFlows, Flow, type FlowReturn } from "../../src/flow.ts";
import { Element, template, type ElementMeta } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";

const Props = Type.Object({
  allowNotLinked: Type.Boolean({ default: false, description: "Do not fail when no branch is linked" }),
  silent: Type.Boolean({ default: true, description: "Do not print a line per buffer" }),
});
type P = Static<typeof Props>;

export class Tee extends Element<P> {
  static override meta: ElementMeta = {
    name: "tee",
    category: "flow",
    description: "Copies each buffer (by reference) to every branch",
    pads: [template.sink("ANY"), template.src("ANY", "src_%u", "request")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #srcs: Pad[] = [];

  protected override padAdded(pad: Pad): void {
    if (pad.direction === "src") this.#srcs.push(pad);
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const srcs = this.#srcs;
    const n = srcs.length;
    if (n === 0) {
      buf.release();
      return this.props.allowNotLinked ? Flow.OK : Flow.NOT_LINKED;
    }
    let result: FlowReturn = Flow.NOT_LINKED;
    let first = true;
    for (let i = 0; i < n; i++) {
      const b = i === n - 1 ? buf : buf.clone();
      const f = srcs[i]!.push(b);
      result = first ? f : combineFlows(result, f);
      first = false;
    }
    if (result === Flow.NOT_LINKED && this.props.allowNotLinked) return Flow.OK;
    return result;
  }
}
