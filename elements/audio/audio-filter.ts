/**
 * AudioFilter: the common shape of raw-audio transforms (GStreamer's GstAudioFilter /
 * GstBaseTransform for audio) — audioconvert, audioresample.
 *
 * Like VideoFilter: a subclass names the caps fields it can change (`freeFields`); the base
 * class maps caps in negotiation as [the same caps, the caps with those fields freed] so that
 * passing buffers through is always the first choice, remembers the last fixed input caps it
 * mapped (negotiation fixes our sink link before our src link) so `fixateOutput` can choose
 * nearest to it, and reads both sides into AudioInfo on each caps event (`setup`). Buffers
 * pass through untouched when input and output are the same.
 */
import { freeFields } from "../../src/media/free-fields.ts";
import type { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import type { Event } from "../../src/events.ts";
import type { FlowReturn } from "../../src/flow.ts";
import type { Pad, PadDirection } from "../../src/graph/pad.ts";
import { Transform } from "../../src/graph/transform.ts";
import { AudioCapsError, AudioInfo } from "../../src/media/audio-info.ts";
import { FramePool } from "../../src/media/frame-pool.ts";

/** Budget of pooled audio memory per element. */
export const AUDIO_POOL_BUDGET = 4 * 1024 * 1024;

export abstract class AudioFilter<P extends object = Record<string, unknown>> extends Transform<P> {
  /** Caps fields this element can change between input and output. */
  protected abstract readonly freeFields: readonly string[];
  /** Prepares for converting `input` into `output` (called on each caps event, unless passthrough). */
  protected abstract setup(input: AudioInfo, output: AudioInfo): void;

  protected inInfo: AudioInfo | null = null;
  protected outInfo: AudioInfo | null = null;
  /** True when output caps equal input caps: buffers pass through untouched. */
  passthrough = false;
  protected pool: FramePool | null = null;
  protected lastFixedInput: Caps | null = null;

  override transformCaps(from: PadDirection, caps: Caps): Caps {
    const tmpl = this.meta.pads.find((p) => p.direction === (from === "sink" ? "src" : "sink"))!.caps;
    if (from === "sink" && !caps.isAny() && caps.isFixed()) this.lastFixedInput = caps;
    return freeFields(caps, this.freeFields, tmpl);
  }

  override fixateCaps(_pad: Pad, caps: Caps): Caps {
    if (caps.isAny() || caps.isFixed()) return caps;
    const input = this.lastFixedInput;
    return input ? this.fixateOutput(AudioInfo.fromCaps(input), caps) : caps.fixate();
  }

  /** Picks fixed output caps nearest the input. Default: the first (preferred) choice. */
  protected fixateOutput(_input: AudioInfo, caps: Caps): Caps {
    return caps.fixate();
  }

  override prepare(): void {
    this.pool = new FramePool(this.name, AUDIO_POOL_BUDGET);
  }

  override unprepare(): void {
    this.pool?.close();
    this.pool = null;
    this.inInfo = null;
    this.outInfo = null;
  }

  override event(pad: Pad, ev: Event): boolean {
    if (ev.type !== "caps" || pad.direction !== "sink") return super.event(pad, ev);
    if (!super.event(pad, ev)) return false;
    const out = this.srcPad.caps;
    if (out === null) return false;
    try {
      const input = AudioInfo.fromCaps(ev.caps);
      const output = AudioInfo.fromCaps(out);
      this.inInfo = input;
      this.outInfo = output;
      this.passthrough = input.equals(output);
      if (!this.passthrough) this.setup(input, output);
      return true;
    } catch (err) {
      if (err instanceof AudioCapsError) {
        this.error("stream", `${this.name}: ${err.message}`);
        return false;
      }
      throw err;
    }
  }

  /** Common checks before converting: caps known. Returns the input info or a posted error. */
  protected checkInput(buf: Buffer): AudioInfo | FlowReturn {
    const input = this.inInfo;
    if (input === null || this.outInfo === null) {
      buf.release();
      return this.error("stream", `${this.name}: received a buffer before caps`, "a caps event must precede audio buffers");
    }
    return input;
  }
}
