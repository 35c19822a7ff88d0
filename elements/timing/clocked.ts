/**
 * Clocked: what the timing elements share — one sink pad, one src pad, and an output task of
 * their own that the pipeline clock wakes at a chosen running time.
 *
 * A timing element must sometimes push when nothing arrives (a delayed buffer whose time has
 * come, a fallback after silence, the last buffer of a burst), so it cannot rely on the
 * upstream task. `wakeAt(t)` schedules the element's task on `ctx.clock` for running time `t`
 * (clock time = base time + t); when it fires, the task runs `tick()` on the event loop, as a
 * queue's output task does. Tests drive it with the harness's ManualClock (`advance(ns)`), so
 * no test depends on wall time.
 *
 * TimedQueue builds on it: items (buffers and serialized events, in order) wait until a due
 * running time, and upstream is blocked while `max-buffers` are waiting (backpressure). delay
 * and ratelimit only decide when each buffer is due.
 *
 * Threads: everything runs on the pipeline's event loop; chain/event on the upstream task,
 * `tick` on the element's own task.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import { type Event, isSerialized } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Element } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Deque } from "../../src/runtime/deque.ts";
import { Step, type StepResult, type Task } from "../../src/runtime/scheduler.ts";

export abstract class Clocked<P extends object = Record<string, unknown>> extends Element<P> {
  /** The element's own output task (set between start and stop). */
  protected task: Task | null = null;
  #cancel: (() => void) | null = null;
  #wakeTime = Infinity;

  get sinkPad(): Pad {
    return this.pad("sink")!;
  }

  get srcPad(): Pad {
    return this.pad("src")!;
  }

  /** Current running time of the pipeline clock (ns). */
  protected now(): number {
    return this.ctx!.runningTime();
  }

  override start(): void {
    this.task = this.ctx!.scheduler.add(this.name, this.#step);
    this.reset();
  }

  override stop(): void {
    if (this.task) this.task.done = true;
    this.task = null;
    this.cancelWake();
    this.reset();
  }

  /** Clears runtime state (start, stop, flush). */
  protected reset(): void {}

  /** Runs on the element's task when woken. Return WAIT to sleep until the next wake. */
  protected abstract tick(): StepResult;

  /** A wake asked for from inside our own step: the task is not idle yet, so wake() would be lost. */
  #wokeInStep = false;

  #step = (): StepResult => {
    this.#wokeInStep = false;
    const r = this.tick();
    if (r === Step.WAIT && this.#wokeInStep) {
      this.#wokeInStep = false;
      return Step.CONTINUE;
    }
    return r;
  };

  /** Wakes the task at running time `t` (the earliest pending wake wins). */
  protected wakeAt(t: number): void {
    if (t <= this.now()) {
      this.wakeNow();
      return;
    }
    if (t >= this.#wakeTime) return;
    this.cancelWake();
    const ctx = this.ctx;
    if (!ctx) return;
    this.#wakeTime = t;
    this.#cancel = ctx.clock.schedule(ctx.baseTime + t, () => {
      this.#cancel = null;
      this.#wakeTime = Infinity;
      this.task?.wake();
    });
  }

  /** Wakes the task as soon as the scheduler runs it. */
  protected wakeNow(): void {
    const t = this.task;
    if (t === null) return;
    if (this.ctx?.scheduler.current === t) this.#wokeInStep = true;
    else t.wake();
  }

  protected cancelWake(): void {
    this.#cancel?.();
    this.#cancel = null;
    this.#wakeTime = Infinity;
  }
}

type Item = { due: number; item: Buffer | Event };

/**
 * A bounded queue of buffers and serialized events, each sent when running time reaches its
 * due time, in order. Subclasses give each buffer its due time (`due(buf, now)`); an event is
 * due with the item before it. Full (`maxBuffers` > 0 buffers waiting): the pushing task is
 * blocked until one leaves. Flush-start empties it; EOS leaves after the last buffer.
 */
export abstract class TimedQueue<P extends object = Record<string, unknown>> extends Clocked<P> {
  readonly #items = new Deque<Item>(64);
  #buffers = 0;
  #lastDue = 0;
  #blocked: Task[] = [];
  /** What downstream returned last; given back to upstream on its next push. */
  #downstream: FlowReturn = Flow.OK;

  /** Buffers waiting. */
  get queued(): number {
    return this.#buffers;
  }

  /** Queue limit in buffers (0 = none). */
  protected abstract get maxBuffers(): number;

  /**
   * When `buf`, arriving at running time `now`, may leave (running time, ≥ the previous due
   * time to keep order), or null to drop it (the queue releases it). May change the buffer's
   * metadata (delay shifts its timestamps).
   */
  protected abstract due(buf: Buffer, now: number, previousDue: number): number | null;

  protected override reset(): void {
    this.#clear();
    this.#downstream = Flow.OK;
    this.#lastDue = 0;
  }

  override stop(): void {
    super.stop();
    for (const t of this.#blocked.splice(0)) t.unblock();
  }

  #clear(): void {
    for (let it = this.#items.shift(); it !== undefined; it = this.#items.shift()) {
      if (!("type" in it.item)) it.item.release();
    }
    this.#buffers = 0;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.#downstream !== Flow.OK) {
      buf.release();
      return this.#downstream;
    }
    const now = this.now();
    const d = this.due(buf, now, this.#lastDue);
    if (d === null) {
      buf.release();
      return Flow.OK;
    }
    const due = Math.max(d, this.#lastDue);
    this.#lastDue = due;
    this.#items.push({ due, item: buf });
    this.#buffers++;
    this.#schedule();
    const max = this.maxBuffers;
    if (max > 0 && this.#buffers >= max) {
      const t = this.currentTask;
      if (t !== null && t !== this.task) {
        t.block();
        this.#blocked.push(t);
      }
    }
    return Flow.OK;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "src") return this.sinkPad.pushEvent(ev);
    if (ev.type === "flush-start") {
      this.#clear();
      this.#downstream = Flow.FLUSHING;
      for (const t of this.#blocked.splice(0)) t.unblock();
      this.cancelWake();
      return this.srcPad.pushEvent(ev);
    }
    if (ev.type === "flush-stop") {
      this.#downstream = Flow.OK;
      this.#lastDue = 0;
      return this.srcPad.pushEvent(ev);
    }
    if (!isSerialized(ev)) return this.srcPad.pushEvent(ev);
    if (ev.type === "stream-start") this.#downstream = Flow.OK;
    // Nothing waiting: no reason to hold the event back.
    if (this.#items.length === 0) return this.srcPad.pushEvent(ev);
    this.#items.push({ due: this.#lastDue, item: ev });
    this.#schedule();
    return true;
  }

  #schedule(): void {
    const head = this.#items.peek();
    if (head === undefined) return;
    if (head.due <= this.now()) this.wakeNow();
    else this.wakeAt(head.due);
  }

  protected override tick(): StepResult {
    const head = this.#items.peek();
    if (head === undefined) return Step.WAIT;
    if (head.due > this.now()) {
      this.wakeAt(head.due);
      return Step.WAIT;
    }
    this.#items.shift();
    const it = head.item;
    if ("type" in it) {
      this.srcPad.pushEvent(it);
    } else {
      this.#buffers--;
      const flow = this.srcPad.push(it);
      if (flow !== Flow.OK && this.#downstream === Flow.OK) {
        this.#downstream = flow;
        if (flow === Flow.NOT_LINKED) this.error("stream", `${this.name}: ${this.srcPad.path} is not linked`);
        this.#dropBuffers();
      }
    }
    if (this.#blocked.length > 0 && (this.maxBuffers === 0 || this.#buffers < this.maxBuffers)) {
      for (const t of this.#blocked.splice(0)) t.unblock();
    }
    return Step.CONTINUE;
  }

  /** After downstream refused data: keep events (EOS must still go out), drop buffers. */
  #dropBuffers(): void {
    const keep: Item[] = [];
    for (let it = this.#items.shift(); it !== undefined; it = this.#items.shift()) {
      if ("type" in it.item) keep.push(it);
      else it.item.release();
    }
    this.#buffers = 0;
    for (const k of keep) this.#items.push(k);
  }
}

export { TIME_NONE };
