/**
 * Transform: an element with one sink pad and one src pad that turns each input buffer into
 * at most one output buffer, synchronously, on the pushing task.
 *
 * `transform(buf)` returns the buffer to push (the same one for in-place work), null to drop
 * it (the transform releases what it drops), or a flow result to stop. For elements that emit
 * several buffers per input, override `chain` and call `this.srcPad.push` as needed.
 */
import type { Buffer } from "../buffer.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import { Element } from "./element.ts";
import type { Pad } from "./pad.ts";

export abstract class Transform<P extends object = Record<string, unknown>> extends Element<P> {
  get sinkPad(): Pad {
    return this.pad("sink")!;
  }

  get srcPad(): Pad {
    return this.pad("src")!;
  }

  /** Transforms one buffer. Runs on the pushing task. Takes `buf`. */
  abstract transform(buf: Buffer): Buffer | null | FlowReturn;

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const out = this.transform(buf);
    if (out === null) return Flow.OK;
    if (typeof out === "number") return out;
    return this.srcPad.push(out);
  }
}
