/**
 * The event loop's ends of the bridges. The executor puts them in the pipeline's graph where a
 * link crosses into or out of a partition (the user's elements and links are untouched: the
 * executor re-points the outside pad at the endpoint while the pipeline runs, and back after).
 *
 * - LoopToPartition (a sink): what the event loop pushes is written to the ring. When the ring
 *   is full (or the bridge's copy pool is exhausted), the item waits in a small local queue and
 *   the pushing task is blocked — the scheduler's backpressure — until the Worker frees space:
 *   Atomics.waitAsync on the ring's SPACE_SEQ (or the pool's onAvailable) resolves, the queue
 *   is written, and the task unblocked. Serialized events take the same path, in order.
 * - PartitionToLoop (a source-like element with its own task): reads the ring and pushes
 *   downstream on the event loop. On an empty ring its task goes idle and Atomics.waitAsync on
 *   DATA_SEQ wakes it when the Worker publishes. Downstream flow results (EOS, error) go back to
 *   the Worker through the ring header.
 *
 * Neither is registered as a factory: they exist only while a hybrid pipeline runs.
 *
 * Thread: the event loop.
 */
import { Buffer } from "../buffer.ts";
import type { Event } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import { Element, NO_PROPERTIES, template } from "../graph/element.ts";
import type { Pad } from "../graph/pad.ts";
import { Deque } from "../runtime/deque.ts";
import { Step, type StepResult, type Task } from "../runtime/scheduler.ts";
import { type BridgeReader, type BridgeWriter, WriteResult } from "./bridge.ts";
import { W_CONSUMER_SLEEPING, W_DATA_SEQ, W_PRODUCER_SLEEPING, W_SPACE_SEQ } from "./ring.ts";

/** Longest single asynchronous wait on a ring word before it is re-armed, ms. */
export const ASYNC_WAIT_MS = 1000;

export class LoopToPartition extends Element {
  static override meta = {
    name: "bridge-sink",
    category: "scheduling",
    description: "Event-loop end of a bridge into a real-time partition",
    pads: [template.sink("ANY")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "async" as const, rtSafe: true },
  };

  writer: BridgeWriter | null = null;
  readonly #pending = new Deque<Buffer | Event>(8);
  #blocked: Task | null = null;
  #armed = false;
  #stopped = false;
  /** Times a push had to wait for the Worker. */
  waits = 0;

  get sinkPad(): Pad {
    return this.pads[0]!;
  }

  override start(): void {
    this.#stopped = false;
  }

  /** Takes the buffer. Event loop, on the pushing task. */
  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const w = this.writer!;
    const flow = w.flow;
    if (flow !== Flow.OK || this.#stopped) {
      buf.release();
      return this.#stopped ? Flow.FLUSHING : flow;
    }
    if (this.#pending.length === 0) {
      const r = w.writeBuffer(buf);
      if (r === WriteResult.OK) return Flow.OK;
      this.#pending.push(buf);
      this.#wait(r);
    } else {
      this.#pending.push(buf);
    }
    this.#blockCaller();
    return Flow.OK;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction !== "sink" || this.#stopped) return false;
    const w = this.writer!;
    if (this.#pending.length === 0) {
      const r = w.writeEvent(ev);
      if (r === WriteResult.OK) return true;
      this.#pending.push(ev);
      this.#wait(r);
    } else {
      this.#pending.push(ev);
    }
    this.#blockCaller();
    return true;
  }

  #blockCaller(): void {
    const t = this.currentTask;
    if (t !== null && this.#blocked !== t) {
      this.#blocked?.unblock();
      t.block();
      this.#blocked = t;
    }
  }

  /** Writes what waits locally; unblocks the pusher once all of it is in the ring. */
  #flush = (): void => {
    this.#armed = false;
    if (this.#stopped) return;
    const w = this.writer!;
    for (let it = this.#pending.peek(); it !== undefined; it = this.#pending.peek()) {
      const r = it instanceof Buffer ? w.writeBuffer(it) : w.writeEvent(it);
      if (r !== WriteResult.OK) {
        this.#wait(r);
        return;
      }
      this.#pending.shift();
    }
    const t = this.#blocked;
    this.#blocked = null;
    t?.unblock();
  };

  #wait(r: WriteResult): void {
    if (this.#armed) return;
    this.#armed = true;
    this.waits++;
    const w = this.writer!;
    if (r === WriteResult.NO_MEMORY && w.starved !== null) {
      w.starved.onAvailable(this.#flush);
      return;
    }
    const i32 = w.ring.i32;
    Atomics.store(i32, W_PRODUCER_SLEEPING, 1);
    const seq = Atomics.load(i32, W_SPACE_SEQ);
    const done = () => {
      Atomics.store(i32, W_PRODUCER_SLEEPING, 0);
      this.#flush();
    };
    // Re-check with the flag up: space freed before the Worker could see the flag.
    if (w.ring.free() >= w.needed) {
      queueMicrotask(done);
      return;
    }
    const res = Atomics.waitAsync(i32, W_SPACE_SEQ, seq, ASYNC_WAIT_MS);
    if (res.async) res.value.then(done);
    else queueMicrotask(done);
  }

  /** Stops: what waits locally is released, the pusher unblocked. Idempotent. */
  override stop(): void {
    this.#stopped = true;
    for (let it = this.#pending.shift(); it !== undefined; it = this.#pending.shift()) {
      if (it instanceof Buffer) it.release();
    }
    const t = this.#blocked;
    this.#blocked = null;
    t?.unblock();
    if (this.writer) Atomics.notify(this.writer.ring.i32, W_SPACE_SEQ);
  }
}

export class PartitionToLoop extends Element {
  static override meta = {
    name: "bridge-src",
    category: "scheduling",
    description: "Event-loop end of a bridge out of a real-time partition",
    pads: [template.src("ANY")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "async" as const, rtSafe: true },
  };

  reader: BridgeReader | null = null;
  #task: Task | null = null;
  #armed = false;

  get srcPad(): Pad {
    return this.pads[0]!;
  }

  override start(): void {
    if (this.#task === null) this.#task = this.ctx!.scheduler.add(this.name, this.#step);
  }

  #step = (): StepResult => {
    const r = this.reader!;
    const it = r.read();
    if (it === null) return this.#sleep();
    if (it instanceof Buffer) {
      const flow = this.srcPad.push(it);
      if (flow !== Flow.OK) r.setFlow(flow);
    } else {
      this.srcPad.pushEvent(it);
    }
    return Step.CONTINUE;
  };

  /**
   * Empty ring: arm a wake-up (or go on at once if data came meanwhile).
   *
   * Why Atomics.waitAsync and not a wake-up the event loop polls natively. Measured (2-core VM,
   * a buffer every 100 µs from a Worker, interleaved runs, issue 5): with the event loop busy,
   * waitAsync is the dearest — ≈9 µs in the Worker's Atomics.notify and ≈14 µs from the word
   * moving to the callback, against ≈1–5 µs and ≈2–8 µs for a Worker postMessage or a byte on
   * a socketpair read through Bun.connect({ fd }) — yet with the event loop asleep, the case
   * that sets the latency, it was the fastest end to end in 8 interleaved runs of 9: median
   * 8–20 µs against 17–32 µs (postMessage) and 22–30 µs (socketpair), at the normal policy and
   * at SCHED_FIFO. The time goes to waking the sleeping thread (whole runs sit at ≈6–15 µs or
   * ≈20–28 µs, however it is woken), not to the hops after it: `.then` instead of `await`, and
   * the scheduler's setImmediate before the step, each changed the median by < 1 µs.
   */
  #sleep(): StepResult {
    if (this.#armed) return Step.WAIT;
    const r = this.reader!;
    const i32 = r.ring.i32;
    Atomics.store(i32, W_CONSUMER_SLEEPING, 1);
    const seq = Atomics.load(i32, W_DATA_SEQ);
    if (r.available() > 0) {
      Atomics.store(i32, W_CONSUMER_SLEEPING, 0);
      return Step.CONTINUE;
    }
    const res = Atomics.waitAsync(i32, W_DATA_SEQ, seq, ASYNC_WAIT_MS);
    if (!res.async) {
      Atomics.store(i32, W_CONSUMER_SLEEPING, 0);
      return Step.CONTINUE;
    }
    this.#armed = true;
    res.value.then(() => {
      this.#armed = false;
      Atomics.store(i32, W_CONSUMER_SLEEPING, 0);
      this.#task?.wake();
    });
    return Step.WAIT;
  }

  /** Stops the task; a pending wait is settled. Idempotent. */
  override stop(): void {
    if (this.#task) this.#task.done = true;
    this.#task = null;
    if (this.reader) Atomics.notify(this.reader.ring.i32, W_DATA_SEQ);
  }
}
