/**
 * queue: a bounded buffer between two tasks, and the pipeline's async boundary (GStreamer's
 * queue). Upstream pushes into it and returns at once; the queue's own task pushes downstream.
 *
 * Limits: max-size-buffers, max-size-bytes, max-size-time (0 disables one). When a limit is
 * reached: `leaky=no` blocks the pushing task until the queue drains (backpressure),
 * `upstream` drops the new buffer, `downstream` drops the oldest. Serialized events keep their
 * place among the buffers; flush-start empties the queue at once. The downstream flow result
 * (EOS, error) is returned to upstream on its next push.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { isSerialized } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Element, template, type ElementMeta } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Deque } from "../../src/runtime/deque.ts";
import { Step, type StepResult, type Task } from "../../src/runtime/scheduler.ts";

export const DEFAULT_MAX_SIZE_BUFFERS = 200;
export const DEFAULT_MAX_SIZE_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_SIZE_TIME = 1_000_000_000;

const Props = Type.Object({
  maxSizeBuffers: Type.Integer({ default: DEFAULT_MAX_SIZE_BUFFERS, minimum: 0, description: "Max buffers queued (0 = no limit)" }),
  maxSizeBytes: Type.Integer({ default: DEFAULT_MAX_SIZE_BYTES, minimum: 0, description: "Max bytes queued (0 = no limit)" }),
  maxSizeTime: Type.Integer({ default: DEFAULT_MAX_SIZE_TIME, minimum: 0, description: "Max ns of data queued (0 = no limit)" }),
  leaky: Type.Enum(["no", "upstream", "downstream"], { default: "no", description: "What to drop when full", mutable: true }),
  silent: Type.Boolean({ default: true, description: "Do not post overrun/underrun messages" }),
});
type P = Static<typeof Props>;

export class Queue extends Element<P> {
  static override meta: ElementMeta = {
    name: "queue",
    category: "flow",
    description: "Bounded queue: decouples upstream and downstream into separate tasks",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  readonly #items = new Deque<Buffer | Event>(64);
  #buffers = 0;
  #bytes = 0;
  #firstPts = TIME_NONE;
  #lastPts = TIME_NONE;
  #task: Task | null = null;
  #waiting: Task[] = [];
  #srcResult: FlowReturn = Flow.OK;
  /** Buffers dropped by a leaky queue since start. */
  dropped = 0;

  get sinkPad(): Pad {
    return this.pads[0]!;
  }
  get srcPad(): Pad {
    return this.pads[1]!;
  }

  /** Current fill level, as GStreamer's current-level-* properties. */
  get level(): { buffers: number; bytes: number; time: number } {
    const t = this.#firstPts !== TIME_NONE && this.#lastPts !== TIME_NONE ? this.#lastPts - this.#firstPts : 0;
    return { buffers: this.#buffers, bytes: this.#bytes, time: t };
  }

  override start(): void {
    this.#srcResult = Flow.OK;
    this.dropped = 0;
    this.#task = this.ctx!.scheduler.add(this.name, this.#step);
  }

  override stop(): void {
    if (this.#task) this.#task.done = true;
    this.#task = null;
    this.#clear();
    for (const t of this.#waiting.splice(0)) t.unblock();
  }

  #full(): boolean {
    const p = this.props;
    if (p.maxSizeBuffers > 0 && this.#buffers >= p.maxSizeBuffers) return true;
    if (p.maxSizeBytes > 0 && this.#bytes >= p.maxSizeBytes) return true;
    if (p.maxSizeTime > 0 && this.level.time >= p.maxSizeTime) return true;
    return false;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.#srcResult !== Flow.OK) {
      buf.release();
      return this.#srcResult;
    }
    const leaky = this.props.leaky;
    if (leaky !== "no" && this.#full()) {
      if (leaky === "upstream") {
        buf.release();
        this.dropped++;
        return Flow.OK;
      }
      while (this.#full() && this.#dropOldest()) this.dropped++;
    }
    this.#items.push(buf);
    this.#buffers++;
    this.#bytes += buf.data.byteLength;
    if (buf.pts !== TIME_NONE) {
      if (this.#firstPts === TIME_NONE) this.#firstPts = buf.pts;
      this.#lastPts = buf.pts;
    }
    this.#task?.wake();
    if (leaky === "no" && this.#full()) {
      const t = this.currentTask;
      if (t !== null && t !== this.#task) {
        t.block();
        this.#waiting.push(t);
      }
    }
    return Flow.OK;
  }

  #dropOldest(): boolean {
    for (let i = 0; i < this.#items.length; i++) {
      const it = this.#items.at(i);
      if (it !== undefined && !("type" in it)) {
        // Rebuild without that one item; rare path (leaky downstream only).
        const all = this.#items.drain();
        all.splice(i, 1);
        for (const x of all) this.#items.push(x);
        this.#account(it);
        it.release();
        return true;
      }
    }
    return false;
  }

  #account(b: Buffer): void {
    this.#buffers--;
    this.#bytes -= b.data.byteLength;
    if (this.#buffers === 0) {
      this.#firstPts = TIME_NONE;
      this.#lastPts = TIME_NONE;
    } else if (b.pts !== TIME_NONE) {
      this.#firstPts = b.pts;
    }
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "src") return this.forwardEvent(pad, ev); // upstream events pass at once
    if (ev.type === "flush-start") {
      this.#clear();
      this.#srcResult = Flow.FLUSHING;
      for (const t of this.#waiting.splice(0)) t.unblock();
      return this.srcPad.pushEvent(ev);
    }
    if (ev.type === "flush-stop") {
      this.#srcResult = Flow.OK;
      const ok = this.srcPad.pushEvent(ev);
      if (this.#task === null && this.ctx && this.running) this.#task = this.ctx.scheduler.add(this.name, this.#step);
      return ok;
    }
    if (!isSerialized(ev)) return this.srcPad.pushEvent(ev);
    if (ev.type === "stream-start") this.#srcResult = Flow.OK;
    this.#items.push(ev);
    this.#task?.wake();
    return true;
  }

  #clear(): void {
    for (let it = this.#items.shift(); it !== undefined; it = this.#items.shift()) {
      if (!("type" in it)) it.release();
    }
    this.#buffers = 0;
    this.#bytes = 0;
    this.#firstPts = TIME_NONE;
    this.#lastPts = TIME_NONE;
  }

  #step = (): StepResult => {
    const it = this.#items.shift();
    if (it === undefined) return Step.WAIT;
    if ("type" in it) {
      this.srcPad.pushEvent(it);
    } else {
      this.#account(it);
      const flow = this.srcPad.push(it);
      if (flow !== Flow.OK) {
        this.#srcResult = flow;
        if (flow === Flow.NOT_LINKED || flow === Flow.ERROR || flow === Flow.NOT_NEGOTIATED) {
          if (flow === Flow.NOT_LINKED) this.error("stream", `${this.name}: ${this.srcPad.path} is not linked`);
        }
        // Keep draining events (EOS must still arrive) but drop buffers from now on.
        this.#dropBuffers();
      }
    }
    if (this.#waiting.length > 0 && !this.#full()) {
      for (const t of this.#waiting.splice(0)) t.unblock();
    }
    return Step.CONTINUE;
  };

  #dropBuffers(): void {
    const keep: Event[] = [];
    for (let it = this.#items.shift(); it !== undefined; it = this.#items.shift()) {
      if ("type" in it) keep.push(it);
      else it.release();
    }
    this.#buffers = 0;
    this.#bytes = 0;
    this.#firstPts = TIME_NONE;
    this.#lastPts = TIME_NONE;
    for (const e of keep) this.#items.push(e);
  }
}
