/**
 * Harness: test one element as a black box, as GstHarness does.
 *
 * The harness links the element's pads to its own feeder and collector pads, gives it a
 * context with a ManualClock (advanced by hand, never by wall time) and a bus, and lets a test
 * push buffers and events in and pull what came out. Tasks the element owns (a source's loop,
 * a queue's output side) run only when the test calls `crank()`, so every test is
 * deterministic.
 *
 *   const h = new Harness(new Identity("id", {}));
 *   h.setCaps("video/x-raw,format=I420,width=2,height=2");
 *   h.push(Buffer.alloc(6));
 *   const out = h.pull();
 *
 * Elements with several inputs (funnel, input-selector, concat) get one feeder per sink pad:
 * `addInput()` links the next sink pad (requesting one if needed) and returns its index for
 * `push(buf, i)`, `pushEvent(ev, i)` and `setCaps(caps, i)`; each input pushes on a task of
 * its own (`pushTasks[i]`), as each upstream branch has its own streaming task. Outputs appear
 * for every src pad, including request pads asked for with `addOutput()` and sometimes pads
 * the element adds while it runs.
 */
import { Buffer } from "../buffer.ts";
import { Bus, type Message } from "../bus.ts";
import { Caps } from "../caps/index.ts";
import { ManualClock } from "../clock.ts";
import { type Event, Events } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import { Element, type ElementContext, NO_PROPERTIES, template } from "../graph/element.ts";
import type { Pad } from "../graph/pad.ts";
import { linkPads } from "../graph/pipeline.ts";
import { registry } from "../registry.ts";
import { Scheduler, Step, Task } from "../runtime/scheduler.ts";

class Feeder extends Element {
  static override meta = {
    name: "harness-feeder",
    category: "testing",
    description: "harness input",
    pads: [template.src("ANY")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "auto" as const, rtSafe: true },
  };
}

class Collector extends Element {
  static override meta = {
    name: "harness-collector",
    category: "testing",
    description: "harness output",
    pads: [template.sink("ANY")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "auto" as const, rtSafe: true },
  };
  buffers: Buffer[] = [];
  events: Event[] = [];
  /** What the collector returns to the element on the next push (to test flow handling). */
  flow: FlowReturn = Flow.OK;
  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.flow !== Flow.OK) {
      buf.release();
      return this.flow;
    }
    this.buffers.push(buf);
    return Flow.OK;
  }
  override event(_pad: Pad, ev: Event): boolean {
    this.events.push(ev);
    return true;
  }
}

export class Harness {
  readonly element: Element;
  readonly clock = new ManualClock();
  readonly bus = new Bus();
  readonly scheduler = new Scheduler();
  readonly messages: Message[] = [];
  readonly feeder = new Feeder("harness-feeder");
  /** One feeder per input; `feeder` is input 0. */
  readonly feeders: Feeder[] = [this.feeder];
  readonly collectors: Collector[] = [];
  eos = false;
  failed = false;
  #baseTime = 0;
  /**
   * The task that test pushes run on, as a source's streaming task would: an element can block
   * it (a full queue, a sync sink waiting for the clock). `blocked` says whether it is.
   */
  readonly pushTask: Task;
  /** The push task of each input (`pushTasks[0]` is `pushTask`). */
  readonly pushTasks: Task[] = [];

  /** Wraps an element (or creates one by factory name with properties). */
  constructor(element: Element | string, props: Record<string, unknown> = {}) {
    this.element = typeof element === "string" ? registry.make(element, element + "0", props) : element.configure();
    this.bus.on("*", (m) => this.messages.push(m));
    this.pushTask = new Task(this.scheduler, "harness-push", () => Step.WAIT);
    const el = this.element;
    this.pushTasks.push(this.pushTask);
    let sink = el.pads.find((p) => p.direction === "sink");
    if (!sink) {
      const req = el.meta.pads.find((p) => p.direction === "sink" && p.presence === "request");
      if (req) sink = el.requestPad(req.name);
    }
    if (sink) linkPads(this.feeder.pads[0]!, sink);
    let srcs = el.pads.filter((p) => p.direction === "src");
    if (srcs.length === 0) {
      const req = el.meta.pads.find((p) => p.direction === "src" && p.presence === "request");
      if (req) srcs = [el.requestPad(req.name)];
    }
    for (const s of srcs) {
      const c = new Collector(`harness-collector${this.collectors.length}`);
      linkPads(s, c.pads[0]!);
      this.collectors.push(c);
    }
    // Pads the element adds later (sometimes pads) get a collector before data reaches them.
    el.onPadAdded((pad) => {
      if (pad.direction === "src" && pad.template.presence === "sometimes" && pad.peer === null) this.addOutput(pad);
    });
    el.ctx = this.#context();
    el.prepare();
    el.running = true;
    el.start();
  }

  #context(): ElementContext {
    const self = this;
    return {
      bus: this.bus,
      clock: this.clock,
      scheduler: this.scheduler,
      get baseTime() {
        return self.#baseTime;
      },
      runningTime: () => this.clock.now() - this.#baseTime,
      sinkEos: () => {
        this.eos = true;
      },
      failed: () => {
        this.failed = true;
      },
    };
  }

  /**
   * Sends stream-start, caps and segment into the element (what a source does first), on
   * input `input`: stream id "harness" for input 0, "harness/N" for the others.
   */
  setCaps(caps: string | Caps, input = 0): boolean {
    const c = typeof caps === "string" ? Caps.parse(caps) : caps;
    const pad = this.feeders[input]!.pads[0]!;
    return this.#onPushTask(input, () => {
      pad.pushEvent(Events.streamStart(input === 0 ? "harness" : `harness/${input}`));
      const ok = pad.pushEvent(Events.caps(c));
      pad.pushEvent(Events.segment());
      return ok;
    });
  }

  /** Pushes a buffer into the element's sink pad of input `input`, on its push task; the element takes it. */
  push(buf: Buffer | Uint8Array | string, input = 0): FlowReturn {
    const b = buf instanceof Buffer ? buf : typeof buf === "string" ? Buffer.fromString(buf) : Buffer.wrap(buf);
    return this.#onPushTask(input, () => this.feeders[input]!.pads[0]!.push(b));
  }

  pushEvent(ev: Event, input = 0): boolean {
    return this.#onPushTask(input, () => this.feeders[input]!.pads[0]!.pushEvent(ev));
  }

  /** True while the element keeps the pushing task (of input `input`) blocked (backpressure, clock wait). */
  blockedInput(input = 0): boolean {
    return this.pushTasks[input]!.blockers > 0;
  }

  /** True while the element keeps the pushing task blocked (backpressure, clock wait). */
  get blocked(): boolean {
    return this.pushTask.blockers > 0;
  }

  /**
   * Links one more feeder to a sink pad of the element: the named pad (existing, or requested
   * by that name), else the next free sink pad, else a new request pad. Returns the input index.
   */
  addInput(padName?: string): number {
    const el = this.element;
    let pad = padName === undefined ? el.pads.find((p) => p.direction === "sink" && p.peer === null) : el.pad(padName);
    if (!pad) {
      const req = el.meta.pads.find((p) => p.direction === "sink" && p.presence === "request");
      if (!req) throw new Error(`${el.name} has no free sink pad and no request sink pads`);
      pad = el.requestPad(req.name, padName);
    }
    const f = new Feeder(`harness-feeder${this.feeders.length}`);
    linkPads(f.pads[0]!, pad);
    this.feeders.push(f);
    this.pushTasks.push(new Task(this.scheduler, `harness-push${this.pushTasks.length}`, () => Step.WAIT));
    return this.feeders.length - 1;
  }

  /** The element's sink pad that input `input` feeds. */
  inputPad(input = 0): Pad {
    return this.feeders[input]!.pads[0]!.peer!;
  }

  /**
   * Links one more collector to a src pad: the given pad, the named pad (existing or requested
   * by that name), or a new request pad. Returns the output index.
   */
  addOutput(pad?: Pad | string): number {
    const el = this.element;
    let p = typeof pad === "string" ? el.pad(pad) : pad;
    if (!p) {
      const req = el.meta.pads.find((t) => t.direction === "src" && t.presence === "request");
      if (!req) throw new Error(`${el.name} has no src pad "${String(pad)}" and no request src pads`);
      p = el.requestPad(req.name, typeof pad === "string" ? pad : undefined);
    }
    const c = new Collector(`harness-collector${this.collectors.length}`);
    linkPads(p, c.pads[0]!);
    this.collectors.push(c);
    return this.collectors.length - 1;
  }

  /** The output index linked to a src pad of the element, or -1. */
  outputOf(pad: Pad | string): number {
    const p = typeof pad === "string" ? this.element.pad(pad) : pad;
    return this.collectors.findIndex((c) => c.pads[0]!.peer === p);
  }

  #onPushTask<T>(input: number, fn: () => T): T {
    const prev = this.scheduler.current;
    this.scheduler.current = this.pushTasks[input]!;
    try {
      return fn();
    } finally {
      this.scheduler.current = prev;
    }
  }

  /** Sends an event upstream from the output side (as a downstream element would). */
  pushUpstreamEvent(ev: Event, output = 0): boolean {
    return this.collectors[output]!.pads[0]!.pushEvent(ev);
  }

  /** Runs the element's tasks until they all wait (or `maxSteps`). */
  crank(maxSteps = 1_000_000): number {
    return this.scheduler.runReady(maxSteps);
  }

  /** Advances the manual clock and runs whatever became ready. */
  advance(ns: number): void {
    this.clock.advance(ns);
    this.crank();
  }

  /** The oldest output buffer not pulled yet (from output `output`), or undefined. */
  pull(output = 0): Buffer | undefined {
    return this.collectors[output]!.buffers.shift();
  }

  pullAll(output = 0): Buffer[] {
    return this.collectors[output]!.buffers.splice(0);
  }

  /** Events that came out, oldest first (stream-start, caps, segment, eos, …). */
  events(output = 0): Event[] {
    return this.collectors[output]!.events;
  }

  /** Makes the output return `flow` to the element on its next pushes. */
  setDownstreamFlow(flow: FlowReturn, output = 0): void {
    this.collectors[output]!.flow = flow;
  }

  errors(): Message[] {
    return this.messages.filter((m) => m.type === "error");
  }

  /** Stops and releases the element (idempotent). */
  teardown(): void {
    const el = this.element;
    el.running = false;
    el.stop();
    el.unprepare();
    el.ctx = null;
    for (const c of this.collectors) for (const b of c.buffers.splice(0)) b.release();
    this.bus.close();
  }
}
