/**
 * timestamper: sets buffer timestamps.
 *
 *  - `mode=clock`: pts is the pipeline clock's running time when the buffer arrives, plus
 *    `offset` (stamping data from a source that has no timestamps of its own);
 *  - `mode=interval`: pts is `offset` + n × `interval` and duration is `interval` (a fixed
 *    rate: interval=33333333 for 30 per second);
 *  - `mode=shift`: existing pts and dts move by `offset` (which may be negative; results
 *    below zero become 0).
 *
 * With `overwrite=false`, buffers that already have a pts keep it (modes clock and interval).
 * A new stream (stream-start) restarts the interval count.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import type { Event } from "../../src/events.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { Transform } from "../../src/graph/transform.ts";

export const DEFAULT_MODE = "clock";
export const DEFAULT_INTERVAL = 0;
export const DEFAULT_OFFSET = 0;
export const DEFAULT_OVERWRITE = true;

const Props = Type.Object({
  mode: Type.Enum(["clock", "interval", "shift"], {
    default: DEFAULT_MODE,
    description: "Stamp with the clock's running time, at a fixed interval, or shift existing timestamps",
  }),
  interval: Type.Integer({ default: DEFAULT_INTERVAL, minimum: 0, description: "ns between buffers with mode=interval" }),
  offset: Type.Integer({ default: DEFAULT_OFFSET, description: "ns added to the timestamps (may be negative with mode=shift)", mutable: true }),
  overwrite: Type.Boolean({ default: DEFAULT_OVERWRITE, description: "Replace timestamps the buffers already have" }),
});
type P = Static<typeof Props>;

export class Timestamper extends Transform<P> {
  static override meta: ElementMeta = {
    name: "timestamper",
    category: "transform",
    description: "Sets buffer timestamps from the pipeline clock, a fixed interval, or a shift",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #n = 0;

  override start(): void {
    this.#n = 0;
  }

  transform(buf: Buffer): Buffer {
    const p = this.props;
    if (p.mode === "shift") {
      if (buf.pts !== TIME_NONE) buf.pts = Math.max(0, buf.pts + p.offset);
      if (buf.dts !== TIME_NONE) buf.dts = Math.max(0, buf.dts + p.offset);
      return buf;
    }
    // Every buffer takes its slot of the interval, stamped or not.
    const n = this.#n++;
    if (!p.overwrite && buf.pts !== TIME_NONE) return buf;
    if (p.mode === "clock") {
      buf.pts = (this.ctx ? this.ctx.runningTime() : 0) + p.offset;
    } else {
      buf.pts = p.offset + n * p.interval;
      if (p.interval > 0) buf.duration = p.interval;
    }
    return buf;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink" && ev.type === "stream-start") this.#n = 0;
    return this.forwardEvent(pad, ev);
  }
}
