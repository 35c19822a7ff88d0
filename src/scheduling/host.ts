/**
 * HybridExecutor: runs a pipeline's real-time partitions in data Workers (hybrid and realtime
 * scheduling modes) while the rest of the graph stays on the event loop.
 *
 * The pipeline calls it at each state change (src/graph/pipeline.ts):
 *   prepare   after negotiation: plan the partitions (partition.ts), create the bridges (a ring
 *             per crossing link, with an event-loop endpoint put in place of the partition's
 *             pad), the control blocks and activation records, and start the Workers, which
 *             recreate the partition's elements from factory name, properties and negotiated
 *             caps. The event-loop copies of partitioned elements ("shadows") stay in the
 *             pipeline, for the graph and for messages, but are unprepared and never started:
 *             their twins in the Worker own the resources and do the work.
 *   activate  start the endpoints, publish the base time, set the Workers RUNNING.
 *   pause / halt (an error)   set the Workers PAUSED: their cycles stop.
 *   sendEos   the Workers' sources end their streams.
 *   suspend   set the Workers STOP, stop the endpoints, put the user's links back; `closed()`
 *             resolves once every Worker reported `stopped` and was terminated, and the
 *             bridges' leftovers were given back. Pipeline.run awaits it, so no Worker is left
 *             after run() returns.
 *
 * Property changes made on a shadow while the partition lives (`set()`, or an assignment to
 * `props`) are checked and kept there and forwarded to the twin through the Worker's control
 * channel (shadow.ts, commands.ts): applied between two cycles, in order.
 *
 * What the Workers report becomes bus messages: element messages and errors as posted there
 * (with the element's name), EOS of a partition's sink (the pipeline's EOS counting), xruns
 * (a warning and an element message "xrun"), and whether SCHED_FIFO was granted.
 *
 * Thread: the event loop.
 */
import type { Message } from "../bus.ts";
import { SystemClock } from "../clock.ts";
import type { Element, ElementContext } from "../graph/element.ts";
import type { Pad } from "../graph/pad.ts";
import type { Pipeline } from "../graph/pipeline.ts";
import { Sink } from "../graph/sink.ts";
import { Source } from "../graph/source.ts";
import { Activation, type ActivationStats } from "./activation.ts";
import { BridgeReader, type BridgeStats, BridgeWriter, bridgeStats } from "./bridge.ts";
import { COMMAND_RING_CAPACITY, CommandWriter } from "./commands.ts";
import { AUTO_RT_PRIORITY, periodNs, resolveScheduling, type RtConfig, type SchedulingMode, type SchedulingOption } from "./config.ts";
import { Control, WorkerState } from "./control.ts";
import { LoopToPartition, PartitionToLoop } from "./endpoints.ts";
import { type Plan, type PlannedPartition, planPartitions } from "./partition.ts";
import { Ring, WaitMode } from "./ring.ts";
import { forwardProperties } from "./shadow.ts";
import type { DriverSpec, PartitionSpec, WorkerInit, WorkerReport } from "./spec.ts";

/** How long closing waits for a Worker to report `stopped` before terminating it anyway, ms. */
export const STOP_TIMEOUT_MS = 5000;

/** What the pipeline calls; null for async mode (nothing runs elsewhere). */
export interface PipelineExecutor {
  /** True when `el` runs in a partition: the pipeline must not start it on the event loop. */
  isRemote(el: Element): boolean;
  /**
   * True when a partition follows the clock (a live source, a syncing sink): Pipeline.run then
   * awaits ready() before activating, so that the base time is taken once the Workers can run
   * (as GStreamer's PLAYING follows preroll) and a live source there does not start late.
   */
  readonly needsPreroll: boolean;
  /** Resolves once every Worker has built its partitions (or failed, reported on the bus). */
  ready(): Promise<void>;
  activate(): void;
  pause(): void;
  /** An error: stop the partitions' cycles at once. */
  halt(): void;
  sendEos(): void;
  suspend(): void;
  /** Resolves when every Worker has ended and every bridge was given back. */
  closed(): Promise<void>;
}

/** The scheduling mode could not be applied to this pipeline (thrown by prepare). */
export class SchedulingError extends Error {
  override readonly name = "SchedulingError";
}

type WorkerHandle = {
  index: number;
  worker: Worker | null;
  control: Control;
  /** Run-time commands (property changes) into the Worker, applied between cycles. */
  commands: CommandWriter;
  partitions: PlannedPartition[];
  ready: boolean;
  /** Settles when the Worker is ready, failed or gone. */
  started: Promise<void>;
  resolveStarted: () => void;
  stopped: Promise<void>;
  resolveStopped: () => void;
  exited: Promise<void>;
  priority: { requested: number; granted: boolean; detail: string } | null;
};

type BridgeRecord = {
  id: number;
  direction: "in" | "out";
  ring: Ring;
  from: string;
  to: string;
  writer: BridgeWriter | null;
  reader: BridgeReader | null;
  endpoint: LoopToPartition | PartitionToLoop;
  /** The user's link, to put back: [src pad, sink pad]. */
  link: [Pad, Pad];
};

export type PartitionStats = ActivationStats & {
  id: number;
  worker: number;
  driver: DriverSpec["kind"];
  periodNs: number;
  elements: string[];
  nodeNames: string[];
};

export type BridgeRecordStats = BridgeStats & { id: number; direction: "in" | "out"; from: string; to: string; capacity: number };

export type SchedulingStats = {
  mode: SchedulingMode;
  workers: number;
  placements: { element: string; partition: number | null; reason: string | null }[];
  partitions: PartitionStats[];
  bridges: BridgeRecordStats[];
  priority: { worker: number; requested: number; granted: boolean; detail: string }[];
  /** How each Worker sleeps between cycles: "futex" (the sched shim) or "atomics" (fallback). */
  sleep: { worker: number; mode: "futex" | "atomics" | "starting" }[];
  xruns: number;
};

const executors = new WeakMap<Pipeline, HybridExecutor>();

/** The hybrid executor of a pipeline (its last one, after it stopped), for stats and tests. */
export function schedulingOf(pipeline: Pipeline): HybridExecutor | null {
  return executors.get(pipeline) ?? null;
}

/**
 * Called by Pipeline.prepare after negotiation. Returns null for async mode; otherwise the
 * executor, with its Workers started. Throws SchedulingError / SchedulingConfigError.
 */
export function createExecutor(pipeline: Pipeline, option: SchedulingOption | undefined): HybridExecutor | null {
  const { mode, rt } = resolveScheduling(option);
  if (mode === "async") return null;
  const ex = new HybridExecutor(pipeline, mode, rt);
  executors.set(pipeline, ex);
  return ex;
}

export class HybridExecutor implements PipelineExecutor {
  readonly mode: SchedulingMode;
  readonly rt: RtConfig;
  readonly plan: Plan;
  readonly #pipeline: Pipeline;
  readonly #ctx: ElementContext;
  readonly #workers: WorkerHandle[] = [];
  readonly #bridges: BridgeRecord[] = [];
  readonly #activations = new Map<number, Activation>();
  readonly #drivers = new Map<number, DriverSpec>();
  readonly #byName = new Map<string, Element>();
  /** Take the property forwarding off the shadows (at suspend). */
  readonly #unshadow: (() => void)[] = [];
  #started = false;
  #live = true;
  needsPreroll = false;
  #closing: Promise<void> | null = null;

  constructor(pipeline: Pipeline, mode: SchedulingMode, rt: RtConfig) {
    this.#pipeline = pipeline;
    this.mode = mode;
    this.rt = rt;
    const ctx = pipeline.elements.find((e) => e.ctx !== null)?.ctx;
    if (!ctx) throw new SchedulingError(`${pipeline.name}: scheduling is set up after prepare()`);
    this.#ctx = ctx;
    for (const el of pipeline.elements) this.#byName.set(el.name, el);
    this.plan = planPartitions(pipeline.elements, mode, rt, pipeline.registry);
    this.#check();
    this.#describe();
    if (this.plan.partitions.length > 0) this.#build();
  }

  /** Refuses what cannot work: realtime with unplaceable elements, a non-system clock. */
  #check(): void {
    const plan = this.plan;
    if (this.mode === "realtime") {
      const left = [...plan.placements].filter(([, why]) => why !== null);
      if (left.length > 0) {
        throw new SchedulingError(
          `realtime scheduling needs every element in a real-time partition, but ` +
            left.map(([el, why]) => `${el.name} (${el.factoryName}) cannot be: ${why}`).join("; ") +
            `. Use hybrid scheduling to keep such elements on the event loop.`,
        );
      }
    }
    const usesClock = plan.partitions.some((p) => p.live || p.elements.some((e) => e instanceof Sink && e.sync));
    this.needsPreroll = usesClock;
    if (usesClock && !(this.#pipeline.clock instanceof SystemClock)) {
      throw new SchedulingError(
        `${this.#pipeline.name}: a real-time partition with a live source or a syncing sink follows the system clock, ` +
          `but the pipeline has another clock; use the system clock or async scheduling`,
      );
    }
  }

  /** One info message saying where everything runs (nothing is moved silently). */
  #describe(): void {
    const plan = this.plan;
    const loop = [...plan.placements].filter(([, why]) => why !== null).map(([el, why]) => `${el.name} (${why})`);
    const parts = plan.partitions.map((p) => {
      const d = this.#driverSpec(p);
      const period = `${(d.periodNs / 1e6).toFixed(3)} ms`;
      return `partition ${p.id} on Worker ${p.worker} [${p.elements.map((e) => e.name).join(", ")}] driven by ${d.kind} (quantum ${period})`;
    });
    const text =
      `${this.mode} scheduling: ` +
      (parts.length ? parts.join("; ") : "no element can run in a real-time partition") +
      (loop.length ? `; on the event loop: ${loop.join(", ")}` : "") +
      (plan.bridges.length ? `; ${plan.bridges.length} bridge(s)` : "");
    this.summary = text;
    this.#pipeline.bus.post({ type: "info", source: this.#pipeline.name, message: text });
  }

  /** Where everything runs, in one line (also posted as an info message at prepare). */
  summary = "";

  /**
   * The partition's driver: a timer for a live partition (freewheeling otherwise) unless
   * rt.driver says which. The period is one quantum; without an explicit rt.framerate, a live
   * video source's negotiated framerate sets it (one frame per cycle).
   */
  #driverSpec(p: PlannedPartition): DriverSpec {
    let d = this.#drivers.get(p.id);
    if (!d) {
      const kind = this.rt.driver === "auto" ? (p.live ? "timer" : "freewheel") : this.rt.driver;
      const fps = this.rt.framerate > 0 ? 0 : liveFramerate(p);
      d = { kind, periodNs: fps > 0 ? Math.round(1e9 / fps) : periodNs(this.rt) };
      this.#drivers.set(p.id, d);
    }
    return d;
  }

  #build(): void {
    const plan = this.plan;
    const rt = this.rt;
    for (let w = 0; w < plan.workers; w++) {
      let resolveStopped!: () => void;
      const stopped = new Promise<void>((r) => (resolveStopped = r));
      let resolveStarted!: () => void;
      const started = new Promise<void>((r) => (resolveStarted = r));
      const control = new Control();
      this.#workers.push({
        index: w,
        worker: null,
        control,
        commands: new CommandWriter(Ring.create(COMMAND_RING_CAPACITY), control.target),
        partitions: plan.partitions.filter((p) => p.worker === w),
        ready: false,
        started,
        resolveStarted,
        stopped,
        resolveStopped,
        exited: Promise.resolve(),
        priority: null,
      });
    }
    // Bridges: a ring each, and an event-loop endpoint to stand in for the partition's pad.
    for (const b of plan.bridges) {
      const part = plan.partitions[b.partition]!;
      const wake = this.#workers[part.worker]!.control.target;
      const ring = Ring.create(rt.bridgeCapacity);
      const { inside, outside } = b;
      if (b.direction === "in") {
        const ep = new LoopToPartition(`bridge${b.id}-sink`, {});
        ep.writer = new BridgeWriter(ring, wake, `bridge${b.id}`);
        ep.ctx = this.#ctx;
        this.#bridges.push({ id: b.id, direction: "in", ring, from: outside.path, to: inside.path, writer: ep.writer, reader: null, endpoint: ep, link: [outside, inside] });
      } else {
        const ep = new PartitionToLoop(`bridge${b.id}-src`, {});
        ep.reader = new BridgeReader(ring, wake, `bridge${b.id}`);
        ep.ctx = this.#ctx;
        this.#bridges.push({ id: b.id, direction: "out", ring, from: inside.path, to: outside.path, writer: null, reader: ep.reader, endpoint: ep, link: [inside, outside] });
      }
    }
    for (const p of plan.partitions) this.#activations.set(p.id, Activation.create(p.nodes.length));
    // Everything that can fail comes before the graph is touched.
    const inits = this.#workers.map((h) => this.#init(h));
    // Re-point the outside pads at the endpoints (suspend puts the user's links back).
    for (const b of this.#bridges) {
      const inside = b.direction === "in" ? b.link[1] : b.link[0];
      const pad = b.endpoint.pads[0]!;
      pad.caps = inside.caps;
      pad.allowed = inside.allowed;
      if (b.direction === "in") {
        const outside = b.link[0];
        outside.peer = pad;
        pad.peer = outside;
      } else {
        const outside = b.link[1];
        pad.peer = outside;
        outside.peer = pad;
      }
    }
    // The shadows give up what they prepared: their twins in the Workers own the resources.
    for (const p of plan.partitions) for (const el of p.elements) quietly(() => el.unprepare());
    this.#workers.forEach((h, i) => this.#spawn(h, inits[i]!));
    // From now on a property changed on a shadow is changed on its twin too.
    for (const h of this.#workers) {
      for (const p of h.partitions) {
        for (const el of p.elements) {
          this.#unshadow.push(forwardProperties(el, (key, value) => this.#sendProperty(h, el.name, key, value)));
        }
      }
    }
  }

  #init(h: WorkerHandle): WorkerInit {
    const auto = this.rt.priority === "auto";
    return {
      type: "init",
      index: h.index,
      // "auto": real-time only for a Worker with a timer-driven partition (config.ts says why).
      priority: auto ? (h.partitions.some((p) => this.#driverSpec(p).kind === "timer") ? AUTO_RT_PRIORITY : 0) : (this.rt.priority as number),
      priorityAuto: auto,
      control: h.control.sab,
      commands: h.commands.ring.sab,
      mainTimeOrigin: performance.timeOrigin,
      rt: this.rt,
      partitions: h.partitions.map((p) => this.#spec(p)),
    };
  }

  #spec(p: PlannedPartition): PartitionSpec {
    const ringOf = new Map(this.#bridges.map((b) => [b.id, b.ring.sab]));
    return {
      id: p.id,
      elements: p.elements.map((el) => ({
        name: el.name,
        factory: el.factoryName,
        props: cloneProps(el),
        pads: el.pads.map((pad) => ({
          name: pad.name,
          template: pad.template.name,
          direction: pad.direction,
          presence: pad.template.presence,
          caps: pad.caps?.toString() ?? null,
          allowed: pad.allowed?.toString() ?? null,
        })),
      })),
      links: p.links.map(([s, k]) => ({ from: { element: s.element.name, pad: s.name }, to: { element: k.element.name, pad: k.name } })),
      bridges: p.bridges.map((b) => ({
        id: b.id,
        direction: b.direction,
        node: b.node,
        element: b.inside.element.name,
        pad: b.inside.name,
        ring: ringOf.get(b.id)!,
        outside: b.outside.path,
      })),
      nodes: p.nodes,
      activation: this.#activations.get(p.id)!.sab,
      driver: this.#driverSpec(p),
    };
  }

  #spawn(h: WorkerHandle, init: WorkerInit): void {
    const worker = new Worker(workerUrl());
    h.worker = worker;
    h.exited = new Promise<void>((resolve) => {
      worker.addEventListener("close", () => {
        h.resolveStarted();
        h.resolveStopped();
        resolve();
      });
    });
    worker.addEventListener("message", (e: MessageEvent<WorkerReport>) => this.#onReport(h, e.data));
    worker.addEventListener("error", (e: ErrorEvent) => {
      this.#fatal(h, `data Worker ${h.index} crashed: ${e.message}`);
      h.resolveStarted();
      h.resolveStopped();
    });
    worker.postMessage(init);
  }

  #onReport(h: WorkerHandle, r: WorkerReport): void {
    switch (r.type) {
      case "ready":
        h.ready = true;
        h.resolveStarted();
        return;
      case "stopped":
        h.resolveStarted();
        h.resolveStopped();
        return;
      case "priority":
        h.priority = { requested: r.requested, granted: r.granted, detail: r.detail };
        if (!this.#live) return;
        if (!r.granted && this.rt.priority === "auto") {
          this.#pipeline.bus.post({
            type: "info",
            source: this.#pipeline.name,
            message:
              `data Worker ${r.worker}: real-time priority not granted (${r.detail}); running with the normal policy ` +
              `(grant CAP_SYS_NICE or an RLIMIT_RTPRIO allowance for lower latency, or set rt.priority to 0 not to ask)`,
          });
        } else if (r.granted) {
          this.#pipeline.bus.post({ type: "info", source: this.#pipeline.name, message: `data Worker ${r.worker}: real-time priority granted (${r.detail})` });
        } else {
          this.#pipeline.bus.post({
            type: "warning",
            source: this.#pipeline.name,
            domain: "resource",
            message: `data Worker ${r.worker}: real-time priority not granted; running with the normal policy`,
            debug: r.detail,
          });
        }
        return;
      case "fatal":
        this.#fatal(h, r.message, r.element);
        h.resolveStarted();
        h.resolveStopped();
        return;
    }
    if (!this.#live) return;
    switch (r.type) {
      case "bus":
        this.#pipeline.bus.post(r.msg as Message);
        return;
      case "eos": {
        const el = this.#byName.get(r.element);
        if (el) this.#ctx.sinkEos(el);
        return;
      }
      case "failed": {
        const el = this.#byName.get(r.element) ?? this.#pipeline.elements[0]!;
        this.#ctx.failed(el);
        return;
      }
      case "xrun": {
        const bus = this.#pipeline.bus;
        const ms = (ns: number) => (ns / 1e6).toFixed(3);
        bus.post({
          type: "warning",
          source: r.element,
          domain: "core",
          message: `${r.element} overran its quantum: ${ms(r.durationNs)} ms in a ${ms(r.budgetNs)} ms cycle (xrun ${r.count} of partition ${r.partition}); the partition carries on`,
        });
        bus.post({ type: "element", source: r.element, name: "xrun", data: { partition: r.partition, durationNs: r.durationNs, budgetNs: r.budgetNs, count: r.count } });
        return;
      }
    }
  }

  #fatal(h: WorkerHandle, message: string, element?: string): void {
    if (!this.#live) return;
    const el = (element && this.#byName.get(element)) || h.partitions[0]?.elements[0] || this.#pipeline.elements[0]!;
    this.#pipeline.bus.post({ type: "error", source: element ?? `${this.#pipeline.name}:worker${h.index}`, domain: "core", message });
    this.#ctx.failed(el);
  }

  /** A shadow accepted a property change: the twin gets it before the Worker's next cycle. */
  #sendProperty(h: WorkerHandle, element: string, key: string, value: unknown): void {
    h.commands.send({ op: "set", element, key, value });
    // A Worker that is not running sleeps on its own event loop, where only a message ends
    // the sleep at once (a running one sees the wake word the command bumped).
    if (h.control.state !== WorkerState.RUNNING) h.worker?.postMessage({ type: "wake" });
  }

  // ---- PipelineExecutor ---------------------------------------------------------------

  isRemote(el: Element): boolean {
    return this.plan.placements.get(el) === null;
  }

  /** Event loop. Never rejects: a Worker that fails to start reports it on the bus. */
  async ready(): Promise<void> {
    await Promise.all(this.#workers.map((h) => h.started));
  }

  activate(): void {
    if (!this.#live) return;
    if (!this.#started) {
      this.#started = true;
      for (const b of this.#bridges) b.endpoint.start();
    }
    // The pipeline does not start the shadows, but they are running as far as their
    // properties go: only `mutable` ones may change now (as on the event loop).
    for (const p of this.plan.partitions) for (const el of p.elements) el.running = true;
    for (const h of this.#workers) {
      h.control.baseTime = this.#ctx.baseTime;
      this.#setState(h, WorkerState.RUNNING);
    }
  }

  /** Sets a Worker's state: the control block (read between cycles), plus a message for a
   * Worker that sleeps on its event loop. */
  #setState(h: WorkerHandle, s: WorkerState): void {
    h.control.setState(s);
    h.worker?.postMessage({ type: "wake" });
  }

  pause(): void {
    for (const h of this.#workers) if (h.control.state !== WorkerState.STOP) this.#setState(h, WorkerState.PAUSED);
  }

  halt(): void {
    this.pause();
  }

  sendEos(): void {
    for (const h of this.#workers) {
      if (h.partitions.some((p) => p.elements.some((e) => e instanceof Source))) {
        h.control.requestEos();
        h.worker?.postMessage({ type: "wake" });
      }
    }
  }

  suspend(): void {
    if (this.#closing !== null) return;
    this.#live = false;
    for (const undo of this.#unshadow.splice(0)) quietly(undo);
    for (const h of this.#workers) {
      h.commands.close();
      this.#setState(h, WorkerState.STOP);
    }
    for (const b of this.#bridges) {
      quietly(() => b.endpoint.stop());
      const [src, sink] = b.link;
      src.peer = sink;
      sink.peer = src;
    }
    this.#closing = this.#finish();
  }

  closed(): Promise<void> {
    return this.#closing ?? Promise.resolve();
  }

  async #finish(): Promise<void> {
    await Promise.all(
      this.#workers.map(async (h) => {
        if (h.worker === null) return;
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([h.stopped, new Promise<void>((r) => (timer = setTimeout(r, STOP_TIMEOUT_MS)))]);
        clearTimeout(timer);
        h.worker.terminate();
        await h.exited;
        h.worker = null;
      }),
    );
    // The Workers are gone: give back whatever they never read, read what they left.
    const closing: Promise<void>[] = [];
    for (const b of this.#bridges) {
      if (b.writer) {
        quietly(() => b.writer!.reclaimUnread());
        closing.push(b.writer.close());
      }
      if (b.reader) closing.push(b.reader.close());
    }
    await Promise.all(closing);
  }

  // ---- control and observation ------------------------------------------------------------

  /** Manual driver: asks every partition for `n` more cycles. Event loop. */
  trigger(n = 1): void {
    for (const h of this.#workers) {
      h.control.trigger(n);
      h.worker?.postMessage({ type: "wake" });
    }
  }

  /** Resolves true once partition `id` has completed `count` cycles (false on timeout). */
  waitCycles(id: number, count: number, timeoutMs = 2000): Promise<boolean> {
    const a = this.#activations.get(id);
    if (!a) throw new Error(`no partition ${id}`);
    return a.waitCycles(count, timeoutMs);
  }

  /** Whether every Worker has finished starting (built its partitions). Any time. */
  get isReady(): boolean {
    return this.#workers.every((h) => h.ready);
  }

  /** Worker threads not yet terminated. */
  get liveWorkers(): number {
    return this.#workers.filter((h) => h.worker !== null).length;
  }

  stats(): SchedulingStats {
    const plan = this.plan;
    const partitions: PartitionStats[] = plan.partitions.map((p) => ({
      id: p.id,
      worker: p.worker,
      driver: this.#driverSpec(p).kind,
      periodNs: this.#driverSpec(p).periodNs,
      elements: p.elements.map((e) => e.name),
      nodeNames: p.nodes,
      ...this.#activations.get(p.id)!.stats(),
    }));
    return {
      mode: this.mode,
      workers: this.#workers.length,
      placements: [...plan.placements].map(([el, reason]) => ({
        element: el.name,
        partition: reason === null ? (plan.partitions.find((p) => p.elements.includes(el))?.id ?? null) : null,
        reason,
      })),
      partitions,
      bridges: this.#bridges.map((b) => ({ id: b.id, direction: b.direction, from: b.from, to: b.to, capacity: b.ring.capacity, ...bridgeStats(b.ring) })),
      priority: this.#workers.filter((h) => h.priority !== null).map((h) => ({ worker: h.index, ...h.priority! })),
      sleep: this.#workers.map((h) => ({ worker: h.index, mode: !h.ready ? "starting" : h.control.waitMode === WaitMode.FUTEX ? "futex" : "atomics" })),
      xruns: partitions.reduce((s, p) => s + p.xruns, 0),
    };
  }

  /** Xruns counted for one element (by name) across its partition's cycles. */
  xrunsOf(element: string): number {
    for (const p of this.stats().partitions) {
      const i = p.nodeNames.indexOf(element);
      if (i >= 0) return p.nodes[i]!.xruns;
    }
    return 0;
  }
}

/**
 * The data Worker's entry point. From source it sits next to this file. In a `bun build
 * --compile` executable, every entry point is stored under /$bunfs/root/ at its path relative
 * to the build's common root and this module is part of the main bundle: the build must list
 * src/scheduling/worker.ts as an extra entry point (scripts/build.ts), found here by that path.
 */
function workerUrl(): string {
  const here = import.meta.url;
  if (here.includes("/$bunfs/")) return new URL("./src/scheduling/worker.ts", here).href;
  return new URL("./worker.ts", here).href;
}

/** Frames per second of a live source's negotiated caps in the partition, or 0. */
function liveFramerate(p: PlannedPartition): number {
  for (const el of p.elements) {
    if (!(el instanceof Source) || !el.isLive) continue;
    const st = el.srcPad.caps?.structures[0];
    const f = st?.get("framerate") as { num?: number; den?: number } | undefined;
    if (f && typeof f.num === "number" && typeof f.den === "number" && f.num > 0 && f.den > 0) return f.num / f.den;
  }
  return 0;
}

/** The element's properties as data a Worker can receive. Throws SchedulingError. */
function cloneProps(el: Element): Record<string, unknown> {
  try {
    return structuredClone(el.props as Record<string, unknown>);
  } catch (e) {
    throw new SchedulingError(`${el.name}: its properties cannot be sent to a data Worker (${e instanceof Error ? e.message : String(e)})`);
  }
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // teardown goes on
  }
}
