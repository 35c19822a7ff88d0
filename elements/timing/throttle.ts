/**
 * throttle: lets at most one buffer through per `interval` ns of running time (pipeline
 * clock). The first buffer goes out at once and opens an interval; buffers arriving within it
 * are dropped. With `trailing=true` the last buffer dropped in an interval is sent when the
 * interval ends (so the latest value is never lost), and that opens the next interval.
 * Unlike ratelimit, throttle never delays data on the normal path and never blocks upstream.
 * Timestamps are not changed.
 */
import type { Buffer } from "../../src/buffer.ts";
import { type Event, isSerialized } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Step, type StepResult } from "../../src/runtime/scheduler.ts";
import { Clocked } from "./clocked.ts";

export const DEFAULT_INTERVAL = 0;
export const DEFAULT_TRAILING = false;

const Props = Type.Object({
  interval: Type.Integer({ default: DEFAULT_INTERVAL, minimum: 0, description: "Shortest time between two buffers, in ns of running time (0 = pass all)", mutable: true }),
  trailing: Type.Boolean({ default: DEFAULT_TRAILING, description: "Send the last dropped buffer when the interval ends", mutable: true }),
});
type P = Static<typeof Props>;

export class Throttle extends Clocked<P> {
  static override meta: ElementMeta = {
    name: "throttle",
    category: "timing",
    description: "Lets at most one buffer through per interval of the pipeline clock, dropping the rest",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };

  /** Running time at which the current interval ends. */
  #open = -Infinity;
  #pending: Buffer | null = null;
  /** Buffers dropped since start. */
  dropped = 0;

  protected override reset(): void {
    this.#pending?.release();
    this.#pending = null;
    this.#open = -Infinity;
    this.dropped = 0;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const now = this.now();
    if (now >= this.#open) {
      this.#open = now + this.props.interval;
      return this.srcPad.push(buf);
    }
    if (this.props.trailing) {
      if (this.#pending !== null) {
        this.#pending.release();
        this.dropped++;
      }
      this.#pending = buf;
      this.wakeAt(this.#open);
      return Flow.OK;
    }
    this.dropped++;
    buf.release();
    return Flow.OK;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "flush-start") {
        this.#pending?.release();
        this.#pending = null;
        this.cancelWake();
      } else if (isSerialized(ev) && this.#pending !== null) {
        // Keep order: the waiting buffer goes before the event.
        const b = this.#pending;
        this.#pending = null;
        this.srcPad.push(b);
      }
    }
    return this.forwardEvent(pad, ev);
  }

  protected override tick(): StepResult {
    if (this.#pending === null) return Step.WAIT;
    const now = this.now();
    if (now < this.#open) {
      this.wakeAt(this.#open);
      return Step.WAIT;
    }
    const b = this.#pending;
    this.#pending = null;
    this.#open = now + this.props.interval;
    this.srcPad.push(b);
    return Step.WAIT;
  }
}
