/**
 * timeout: passes buffers straight through, and when none has arrived for `timeout` ns of
 * running time, sends a fallback so downstream keeps getting data through silence (a dead
 * camera shows its last frame, a quiet sensor still reports). The fallback is the last buffer
 * again (`fallback=repeat-last`, the default; an empty GAP buffer before any data), an empty
 * buffer flagged GAP (`empty`), the bytes of `data` (`data`), or a gap event instead of a
 * buffer (`gap`). Fallback buffers carry the running time at which the silence reached the
 * timeout as pts (the last buffer's time + timeout, + timeout again for each repeat) and
 * `timeout` as duration. With `repeat` (default) one goes out every `timeout` while the
 * silence lasts; otherwise one per silence. Each silence also posts an element message
 * "timeout" with `{ since }` (running time of the last buffer, or of start).
 *
 * The silence is measured on the pipeline clock from start (or the last buffer); the element
 * sends fallbacks from its own task. Timing stops at EOS and restarts after a flush.
 */
import { Buffer, BufferFlag } from "../../src/buffer.ts";
import { type Event, Events } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Step, type StepResult } from "../../src/runtime/scheduler.ts";
import { Clocked } from "./clocked.ts";

export const DEFAULT_TIMEOUT = 1_000_000_000;
export const DEFAULT_FALLBACK = "repeat-last";
export const DEFAULT_DATA = "";
export const DEFAULT_REPEAT = true;

const Props = Type.Object({
  timeout: Type.Integer({ default: DEFAULT_TIMEOUT, minimum: 1, description: "Silence (ns of running time) after which a fallback is sent", mutable: true }),
  fallback: Type.Enum(["repeat-last", "empty", "data", "gap"], {
    default: DEFAULT_FALLBACK,
    description: "What is sent after silence: the last buffer again, an empty GAP buffer, the bytes of data, or a gap event",
    mutable: true,
  }),
  data: Type.String({ default: DEFAULT_DATA, description: "Text sent as the fallback with fallback=data", mutable: true }),
  repeat: Type.Boolean({ default: DEFAULT_REPEAT, description: "Send a fallback every timeout while the silence lasts", mutable: true }),
});
type P = Static<typeof Props>;

export class Timeout extends Clocked<P> {
  static override meta: ElementMeta = {
    name: "timeout",
    category: "timing",
    description: "Passes buffers through; after a silence of the pipeline clock, sends a fallback",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };

  #last: Buffer | null = null;
  /** Running time of the last buffer (or of start / the last flush). */
  #since = 0;
  /** When the next fallback is due. */
  #deadline = 0;
  /** Fallbacks sent in the current silence. */
  #sentInSilence = 0;
  #ended = false;
  /** Fallbacks sent since start. */
  fallbacks = 0;
  #dataBytes: Uint8Array = new Uint8Array(0);

  protected override validate(): void {
    this.#dataBytes = new TextEncoder().encode(this.props.data);
  }

  override start(): void {
    super.start();
    this.fallbacks = 0;
    this.#arm(this.now());
  }

  protected override reset(): void {
    this.#last?.release();
    this.#last = null;
    this.#sentInSilence = 0;
    this.#ended = false;
  }

  #arm(since: number): void {
    this.#since = since;
    this.#sentInSilence = 0;
    this.#deadline = since + this.props.timeout;
    this.wakeAt(this.#deadline);
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.props.fallback === "repeat-last") {
      this.#last?.release();
      this.#last = buf.clone();
    }
    this.#since = this.now();
    this.#sentInSilence = 0;
    // The wake already scheduled stays; tick() moves the deadline on (no timer per buffer).
    this.#deadline = this.#since + this.props.timeout;
    return this.srcPad.push(buf);
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "eos") {
        this.#ended = true;
        this.cancelWake();
      } else if (ev.type === "flush-stop" || ev.type === "stream-start") {
        if (this.#ended || ev.type === "flush-stop") {
          this.#ended = false;
          this.#arm(this.now());
        }
      }
    }
    return this.forwardEvent(pad, ev);
  }

  protected override tick(): StepResult {
    if (this.#ended) return Step.WAIT;
    const now = this.now();
    if (now < this.#deadline) {
      this.wakeAt(this.#deadline);
      return Step.WAIT;
    }
    if (this.#sentInSilence > 0 && !this.props.repeat) return Step.WAIT;
    if (this.#sentInSilence === 0) this.postMessage("timeout", { since: this.#since });
    this.#sentInSilence++;
    this.fallbacks++;
    // Stamped with the time the silence crossed the threshold, even if the task ran late;
    // the cadence stays one per timeout (a late loop catches up one fallback per tick).
    const at = this.#deadline;
    this.#deadline = at + this.props.timeout;
    const flow = this.#sendFallback(at);
    if (flow !== Flow.OK) return Step.WAIT;
    this.wakeAt(this.#deadline);
    return Step.WAIT;
  }

  #sendFallback(now: number): FlowReturn {
    const p = this.props;
    if (p.fallback === "gap") {
      this.srcPad.pushEvent(Events.gap(now, p.timeout));
      return Flow.OK;
    }
    let b: Buffer;
    if (p.fallback === "repeat-last" && this.#last !== null) {
      b = this.#last.clone();
    } else if (p.fallback === "data") {
      b = new Buffer(this.#dataBytes.slice()); // a copy: downstream may write in place
    } else {
      b = new Buffer(new Uint8Array(0));
      b.setFlag(BufferFlag.GAP);
    }
    b.pts = now;
    b.dts = now;
    b.duration = p.timeout;
    return this.srcPad.push(b);
  }
}
