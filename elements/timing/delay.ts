/**
 * delay: holds every buffer for `delay` nanoseconds of pipeline running time after it arrives,
 * then sends it on, in order (a fixed latency, as a network link or a processing stage adds).
 * With `adjust-timestamps` (default) pts and dts move by the same amount, so a sink that syncs
 * to the clock renders the buffers `delay` later instead of dropping them as late. Events keep
 * their place among the buffers. Up to `max-buffers` wait; beyond that the upstream task is
 * blocked until one leaves (backpressure). `delay` may change while running; a new value
 * applies to buffers arriving from then on, and order is always kept.
 */
import { type Buffer, TIME_NONE } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { TimedQueue } from "./clocked.ts";

export const DEFAULT_DELAY = 0;
export const DEFAULT_MAX_BUFFERS = 1000;
export const DEFAULT_ADJUST_TIMESTAMPS = true;

const Props = Type.Object({
  delay: Type.Integer({ default: DEFAULT_DELAY, minimum: 0, description: "How long each buffer is held, in ns of running time", mutable: true }),
  adjustTimestamps: Type.Boolean({ default: DEFAULT_ADJUST_TIMESTAMPS, description: "Add the delay to pts and dts" }),
  maxBuffers: Type.Integer({ default: DEFAULT_MAX_BUFFERS, minimum: 0, description: "Buffers held at most before upstream is blocked (0 = no limit)" }),
});
type P = Static<typeof Props>;

export class Delay extends TimedQueue<P> {
  static override meta: ElementMeta = {
    name: "delay",
    category: "timing",
    description: "Holds each buffer for a fixed time of the pipeline clock, keeping order",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };

  protected get maxBuffers(): number {
    return this.props.maxBuffers;
  }

  protected due(buf: Buffer, now: number): number {
    const d = this.props.delay;
    if (this.props.adjustTimestamps && d > 0) {
      if (buf.pts !== TIME_NONE) buf.pts += d;
      if (buf.dts !== TIME_NONE) buf.dts += d;
    }
    return now + d;
  }
}
