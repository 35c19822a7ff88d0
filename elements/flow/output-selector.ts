/**
 * output-selector: sends its input to one of its request src pads `src_%u`, the active one
 * (GStreamer's output-selector). `active-pad` names the output ("src_1") and may change while
 * the pipeline runs; empty means the first output requested. A switch takes effect at the next
 * buffer: the new output first gets the input's sticky events it has not seen (stream-start,
 * caps, segment) and, with `resend-latest`, the last buffer sent to the old output.
 *
 * Events: EOS and flushes go to every output; caps go by `pad-negotiation-mode` (all outputs,
 * only the active one, or none); other events go to the active output. Upstream events from
 * any output go to the input.
 */
import type { Buffer } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Element, type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { PropertyError, Type, type Static } from "../../src/graph/properties.ts";

export const DEFAULT_ACTIVE_PAD = "";
export const DEFAULT_RESEND_LATEST = false;
export const DEFAULT_PAD_NEGOTIATION_MODE = "all";

const Props = Type.Object({
  activePad: Type.String({
    default: DEFAULT_ACTIVE_PAD,
    description: "Name of the output to send to (src_N); empty = the first output",
    mutable: true,
  }),
  resendLatest: Type.Boolean({
    default: DEFAULT_RESEND_LATEST,
    description: "After a switch, send the latest buffer again on the new output",
    mutable: true,
  }),
  padNegotiationMode: Type.Enum(["none", "all", "active"], {
    default: DEFAULT_PAD_NEGOTIATION_MODE,
    description: "Which outputs get caps events: none, all, or only the active one",
  }),
});
type P = Static<typeof Props>;

export class OutputSelector extends Element<P> {
  static override meta: ElementMeta = {
    name: "output-selector",
    category: "flow",
    description: "Sends its input to one of several outputs (switchable while running)",
    pads: [template.sink("ANY"), template.src("ANY", "src_%u", "request")],
    properties: Props,
    // Event loop: the application steers it with set() while it runs; a real-time partition
    // would hold a copy the application does not see. Per buffer it is RT-safe.
    scheduling: { affinity: "async", rtSafe: true },
    authority: "none",
  };

  #active: Pad | null = null;
  /** Chosen by set("activePad"), applied at the next buffer (GStreamer's pending pad). */
  #pending: Pad | null = null;
  #latest: Buffer | null = null;

  get sinkPad(): Pad {
    return this.pad("sink")!;
  }

  /** The output data goes to now. */
  get activePad(): Pad | null {
    return this.#pending ?? this.#active ?? this.srcPads[0] ?? null;
  }

  override start(): void {
    this.#active = this.srcPads[0] ?? null;
    this.#pending = null;
    this.#select(this.props.activePad, false);
    if (this.#pending) {
      this.#active = this.#pending;
      this.#pending = null;
    }
  }

  override stop(): void {
    this.#latest?.release();
    this.#latest = null;
  }

  protected override propertyChanged(key: string): void {
    if (key === "activePad" && this.ctx) this.#select(this.props.activePad, true);
  }

  #select(name: string, live: boolean): void {
    if (name === "") return;
    const pad = this.pad(name);
    if (!pad || pad.direction !== "src") {
      const names = this.srcPads.map((p) => p.name);
      if (!live && names.length === 0) return;
      throw new PropertyError(
        this.name,
        "activePad",
        `${this.name} has no output "${name}"`,
        names.length ? `its outputs are ${names.join(", ")}` : "request an output first",
      );
    }
    this.#pending = pad === this.#active ? null : pad;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.#pending !== null) this.#switch();
    const out = this.#active ?? this.srcPads[0];
    if (!out) {
      buf.release();
      return Flow.NOT_LINKED;
    }
    this.#active = out;
    if (this.props.resendLatest) {
      this.#latest?.release();
      this.#latest = buf.clone();
    }
    return out.push(buf);
  }

  #switch(): void {
    const next = this.#pending!;
    const old = this.#active;
    this.#pending = null;
    this.#active = next;
    this.postMessage("active-pad-changed", { old: old?.name ?? null, active: next.name });
    // Sticky events the new output has not seen yet, in order.
    for (const ev of this.sinkPad.sticky.values()) {
      if (ev.type === "caps" && this.props.padNegotiationMode === "none") continue;
      if (next.sticky.get(ev.type) !== ev) next.pushEvent(ev);
    }
    if (this.props.resendLatest && this.#latest) {
      const b = this.#latest;
      this.#latest = null;
      next.push(b);
    }
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "src") return this.sinkPad.pushEvent(ev);
    switch (ev.type) {
      case "eos":
      case "flush-start":
      case "flush-stop":
        return this.#all(ev);
      case "caps":
        switch (this.props.padNegotiationMode) {
          case "none":
            return true;
          case "all":
            return this.#all(ev);
          default:
            return this.activePad?.pushEvent(ev) ?? false;
        }
    }
    const out = this.activePad;
    return out ? out.pushEvent(ev) : false;
  }

  #all(ev: Event): boolean {
    let ok = true;
    for (const p of this.srcPads) ok = p.pushEvent(ev) && ok;
    return ok;
  }
}
