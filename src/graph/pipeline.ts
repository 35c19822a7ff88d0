/**
 * Pipeline: a directed acyclic graph of elements, its state, its bus and its clock.
 *
 * States (DESIGN.md): suspended (built, nothing allocated) ⇄ idle (prepared: resources open,
 * caps negotiated, no data flowing) ⇄ running, plus error. `prepare()` checks the graph and
 * negotiates, `activate()` starts data flow, `pause()` stops it keeping everything in place,
 * `suspend()` releases resources. `run()` does it all and resolves at EOS (rejects on error),
 * leaving the pipeline suspended either way.
 *
 * Orchestration is async (this file); data flow is synchronous inside tasks (scheduler.ts).
 */
import { Bus, type ErrorMessage, type PipelineState } from "../bus.ts";
import { Caps } from "../caps/caps.ts";
import { type Clock, systemClock } from "../clock.ts";
import { Events } from "../events.ts";
import { registry as defaultRegistry, type Registry } from "../registry.ts";
import { Scheduler } from "../runtime/scheduler.ts";
import { type Element, type ElementContext } from "./element.ts";
import { negotiate } from "./negotiate.ts";
import type { Pad, PadTemplate } from "./pad.ts";
import { Source } from "./source.ts";
import type { SchedulingOption } from "../scheduling/config.ts";
import type { PipelineExecutor } from "../scheduling/host.ts";
import type { IsolationOption, IsolationOptions } from "../isolation/options.ts";
import type { IsolatedRun, IsolationReport } from "../isolation/executor.ts";

export class PipelineError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly detail?: ErrorMessage,
  ) {
    super(message);
    this.name = "PipelineError";
  }
}

export type PipelineOptions = {
  name?: string;
  clock?: Clock;
  registry?: Registry;
  /** Where elements run: "async" (default, all on the event loop), "hybrid" or "realtime" (RT-safe elements in Worker partitions; see src/scheduling/), or `{ mode, rt }`. */
  scheduling?: SchedulingOption;
};

export class Pipeline {
  readonly name: string;
  readonly bus = new Bus();
  readonly scheduler = new Scheduler();
  readonly elements: Element[] = [];
  clock: Clock;
  readonly registry: Registry;
  #state: PipelineState = "suspended";
  #counters = new Map<string, number>();
  #started = false;
  #baseTime = 0;
  #pausedAt = 0;
  #eosSinks = new Set<Element>();
  #firstError: ErrorMessage | null = null;
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  // Scheduling (src/scheduling/): partitions in Workers for hybrid/realtime modes.
  #scheduling: SchedulingOption | undefined;
  #executor: PipelineExecutor | null = null;
  #executorClosed: Promise<void> = Promise.resolve();

  constructor(opts: PipelineOptions = {}) {
    this.name = opts.name ?? "pipeline0";
    this.clock = opts.clock ?? systemClock;
    this.registry = opts.registry ?? defaultRegistry;
    this.#scheduling = opts.scheduling;
    this.bus.on("error", (m) => {
      this.#firstError ??= m;
    });
    this.scheduler.onCrash = (task, err) => {
      const msg = err instanceof Error ? err.message : String(err);
      this.bus.post({
        type: "error",
        source: task.name,
        domain: "core",
        message: `${task.name} crashed: ${msg}`,
        debug: err instanceof Error ? err.stack : undefined,
        cause: err,
      });
      this.#fail();
    };
  }

  get state(): PipelineState {
    return this.#state;
  }

  // ---- building -----------------------------------------------------------------------

  /** Adds elements (their names must be unique in the pipeline). */
  add(...els: Element[]): this {
    for (const el of els) {
      if (this.#hasElement(el.name)) {
        throw new Error(`${this.name} already has an element named "${el.name}"`);
      }
      el.configure();
      this.elements.push(el);
    }
    return this;
  }

  /** Creates an element by factory name and adds it. Names default to factory + counter. */
  make(factory: string, props: Record<string, unknown> = {}, name?: string): Element {
    const el = this.registry.make(factory, name ?? this.uniqueName(factory), props);
    this.add(el);
    return el;
  }

  uniqueName(factory: string): string {
    let n = this.#counters.get(factory) ?? 0;
    while (this.#hasElement(`${factory}${n}`)) n++;
    this.#counters.set(factory, n + 1);
    return `${factory}${n}`;
  }

  // Plain loops on the way of a launch (building, linking, the end of a run), not some/filter/
  // find/every: each array builtin's first call in a process costs a compilation (issue 7).
  #hasElement(name: string): boolean {
    for (const e of this.elements) if (e.name === name) return true;
    return false;
  }

  getElement(name: string): Element | undefined {
    return this.elements.find((e) => e.name === name);
  }

  /**
   * Links two elements (or named pads: "src_%u" requests a pad). With `caps`, a capsfilter is
   * put between them. Returns the downstream element, so links chain.
   */
  link(a: Element, b: Element, opts: { caps?: string | Caps; srcPad?: string; sinkPad?: string } = {}): Element {
    if (opts.caps !== undefined) {
      const filter = this.make("capsfilter", { caps: opts.caps.toString() });
      this.link(a, filter, { srcPad: opts.srcPad });
      return this.link(filter, b, { sinkPad: opts.sinkPad });
    }
    const later = this.#sometimesName(a, opts.srcPad);
    if (later !== undefined) {
      // The src pad appears at run time (a demuxer's stream): link when it does.
      const sink = this.#pickPad(b, "sink", opts.sinkPad);
      this.#delayLink(a, later, sink);
      return b;
    }
    const src = this.#pickPad(a, "src", opts.srcPad);
    const sink = this.#pickPad(b, "sink", opts.sinkPad);
    linkPads(src, sink);
    return b;
  }

  // ---- delayed links (sometimes pads) -------------------------------------------------
  //
  // `demux.src_0 ! fakesink` names a pad that only exists once the demuxer has seen a stream.
  // As gst-launch does, the link is recorded and made when the element adds a pad of that
  // name (or, for `demux. ! fakesink`, any next sometimes pad): the pipeline listens with
  // Element.onPadAdded, which runs before data flows through the new pad. The downstream
  // pad counts as linked for the graph check. Links are kept, so after a restart, when the
  // element exposes its pads again, they are made again.

  #delayed: { src: Element; pad: string | null; sink: Pad }[] = [];
  #watched = new Set<Element>();

  /**
   * If linking from `el` (pad `name`) must wait for a sometimes pad: the pad name to wait for,
   * or null for "the next one". Undefined when the link can be made now.
   */
  #sometimesName(el: Element, name: string | undefined): string | null | undefined {
    const sometimes: PadTemplate[] = [];
    for (const p of el.meta.pads) if (p.direction === "src" && p.presence === "sometimes") sometimes.push(p);
    if (sometimes.length === 0) return undefined;
    if (name !== undefined) {
      if (el.pad(name)) return undefined;
      if (sometimes.some((t) => t.name === name)) return null;
      return sometimes.some((t) => matchesTemplate(t.name, name)) ? name : undefined;
    }
    const free = el.pads.some((p) => p.direction === "src" && p.peer === null);
    const request = el.meta.pads.some((p) => p.direction === "src" && p.presence === "request");
    return free || request ? undefined : null;
  }

  #delayLink(src: Element, pad: string | null, sink: Pad): void {
    this.#delayed.push({ src, pad, sink });
    if (this.#watched.has(src)) return;
    this.#watched.add(src);
    src.onPadAdded((p) => this.#sometimesPadAdded(src, p));
  }

  #sometimesPadAdded(el: Element, pad: Pad): void {
    if (pad.direction !== "src" || pad.template.presence !== "sometimes" || pad.peer !== null) return;
    const mine = this.#delayed.filter((d) => d.src === el && d.sink.peer === null);
    const d = mine.find((x) => x.pad === pad.name) ?? mine.find((x) => x.pad === null);
    if (d) linkPads(pad, d.sink);
  }

  #reserved(p: Pad): boolean {
    for (const d of this.#delayed) if (d.sink === p) return true;
    return false;
  }

  /** Links a chain of elements in order. */
  chain(...els: Element[]): this {
    for (let i = 0; i + 1 < els.length; i++) this.link(els[i]!, els[i + 1]!);
    return this;
  }

  #pickPad(el: Element, dir: "src" | "sink", name?: string): Pad {
    if (name !== undefined) {
      const existing = el.pad(name);
      if (existing) return existing;
      const t = el.meta.pads.find(
        (p) => p.direction === dir && p.presence === "request" && (p.name === name || matchesTemplate(p.name, name)),
      );
      if (t) return el.requestPad(t.name, t.name === name ? undefined : name);
      const names = el.pads.filter((p) => p.direction === dir).map((p) => p.name);
      const req = el.meta.pads.filter((p) => p.direction === dir && p.presence === "request").map((p) => p.name);
      throw new Error(
        `${el.name} has no ${dir} pad "${name}" (pads: ${[...names, ...req].join(", ") || "none"})`,
      );
    }
    for (const p of el.pads) if (p.direction === dir && p.peer === null && !this.#reserved(p)) return p;
    const t = el.meta.pads.find((p) => p.direction === dir && p.presence === "request");
    if (t) return el.requestPad(t.name);
    throw new Error(
      `${el.name} (${el.factoryName}) has no free ${dir} pad to link` +
        (el.pads.some((p) => p.direction === dir) ? " (all are linked)" : ` (it is a ${dir === "src" ? "sink" : "source"})`),
    );
  }

  // ---- states -------------------------------------------------------------------------

  /** suspended → idle: checks the graph, prepares every element, negotiates caps. */
  prepare(): void {
    if (this.#state !== "suspended") return;
    this.#checkGraph();
    this.#firstError = null;
    this.#eosSinks.clear();
    const ctx = this.#context();
    const prepared: Element[] = [];
    try {
      for (const el of this.elements) {
        el.ctx = ctx;
        el.prepare();
        prepared.push(el);
      }
      negotiate(this.elements);
      // The partition machinery (Workers, bridges, rings) is loaded only when a mode is given:
      // the default async mode does not need it, and a one-buffer launch should not load it.
      if (this.#scheduling !== undefined) {
        const { createExecutor } = require("../scheduling/host.ts") as typeof import("../scheduling/host.ts");
        this.#executor = createExecutor(this, this.#scheduling);
      }
    } catch (err) {
      for (const el of prepared.reverse()) safe(() => el.unprepare());
      for (const el of this.elements) el.ctx = null;
      throw err;
    }
    this.#setState("idle");
  }

  /** idle → running: data flows. Resumes where pause() stopped. */
  activate(): void {
    if (this.#state === "suspended") this.prepare();
    if (this.#state !== "idle") return;
    if (!this.#started) {
      this.#started = true;
      this.#baseTime = this.clock.now();
      // Downstream first, so a sink is ready before its source pushes (an index loop: no copy
      // of the list, no first-use cost of reverse() in a launch).
      const els = this.elements;
      for (let i = els.length - 1; i >= 0; i--) {
        const el = els[i]!;
        if (this.#executor?.isRemote(el)) continue; // its twin runs in a Worker
        el.running = true;
        el.start();
      }
    } else {
      this.#baseTime = this.clock.now() - this.#pausedAt;
      for (const el of this.elements) el.running = true;
    }
    this.#setState("running");
    this.#executor?.activate();
    this.scheduler.start();
  }

  /** running → idle: stops data flow, keeps buffers and positions. */
  pause(): void {
    if (this.#state !== "running") return;
    this.scheduler.stop();
    this.#executor?.pause();
    this.#pausedAt = this.clock.now() - this.#baseTime;
    for (const el of this.elements) el.running = false;
    this.#setState("idle");
  }

  /** idle or error → suspended: stops everything and releases resources. */
  suspend(): void {
    if (this.#state === "running") this.pause();
    if (this.#state === "suspended") return;
    this.scheduler.stop();
    if (this.#executor) {
      this.#executor.suspend();
      this.#executorClosed = this.#executor.closed();
      this.#executor = null;
    }
    for (const el of this.elements) {
      el.running = false;
      safe(() => el.stop());
    }
    this.scheduler.clear();
    for (const el of this.elements) {
      safe(() => el.unprepare());
      el.ctx = null;
      for (const p of el.pads) {
        p.eos = false;
        p.flushing = false;
        p.sticky.clear();
      }
    }
    this.#started = false;
    this.#setState("suspended");
  }

  /** Sends EOS from every source (Ctrl-C in `parallax launch`): sinks drain, run() resolves. */
  sendEos(): void {
    if (this.#isolated) return this.#isolated.sendEos();
    for (const el of this.elements) {
      if (el instanceof Source && !this.#executor?.isRemote(el)) {
        el.stop();
        el.srcPad.pushEvent(Events.eos());
      }
    }
    this.#executor?.sendEos();
    this.scheduler.kick();
  }

  /**
   * Runs to the end: prepare, activate, wait for EOS on every sink. Rejects with a
   * PipelineError naming the element on the first error. Leaves the pipeline suspended.
   * Aborting (signal) sends EOS and waits for it to drain.
   */
  async run(opts: { signal?: AbortSignal; scheduling?: SchedulingOption; isolation?: IsolationOption } = {}): Promise<void> {
    // Their module loads only when isolation options are given (a plain run does not read it).
    if (opts.isolation !== undefined && (require("../isolation/options.ts") as typeof import("../isolation/options.ts")).isIsolating(opts.isolation)) {
      await this.#runIsolation(opts.isolation, opts.signal);
      return;
    }
    if (opts.scheduling !== undefined) this.#scheduling = opts.scheduling;
    const done = this.#waitDone();
    const onAbort = () => this.sendEos();
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      this.prepare();
      // A live partition's Workers must be up before the base time is taken (preroll).
      if (this.#executor?.needsPreroll) await this.#executor.ready();
      this.activate();
      if (this.#sinks().length === 0) throw new PipelineError(`${this.name} has no sink`, this.name);
      await done;
    } finally {
      opts.signal?.removeEventListener("abort", onAbort);
      this.suspend();
      await this.#executorClosed; // no Worker is left when run() returns
    }
  }

  // ---- execution modes (src/isolation/) ---------------------------------------------------

  #isolated: IsolatedRun | null = null;

  /**
   * Runs to the end with every element in its own sandboxed process (except appsrc/appsink
   * and elements with API callbacks, which the report lists with the reason). Resolves with
   * the report (what ran where, sandboxes, restarts); rejects like run().
   */
  runIsolated(opts: Omit<IsolationOptions, "mode"> & { signal?: AbortSignal } = {}): Promise<IsolationReport> {
    const { signal, ...rest } = opts;
    return this.#runIsolation({ ...rest, mode: "isolated" }, signal);
  }

  /** Runs to the end with the elements whose factory or name matches a pattern (`*dec*`)
   * isolated, linked matches sharing a process; the rest runs here. */
  runIsolating(patterns: readonly string[], opts: Omit<IsolationOptions, "mode" | "patterns"> & { signal?: AbortSignal } = {}): Promise<IsolationReport> {
    const { signal, ...rest } = opts;
    return this.#runIsolation({ ...rest, mode: "grouped", patterns }, signal);
  }

  async #runIsolation(option: IsolationOption, signal?: AbortSignal): Promise<IsolationReport> {
    if (this.#state !== "suspended" || this.#isolated) throw new PipelineError(`${this.name} is ${this.#state}: an isolated run starts from suspended`, this.name);
    const { IsolatedRun } = await import("../isolation/executor.ts");
    const run = new IsolatedRun(this, option);
    this.#isolated = run;
    return run.run({ setState: (s) => this.#setState(s), detach: () => void (this.#isolated = null) }, signal);
  }

  /** Stops at once (no EOS), releasing everything. Idempotent. */
  stop(): void {
    if (this.#isolated) return this.#isolated.stop();
    this.suspend();
    const w = this.#waiters.splice(0);
    for (const x of w) x.reject(new PipelineError(`${this.name} was stopped`, this.name));
  }

  /** Stops and closes the bus. */
  dispose(): void {
    this.suspend();
    this.bus.close();
  }

  #waitDone(): Promise<void> {
    // withResolvers, not new Promise(executor): the constructor's first call in a process costs
    // a compilation (≈0.3 ms of a one-buffer launch; issue 7).
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#waiters.push({ resolve, reject });
    return promise;
  }

  #sinks(): Element[] {
    const sinks: Element[] = [];
    for (const e of this.elements) {
      let onlySinkPads = e.pads.length > 0;
      for (const p of e.pads) if (p.direction !== "sink") onlySinkPads = false;
      if (onlySinkPads) sinks.push(e);
    }
    return sinks;
  }

  #setState(s: PipelineState): void {
    const old = this.#state;
    if (old === s) return;
    this.#state = s;
    this.bus.post({ type: "state-changed", source: this.name, old, current: s });
  }

  #fail(): void {
    if (this.#state === "error") return;
    this.scheduler.stop();
    this.#executor?.halt();
    for (const el of this.elements) {
      el.running = false;
      safe(() => el.stop());
    }
    this.#state = "error";
    this.bus.post({ type: "state-changed", source: this.name, old: "running", current: "error" });
    const e = this.#firstError;
    const err = new PipelineError(
      e ? `${e.source}: ${e.message}${e.debug ? `\n  (${e.debug})` : ""}` : `${this.name} failed`,
      e?.source ?? this.name,
      e ?? undefined,
    );
    for (const w of this.#waiters.splice(0)) w.reject(err);
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
      sinkEos: (el) => {
        if (this.#firstError !== null) return;
        this.#eosSinks.add(el);
        if (this.#eosSinks.size >= this.#sinks().length) {
          this.bus.post({ type: "eos", source: this.name });
          for (const w of this.#waiters.splice(0)) w.resolve();
        }
      },
      failed: () => {
        // Defer so the element's own call stack unwinds first.
        queueMicrotask(() => this.#fail());
      },
    };
  }

  #checkGraph(): void {
    if (this.elements.length === 0) throw new PipelineError(`${this.name} is empty`, this.name);
    for (const el of this.elements) {
      for (const p of el.pads) {
        if (p.peer && !this.elements.includes(p.peer.element)) {
          throw new PipelineError(
            `${p.path} is linked to ${p.peer.path}, which is not in ${this.name}: add it first`,
            el.name,
          );
        }
        if (!p.peer && p.template.presence === "always" && !this.#reserved(p)) {
          throw new PipelineError(
            `${p.path} is not linked: every ${p.direction} pad of ${el.name} must be linked ` +
              `(link it, or remove ${el.name})`,
            el.name,
          );
        }
      }
    }
    const cycle = findCycle(this.elements);
    if (cycle) {
      throw new PipelineError(
        `the pipeline has a cycle: ${cycle.join(" → ")}; pipelines must be acyclic (break the loop)`,
        cycle[0]!,
      );
    }
  }
}

export function linkPads(src: Pad, sink: Pad): void {
  if (src.direction !== "src" || sink.direction !== "sink") {
    throw new Error(`cannot link ${src.path} (${src.direction}) to ${sink.path} (${sink.direction}): link a src pad to a sink pad`);
  }
  if (src.peer) throw new Error(`${src.path} is already linked to ${src.peer.path}`);
  if (sink.peer) throw new Error(`${sink.path} is already linked to ${sink.peer.path}`);
  if (src.element === sink.element) throw new Error(`cannot link ${src.element.name} to itself`);
  src.peer = sink;
  sink.peer = src;
}

function matchesTemplate(template: string, name: string): boolean {
  const re = new RegExp("^" + template.replace(/%[ud]/, "\\d+").replace(/%s/, ".+") + "$");
  return re.test(name);
}

function findCycle(elements: Element[]): string[] | null {
  const color = new Map<Element, number>();
  const stack: Element[] = [];
  const visit = (e: Element): string[] | null => {
    color.set(e, 1);
    stack.push(e);
    for (const p of e.pads) {
      if (p.direction !== "src" || !p.peer) continue;
      const n = p.peer.element;
      const c = color.get(n) ?? 0;
      if (c === 1) return [...stack.slice(stack.indexOf(n)), n].map((x) => x.name);
      if (c === 0) {
        const r = visit(n);
        if (r) return r;
      }
    }
    stack.pop();
    color.set(e, 2);
    return null;
  };
  for (const e of elements) if (!color.get(e)) {
    const r = visit(e);
    if (r) return r;
  }
  return null;
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // Teardown goes on for the other elements; the first error was already reported.
  }
}
