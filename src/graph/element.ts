/**
 * Element: the unit of work in a pipeline. Sources produce buffers, transforms change them,
 * sinks consume them; anything else (tee, queue, funnel) handles its pads itself.
 *
 * An element is one small declarative definition: a static `meta` (factory name, category,
 * description, pad templates with caps, a TypeBox property schema, a scheduling declaration,
 * the authority it needs when isolated) plus a class with a synchronous per-buffer function and
 * optional life-cycle hooks. Settings (user properties, `props`) are kept apart from runtime
 * state (fields the element creates in `prepare()`/`start()`).
 *
 * Life cycle, driven by the pipeline: prepare (allocate, open) → start (data may flow) →
 * stop → unprepare (release). The data path (`chain`, `receiveEvent`) runs on the task that
 * pushes; it returns flow results and never throws on bad data: it posts an error and returns
 * Flow.ERROR (see `error()`).
 */
import type { Buffer } from "../buffer.ts";
import type { Bus, ErrorDomain } from "../bus.ts";
import { Caps } from "../caps/caps.ts";
import type { Clock } from "../clock.ts";
import { type Event, Events } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import type { Scheduler, Task } from "../runtime/scheduler.ts";
import { Pad, type PadDirection, type PadPresence, type PadTemplate } from "./pad.ts";
import {
  coerceProperty,
  isMutable,
  kebab,
  PropertyError,
  type PropertySchema,
  Type,
  withDefaults,
} from "./properties.ts";

export type Affinity = "async" | "realtime" | "auto";
export type Scheduling = {
  /** Where the element prefers to run: on the event loop, in a real-time partition, or either. */
  affinity: Affinity;
  /** True when the per-buffer function never allocates, awaits or does I/O. */
  rtSafe: boolean;
};

export type ElementMeta = {
  /** Factory name as users type it: "fakesrc", "queue". */
  name: string;
  /** Catalog category: testing, io, flow, transform, timing, video, audio, network, app. */
  category: string;
  description: string;
  pads: PadTemplate[];
  properties: PropertySchema;
  scheduling: Scheduling;
  /** What the element needs from the system when isolated (files, sockets), for `inspect`. */
  authority?: string;
  /** "sync" elements do all per-buffer work synchronously; "async" ones await I/O. */
  mode?: "sync" | "async";
};

/** The constructor type the registry stores: a class with a static meta. */
export type ElementClass = {
  new (name: string, props: Record<string, unknown>): Element;
  readonly meta: ElementMeta;
};

/** What the pipeline gives an element while it is in one (set in prepare). */
export interface ElementContext {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  /** Clock time at which running time was 0. */
  readonly baseTime: number;
  /** Current running time in ns (clock time − base time). */
  runningTime(): number;
  /** A sink tells the pipeline it reached EOS. */
  // biome-ignore lint: any element, whatever its property type
  sinkEos(el: Element<any>): void;
  /** An element tells the pipeline it failed (after posting an error). */
  failed(el: Element<any>): void;
}

/** Helpers to write pad templates in one line each. */
export const template = {
  src(caps: string | Caps = "ANY", name = "src", presence: PadPresence = "always"): PadTemplate {
    return { name, direction: "src", presence, caps: toCaps(caps) };
  },
  sink(caps: string | Caps = "ANY", name = "sink", presence: PadPresence = "always"): PadTemplate {
    return { name, direction: "sink", presence, caps: toCaps(caps) };
  },
};

function toCaps(c: string | Caps): Caps {
  return typeof c === "string" ? Caps.parse(c) : c;
}

export const NO_PROPERTIES = Type.Object({});
export const DEFAULT_SCHEDULING: Scheduling = { affinity: "auto", rtSafe: false };

export abstract class Element<P extends object = Record<string, unknown>> {
  static meta: ElementMeta;

  readonly name: string;
  /** Settings: the element's properties, validated, with defaults filled in. */
  props: P;
  readonly pads: Pad[] = [];
  /** Set while the element is in a prepared pipeline. */
  ctx: ElementContext | null = null;
  #requestCounter = new Map<string, number>();

  constructor(name: string, props: Record<string, unknown> = {}) {
    this.name = name;
    const meta = this.meta;
    const coerced: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(props)) {
      const { key, value } = coerceProperty(name, meta.properties, k, v);
      coerced[key] = value;
    }
    this.props = withDefaults<P>(meta.properties, coerced);
    for (const t of meta.pads) {
      if (t.presence === "always") this.addPad(t.name, t);
    }
  }

  #configured = false;

  /**
   * Runs the element's cross-property checks once (`validate()`). Called by the registry, by
   * Pipeline.add and by the harness; subclass fields exist only after the base constructor, so
   * this cannot run from it. Throws PropertyError.
   */
  configure(): this {
    if (!this.#configured) {
      this.validate();
      this.#configured = true;
    }
    return this;
  }

  get meta(): ElementMeta {
    return (this.constructor as ElementClass).meta;
  }

  get factoryName(): string {
    return this.meta.name;
  }

  /** Cross-property checks and derived settings; throw PropertyError. Runs in configure() and set(). */
  protected validate(): void {}

  /** Changes a property. While running, only properties marked `mutable` may change. */
  set(name: string, value: unknown): void {
    const { key, value: v } = coerceProperty(this.name, this.meta.properties, name, value);
    const schema = (this.meta.properties.properties as Record<string, object>)[key]!;
    if (this.ctx && !isMutable(schema as never) && this.running) {
      throw new PropertyError(
        this.name,
        key,
        `property "${kebab(key)}" of ${this.name} cannot change while the pipeline runs`,
        "pause the pipeline first",
      );
    }
    (this.props as Record<string, unknown>)[key] = v;
    this.validate();
    this.propertyChanged(key);
  }

  get<K extends keyof P>(name: K): P[K] {
    return this.props[name];
  }

  /** Hook: a property changed (at run time for mutable ones). */
  protected propertyChanged(_key: string): void {}

  running = false;

  // ---- pads ---------------------------------------------------------------------------

  addPad(name: string, t: PadTemplate): Pad {
    // A loop, not some(): every element adds pads at start-up, where each array builtin's
    // first call in a process costs a compilation (issue 7).
    for (const p of this.pads) if (p.name === name) throw new Error(`${this.name} already has a pad named "${name}"`);
    const pad = new Pad(this, name, t.direction, t);
    this.pads.push(pad);
    return pad;
  }

  pad(name: string): Pad | undefined {
    return this.pads.find((p) => p.name === name);
  }

  get srcPads(): Pad[] {
    return this.pads.filter((p) => p.direction === "src");
  }

  get sinkPads(): Pad[] {
    return this.pads.filter((p) => p.direction === "sink");
  }

  /** Creates a request pad from a template ("src_%u"), with a given or the next free name. */
  requestPad(templateName: string, name?: string): Pad {
    const t = this.meta.pads.find((p) => p.name === templateName && p.presence === "request");
    if (!t) {
      const req = this.meta.pads.filter((p) => p.presence === "request").map((p) => p.name);
      throw new Error(
        `${this.name} (${this.factoryName}) has no request pad template "${templateName}"` +
          (req.length ? `; its request pads are ${req.join(", ")}` : "; it has no request pads"),
      );
    }
    if (name === undefined) {
      let n = this.#requestCounter.get(t.name) ?? 0;
      while (this.pad(t.name.replace(/%[uds]/, String(n)))) n++;
      name = t.name.replace(/%[uds]/, String(n));
      this.#requestCounter.set(t.name, n + 1);
    }
    const pad = this.addPad(name, t);
    this.padAdded(pad);
    this.#notifyPadAdded(pad);
    return pad;
  }

  /** Hook: a request or sometimes pad was added. */
  protected padAdded(_pad: Pad): void {}

  // ---- pads that appear at run time ---------------------------------------------------
  //
  // A demuxer learns its streams from the data, so it adds "sometimes" pads while it runs
  // (GStreamer's pad-added signal). Whoever wants to link such a pad listens with
  // `onPadAdded` (the pipeline does, for links declared before the pad exists, such as
  // `demux.src_0 ! fakesink` in a launch string); the application may also watch the bus for
  // the element message "pad-added". Listeners run synchronously on the task that made the
  // pad, before any data goes through it, so a pad linked there misses nothing.

  #padListeners: ((pad: Pad) => void)[] = [];

  /**
   * Calls `fn` for every pad added after construction (request pads and sometimes pads),
   * synchronously, before data flows through it. Returns a function that stops listening.
   */
  onPadAdded(fn: (pad: Pad) => void): () => void {
    this.#padListeners.push(fn);
    return () => {
      const i = this.#padListeners.indexOf(fn);
      if (i >= 0) this.#padListeners.splice(i, 1);
    };
  }

  #notifyPadAdded(pad: Pad): void {
    for (const fn of [...this.#padListeners]) fn(pad);
  }

  /**
   * Adds a pad from a "sometimes" template (a stream appeared): runs the `padAdded` hook and
   * the pad-added listeners (which may link it), then posts the element message "pad-added"
   * (`{ pad: name, ...info }`) on the bus. The name defaults to the template's next free one.
   */
  protected exposePad(templateName: string, name?: string, info: Record<string, unknown> = {}): Pad {
    const t = this.meta.pads.find((p) => p.name === templateName && p.presence === "sometimes");
    if (!t) throw new Error(`${this.name} (${this.factoryName}) has no sometimes pad template "${templateName}"`);
    if (name === undefined) {
      let n = this.#requestCounter.get(t.name) ?? 0;
      while (this.pad(t.name.replace(/%[uds]/, String(n)))) n++;
      name = t.name.replace(/%[uds]/, String(n));
      this.#requestCounter.set(t.name, n + 1);
    }
    const pad = this.addPad(name, t);
    this.padAdded(pad);
    this.#notifyPadAdded(pad);
    this.postMessage("pad-added", { pad: pad.name, ...info });
    return pad;
  }

  /**
   * Removes a request or sometimes pad, unlinking it from its peer first (a demuxer removes
   * its stream pads when it stops). Always pads cannot be removed.
   */
  removePad(pad: Pad): void {
    if (pad.template.presence === "always") throw new Error(`${pad.path} is an always pad and cannot be removed`);
    const i = this.pads.indexOf(pad);
    if (i < 0) return;
    if (pad.peer) {
      pad.peer.peer = null;
      pad.peer = null;
    }
    this.pads.splice(i, 1);
    this.postMessage("pad-removed", { pad: pad.name });
  }

  /** Forgets the numbering of sometimes pads, so the next run names them from 0 again. */
  protected resetPadNumbering(templateName: string): void {
    this.#requestCounter.delete(templateName);
  }

  // ---- negotiation --------------------------------------------------------------------

  /**
   * The caps a pad can carry given the element's properties (a capsfilter's `caps`, a source's
   * configured size). Default: the template's caps.
   */
  padCaps(pad: Pad): Caps {
    return pad.template.caps;
  }

  /**
   * Given caps possible on a pad of direction `from`, what the pads of the other direction can
   * carry. Default: the same caps (a pass-through). Converters override it.
   */
  transformCaps(_from: PadDirection, caps: Caps): Caps {
    return caps;
  }

  /** Picks fixed caps for a source pad from what the graph allows. */
  fixateCaps(_pad: Pad, caps: Caps): Caps {
    return caps.fixate();
  }

  /**
   * Called when caps are set on a sink pad (from a caps event). Return false to refuse them.
   * Default: accept, and forward caps on every src pad after transformCaps + fixation.
   */
  protected setCaps(_pad: Pad, _caps: Caps): boolean {
    return true;
  }

  /** Output caps for the src pads given new input caps (renegotiation). */
  protected outputCaps(src: Pad, input: Caps): Caps | null {
    if (src.allowed && input.isSubset(src.allowed) && input.isFixed()) {
      const same = this.transformCaps("sink", input);
      if (same.isEqual(input)) return input;
    }
    let out = this.transformCaps("sink", input);
    const peer = src.peer;
    if (peer) out = out.intersect(peer.allowed ?? peer.element.padCaps(peer));
    if (out.isEmpty()) return null;
    if (out.isAny() || out.isFixed()) return out;
    return this.fixateCaps(src, out);
  }

  // ---- data flow ----------------------------------------------------------------------

  /** Receives a buffer on a sink pad. The element takes the buffer. */
  chain(pad: Pad, buf: Buffer): FlowReturn {
    buf.release();
    return this.error("core", `${this.name} received a buffer on ${pad.name} but has no chain function`);
  }

  /** Pipeline entry for events arriving at one of our pads: bookkeeping, then `event()`. */
  receiveEvent(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      switch (ev.type) {
        case "flush-start":
          pad.flushing = true;
          break;
        case "flush-stop":
          pad.flushing = false;
          pad.eos = false;
          break;
        case "eos":
          if (pad.eos) return true;
          pad.eos = true;
          break;
        case "stream-start":
          pad.eos = false;
          pad.sticky.set(ev.type, ev);
          break;
        case "caps": {
          const ok = ev.caps.isSubset(this.padCaps(pad));
          if (!ok || !this.setCaps(pad, ev.caps)) {
            pad.notNegotiated = true;
            this.error(
              "stream",
              `${pad.path} cannot accept caps ${ev.caps.toString()}`,
              `accepted: ${this.padCaps(pad).toString()}`,
            );
            return false;
          }
          pad.caps = ev.caps;
          pad.notNegotiated = false;
          pad.sticky.set(ev.type, ev);
          break;
        }
        case "segment":
          pad.sticky.set(ev.type, ev);
          break;
      }
    }
    return this.event(pad, ev);
  }

  /**
   * Handles an event. Default: events from downstream go to every sink pad; events from
   * upstream go to every src pad (caps transformed for each).
   */
  event(pad: Pad, ev: Event): boolean {
    return this.forwardEvent(pad, ev);
  }

  protected forwardEvent(pad: Pad, ev: Event): boolean {
    const targets = pad.direction === "sink" ? this.srcPads : this.sinkPads;
    let ok = true;
    for (const t of targets) {
      if (ev.type === "caps" && t.direction === "src") {
        const out = this.outputCaps(t, ev.caps);
        if (!out) {
          this.error("stream", `${this.name} cannot produce output for input caps ${ev.caps}`);
          return false;
        }
        ok = t.pushEvent(Events.caps(out)) && ok;
      } else {
        ok = t.pushEvent(ev) && ok;
      }
    }
    return ok;
  }

  /** Sends an event on every src pad (downstream). */
  pushEventDownstream(ev: Event): boolean {
    let ok = true;
    for (const p of this.pads) if (p.direction === "src") ok = p.pushEvent(ev) && ok;
    return ok;
  }

  // ---- life cycle hooks ---------------------------------------------------------------

  /** Allocate resources (open files, create pools). Throw to fail preparation. */
  prepare(): void {}
  /** Data is about to flow: start tasks, timers. */
  start(): void {}
  /** Data stops: stop tasks and timers. Must be idempotent. */
  stop(): void {}
  /** Release what prepare allocated. Must be idempotent. */
  unprepare(): void {}

  // ---- helpers ------------------------------------------------------------------------

  /** The task running this call (to block it for backpressure or timing). */
  get currentTask(): Task | null {
    return this.ctx?.scheduler.current ?? null;
  }

  /** Posts an error on the bus and returns Flow.ERROR, for use as `return this.error(…)`. */
  error(domain: ErrorDomain, message: string, debug?: string, cause?: unknown): FlowReturn {
    if (this.ctx) {
      this.ctx.bus.post({ type: "error", source: this.name, domain, message, debug, cause });
      this.ctx.failed(this);
    }
    return Flow.ERROR;
  }

  warning(domain: ErrorDomain, message: string, debug?: string): void {
    this.ctx?.bus.post({ type: "warning", source: this.name, domain, message, debug });
  }

  /** Posts an element message (application-specific data) on the bus. */
  postMessage(name: string, data: unknown): void {
    this.ctx?.bus.post({ type: "element", source: this.name, name, data });
  }
}
