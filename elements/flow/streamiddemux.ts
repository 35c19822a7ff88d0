/**
 * streamiddemux: splits one input carrying several streams (as a funnel makes) into one src
 * pad per stream id (GStreamer's streamiddemux). Each stream-start event names the stream that
 * the following data belongs to; a stream id not seen before gets a new "sometimes" pad
 * `src_N`, announced before any data goes through it:
 *
 *  - `Element.onPadAdded(fn)` listeners run synchronously and may link the pad;
 *  - the bus gets an element message "pad-added" with `{ pad: "src_N", streamId }`;
 *  - links declared before the pad exists are made by the pipeline (delayed linking), e.g.
 *    `… ! streamiddemux name=d  d.src_0 ! queue ! fakesink  d.src_1 ! fakesink`, or `d. ! …`
 *    for "the next stream that appears". Parts downstream of such a link must negotiate on
 *    their own before the pad exists (caps ANY or fixed caps).
 *
 * The new pad first gets the stream's stream-start; its caps and segment follow. Caps,
 * segment, buffers and other serialized events go to the pad of the current stream; EOS and
 * flushes go to every pad. A stream pad that is not linked returns not-linked to the pusher,
 * as in GStreamer. The pads are removed when the element stops, and made again next run.
 */
import type { Buffer } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { Element, type ElementMeta, NO_PROPERTIES, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";

const SRC_TEMPLATE = "src_%u";

export class StreamIdDemux extends Element {
  static override meta: ElementMeta = {
    name: "streamiddemux",
    category: "flow",
    description: "Splits a multi-stream input into one src pad per stream id (sometimes pads)",
    pads: [template.sink("ANY"), template.src("ANY", SRC_TEMPLATE, "sometimes")],
    properties: NO_PROPERTIES,
    // Event loop: its pads are announced to listeners (the pipeline, the application) on the event loop; a real-time partition
    // would hold a copy the application does not see. Per buffer it is RT-safe.
    scheduling: { affinity: "async", rtSafe: true },
    authority: "none",
  };

  readonly #byStream = new Map<string, Pad>();
  #active: Pad | null = null;

  get sinkPad(): Pad {
    return this.pad("sink")!;
  }

  /** The pad of the stream the data belongs to now (GStreamer's read-only active-pad). */
  get activePad(): Pad | null {
    return this.#active;
  }

  /** Stream id → pad, for the streams seen so far. */
  get streams(): ReadonlyMap<string, Pad> {
    return this.#byStream;
  }

  override stop(): void {
    for (const pad of this.#byStream.values()) this.removePad(pad);
    this.#byStream.clear();
    this.#active = null;
    this.resetPadNumbering(SRC_TEMPLATE);
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    const out = this.#active;
    if (out === null) {
      buf.release();
      return this.error("stream", `${this.name}: data arrived before any stream-start event`, "the upstream element must send stream-start first");
    }
    return out.push(buf);
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "src") return this.sinkPad.pushEvent(ev);
    switch (ev.type) {
      case "stream-start": {
        const known = this.#byStream.get(ev.streamId);
        if (known) {
          this.#active = known;
          return known.pushEvent(ev);
        }
        // Announced (and possibly linked) before any event or data goes through it. The
        // stream's own caps and segment follow its stream-start.
        const created = this.exposePad(SRC_TEMPLATE, undefined, { streamId: ev.streamId });
        this.#byStream.set(ev.streamId, created);
        this.#active = created;
        created.pushEvent(ev);
        return true;
      }
      case "eos":
      case "flush-start":
      case "flush-stop": {
        let ok = true;
        for (const p of this.#byStream.values()) ok = p.pushEvent(ev) && ok;
        return ok;
      }
    }
    return this.#active ? this.#active.pushEvent(ev) : true;
  }
}

export { Flow };
