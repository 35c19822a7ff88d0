/**
 * debounce: lets one buffer through per burst (running time of the pipeline clock). A burst is
 * a run of buffers less than `window` ns apart.
 *
 *  - `edge=trailing` (default): the last buffer of a burst goes out once `window` has passed
 *    with nothing new (a settled value: the final position of a slider, the last keystroke);
 *  - `edge=leading`: the first buffer of a burst goes out at once, the rest of the burst is
 *    dropped (a button press, ignoring its bounce).
 *
 * A trailing buffer waiting when a serialized event arrives (caps, segment, EOS, …) goes out
 * first, so order is kept; EOS therefore never loses the last value. Trailing buffers are
 * sent from the element's own task; timestamps are not changed.
 */
import type { Buffer } from "../../src/buffer.ts";
import { type Event, isSerialized } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Step, type StepResult } from "../../src/runtime/scheduler.ts";
import { Clocked } from "./clocked.ts";

export const DEFAULT_WINDOW = 100_000_000;
export const DEFAULT_EDGE = "trailing";

const Props = Type.Object({
  window: Type.Integer({ default: DEFAULT_WINDOW, minimum: 0, description: "Quiet time (ns of running time) that ends a burst", mutable: true }),
  edge: Type.Enum(["trailing", "leading"], { default: DEFAULT_EDGE, description: "Send the last buffer of a burst (trailing) or the first (leading)", mutable: true }),
});
type P = Static<typeof Props>;

export class Debounce extends Clocked<P> {
  static override meta: ElementMeta = {
    name: "debounce",
    category: "timing",
    description: "Lets one buffer per burst through: the last after a quiet window, or the first",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };

  #pending: Buffer | null = null;
  /** Running time of the last arrival, or -Infinity before any. */
  #lastArrival = -Infinity;
  /** Buffers dropped since start. */
  dropped = 0;

  protected override reset(): void {
    this.#pending?.release();
    this.#pending = null;
    this.#lastArrival = -Infinity;
    this.dropped = 0;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const now = this.now();
    const quiet = now - this.#lastArrival >= this.props.window;
    this.#lastArrival = now;
    if (this.props.edge === "leading") {
      if (quiet) return this.srcPad.push(buf);
      this.dropped++;
      buf.release();
      return Flow.OK;
    }
    if (this.#pending !== null) {
      this.#pending.release();
      this.dropped++;
    }
    this.#pending = buf;
    this.wakeAt(now + this.props.window);
    return Flow.OK;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "flush-start") {
        this.#pending?.release();
        this.#pending = null;
        this.cancelWake();
      } else if (isSerialized(ev)) {
        this.#sendPending();
      }
    }
    return this.forwardEvent(pad, ev);
  }

  protected override tick(): StepResult {
    if (this.#pending === null) return Step.WAIT;
    const due = this.#lastArrival + this.props.window;
    if (this.now() < due) {
      this.wakeAt(due);
      return Step.WAIT;
    }
    this.#sendPending();
    return Step.WAIT;
  }

  #sendPending(): FlowReturn {
    const b = this.#pending;
    if (b === null) return Flow.OK;
    this.#pending = null;
    return this.srcPad.push(b);
  }
}
