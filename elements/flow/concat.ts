/**
 * concat: plays its request sink pads `sink_%u` one after another (GStreamer's concat). The
 * first input is forwarded until its EOS; then the next one, and so on; EOS goes out after the
 * last input's EOS. Inputs that are not active yet are held: their events are kept, and at
 * their first buffer their task is blocked until they become active (with no task, as in a
 * direct push from the application, items are simply kept in order).
 *
 * Timing (`adjust-base`, default true): the inputs are laid one after another in running time.
 * GStreamer does this by raising each later segment's base. Parallax sinks read a buffer's pts
 * as its running time (sources send plain segments), so concat instead rewrites timestamps
 * onto one continuous timeline — pts and dts become the running time in the input's segment
 * plus the total length of the inputs before it — and each input's segment goes out as a
 * plain time segment from 0 (matching those timestamps). With adjust-base=false, buffers and
 * segments pass unchanged.
 *
 * Each input's stream-start, caps and segment go out when it becomes active (its
 * stream-start restarts the stream downstream, as in GStreamer). Flushes pass from the active
 * input; a flush on an inactive input drops what it kept. Inputs may differ in caps.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import { type Event, Events, type Segment } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Element, type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad, PadDirection } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Deque } from "../../src/runtime/deque.ts";
import type { Task } from "../../src/runtime/scheduler.ts";

export const DEFAULT_ADJUST_BASE = true;

const Props = Type.Object({
  adjustBase: Type.Boolean({
    default: DEFAULT_ADJUST_BASE,
    description: "Lay the inputs one after another in running time (rewrites timestamps, see inspect notes)",
  }),
});
type P = Static<typeof Props>;

type Input = {
  /** What arrived while the input was waiting its turn, in order. */
  pending: Deque<Buffer | Event>;
  /** The task blocked at this input's first buffer while it waits. */
  blocked: Task | null;
  segment: Segment | null;
};

export class Concat extends Element<P> {
  static override meta: ElementMeta = {
    name: "concat",
    category: "flow",
    description: "Plays its inputs one after another, as one continuous stream",
    pads: [template.sink("ANY", "sink_%u", "request"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  readonly #inputs = new Map<Pad, Input>();
  #activeIndex = 0;
  #active: Pad | null = null;
  /** Length of the inputs before the active one, in running time (ns). */
  #offset = 0;
  /** Running-time end of the active input's data so far (relative to its own start). */
  #end = 0;
  #segmentSent = false;

  get srcPad(): Pad {
    return this.pad("src")!;
  }

  /** The input being played (GStreamer's read-only active-pad). */
  get activePad(): Pad | null {
    // Cached: sinkPads filters the pad list, too much per buffer.
    return (this.#active ??= this.sinkPads[this.#activeIndex] ?? null);
  }

  override transformCaps(from: PadDirection, caps: Caps): Caps {
    return from === "sink" ? Caps.any() : caps;
  }

  protected override padAdded(pad: Pad): void {
    if (pad.direction === "sink") this.#inputs.set(pad, { pending: new Deque(), blocked: null, segment: null });
  }

  override start(): void {
    this.#activeIndex = 0;
    this.#active = null;
    this.#offset = 0;
    this.#end = 0;
    this.#segmentSent = false;
  }

  override stop(): void {
    for (const inp of this.#inputs.values()) this.#clear(inp);
  }

  #clear(inp: Input): void {
    for (let it = inp.pending.shift(); it !== undefined; it = inp.pending.shift()) if (!("type" in it)) it.release();
    const t = inp.blocked;
    inp.blocked = null;
    t?.unblock();
  }

  override chain(pad: Pad, buf: Buffer): FlowReturn {
    const inp = this.#inputs.get(pad)!;
    if (pad !== this.activePad) {
      inp.pending.push(buf);
      const t = this.currentTask;
      if (inp.blocked === null && t !== null) {
        t.block();
        inp.blocked = t;
      }
      return Flow.OK;
    }
    return this.#forward(inp, buf);
  }

  #forward(inp: Input, buf: Buffer): FlowReturn {
    if (this.props.adjustBase && buf.pts !== TIME_NONE) {
      const rt = this.#toRunning(inp, buf.pts);
      const end = rt + (buf.duration === TIME_NONE ? 0 : buf.duration);
      if (end > this.#end) this.#end = end;
      buf.pts = rt + this.#offset;
      if (buf.dts !== TIME_NONE) buf.dts = this.#toRunning(inp, buf.dts) + this.#offset;
    }
    return this.srcPad.push(buf);
  }

  #toRunning(inp: Input, t: number): number {
    const s = inp.segment;
    if (s === null || s.format !== "time") return t;
    return Math.max(0, (t - s.start) / Math.abs(s.rate || 1)) + s.base;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "src") {
      const a = this.activePad;
      return a ? a.pushEvent(ev) : false;
    }
    const inp = this.#inputs.get(pad)!;
    if (pad !== this.activePad) {
      if (ev.type === "flush-start") {
        this.#clear(inp);
        return true;
      }
      if (ev.type === "flush-stop") return true;
      inp.pending.push(ev);
      return true;
    }
    return this.#forwardEvent(inp, ev);
  }

  #forwardEvent(inp: Input, ev: Event): boolean {
    switch (ev.type) {
      case "segment":
        inp.segment = ev.segment;
        if (!this.props.adjustBase) return this.srcPad.pushEvent(ev);
        return this.#sendSegment();
      case "stream-start":
        this.srcPad.pushEvent(ev);
        // A restarted stream needs a segment again before data (downstream forgets it).
        this.#segmentSent = false;
        return true;
      case "flush-stop":
        this.#end = 0;
        this.#segmentSent = false;
        return this.srcPad.pushEvent(ev);
      case "eos":
        return this.#next();
    }
    return this.srcPad.pushEvent(ev);
  }

  #sendSegment(): boolean {
    if (this.#segmentSent) return true;
    this.#segmentSent = true;
    return this.srcPad.pushEvent(Events.segment({ format: "time" }));
  }

  /** The active input ended: move on to the next one, or end the stream after the last. */
  #next(): boolean {
    const pads = this.sinkPads;
    if (this.#activeIndex >= pads.length - 1) return this.srcPad.pushEvent(Events.eos());
    this.#offset += this.#end;
    this.#end = 0;
    this.#activeIndex++;
    this.#active = null;
    const pad = pads[this.#activeIndex]!;
    const inp = this.#inputs.get(pad)!;
    this.postMessage("active-pad-changed", { active: pad.name });
    // Replay what the input kept while waiting; an EOS among it moves on again.
    for (let it = inp.pending.shift(); it !== undefined; it = inp.pending.shift()) {
      if ("type" in it) {
        if (it.type === "eos") {
          this.#clear(inp);
          return this.#next();
        }
        this.#forwardEvent(inp, it);
      } else if (this.#forward(inp, it) !== Flow.OK) {
        // Downstream refused (EOS, flushing, error): drop the rest, the input's task sees it next push.
        this.#clear(inp);
        return true;
      }
    }
    const t = inp.blocked;
    inp.blocked = null;
    t?.unblock();
    return true;
  }
}
