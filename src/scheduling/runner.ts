/**
 * PartitionRunner: one real-time partition inside a data Worker — its elements, recreated from
 * factory name and properties, and the cycle that runs them.
 *
 * Nodes and ports. Every element of the partition is a node, and so is every bridge endpoint
 * (bridge-in: reads a ring from the event loop; bridge-out: writes one to it). Inside the
 * partition a push does not call the next element: each element's sink pads get an input port
 * (a small deque of buffers and serialized events, in order), and `srcPad.push` only appends to
 * the peer's port (returning the flow result the port last saw, as a queue does). The element
 * runs when its node runs: it drains its ports through its real `chain`/`receiveEvent`, then
 * steps the tasks it owns (a source's loop once per cycle; a queue's output until it is empty).
 * This is PipeWire's io-area model: each node's work is measured alone, so an xrun names the
 * element that overran, and the order comes from the activation records (activation.ts).
 *
 * A cycle: the driver resets the records, triggers the nodes without inputs, and runs each
 * node as the last of its inputs finishes. A node that runs longer than the quantum is an xrun:
 * counted in its record and reported to the event loop (rate-limited; the counts stay exact).
 * The partition's first cycle (cold code: JIT compilation, first touch of memory) is exempt.
 * Nothing is dropped and the next cycle goes on: the partition recovers.
 *
 * Backpressure inside a partition: when a port holds PORT_HIGH_WATER items or more (a full
 * bridge-out, a sink waiting for its clock time), the partition is congested: sources and
 * bridge-ins stop taking new data until it drains; a full bridge ring then blocks its producer.
 *
 * Elements here see a context whose clock is the WorkerClock, whose scheduler is a Scheduler
 * that is never started (this runner steps its tasks), and whose bus forwards to the event loop.
 *
 * Thread: a data Worker, except `stats()`-style reads of the shared records (any thread).
 */
import { Buffer } from "../buffer.ts";
import { Bus } from "../bus.ts";
import { Caps } from "../caps/index.ts";
import { type Event, Events, isSerialized } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import { Element, type ElementContext, NO_PROPERTIES, template } from "../graph/element.ts";
import type { Pad } from "../graph/pad.ts";
import { Source } from "../graph/source.ts";
import type { Registry } from "../registry.ts";
import { Deque } from "../runtime/deque.ts";
import { Scheduler, Step, type Task } from "../runtime/scheduler.ts";
import { Activation, PartitionStatus } from "./activation.ts";
import { BridgeReader, BridgeWriter, WriteResult } from "./bridge.ts";
import type { Control } from "./control.ts";
import { type Driver, FreewheelDriver, ManualDriver, TimerDriver, type WorkerClock } from "./driver.ts";
import { Ring, wake } from "./ring.ts";
import type { PartitionSpec, WorkerReport } from "./spec.ts";

/** A port holding this many items congests the partition (its inputs pause). */
export const PORT_HIGH_WATER = 64;
/** Most steps a non-source task (a queue's output) takes in one cycle. */
export const MAX_TASK_STEPS_PER_CYCLE = 4096;
/** Most steps a source takes in one freewheeling cycle (no live pace to follow). */
export const FREEWHEEL_SOURCE_STEPS = 16;
/** Least time between two xrun reports of one node, ms (every xrun is still counted). */
export const XRUN_REPORT_INTERVAL_MS = 1000;

/** The event loop's data enters the partition here (one per bridge-in). */
export class BridgeInEndpoint extends Element {
  static override meta = {
    name: "bridge-in",
    category: "scheduling",
    description: "Partition end of a bridge from the event loop",
    pads: [template.src("ANY")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "realtime" as const, rtSafe: true },
  };
}

/** The partition's data leaves here for the event loop (one per bridge-out). */
export class BridgeOutEndpoint extends Element {
  static override meta = {
    name: "bridge-out",
    category: "scheduling",
    description: "Partition end of a bridge to the event loop",
    pads: [template.sink("ANY")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "realtime" as const, rtSafe: true },
  };
}

type Item = Buffer | Event;
type ChainFn = (pad: Pad, buf: Buffer) => FlowReturn;
type EventFn = (pad: Pad, ev: Event) => boolean;

class Port {
  readonly items = new Deque<Item>(16);
  flow: FlowReturn = Flow.OK;
  constructor(
    readonly pad: Pad,
    readonly chain: ChainFn,
    readonly receiveEvent: EventFn,
  ) {}

  clear(): void {
    for (let it = this.items.shift(); it !== undefined; it = this.items.shift()) {
      if (it instanceof Buffer) it.release();
    }
  }
}

type NodeKind = "element" | "bridge-in" | "bridge-out";

class Node {
  readonly ports: Port[] = [];
  readonly tasks: Task[] = [];
  readonly downstream: number[] = [];
  /** The ports this node pushes into (for congestion checks of inputs). */
  readonly outPorts: Port[] = [];
  /** No sink pads: its tasks produce (one step per cycle). */
  source = false;
  reader: BridgeReader | null = null;
  writer: BridgeWriter | null = null;
  lastReport = -Infinity;
  constructor(
    readonly index: number,
    readonly name: string,
    readonly kind: NodeKind,
    // biome-ignore lint: any element
    readonly element: Element<any>,
    /** The task a chain function blocks (a sync sink waiting, a full queue). */
    readonly task: Task,
  ) {}
}

export type RunnerDeps = {
  control: Control;
  clock: WorkerClock;
  registry: Registry;
  /** Sends a report to the event loop. */
  report: (r: WorkerReport) => void;
  /** A task was unblocked or woken (maybe from the Worker's event loop): end an event-loop sleep. */
  onKick: () => void;
  /** Worker index, for messages. */
  worker: number;
  /** Module list (for error messages). */
  modules: readonly string[];
};

export class PartitionRunner {
  readonly id: number;
  readonly activation: Activation;
  readonly driver: Driver;
  readonly scheduler: Scheduler;
  readonly bus = new Bus();
  // biome-ignore lint: any element
  readonly elements = new Map<string, Element<any>>();
  readonly nodes: Node[] = [];
  halted = false;
  started = false;
  #congested = false;
  #warm = false;
  #roots: Node[] = [];
  #ready: Node[] = [];
  #deps: RunnerDeps;
  #ctx: ElementContext;
  #owned = new Set<Task>();

  /** Builds the partition: elements, pads, links, ports, bridges. Throws with a clear message. */
  constructor(spec: PartitionSpec, deps: RunnerDeps) {
    this.id = spec.id;
    this.#deps = deps;
    this.activation = new Activation(spec.activation);
    const ctl = deps.control;
    this.scheduler = new PartitionScheduler(ctl, deps.onKick);
    const clock = deps.clock;
    const budget = spec.driver.periodNs;
    this.driver =
      spec.driver.kind === "timer"
        ? new TimerDriver(budget)
        : spec.driver.kind === "manual"
          ? new ManualDriver(budget, ctl.i32)
          : new FreewheelDriver(budget);
    if (this.driver instanceof TimerDriver) this.driver.onMissed = (n) => this.activation.addMissed(n);
    this.bus.on("*", (msg) => deps.report({ type: "bus", msg: cloneable(msg) }));
    const self = this;
    this.#ctx = {
      bus: this.bus,
      clock,
      scheduler: this.scheduler,
      get baseTime() {
        return ctl.baseTime;
      },
      runningTime: () => clock.now() - ctl.baseTime,
      sinkEos: (el) => deps.report({ type: "eos", element: el.name }),
      failed: (el) => {
        if (!self.halted) {
          self.halt();
          deps.report({ type: "failed", element: el.name });
        }
      },
    };

    // Elements, from factory name and properties.
    for (const es of spec.elements) {
      if (!deps.registry.has(es.factory)) {
        const where = deps.modules.length ? `the modules in rt.modules (${deps.modules.join(", ")})` : "rt.modules (now empty)";
        throw new PartitionBuildError(
          `element "${es.name}": factory "${es.factory}" is not registered in the data Worker; add the module that registers it to ${where}`,
          es.name,
        );
      }
      const el = deps.registry.make(es.factory, es.name, es.props);
      for (const ps of es.pads) {
        let pad = el.pad(ps.name);
        if (!pad && ps.presence === "request") pad = el.requestPad(ps.template, ps.name);
        if (!pad) throw new PartitionBuildError(`element "${es.name}" has no pad "${ps.name}" in the data Worker`, es.name);
        pad.caps = ps.caps === null ? null : Caps.parse(ps.caps);
        pad.allowed = ps.allowed === null ? null : Caps.parse(ps.allowed);
      }
      this.elements.set(es.name, el);
    }
    const padOf = (element: string, pad: string): Pad => {
      const p = this.elements.get(element)?.pad(pad);
      if (!p) throw new PartitionBuildError(`no pad ${element}.${pad} in partition ${spec.id}`, element);
      return p;
    };
    for (const l of spec.links) joinPads(padOf(l.from.element, l.from.pad), padOf(l.to.element, l.to.pad));

    // Bridge endpoints.
    // biome-ignore lint: any element
    const endpoints = new Map<string, Element<any>>();
    const readers = new Map<string, BridgeReader>();
    const writers = new Map<string, BridgeWriter>();
    for (const b of spec.bridges) {
      const ring = new Ring(b.ring);
      const inner = padOf(b.element, b.pad);
      if (b.direction === "in") {
        const ep = new BridgeInEndpoint(b.node, {});
        const src = ep.pads[0]!;
        src.caps = inner.caps;
        src.allowed = inner.allowed;
        joinPads(src, inner);
        endpoints.set(b.node, ep);
        readers.set(b.node, new BridgeReader(ring, ring.producerTarget(), `${b.outside} → ${b.element}.${b.pad}`));
      } else {
        const ep = new BridgeOutEndpoint(b.node, {});
        const sink = ep.pads[0]!;
        sink.caps = inner.caps;
        sink.allowed = inner.allowed;
        joinPads(inner, sink);
        endpoints.set(b.node, ep);
        writers.set(b.node, new BridgeWriter(ring, ring.consumerTarget(), `p${spec.id}-${b.node}`));
      }
    }

    // Nodes in activation order.
    spec.nodes.forEach((name, index) => {
      const el = this.elements.get(name) ?? endpoints.get(name);
      if (!el) throw new PartitionBuildError(`partition ${spec.id} has no node "${name}"`, name);
      const kind: NodeKind = readers.has(name) ? "bridge-in" : writers.has(name) ? "bridge-out" : "element";
      const node = new Node(index, name, kind, el, new TaskHandle(this.scheduler, name) as unknown as Task);
      node.reader = readers.get(name) ?? null;
      node.writer = writers.get(name) ?? null;
      node.source = !el.pads.some((p) => p.direction === "sink");
      this.nodes.push(node);
    });
    const byElement = new Map<Element, Node>(this.nodes.map((n) => [n.element, n]));
    for (const node of this.nodes) {
      for (const pad of node.element.pads) {
        if (pad.direction === "sink") node.ports.push(intercept(pad));
      }
    }
    for (const node of this.nodes) {
      const seen = new Set<number>();
      for (const pad of node.element.pads) {
        if (pad.direction !== "src" || !pad.peer) continue;
        const d = byElement.get(pad.peer.element);
        if (!d) continue;
        node.outPorts.push(d.ports.find((p) => p.pad === pad.peer)!);
        if (!seen.has(d.index)) {
          seen.add(d.index);
          node.downstream.push(d.index);
        }
      }
    }
    const required = new Array<number>(this.nodes.length).fill(0);
    for (const n of this.nodes) for (const d of n.downstream) required[d]!++;
    required.forEach((r, i) => this.activation.setRequired(i, r));
    this.#roots = this.nodes.filter((n) => required[n.index] === 0);

    for (const el of [...this.elements.values(), ...endpoints.values()]) el.ctx = this.#ctx;
  }

  /** Prepares every element (opens what it needs). Throws PartitionBuildError. */
  prepare(): void {
    for (const [name, el] of this.elements) {
      try {
        el.prepare();
      } catch (e) {
        throw new PartitionBuildError(`${name} failed to prepare in the data Worker: ${e instanceof Error ? e.message : String(e)}`, name);
      }
    }
    this.activation.setStatus(PartitionStatus.IDLE);
  }

  /** First activation: starts the elements (downstream first) and the driver. */
  start(now: number): void {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const el = this.nodes[i]!.element;
      if (this.elements.has(el.name)) {
        el.running = true;
        el.start();
      }
    }
    this.started = true;
    this.#adoptTasks();
    this.driver.start(now, this.#deps.control.baseTime);
    if (!this.halted) this.activation.setStatus(PartitionStatus.RUNNING);
  }

  /** Resume after pause: the driver's timebase restarts. */
  resume(now: number): void {
    this.driver.start(now, this.#deps.control.baseTime);
    if (!this.halted) this.activation.setStatus(PartitionStatus.RUNNING);
  }

  pause(): void {
    if (!this.halted) this.activation.setStatus(PartitionStatus.PAUSED);
  }

  /**
   * Applies a property change sent from the event loop (commands.ts), where the element's
   * shadow already accepted it. False when no element of that name is here (another
   * partition's). A refusal here (a cross-property check the shadow passed) is posted as a
   * warning: the element keeps its value. Data Worker, between cycles.
   */
  setProperty(element: string, key: string, value: unknown): boolean {
    const el = this.elements.get(element);
    if (el === undefined) return false;
    // Whether the property may change now was decided on the event loop, when set() was
    // called (paused: any property); the Worker may see the change only after it resumed.
    const running = el.running;
    el.running = false;
    try {
      el.set(key, value);
    } catch (e) {
      this.bus.post({
        type: "warning",
        source: element,
        domain: "core",
        message: `${element}: the change of "${key}" was refused in the data Worker: ${e instanceof Error ? e.message : String(e)}`,
      });
    } finally {
      el.running = running;
    }
    return true;
  }

  /** Stops cycling for good (an element failed, or the pipeline did). */
  halt(): void {
    this.halted = true;
    this.activation.setStatus(PartitionStatus.HALTED);
  }

  /** sendEos(): every source of the partition ends its stream. */
  requestEos(): void {
    for (const n of this.nodes) {
      const el = n.element;
      if (el instanceof Source) {
        el.stop();
        el.srcPad.pushEvent(Events.eos());
      }
    }
    this.driver.poke();
  }

  /** Whether a task of the partition is blocked (on its clock, a pool, a full queue). */
  hasBlockedTask(): boolean {
    for (const t of this.scheduler.tasks) if (!t.done && t.blockers > 0) return true;
    for (const n of this.nodes) if (n.task.blockers > 0) return true;
    return false;
  }

  /** Whether a bridge from the event loop has entries waiting (one atomic load each). */
  hasInput(): boolean {
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const r = nodes[i]!.reader;
      if (r !== null && r.available() > 0) return true;
    }
    return false;
  }

  /** The copy pool a bridge-out waits on, if one is starved and has data to send. */
  starvedPool(): import("../memory/pool.ts").BufferPool | null {
    for (const n of this.nodes) {
      if (n.writer?.starved && n.ports[0]!.items.length > 0) return n.writer.starved;
    }
    return null;
  }

  /**
   * Runs one cycle. Returns whether anything moved, and leaves `lastCycleEnd` at the clock
   * time it ended. Data Worker. One clock read per node boundary (a read costs ~80 ns here).
   */
  cycle(): boolean {
    const act = this.activation;
    const clock = this.#deps.clock;
    // The first cycle runs cold code (JIT compilation, first touch of memory, the stream
    // headers): it is not held to the quantum.
    const budget = this.#warm ? this.driver.budgetNs : Infinity;
    this.#warm = true;
    const t0 = clock.now();
    act.begin(t0);
    this.#adoptTasks();
    let moved = 0;
    const ready = this.#ready;
    ready.length = 0;
    for (const n of this.#roots) {
      act.trigger(n.index, t0);
      ready.push(n);
    }
    let ta = t0;
    for (let i = 0; i < ready.length; i++) {
      const node = ready[i]!;
      act.awake(node.index, ta);
      moved += this.#run(node);
      const tf = clock.now();
      if (act.finish(node.index, tf, tf - ta, budget)) this.#xrun(node, tf - ta, budget);
      const ds = node.downstream;
      for (let k = 0; k < ds.length; k++) {
        const d = ds[k]!;
        if (act.decrement(d)) {
          act.trigger(d, tf);
          ready.push(this.nodes[d]!);
        }
      }
      ta = tf;
    }
    let congested = false;
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const ports = nodes[i]!.ports;
      for (let k = 0; k < ports.length; k++) if (ports[k]!.items.length >= PORT_HIGH_WATER) congested = true;
    }
    this.#congested = congested;
    this.#dropDoneTasks();
    this.lastCycleEnd = ta;
    act.end(ta - t0, moved > 0);
    return moved > 0;
  }

  /** Clock time at which the last cycle ended. */
  lastCycleEnd = 0;

  #run(node: Node): number {
    switch (node.kind) {
      case "bridge-in":
        return this.#runBridgeIn(node);
      case "bridge-out":
        return this.#runBridgeOut(node);
      default:
        return this.#runElement(node);
    }
  }

  #runBridgeIn(node: Node): number {
    const reader = node.reader!;
    const out = node.outPorts[0];
    const pad = node.element.pads[0]!;
    let moved = 0;
    while (out === undefined || out.items.length < PORT_HIGH_WATER) {
      const it = reader.read();
      if (it === null) break;
      moved++;
      if (it instanceof Buffer) {
        const flow = pad.push(it);
        if (flow !== Flow.OK) reader.setFlow(flow);
      } else {
        pad.pushEvent(it);
      }
    }
    return moved;
  }

  #runBridgeOut(node: Node): number {
    const writer = node.writer!;
    const port = node.ports[0]!;
    port.flow = writer.flow;
    let moved = 0;
    for (let it = port.items.peek(); it !== undefined; it = port.items.peek()) {
      const r = it instanceof Buffer ? writer.writeBuffer(it) : writer.writeEvent(it);
      if (r !== WriteResult.OK) break;
      writer.starved = null;
      port.items.shift();
      moved++;
    }
    return moved;
  }

  #runElement(node: Node): number {
    let moved = 0;
    const sched = this.scheduler;
    const ports = node.ports;
    for (let pass = 0; pass < 3; pass++) {
      let passMoved = 0;
      sched.current = node.task;
      for (let k = 0; k < ports.length; k++) {
        const port = ports[k]!;
        while (node.task.blockers === 0) {
          const it = port.items.shift();
          if (it === undefined) break;
          passMoved++;
          try {
            if (it instanceof Buffer) {
              if (port.pad.refuse !== Flow.OK) {
                port.flow = port.pad.refuse;
                it.release();
                continue;
              }
              const f = port.chain(port.pad, it);
              if (f !== Flow.OK) port.flow = f;
            } else {
              port.receiveEvent(port.pad, it);
              if (it.type === "stream-start" || it.type === "flush-stop") port.flow = Flow.OK;
            }
          } catch (err) {
            port.flow = Flow.ERROR;
            this.#crash(node.name, err);
          }
        }
      }
      sched.current = null;
      const tasks = node.tasks;
      if (tasks.length > 0) {
        if (node.source) {
          // A source makes one buffer per cycle; freewheeling (no live pace) it may make a few,
          // as long as nothing downstream fills up.
          const steps = this.driver.kind === "freewheel" ? FREEWHEEL_SOURCE_STEPS : 1;
          for (let k = 0; k < tasks.length; k++) {
            const t = tasks[k]!;
            for (let s = 0; s < steps && t.ready && !this.#outFull(node); s++) {
              if (this.#step(t)) passMoved++;
              else break;
            }
          }
        } else {
          for (let k = 0; k < tasks.length; k++) {
            const t = tasks[k]!;
            for (let s = 0; s < MAX_TASK_STEPS_PER_CYCLE && t.ready; s++) {
              if (this.#step(t)) passMoved++;
              else break;
            }
          }
        }
      }
      moved += passMoved;
      // Another pass only if the node's own tasks unblocked input that is still waiting.
      if (passMoved === 0 || node.task.blockers !== 0 || !hasItems(ports)) break;
    }
    return moved;
  }

  /** A source may not step: the partition is congested or one of its output ports is full. */
  #outFull(node: Node): boolean {
    if (this.#congested) return true;
    const out = node.outPorts;
    for (let k = 0; k < out.length; k++) if (out[k]!.items.length >= PORT_HIGH_WATER) return true;
    return false;
  }

  /** Steps a task once; true when it did something (CONTINUE or DONE). */
  #step(t: Task): boolean {
    this.scheduler.current = t;
    try {
      const r = t.step();
      if (r === Step.WAIT) {
        if (t.blockers === 0) t.idle = true;
        return false;
      }
      if (r === Step.DONE) t.done = true;
      return true;
    } catch (err) {
      t.done = true;
      this.#crash(t.name, err);
      return false;
    } finally {
      this.scheduler.current = null;
    }
  }

  #crash(name: string, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.bus.post({
      type: "error",
      source: name,
      domain: "core",
      message: `${name} crashed in a data Worker: ${message}`,
      debug: err instanceof Error ? err.stack : undefined,
    });
    if (!this.halted) {
      this.halt();
      this.#deps.report({ type: "failed", element: name });
    }
  }

  #xrun(node: Node, durationNs: number, budgetNs: number): void {
    const now = performance.now();
    const count = this.activation.nodeXruns(node.index);
    if (count === 1 || now - node.lastReport >= XRUN_REPORT_INTERVAL_MS) {
      node.lastReport = now;
      this.#deps.report({ type: "xrun", partition: this.id, element: node.name, durationNs, budgetNs, count });
    }
  }

  /** Gives tasks the elements created (start, flush-stop) to their element's node, by name. */
  #adoptTasks(): void {
    const tasks = this.scheduler.tasks;
    if (tasks.length === this.#owned.size) return;
    for (const t of tasks) {
      if (this.#owned.has(t)) continue;
      const node = this.nodes.find((n) => n.name === t.name) ?? this.nodes[0]!;
      node.tasks.push(t);
      this.#owned.add(t);
    }
  }

  #dropDoneTasks(): void {
    const tasks = this.scheduler.tasks;
    let any = false;
    for (const t of tasks) if (t.done) any = true;
    if (!any) return;
    for (let i = tasks.length - 1; i >= 0; i--) {
      const t = tasks[i]!;
      if (!t.done) continue;
      tasks.splice(i, 1);
      this.#owned.delete(t);
      for (const n of this.nodes) {
        const j = n.tasks.indexOf(t);
        if (j >= 0) n.tasks.splice(j, 1);
      }
    }
  }

  /**
   * Stops and releases everything: elements stop and unprepare, ports are emptied, bridge
   * readers drain (releasing what they never delivered) and close their peer pools, writers
   * close their copy pools. Idempotent. Data Worker.
   */
  async stop(): Promise<void> {
    this.halted = true;
    for (const n of this.nodes) {
      n.element.running = false;
      quietly(() => n.element.stop());
    }
    for (const n of this.nodes) for (const p of n.ports) p.clear();
    for (const el of this.elements.values()) quietly(() => el.unprepare());
    this.scheduler.clear();
    const closing: Promise<void>[] = [];
    for (const n of this.nodes) {
      if (n.reader) closing.push(n.reader.close());
      if (n.writer) closing.push(n.writer.close());
    }
    await Promise.all(closing);
    this.activation.setStatus(PartitionStatus.STOPPED);
  }
}

/**
 * The scheduler the partition's elements see. It never runs tasks itself (the runner steps
 * them in cycles); a task that is unblocked or woken — possibly from the Worker's event loop,
 * by a pool's release watcher, say — wakes the Worker's loop instead.
 */
class PartitionScheduler extends Scheduler {
  readonly #ctl: Control;
  readonly #onKick: () => void;
  constructor(ctl: Control, onKick: () => void) {
    super();
    this.#ctl = ctl;
    this.#onKick = onKick;
  }
  override kick(): void {
    wake(this.#ctl.target);
    this.#onKick();
  }
}

/** A node's own task: something chain functions can block (never in the scheduler's list). */
class TaskHandle {
  blockers = 0;
  idle = false;
  done = false;
  constructor(
    readonly scheduler: Scheduler,
    readonly name: string,
  ) {}
  get ready(): boolean {
    return this.blockers === 0;
  }
  readonly step = () => Step.WAIT;
  block(): void {
    this.blockers++;
  }
  unblock(): void {
    if (this.blockers > 0) this.blockers--;
  }
  wake(): void {}
}

export class PartitionBuildError extends Error {
  override readonly name = "PartitionBuildError";
  constructor(
    message: string,
    readonly element: string,
  ) {
    super(message);
  }
}

/** Links two pads without the checks of Pipeline.link (the event loop already made them). */
export function joinPads(src: Pad, sink: Pad): void {
  src.peer = sink;
  sink.peer = src;
}

/**
 * Puts an input port in front of a sink pad: pushes and serialized events from upstream are
 * queued for the element's node instead of running the element at once. Flush events and
 * upstream events still run at once (flush-start empties the port first).
 */
type Intercepted = { ports: Map<Pad, Port>; chain: ChainFn; receiveEvent: EventFn };
const intercepted = new WeakMap<Element, Intercepted>();

function intercept(pad: Pad): Port {
  const el = pad.element as Element & { chain: ChainFn; receiveEvent: EventFn };
  let rec = intercepted.get(el);
  if (rec === undefined) {
    // The element's own functions, bound before they are shadowed on the instance.
    const r: Intercepted = { ports: new Map(), chain: el.chain.bind(el), receiveEvent: el.receiveEvent.bind(el) };
    rec = r;
    intercepted.set(el, r);
    el.chain = (p: Pad, buf: Buffer): FlowReturn => {
      const port = r.ports.get(p);
      if (port === undefined) return r.chain(p, buf);
      if (port.flow !== Flow.OK) {
        buf.release();
        return port.flow;
      }
      port.items.push(buf);
      return Flow.OK;
    };
    el.receiveEvent = (p: Pad, ev: Event): boolean => {
      const port = r.ports.get(p);
      if (port === undefined || p.direction !== "sink") return r.receiveEvent(p, ev);
      if (ev.type === "flush-start") {
        port.clear();
        return r.receiveEvent(p, ev);
      }
      if (ev.type === "flush-stop") {
        port.flow = Flow.OK;
        return r.receiveEvent(p, ev);
      }
      if (!isSerialized(ev)) return r.receiveEvent(p, ev);
      port.items.push(ev);
      return true;
    };
  }
  const port = new Port(pad, rec.chain, rec.receiveEvent);
  rec.ports.set(pad, port);
  return port;
}

function hasItems(ports: Port[]): boolean {
  for (let k = 0; k < ports.length; k++) if (ports[k]!.items.length > 0) return true;
  return false;
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // teardown goes on; the first error was reported
  }
}

/** A bus message that structured clone can carry (causes become text). */
function cloneable<T extends { type: string }>(msg: T): T {
  if ("cause" in msg && (msg as { cause?: unknown }).cause !== undefined) {
    const c = (msg as { cause?: unknown }).cause;
    return { ...msg, cause: c instanceof Error ? `${c.name}: ${c.message}` : String(c) };
  }
  return msg;
}
