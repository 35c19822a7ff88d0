/**
 * input-selector: forwards one of its request sink pads `sink_%u`, the active one, to its src
 * pad and drops the data of the others (GStreamer's input-selector). `active-pad` names the
 * input ("sink_1"); it may change while the pipeline runs (`set("activePad", "sink_1")`).
 * Empty means the first input.
 *
 * On a switch, the new input's sticky events (stream-start, caps, segment) are sent
 * downstream before its next buffer, and that buffer is marked DISCONT, so downstream sees a
 * consistent stream. Sticky events of inactive inputs are only stored. EOS goes out when the
 * active input ends; an inactive input that ended is remembered, and its EOS goes out when it
 * becomes active. Flushes pass only from the active input. Buffers of inactive inputs are
 * dropped and the pusher gets OK (GStreamer's `always-ok`).
 *
 * With `sync-streams` (default, as GStreamer), an inactive input that runs ahead of the active
 * one in running time is held back: its buffer is kept and its task blocked until the active
 * input has reached the buffer's time, then the buffer is dropped. If the input becomes active
 * meanwhile, the kept buffer goes out first (before its next one), so the switch neither jumps
 * nor loses a buffer. An input pushed by the same task as the active one is never held (that
 * would block the active input too). Each pushing task runs the chain synchronously; there is
 * no locking.
 */
import { BufferFlag, type Buffer, TIME_NONE } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import type { Event, Segment } from "../../src/events.ts";
import { isSticky } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Element, type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad, PadDirection } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";
import type { Task } from "../../src/runtime/scheduler.ts";

export const DEFAULT_ACTIVE_PAD = "";
export const DEFAULT_SYNC_STREAMS = true;

const Props = Type.Object({
  activePad: Type.String({
    default: DEFAULT_ACTIVE_PAD,
    description: "Name of the input to forward (sink_N); empty = the first input",
    mutable: true,
  }),
  syncStreams: Type.Boolean({
    default: DEFAULT_SYNC_STREAMS,
    description: "Hold inactive inputs back to the running time of the active one",
  }),
});
type P = Static<typeof Props>;

/** Per-input state kept beside the pad. */
type Input = {
  /** Running time reached by the input (end of its last buffer), TIME_NONE before any. */
  position: number;
  segment: Segment | null;
  /** Sticky events must be resent before this input's next buffer. */
  resend: boolean;
  /** Set while this (inactive) input is held back by sync-streams. */
  held: { buf: Buffer; task: Task; until: number } | null;
  /** The held buffer goes out before the next item of this input (it became active). */
  flushHeld: boolean;
};

export class InputSelector extends Element<P> {
  static override meta: ElementMeta = {
    name: "input-selector",
    category: "flow",
    description: "Forwards one of several inputs (switchable while running), dropping the others",
    pads: [template.sink("ANY", "sink_%u", "request"), template.src("ANY")],
    properties: Props,
    // Event loop: the application steers it with set() while it runs; a real-time partition
    // would hold a copy the application does not see. Per buffer it is RT-safe.
    scheduling: { affinity: "async", rtSafe: true },
    authority: "none",
  };

  readonly #inputs = new Map<Pad, Input>();
  #active: Pad | null = null;
  /** EOS went downstream. */
  #eosSent = false;
  /** The task that last pushed on the active input (never held back). */
  #activeTask: Task | null = null;

  get srcPad(): Pad {
    return this.pad("src")!;
  }

  /** The input being forwarded now (the first one until another is chosen). */
  get activePad(): Pad | null {
    // The first input is cached as soon as it exists (sinkPads filters: not per buffer).
    return (this.#active ??= this.sinkPads[0] ?? null);
  }

  /** Number of inputs (GStreamer's read-only n-pads). */
  get nPads(): number {
    return this.sinkPads.length;
  }

  override transformCaps(from: PadDirection, caps: Caps): Caps {
    return from === "sink" ? Caps.any() : caps;
  }

  protected override padAdded(pad: Pad): void {
    if (pad.direction === "sink") {
      this.#inputs.set(pad, { position: TIME_NONE, segment: null, resend: false, held: null, flushHeld: false });
    }
  }

  override start(): void {
    this.#eosSent = false;
    this.#active = null;
    this.#activeTask = null;
    for (const inp of this.#inputs.values()) {
      inp.position = TIME_NONE;
      inp.segment = null;
      inp.resend = false;
    }
    this.#select(this.props.activePad, false);
  }

  override stop(): void {
    for (const inp of this.#inputs.values()) this.#dropHeld(inp);
  }

  protected override propertyChanged(key: string): void {
    if (key === "activePad" && this.ctx) this.#select(this.props.activePad, true);
  }

  /** Chooses the active input by name. Throws PropertyError for a name that is no input. */
  #select(name: string, live: boolean): void {
    if (name === "") return;
    const pad = this.pad(name);
    if (!pad || pad.direction !== "sink") {
      const names = this.sinkPads.map((p) => p.name);
      if (!live && names.length === 0) return; // pads are requested later (launch strings)
      throw new PropertyError(
        this.name,
        "activePad",
        `${this.name} has no input "${name}"`,
        names.length ? `its inputs are ${names.join(", ")}` : "link an input first",
      );
    }
    this.#switch(pad);
  }

  #switch(pad: Pad): void {
    const old = this.activePad;
    this.#active = pad;
    if (old === pad) return;
    const inp = this.#inputs.get(pad)!;
    inp.resend = true;
    this.#activeTask = null;
    // Held back as an inactive input: its task may go on, and the kept buffer goes out first.
    if (inp.held) {
      inp.flushHeld = true;
      inp.held.task.unblock();
    }
    this.postMessage("active-pad-changed", { old: old?.name ?? null, active: pad.name });
    // The new input already ended: its EOS is the stream's end now.
    if (pad.eos && !this.#eosSent) {
      this.#resend(pad, inp);
      this.#pushHeld(inp);
      this.#eosSent = true;
      this.srcPad.pushEvent({ type: "eos" });
    }
  }

  override chain(pad: Pad, buf: Buffer): FlowReturn {
    const inp = this.#inputs.get(pad)!;
    const end = this.#runningEnd(inp, buf);
    if (pad !== this.activePad) {
      this.#dropHeld(inp);
      if (this.props.syncStreams && end !== TIME_NONE && this.#holdBack(inp, buf, end)) return Flow.OK;
      buf.release();
      return Flow.OK;
    }
    this.#activeTask = this.currentTask;
    if (inp.flushHeld) {
      const f = this.#pushHeld(inp);
      if (f !== Flow.OK) {
        buf.release();
        return f;
      }
    }
    return this.#pushActive(inp, buf, end);
  }

  #pushActive(inp: Input, buf: Buffer, end: number): FlowReturn {
    if (end !== TIME_NONE) inp.position = end;
    if (inp.resend) {
      this.#resend(this.activePad!, inp);
      buf.setFlag(BufferFlag.DISCONT);
    }
    const flow = this.srcPad.push(buf);
    if (this.props.syncStreams) this.#wakeCaughtUp(inp.position);
    return flow;
  }

  /** Sends the buffer kept while this input was inactive (it is active now). */
  #pushHeld(inp: Input): FlowReturn {
    inp.flushHeld = false;
    const h = inp.held;
    if (h === null) return Flow.OK;
    inp.held = null;
    return this.#pushActive(inp, h.buf, h.until);
  }

  /** Sends the input's sticky events downstream (after a switch). */
  #resend(pad: Pad, inp: Input): void {
    inp.resend = false;
    for (const ev of pad.sticky.values()) this.srcPad.pushEvent(ev);
  }

  /** Running time of the end of `buf` in its input's segment, or TIME_NONE. */
  #runningEnd(inp: Input, buf: Buffer): number {
    if (buf.pts === TIME_NONE) return TIME_NONE;
    const seg = inp.segment;
    const end = buf.pts + (buf.duration === TIME_NONE ? 0 : buf.duration);
    if (seg === null || seg.format !== "time") return end;
    return (end - seg.start) / Math.abs(seg.rate || 1) + seg.base;
  }

  /**
   * Keeps an inactive input's buffer and blocks its task until the active input reaches
   * `until` (running time). False when there is no reason or no way to wait.
   */
  #holdBack(inp: Input, buf: Buffer, until: number): boolean {
    const active = this.activePad;
    if (!active || active.eos || this.#eosSent) return false;
    const pos = this.#inputs.get(active)!.position;
    if (pos !== TIME_NONE && pos >= until) return false;
    const task = this.currentTask;
    if (task === null || task === this.#activeTask) return false;
    task.block();
    inp.held = { buf, task, until };
    return true;
  }

  /** The active input reached `position`: inactive inputs up to there are dropped and go on. */
  #wakeCaughtUp(position: number): void {
    for (const inp of this.#inputs.values()) {
      if (inp.held !== null && !inp.flushHeld && inp.held.until <= position) this.#dropHeld(inp);
    }
  }

  /** Drops a kept buffer and lets its task go on. */
  #dropHeld(inp: Input): void {
    const h = inp.held;
    if (h === null) return;
    inp.held = null;
    if (!inp.flushHeld) h.task.unblock();
    inp.flushHeld = false;
    h.buf.release();
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "src") {
      let ok = false;
      for (const p of this.sinkPads) ok = p.pushEvent(ev) || ok;
      return ok;
    }
    const inp = this.#inputs.get(pad)!;
    const active = pad === this.activePad;
    switch (ev.type) {
      case "segment":
        inp.segment = ev.segment;
        break;
      case "stream-start":
        inp.position = TIME_NONE;
        break;
      case "flush-start":
        this.#dropHeld(inp);
        break;
      case "flush-stop":
        inp.position = TIME_NONE;
        if (active) this.#eosSent = false;
        break;
      case "eos":
        // An inactive input's EOS waits until it becomes active (see #switch).
        if (!active) {
          this.#dropHeld(inp);
          return true;
        }
        if (this.#eosSent) return true;
        if (inp.flushHeld) this.#pushHeld(inp);
        if (inp.resend) this.#resend(pad, inp);
        this.#eosSent = true;
        // Inputs held back waiting for this one can go: it will not advance any more.
        for (const other of this.#inputs.values()) if (other !== inp) this.#dropHeld(other);
        return this.srcPad.pushEvent(ev);
    }
    if (!active) return true; // stored (sticky) or dropped
    if (inp.flushHeld && ev.type !== "flush-start" && ev.type !== "flush-stop") this.#pushHeld(inp);
    if (isSticky(ev) && inp.resend) {
      // The first sticky event after a switch: send the whole set, in order.
      this.#resend(pad, inp);
      return true;
    }
    return this.srcPad.pushEvent(ev);
  }
}
