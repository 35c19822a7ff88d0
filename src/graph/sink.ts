/**
 * Sink: an element with one sink pad that consumes buffers.
 *
 * `render(buf)` runs synchronously on the pushing task; the base class releases the buffer
 * afterwards (call `buf.clone()` to keep it). With `sync=true` the sink renders each buffer
 * when the pipeline's running time reaches its timestamp: it holds the buffer and blocks the
 * pushing task until then, which is how a streaming thread waits on the clock in GStreamer.
 * When EOS arrives (after any held buffer is rendered) the sink tells the pipeline.
 *
 * AsyncSink is the variant for I/O-bound sinks: `renderAsync(buf)` returns a promise; buffers
 * wait in a small bounded queue and the pushing task blocks when it is full (backpressure).
 */
import { type Buffer, TIME_NONE } from "../buffer.ts";
import type { Event } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import type { Task } from "../runtime/scheduler.ts";
import { Element } from "./element.ts";
import type { Pad } from "./pad.ts";
import { errorText } from "./source.ts";

/** Buffers less than this early are rendered at once rather than waited for (ns). */
const SYNC_TOLERANCE_NS = 200_000;
/** Default depth of an AsyncSink's queue. */
export const ASYNC_SINK_DEPTH = 8;

export abstract class Sink<P extends object = Record<string, unknown>> extends Element<P> {
  /** Buffers rendered since start. */
  rendered = 0;
  #held: Buffer | null = null;
  #heldEos: { pad: Pad; ev: Event } | null = null;
  #cancelWait: (() => void) | null = null;

  get sinkPad(): Pad {
    return this.pads[0]!;
  }

  get sync(): boolean {
    return (this.props as { sync?: boolean }).sync === true;
  }

  /** Consumes one buffer. Runs on the pushing task. The base class releases it afterwards. */
  abstract render(buf: Buffer): FlowReturn | void;

  override start(): void {
    this.rendered = 0;
  }

  override stop(): void {
    this.#cancelWait?.();
    this.#cancelWait = null;
    this.#held?.release();
    this.#held = null;
    this.#heldEos = null;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.sync && buf.pts !== TIME_NONE && this.ctx) {
      const ctx = this.ctx;
      const late = ctx.runningTime() - buf.pts;
      if (late < -SYNC_TOLERANCE_NS) {
        const task = this.currentTask;
        if (task) return this.#hold(task, buf);
      }
    }
    return this.#render(buf);
  }

  #render(buf: Buffer): FlowReturn {
    const r = this.render(buf);
    this.rendered++;
    buf.release();
    return r === undefined ? Flow.OK : r;
  }

  #hold(task: Task, buf: Buffer): FlowReturn {
    const ctx = this.ctx!;
    this.#held = buf;
    task.block();
    this.#cancelWait = ctx.clock.schedule(ctx.baseTime + buf.pts, () => {
      this.#cancelWait = null;
      const b = this.#held;
      this.#held = null;
      if (b) {
        const r = this.#render(b);
        if (r !== Flow.OK && r !== Flow.EOS) this.error("stream", `${this.name} failed to render`);
      }
      const eos = this.#heldEos;
      this.#heldEos = null;
      if (eos) this.#eos(eos.pad, eos.ev);
      task.unblock();
    });
    return Flow.OK;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (ev.type === "eos") {
      if (this.#held) {
        this.#heldEos = { pad, ev };
        return true;
      }
      return this.#eos(pad, ev);
    }
    if (ev.type === "flush-start") {
      this.#cancelWait?.();
      this.#cancelWait = null;
      this.#held?.release();
      this.#held = null;
    }
    return this.handleEvent(pad, ev);
  }

  #eos(pad: Pad, ev: Event): boolean {
    this.handleEvent(pad, ev);
    this.ctx?.sinkEos(this);
    return true;
  }

  /** Hook for sink-specific event handling (EOS included, before the pipeline is told). */
  protected handleEvent(_pad: Pad, _ev: Event): boolean {
    return true;
  }
}

/** Async variant: render with awaits, a bounded queue in front, backpressure on the pusher. */
export abstract class AsyncSink<P extends object = Record<string, unknown>> extends Sink<P> {
  #queue: Buffer[] = [];
  #blocked: Task[] = [];
  #draining = false;
  #eosPending = false;
  protected depth = ASYNC_SINK_DEPTH;

  abstract renderAsync(buf: Buffer): Promise<void>;

  override render(_buf: Buffer): FlowReturn {
    return Flow.OK; // unused: chain is overridden
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    this.#queue.push(buf);
    if (this.#queue.length >= this.depth) {
      const t = this.currentTask;
      if (t) {
        t.block();
        this.#blocked.push(t);
      }
    }
    if (!this.#draining) void this.#drain();
    return Flow.OK;
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        const b = this.#queue.shift()!;
        try {
          await this.renderAsync(b);
          this.rendered++;
        } catch (err) {
          this.error("resource", `${this.name}: ${errorText(err)}`, undefined, err);
          for (const x of this.#queue) x.release();
          this.#queue.length = 0;
        } finally {
          b.release();
        }
        if (this.#queue.length < this.depth) {
          for (const t of this.#blocked.splice(0)) t.unblock();
        }
      }
    } finally {
      this.#draining = false;
    }
    if (this.#eosPending) {
      this.#eosPending = false;
      await this.finish();
      this.ctx?.sinkEos(this);
    }
  }

  /** Called once after the last buffer was rendered at EOS (flush, close). */
  protected async finish(): Promise<void> {}

  override event(pad: Pad, ev: Event): boolean {
    if (ev.type === "eos") {
      this.handleEvent(pad, ev);
      this.#eosPending = true;
      if (!this.#draining) void this.#drain();
      return true;
    }
    return super.event(pad, ev);
  }

  override stop(): void {
    super.stop();
    for (const b of this.#queue) b.release();
    this.#queue.length = 0;
    for (const t of this.#blocked.splice(0)) t.unblock();
  }
}
