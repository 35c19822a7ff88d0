/**
 * RawFilter: what raw-audio and raw-video transforms share (GStreamer's GstAudioFilter and
 * GstVideoFilter over GstBaseTransform); elements/audio/audio-filter.ts and
 * elements/video/video-filter.ts specialise it with AudioInfo and VideoInfo.
 *
 * A subclass names the caps fields it can change (`freeFields`) and reads caps into its info
 * type (`infoFromCaps`). The base class:
 *  - maps caps in negotiation as [the same caps, the caps with those fields freed], in that
 *    order, so passing buffers through unchanged is always the first choice;
 *  - remembers the last fixed input caps it mapped: negotiation fixes links from the sources
 *    downstream, so by the time our src pad is fixed the sink side was fixed and mapped, and
 *    `fixateOutput` can choose nearest to it;
 *  - on a caps event reads both sides, and calls `setup(in, out)` unless they are equal
 *    (then buffers pass through untouched); caps it cannot read are a posted stream error;
 *  - keeps a FramePool of output memory between prepare and unprepare.
 */
import type { Caps } from "../caps/index.ts";
import type { Event } from "../events.ts";
import type { Pad, PadDirection } from "../graph/pad.ts";
import { Transform } from "../graph/transform.ts";
import { FramePool } from "./frame-pool.ts";
import { freeFields } from "./free-fields.ts";

export abstract class RawFilter<Info extends { equals(other: Info): boolean }, P extends object = Record<string, unknown>> extends Transform<P> {
  /** Caps fields this element can change between input and output. */
  protected abstract readonly freeFields: readonly string[];
  /** Reads fixed caps; throws an error for which isCapsError is true when they do not describe the media. */
  protected abstract infoFromCaps(caps: Caps): Info;
  protected abstract isCapsError(err: unknown): boolean;
  /** Prepares for converting `input` into `output` (on each caps event, unless passthrough). */
  protected abstract setup(input: Info, output: Info): void;
  /** Bytes of pooled output memory (undefined: FramePool's default). */
  protected readonly poolBudget: number | undefined = undefined;

  protected inInfo: Info | null = null;
  protected outInfo: Info | null = null;
  /** True when output caps equal input caps: buffers pass through untouched. */
  passthrough = false;
  protected pool: FramePool | null = null;
  /** The last fixed caps mapped from the sink side (see the file comment). */
  protected lastFixedInput: Caps | null = null;

  override transformCaps(from: PadDirection, caps: Caps): Caps {
    const tmpl = this.meta.pads.find((p) => p.direction === (from === "sink" ? "src" : "sink"))!.caps;
    if (from === "sink" && !caps.isAny() && caps.isFixed()) this.lastFixedInput = caps;
    return freeFields(caps, this.freeFields, tmpl);
  }

  override fixateCaps(_pad: Pad, caps: Caps): Caps {
    if (caps.isAny() || caps.isFixed()) return caps;
    const input = this.lastFixedInput;
    return input ? this.fixateOutput(this.infoFromCaps(input), caps) : caps.fixate();
  }

  /** Picks fixed output caps nearest the input. Default: the first (preferred) choice. */
  protected fixateOutput(_input: Info, caps: Caps): Caps {
    return caps.fixate();
  }

  override prepare(): void {
    this.pool = new FramePool(this.name, this.poolBudget);
  }

  override unprepare(): void {
    this.pool?.close();
    this.pool = null;
    this.inInfo = null;
    this.outInfo = null;
  }

  /** Buffers that came from the heap because the pool was empty (see FramePool). */
  get overflows(): number {
    return this.pool?.overflows ?? 0;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (ev.type !== "caps" || pad.direction !== "sink") return super.event(pad, ev);
    if (!super.event(pad, ev)) return false;
    const out = this.srcPad.caps;
    if (out === null) return false;
    try {
      const input = this.infoFromCaps(ev.caps);
      const output = this.infoFromCaps(out);
      this.inInfo = input;
      this.outInfo = output;
      this.passthrough = input.equals(output);
      if (!this.passthrough) this.setup(input, output);
      return true;
    } catch (err) {
      if (this.isCapsError(err)) {
        this.error("stream", `${this.name}: ${(err as Error).message}`);
        return false;
      }
      throw err;
    }
  }
}
