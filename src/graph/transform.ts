/**
 * Transform: an element with one sink pad and one src pad that turns each input buffer into
 * at most one output buffer, synchronously, on the pushing task.
 *
 * `transform(buf)` returns the buffer to push (the same one for in-place work), null to drop
 * it (the transform releases what it drops), or a flow result to stop. For elements that emit
 * several buffers per input, override `chain` and call `this.srcPad.push` as needed.
 * AsyncTransform (below) is the variant whose per-buffer work awaits.
 */
import { Buffer } from "../buffer.ts";
import { type Event, isSerialized } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import { Deque } from "../runtime/deque.ts";
import { Step, type StepResult, type Task } from "../runtime/scheduler.ts";
import { Element } from "./element.ts";
import type { Pad } from "./pad.ts";

/** Default depth of an AsyncTransform's input queue. */
export const ASYNC_TRANSFORM_DEPTH = 8;

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

/**
 * Async variant, for transforms that await (a network lookup, a hardware codec's completion):
 * `transformAsync(buf)` resolves to the output buffer, or null to drop. Inputs wait in a
 * bounded queue (`depth`); the pushing task blocks when it is full (backpressure). Outputs go
 * downstream in input order from the element's own task; events keep their place among the
 * buffers. One call is in flight at a time. It pays an await per buffer: use it for I/O.
 */
export abstract class AsyncTransform<P extends object = Record<string, unknown>> extends Transform<P> {
  protected depth = ASYNC_TRANSFORM_DEPTH;
  #inputs = new Deque<Buffer | Event>(16);
  #ready: Buffer | null | undefined = undefined;
  #inFlight = false;
  #task: Task | null = null;
  #blocked: Task[] = [];
  #result: FlowReturn = Flow.OK;

  abstract transformAsync(buf: Buffer): Promise<Buffer | null>;

  override transform(_buf: Buffer): Buffer | null {
    throw new Error("AsyncTransform.transform is not used: chain queues buffers for transformAsync");
  }

  override start(): void {
    this.#result = Flow.OK;
    this.#task = this.ctx!.scheduler.add(this.name, this.#step);
  }

  override stop(): void {
    if (this.#task) this.#task.done = true;
    this.#task = null;
    for (let it = this.#inputs.shift(); it !== undefined; it = this.#inputs.shift()) if (it instanceof Buffer) it.release();
    for (const t of this.#blocked.splice(0)) t.unblock();
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.#result !== Flow.OK) {
      buf.release();
      return this.#result;
    }
    this.#inputs.push(buf);
    this.#task?.wake();
    if (this.#inputs.length >= this.depth) {
      const t = this.currentTask;
      if (t !== null && t !== this.#task) {
        t.block();
        this.#blocked.push(t);
      }
    }
    return Flow.OK;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink" && isSerialized(ev) && ev.type !== "caps") {
      this.#inputs.push(ev);
      this.#task?.wake();
      return true;
    }
    return super.event(pad, ev);
  }

  #step = (): StepResult => {
    if (this.#ready !== undefined) {
      const out = this.#ready;
      this.#ready = undefined;
      if (out !== null) {
        const f = this.srcPad.push(out);
        if (f !== Flow.OK) this.#result = f;
      }
    }
    if (this.#inFlight) return Step.WAIT;
    const it = this.#inputs.shift();
    if (it === undefined) return Step.WAIT;
    if (this.#blocked.length > 0 && this.#inputs.length < this.depth) for (const t of this.#blocked.splice(0)) t.unblock();
    if (!(it instanceof Buffer)) {
      this.srcPad.pushEvent(it);
      return Step.CONTINUE;
    }
    const task = this.#task!;
    this.#inFlight = true;
    task.block();
    this.transformAsync(it).then(
      (out) => {
        this.#inFlight = false;
        this.#ready = out;
        task.unblock();
      },
      (err: unknown) => {
        this.#inFlight = false;
        this.#result = this.error("stream", `${this.name}: ${err instanceof Error ? err.message : String(err)}`, undefined, err);
        task.unblock();
      },
    );
    return Step.WAIT;
  };
}
