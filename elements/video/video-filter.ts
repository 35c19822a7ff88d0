/**
 * VideoFilter: the common shape of raw-video transforms (GStreamer's GstVideoFilter) —
 * videoconvert, videoscale.
 *
 * A subclass says how caps map across it (`freeFields`: the fields it can change, e.g. format
 * or width/height) and how to turn one frame into another (`convert`). The base class:
 *
 *  - maps caps in negotiation as [the same caps, the caps with those fields freed], in that
 *    order, so the first choice is always to pass frames through unchanged;
 *  - remembers the last fixed input caps it mapped, because negotiation fixes links from the
 *    sources downstream: by the time our src pad is fixed, the sink side was fixed and mapped,
 *    and `fixateOutput` can choose nearest to it (same format, same aspect ratio);
 *  - on a caps event, reads both sides into VideoInfo and calls `setup(in, out)`;
 *  - per buffer: passes it through (no copy) when input and output are the same, else
 *    takes an output buffer from its FramePool, converts, copies the metadata and releases
 *    the input.
 *
 * Errors on the data path (a buffer smaller than a frame, caps that cannot be read) are posted
 * on the bus and returned as Flow.ERROR / NOT_NEGOTIATED.
 */
import { freeFields } from "../../src/media/free-fields.ts";
import type { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import type { Event } from "../../src/events.ts";
import type { FlowReturn } from "../../src/flow.ts";
import type { Pad, PadDirection } from "../../src/graph/pad.ts";
import { Transform } from "../../src/graph/transform.ts";
import { FramePool } from "../../src/media/frame-pool.ts";
import { VideoCapsError, VideoInfo } from "../../src/media/video-info.ts";

export abstract class VideoFilter<P extends object = Record<string, unknown>> extends Transform<P> {
  /** Caps fields this element can change between input and output. */
  protected abstract readonly freeFields: readonly string[];
  /** Prepares for converting `input` frames into `output` frames (called on each caps event). */
  protected abstract setup(input: VideoInfo, output: VideoInfo): void;
  /** Converts one frame. `src` holds at least input.size bytes, `dst` output.size. */
  protected abstract convert(src: Uint8Array, dst: Uint8Array): void;

  protected inInfo: VideoInfo | null = null;
  protected outInfo: VideoInfo | null = null;
  /** True when output caps equal input caps: buffers pass through untouched. */
  passthrough = false;
  #pool: FramePool | null = null;
  /** The last fixed caps mapped from the sink side (see the file comment). */
  protected lastFixedInput: Caps | null = null;

  override transformCaps(from: PadDirection, caps: Caps): Caps {
    const tmpl = this.meta.pads.find((p) => p.direction === (from === "sink" ? "src" : "sink"))!.caps;
    if (from === "sink" && !caps.isAny() && caps.isFixed()) this.lastFixedInput = caps;
    return freeFields(caps, this.freeFields, tmpl);
  }

  override fixateCaps(pad: Pad, caps: Caps): Caps {
    if (caps.isAny() || caps.isFixed()) return caps;
    const input = this.lastFixedInput;
    return input ? this.fixateOutput(VideoInfo.fromCaps(input), caps) : caps.fixate();
  }

  /** Picks fixed output caps nearest the input. Default: the first (preferred) choice. */
  protected fixateOutput(_input: VideoInfo, caps: Caps): Caps {
    return caps.fixate();
  }

  override prepare(): void {
    this.#pool = new FramePool(this.name);
  }

  override unprepare(): void {
    this.#pool?.close();
    this.#pool = null;
    this.inInfo = null;
    this.outInfo = null;
  }

  /** Buffers that came from the heap because the pool was empty (see FramePool). */
  get overflows(): number {
    return this.#pool?.overflows ?? 0;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (ev.type !== "caps" || pad.direction !== "sink") return super.event(pad, ev);
    if (!super.event(pad, ev)) return false;
    const out = this.srcPad.caps;
    if (out === null) return false;
    try {
      const input = VideoInfo.fromCaps(ev.caps);
      const output = VideoInfo.fromCaps(out);
      this.inInfo = input;
      this.outInfo = output;
      this.passthrough = input.equals(output);
      if (!this.passthrough) this.setup(input, output);
      return true;
    } catch (err) {
      if (err instanceof VideoCapsError) {
        this.error("stream", `${this.name}: ${err.message}`);
        return false;
      }
      throw err;
    }
  }

  transform(buf: Buffer): Buffer | null | FlowReturn {
    if (this.passthrough) return buf;
    const input = this.inInfo;
    const output = this.outInfo;
    if (input === null || output === null) {
      buf.release();
      return this.error("stream", `${this.name}: received a buffer before caps`, "a caps event must precede video buffers");
    }
    if (buf.size < input.size) {
      const size = buf.size;
      buf.release();
      return this.error(
        "stream",
        `${this.name}: buffer of ${size} bytes is smaller than one ${input.format} ${input.width}x${input.height} frame (${input.size} bytes)`,
        "check the caps upstream: they must describe the frames",
      );
    }
    const out = this.#pool!.acquireNow(output.size);
    this.convert(buf.data, out.data);
    out.copyMetadataFrom(buf);
    buf.release();
    return out;
  }
}

