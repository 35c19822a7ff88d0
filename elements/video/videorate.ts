/**
 * videorate: makes a video stream's framerate the one downstream wants, by dropping and
 * duplicating frames (GStreamer's videorate).
 *
 * Output frames sit on a regular grid, frame n at first-pts + n × den / num seconds. Each
 * grid slot takes the input frame whose timestamp is nearest (GStreamer's rule: the previous
 * frame goes out while it is at least as close to the slot as the new one), so a faster input
 * loses frames (`drop`) and a slower one repeats them (`duplicate`). Duplicates are O(1) clones
 * sharing memory. With `drop-only` frames are never repeated (slots without a frame are left
 * out of the stream); `max-rate` caps the output framerate in negotiation. At EOS the held
 * frame goes out once, as GStreamer does. Counters: `stats` (in, out, drop, duplicate).
 *
 * Negotiation frees the framerate and prefers the input's (then frames pass straight through).
 */
import { type Buffer, SECOND, TIME_NONE } from "../../src/buffer.ts";
import { Caps, type Fraction, FractionRange, fraction, Structure } from "../../src/caps/index.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad, PadDirection } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_MAX_RATE = 2147483647;

const Props = Type.Object({
  dropOnly: Type.Boolean({ default: false, description: "Only drop frames, never duplicate them" }),
  maxRate: Type.Integer({ default: DEFAULT_MAX_RATE, minimum: 1, description: "Highest output framerate allowed in negotiation (frames/s)" }),
  silent: Type.Boolean({ default: true, description: "Do not post a message for each drop and duplicate" }),
});
type P = Static<typeof Props>;

export type VideoRateStats = { in: number; out: number; drop: number; duplicate: number };

export class VideoRate extends Transform<P> {
  static override meta: ElementMeta = {
    name: "videorate",
    category: "video",
    description: "Drops or duplicates frames to reach the framerate downstream asks for",
    pads: [template.sink("video/x-raw"), template.src("video/x-raw")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #in = 0;
  #out = 0;
  #drop = 0;
  #dup = 0;
  #prev: Buffer | null = null;
  /** Output grid: slot n is at #base + n × #den × 1e9 / #num. */
  #base = TIME_NONE;
  #slot = 0;
  #outRate: Fraction = fraction(0, 1);
  #inputRate: Fraction | null = null;
  #passthrough = true;

  get stats(): VideoRateStats {
    return { in: this.#in, out: this.#out, drop: this.#drop, duplicate: this.#dup };
  }

  override transformCaps(from: PadDirection, caps: Caps): Caps {
    if (caps.isAny()) return caps;
    // Negotiation fixes our sink link before our src link: remember its rate to fixate near it.
    if (from === "sink" && caps.isFixed()) {
      const r = caps.structures[0]!.get("framerate");
      this.#inputRate = isFraction(r) ? r : null;
    }
    // The same framerate first (pass-through), then any; output rates stop at max-rate.
    const max = from === "sink" ? this.props.maxRate : DEFAULT_MAX_RATE;
    const any = new FractionRange(fraction(0, 1), fraction(max, 1));
    const free: Structure[] = caps.structures.map((s) => s.with("framerate", any, "fraction"));
    const limit = Caps.from([Structure.of("video/x-raw").with("framerate", any, "fraction")]);
    return Caps.from([...caps.structures, ...free]).intersect(limit);
  }

  override fixateCaps(_pad: Pad, caps: Caps): Caps {
    if (caps.isAny() || caps.isFixed()) return caps;
    return this.#inputRate ? caps.fixate({ framerate: this.#inputRate }) : caps.fixate();
  }

  override start(): void {
    this.#reset();
    this.#in = this.#out = this.#drop = this.#dup = 0;
  }

  override stop(): void {
    this.#reset();
  }

  #reset(): void {
    this.#prev?.release();
    this.#prev = null;
    this.#base = TIME_NONE;
    this.#slot = 0;
  }

  #slotTime(n: number): number {
    const r = this.#outRate;
    return this.#base + Math.floor((n * r.den * SECOND) / r.num);
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink") {
      if (ev.type === "caps") {
        const ok = super.event(pad, ev);
        const inRate = ev.caps.structures[0]?.get("framerate");
        const outRate = this.srcPad.caps?.structures[0]?.get("framerate");
        this.#outRate = isFraction(outRate) ? outRate : fraction(0, 1);
        this.#passthrough = this.#outRate.num === 0 || (isFraction(inRate) && inRate.num === this.#outRate.num && inRate.den === this.#outRate.den);
        return ok;
      }
      if (ev.type === "eos") {
        this.#drain();
      } else if (ev.type === "flush-start" || ev.type === "segment") {
        this.#reset();
      }
    }
    return super.event(pad, ev);
  }

  transform(buf: Buffer): Buffer {
    return buf;
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    this.#in++;
    if (this.#passthrough || buf.pts === TIME_NONE) {
      this.#out++;
      return this.srcPad.push(buf);
    }
    const prev = this.#prev;
    if (prev === null) {
      if (this.#base === TIME_NONE) this.#base = buf.pts;
      this.#prev = buf;
      return Flow.OK;
    }
    const prevTime = prev.pts;
    const inTime = buf.pts;
    let count = 0;
    let flow: FlowReturn = Flow.OK;
    if (this.props.dropOnly) {
      // Slots the stream skipped over cannot be filled without duplicating: leave them out.
      const half = (this.#slotTime(this.#slot + 1) - this.#slotTime(this.#slot)) / 2;
      while (this.#slotTime(this.#slot) < prevTime - half) this.#slot++;
      const next = this.#slotTime(this.#slot);
      if (Math.abs(prevTime - next) <= Math.abs(inTime - next)) {
        count = 1;
        flow = this.#pushPrev();
      }
    } else {
      let d1: number;
      let d2: number;
      do {
        const next = this.#slotTime(this.#slot);
        d1 = Math.abs(prevTime - next);
        d2 = Math.abs(inTime - next);
        if (d1 <= d2) {
          count++;
          flow = this.#pushPrev();
          if (flow !== Flow.OK) break;
        }
      } while (d1 < d2);
    }
    if (count > 1) this.#countDup(count - 1);
    else if (count === 0) this.#countDrop();
    prev.release();
    this.#prev = buf;
    return flow;
  }

  /** Pushes a clone of the held frame into the current slot and moves to the next slot. */
  #pushPrev(): FlowReturn {
    const b = this.#prev!.clone();
    const t = this.#slotTime(this.#slot);
    b.pts = t;
    b.dts = TIME_NONE;
    b.duration = this.#slotTime(this.#slot + 1) - t;
    b.offset = this.#slot;
    b.offsetEnd = this.#slot + 1;
    this.#slot++;
    this.#out++;
    return this.srcPad.push(b);
  }

  /** EOS: the held frame goes out once (GStreamer's behaviour for an open-ended segment). */
  #drain(): void {
    const prev = this.#prev;
    if (prev === null) return;
    this.#pushPrev();
    prev.release();
    this.#prev = null;
  }

  #countDup(n: number): void {
    this.#dup += n;
    if (!this.props.silent) this.postMessage("videorate", { duplicate: this.#dup });
  }

  #countDrop(): void {
    this.#drop++;
    if (!this.props.silent) this.postMessage("videorate", { drop: this.#drop });
  }
}

function isFraction(v: unknown): v is Fraction {
  return v !== null && typeof v === "object" && "num" in v && "den" in v;
}
