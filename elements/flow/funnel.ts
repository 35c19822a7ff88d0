/**
 * funnel: merges the buffers of any number of request sink pads `sink_%u` into one src pad, in
 * arrival order (GStreamer's funnel: N-to-1, no synchronisation between the inputs).
 *
 * Each input has its own upstream task; the chain function is synchronous, so pushes from
 * different tasks never interleave inside it. Sticky events (stream-start, caps, segment)
 * arriving on an input are not forwarded at once unless that input was the last one to send
 * data: with `forward-sticky-events` (default) they are replayed from the input's sticky
 * store just before its next buffer, so downstream always sees the stream-start, caps and
 * segment that belong to the buffer it receives. EOS goes out only when every input has
 * received EOS; flush-stop clears an input's EOS. Inputs may carry different caps (each
 * switch resends them), so negotiation does not intersect the inputs with each other.
 */
import type { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import { type Event, isSerialized, isSticky } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Element, type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad, PadDirection } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";

export const DEFAULT_FORWARD_STICKY_EVENTS = true;

const Props = Type.Object({
  forwardStickyEvents: Type.Boolean({
    default: DEFAULT_FORWARD_STICKY_EVENTS,
    description: "Resend an input's sticky events (stream-start, caps, segment) when data switches to it",
  }),
});
type P = Static<typeof Props>;

export class Funnel extends Element<P> {
  static override meta: ElementMeta = {
    name: "funnel",
    category: "flow",
    description: "Merges any number of inputs into one output, in arrival order",
    pads: [template.sink("ANY", "sink_%u", "request"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  /** The input whose data (or serialized event) went out last. */
  #last: Pad | null = null;

  get srcPad(): Pad {
    return this.pad("src")!;
  }

  /** Inputs differ freely: the output is not narrowed by any one input (see the header). */
  override transformCaps(from: PadDirection, caps: Caps): Caps {
    return from === "sink" ? Caps.any() : caps;
  }

  override start(): void {
    this.#last = null;
  }

  override chain(pad: Pad, buf: Buffer): FlowReturn {
    if (pad !== this.#last) this.#switchTo(pad);
    return this.srcPad.push(buf);
  }

  /** Makes `pad` the current input, replaying its sticky events downstream first. */
  #switchTo(pad: Pad): void {
    // As GStreamer: without forward-sticky-events the first input stays "current" for good.
    if (this.#last !== null && !this.props.forwardStickyEvents) return;
    this.#last = pad;
    for (const ev of pad.sticky.values()) this.srcPad.pushEvent(ev);
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "src") return this.#upstream(ev);
    switch (ev.type) {
      case "eos":
        // Forward only once every input is at EOS (an input's EOS is kept on its pad).
        if (!this.sinkPads.every((p) => p.eos)) return true;
        // An input that sent no data: its stream-start, caps and segment still go first.
        if (pad !== this.#last) this.#switchTo(pad);
        return this.srcPad.pushEvent(ev);
      case "flush-start":
      case "flush-stop":
        return this.srcPad.pushEvent(ev);
    }
    if (isSticky(ev)) {
      // Kept on the pad by receiveEvent; sent now only if this input is the current one.
      if (pad !== this.#last) return true;
      return this.srcPad.pushEvent(ev);
    }
    if (isSerialized(ev) && pad !== this.#last) this.#switchTo(pad);
    return this.srcPad.pushEvent(ev);
  }

  /** Upstream events (from downstream) go to every input; handled if any input handled it. */
  #upstream(ev: Event): boolean {
    let ok = false;
    for (const p of this.sinkPads) ok = p.pushEvent(ev) || ok;
    return ok;
  }
}

export { Flow };
