/**
 * valve: lets data through or drops it, switchable while the pipeline runs (GStreamer's
 * valve). `drop=true` closes the valve: buffers are dropped and the pusher gets OK, so
 * upstream keeps running. What happens to events while closed follows `drop-mode`:
 *
 *  - drop-all (default, as GStreamer): every event is dropped too — EOS included, so a closed
 *    valve also holds back the end of the stream;
 *  - forward-sticky-events: stream-start, caps, segment and EOS still pass; other events and
 *    buffers are dropped;
 *  - transform-to-gap: as forward-sticky-events, and each dropped buffer with a timestamp
 *    becomes a gap event, so downstream knows time went on.
 *
 * When the valve opens again, the sticky events it dropped are sent before the next buffer,
 * and that buffer is marked DISCONT. Upstream events always pass.
 */
import { type Buffer, BufferFlag, TIME_NONE } from "../../src/buffer.ts";
import { type Event, Events, isSticky } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Element, type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";

export const DEFAULT_DROP = false;
export const DEFAULT_DROP_MODE = "drop-all";

const Props = Type.Object({
  drop: Type.Boolean({ default: DEFAULT_DROP, description: "Drop data instead of passing it", mutable: true }),
  dropMode: Type.Enum(["drop-all", "forward-sticky-events", "transform-to-gap"], {
    default: DEFAULT_DROP_MODE,
    description: "What a closed valve does with events: drop all, forward sticky ones, or also turn buffers into gaps",
    mutable: true,
  }),
});
type P = Static<typeof Props>;

export class Valve extends Element<P> {
  static override meta: ElementMeta = {
    name: "valve",
    category: "flow",
    description: "Passes or drops data, switchable while running",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    // RT-safe per buffer. In a real-time partition the application still steers it with
    // set(): the change is forwarded to the Worker's copy (src/scheduling/shadow.ts).
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  /** Buffers dropped since start. */
  dropped = 0;
  /** Sticky events were dropped: resend them when the valve opens. */
  #repush = false;
  /** Data was dropped: mark the next buffer DISCONT. */
  #discont = false;

  get sinkPad(): Pad {
    return this.pad("sink")!;
  }
  get srcPad(): Pad {
    return this.pad("src")!;
  }

  override start(): void {
    this.dropped = 0;
    this.#repush = false;
    this.#discont = false;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.props.drop) {
      this.dropped++;
      this.#discont = true;
      if (this.props.dropMode === "transform-to-gap" && buf.pts !== TIME_NONE) {
        this.srcPad.pushEvent(Events.gap(buf.pts, buf.duration === TIME_NONE ? 0 : buf.duration));
      }
      buf.release();
      return Flow.OK;
    }
    if (this.#repush) {
      this.#repush = false;
      for (const ev of this.sinkPad.sticky.values()) this.srcPad.pushEvent(ev);
    }
    if (this.#discont) {
      this.#discont = false;
      buf.setFlag(BufferFlag.DISCONT);
    }
    return this.srcPad.push(buf);
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "src") return this.sinkPad.pushEvent(ev);
    if (this.props.drop) {
      const sticky = isSticky(ev) || ev.type === "eos";
      if (this.props.dropMode === "drop-all" || !sticky) {
        if (isSticky(ev)) this.#repush = true;
        return true;
      }
    } else if (this.#repush && isSticky(ev)) {
      // The first sticky event after opening: the whole stored set goes, in order.
      this.#repush = false;
      for (const e of this.sinkPad.sticky.values()) this.srcPad.pushEvent(e);
      return true;
    }
    return this.srcPad.pushEvent(ev);
  }
}
