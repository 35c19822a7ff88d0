/**
 * ratelimit: limits throughput to `buffers-per-second` and/or `bytes-per-second` (0 = no limit)
 * on the pipeline clock. Buffers are spaced out, not bunched: a buffer leaves no earlier than
 * 1/rate after the previous one, and, for the byte rate, no earlier than the previous buffer's
 * size / rate after it (a shaper, as a token bucket of depth one buffer). Waiting buffers are
 * kept in order (`max-buffers`, then the upstream task is blocked: backpressure). With
 * `drop=true` it polices instead: a buffer that arrives too early is dropped, never delayed.
 * Rates may change while running. Timestamps are not changed.
 */
import type { Buffer } from "../../src/buffer.ts";
import { SECOND } from "../../src/buffer.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { TimedQueue } from "./clocked.ts";

export const DEFAULT_BUFFERS_PER_SECOND = 0;
export const DEFAULT_BYTES_PER_SECOND = 0;
export const DEFAULT_MAX_BUFFERS = 64;
export const DEFAULT_DROP = false;

const Props = Type.Object({
  buffersPerSecond: Type.Number({ default: DEFAULT_BUFFERS_PER_SECOND, minimum: 0, description: "Most buffers per second (0 = no limit)", mutable: true }),
  bytesPerSecond: Type.Number({ default: DEFAULT_BYTES_PER_SECOND, minimum: 0, description: "Most bytes per second (0 = no limit)", mutable: true }),
  maxBuffers: Type.Integer({ default: DEFAULT_MAX_BUFFERS, minimum: 0, description: "Buffers waiting at most before upstream is blocked (0 = no limit)" }),
  drop: Type.Boolean({ default: DEFAULT_DROP, description: "Drop buffers over the rate instead of delaying them", mutable: true }),
});
type P = Static<typeof Props>;

export class RateLimit extends TimedQueue<P> {
  static override meta: ElementMeta = {
    name: "ratelimit",
    category: "timing",
    description: "Limits buffers/s and bytes/s on the pipeline clock, by delaying (or dropping) buffers",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: Props,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };

  /** When the previous buffer leaves, and its size (the spacing is computed from them). */
  #prevDue = -Infinity;
  #prevSize = 0;
  /** Buffers dropped (drop=true) since start. */
  dropped = 0;

  protected get maxBuffers(): number {
    return this.props.maxBuffers;
  }

  protected override reset(): void {
    super.reset();
    this.#prevDue = -Infinity;
    this.#prevSize = 0;
    this.dropped = 0;
  }

  /** Spacing after a buffer of `size` bytes at the current rates (ns). */
  #gap(size: number): number {
    const p = this.props;
    let gap = 0;
    if (p.buffersPerSecond > 0) gap = SECOND / p.buffersPerSecond;
    if (p.bytesPerSecond > 0) gap = Math.max(gap, (size * SECOND) / p.bytesPerSecond);
    return gap;
  }

  protected due(buf: Buffer, now: number): number | null {
    // Computed at arrival from the previous buffer, with the rates in force now, so a rate
    // changed while running applies from the next buffer on.
    const at = Math.max(now, this.#prevDue + this.#gap(this.#prevSize));
    if (this.props.drop && at > now) {
      this.dropped++;
      return null;
    }
    this.#prevDue = at;
    this.#prevSize = buf.size;
    return at;
  }
}
