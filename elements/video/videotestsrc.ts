/**
 * videotestsrc: produces test video frames (GStreamer's videotestsrc).
 *
 * Patterns (see test-patterns.ts) in the formats I420, NV12, YUY2, RGB, RGBA, BGRA and GRAY8,
 * at the size and framerate the caps settle on; unconstrained it picks I420 320x240 at 30/1
 * like GStreamer. Frame n carries pts = timestamp-offset + n × den / num seconds, the duration
 * to the next frame, and offset n. `num-buffers` ends the stream; `is-live` produces each
 * frame when the pipeline's running time reaches its pts.
 *
 * Memory comes from a FramePool (the runtime Allocator); static patterns are a copy of a
 * cached frame, so the per-buffer cost is one memcpy of the frame.
 */
import type { Buffer } from "../../src/buffer.ts";
import { Caps, fraction } from "../../src/caps/index.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { type CreateResult, Source, WAIT } from "../../src/graph/source.ts";
import { FramePool } from "../../src/media/frame-pool.ts";
import { VIDEO_CAPS_ALL, VideoCapsError, VideoInfo } from "../../src/media/video-info.ts";
import { PATTERNS, PatternRenderer, VtsRandom } from "./test-patterns.ts";

export const DEFAULT_PATTERN = "smpte";
export const DEFAULT_WIDTH = 320;
export const DEFAULT_HEIGHT = 240;
export const DEFAULT_FRAMERATE = fraction(30, 1);
export const DEFAULT_FOREGROUND_COLOR = 0xffffffff;
export const DEFAULT_BACKGROUND_COLOR = 0xff000000;

const Props = Type.Object({
  pattern: Type.Enum([...PATTERNS], { default: DEFAULT_PATTERN, description: "Type of test pattern to generate" }),
  numBuffers: Type.Integer({ default: -1, minimum: -1, description: "Frames to produce before EOS (-1 = unlimited)" }),
  isLive: Type.Boolean({ default: false, description: "Produce frames at the pace of the pipeline clock" }),
  foregroundColor: Type.Integer({
    default: DEFAULT_FOREGROUND_COLOR,
    minimum: 0,
    maximum: 0xffffffff,
    description: "Foreground colour, big-endian ARGB (solid-color, white, snow, ball, …)",
  }),
  backgroundColor: Type.Integer({
    default: DEFAULT_BACKGROUND_COLOR,
    minimum: 0,
    maximum: 0xffffffff,
    description: "Background colour, big-endian ARGB (black, snow, ball, …)",
  }),
  timestampOffset: Type.Integer({ default: 0, minimum: 0, description: "Offset added to every timestamp, in ns" }),
});
type P = Static<typeof Props>;

export class VideoTestSrc extends Source<P> {
  static override meta: ElementMeta = {
    name: "videotestsrc",
    category: "video",
    description: "Produces test video frames (SMPTE bars, solid colours, checkers, snow, moving ball, …)",
    pads: [template.src(VIDEO_CAPS_ALL)],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  #pool: FramePool | null = null;
  #renderer: PatternRenderer | null = null;
  #caps: Caps | null = null;
  /** Shared by every renderer, like GStreamer's random_state (kept across caps changes). */
  readonly #rng = new VtsRandom(0);
  /** Frames since the caps were set (drives animation and timestamps). */
  #n = 0;
  /** Frames produced since start (num-buffers and offsets). */
  #count = 0;
  /** Running time accumulated under earlier caps. */
  #accTime = 0;

  override fixateCaps(_pad: Pad, caps: Caps): Caps {
    const fixed = caps.fixate({
      width: DEFAULT_WIDTH,
      height: DEFAULT_HEIGHT,
      framerate: DEFAULT_FRAMERATE,
      "pixel-aspect-ratio": fraction(1, 1),
    });
    const s = fixed.structures[0];
    // GStreamer's videotestsrc always announces square pixels when nothing else was asked for.
    if (s && !s.has("pixel-aspect-ratio")) return Caps.from([s.with("pixel-aspect-ratio", fraction(1, 1), "fraction")]);
    return fixed;
  }

  protected override propertyChanged(key: string): void {
    if (key === "pattern" || key === "foregroundColor" || key === "backgroundColor") this.#renderer = null;
  }

  override prepare(): void {
    this.#pool = new FramePool(this.name);
  }

  override start(): void {
    // Without negotiation (a harness, a bare source) pick the default caps ourselves.
    const pad = this.srcPad;
    if (pad.caps === null || pad.caps.isAny()) pad.caps = this.fixateCaps(pad, this.padCaps(pad));
    super.start();
    this.#count = 0;
    this.#n = 0;
    this.#accTime = 0;
    this.#renderer = null;
    this.#caps = null;
  }

  override unprepare(): void {
    this.#pool?.close();
    this.#pool = null;
    this.#renderer = null;
  }

  /** The renderer for the current caps (rebuilt when caps or pattern properties change). */
  #ensureRenderer(): PatternRenderer | null {
    const caps = this.srcPad.caps;
    if (caps === null) return null;
    if (caps !== this.#caps) {
      const info = VideoInfo.fromCaps(caps);
      if (this.#renderer) this.#accTime += this.#renderer.info.frameTime(this.#n);
      this.#caps = caps;
      this.#n = 0;
      this.#renderer = new PatternRenderer(info, this.#options(), this.#rng);
    } else if (this.#renderer === null) {
      this.#renderer = new PatternRenderer(VideoInfo.fromCaps(caps), this.#options(), this.#rng);
    }
    return this.#renderer;
  }

  #options() {
    const p = this.props;
    return { pattern: p.pattern, foregroundColor: p.foregroundColor, backgroundColor: p.backgroundColor };
  }

  create(): CreateResult {
    const p = this.props;
    if (p.numBuffers >= 0 && this.#count >= p.numBuffers) return null;
    let r: PatternRenderer | null;
    try {
      r = this.#ensureRenderer();
    } catch (err) {
      if (err instanceof VideoCapsError) return this.error("stream", `${this.name}: ${err.message}`);
      throw err;
    }
    if (r === null) return this.error("stream", `${this.name}: caps were not negotiated`, "link the source and prepare the pipeline");
    const info = r.info;
    // A zero framerate means a single still frame.
    if (info.fps.num === 0 && this.#n >= 1) return null;
    const running = this.#accTime + info.frameTime(this.#n);
    const pts = p.timestampOffset + running;
    if (p.isLive && !this.reachedRunningTime(running)) return WAIT;
    const buf: Buffer | null = this.#pool!.acquire(info.size, this.task);
    if (buf === null) return WAIT; // every slot is downstream: the task waits for one
    r.render(buf.data, this.#n);
    buf.pts = pts;
    buf.duration = info.fps.num > 0 ? info.frameTime(this.#n + 1) - info.frameTime(this.#n) : -1;
    buf.offset = this.#count;
    buf.offsetEnd = this.#count + 1;
    buf.sequence = this.#count;
    this.#n++;
    this.#count++;
    return buf;
  }
}
