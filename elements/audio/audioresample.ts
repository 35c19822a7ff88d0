/**
 * audioresample: changes the sample rate of raw audio (GStreamer's audioresample).
 *
 * `quality` 0 is linear interpolation; 1..10 are Kaiser-windowed sinc filters with the tap
 * counts and cutoffs GStreamer's (Speex) resampler uses for the same quality, 4 being the
 * default (see src/media/audio-resample.ts). Timestamps stay continuous: the first output
 * frame carries the first input buffer's pts, output frame n is at pts₀ + n × 1e9 / rate and
 * buffer offsets count output frames. The filter holds back half its length of input; at EOS
 * that tail is flushed (padded with silence) before EOS goes on. Flushes and new segments
 * restart the filter.
 *
 * Negotiation frees the rate and keeps the input rate when downstream allows it (then buffers
 * pass through untouched).
 */
import type { Buffer } from "../../src/buffer.ts";
import { SECOND, TIME_NONE } from "../../src/buffer.ts";
import type { Caps } from "../../src/caps/index.ts";
import type { Event } from "../../src/events.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import type { Pad } from "../../src/graph/pad.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { AUDIO_CAPS_ALL, type AudioInfo } from "../../src/media/audio-info.ts";
import { MAX_QUALITY, MIN_QUALITY, Resampler } from "../../src/media/audio-resample.ts";
import { alignedCopy, view } from "../../src/media/views.ts";
import { AudioFilter } from "./audio-filter.ts";

export const DEFAULT_QUALITY = 4;

const Props = Type.Object({
  quality: Type.Integer({
    default: DEFAULT_QUALITY,
    minimum: MIN_QUALITY,
    maximum: MAX_QUALITY,
    description: "Resample quality: 0 linear interpolation, 1..10 windowed sinc of growing length",
  }),
});
type P = Static<typeof Props>;

export class AudioResample extends AudioFilter<P> {
  static override meta: ElementMeta = {
    name: "audioresample",
    category: "audio",
    description: "Changes the sample rate of raw audio (linear or windowed-sinc)",
    pads: [template.sink(AUDIO_CAPS_ALL), template.src(AUDIO_CAPS_ALL)],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  protected override readonly freeFields = ["rate"];
  #rs: Resampler | null = null;
  #in = new Float64Array(0);
  #out = new Float64Array(0);
  #s16Scratch: Int16Array | null = null;
  #f32Scratch: Float32Array | null = null;
  /** pts of the first input since the last restart, and output frames since then. */
  #basePts = TIME_NONE;
  #outFrames = 0;

  protected override fixateOutput(input: AudioInfo, caps: Caps): Caps {
    return caps.fixate({ rate: input.rate });
  }

  protected override setup(input: AudioInfo, output: AudioInfo): void {
    this.#rs = new Resampler(input.channels, input.rate, output.rate, this.props.quality);
    this.#restart();
  }

  #restart(): void {
    this.#rs?.reset();
    this.#basePts = TIME_NONE;
    this.#outFrames = 0;
  }

  override start(): void {
    this.#restart();
  }

  transform(buf: Buffer): Buffer {
    return buf; // unused: chain is overridden (one input can give zero or one output buffer)
  }

  override chain(_pad: Pad, buf: Buffer): FlowReturn {
    if (this.passthrough) return this.srcPad.push(buf);
    const checked = this.checkInput(buf);
    if (typeof checked === "number") return checked;
    const input = checked;
    const rs = this.#rs!;
    if (this.#basePts === TIME_NONE) this.#basePts = buf.pts === TIME_NONE ? 0 : buf.pts;
    const frames = input.frames(buf.size);
    const n = frames * input.channels;
    if (this.#in.length < n) this.#in = new Float64Array(n);
    const fin = this.#in;
    if (input.format === "S16LE") {
      const s = view(Int16Array, buf.data) ?? (this.#s16Scratch = alignedCopy(Int16Array, buf.data, this.#s16Scratch));
      for (let i = 0; i < n; i++) fin[i] = s[i]! / 32768;
    } else {
      const s = view(Float32Array, buf.data) ?? (this.#f32Scratch = alignedCopy(Float32Array, buf.data, this.#f32Scratch));
      for (let i = 0; i < n; i++) fin[i] = s[i]!;
    }
    buf.release();
    this.#ensureOut(rs.maxOutput(frames));
    const produced = rs.process(fin, frames, this.#out);
    return this.#push(produced);
  }

  #ensureOut(frames: number): void {
    const n = frames * this.outInfo!.channels;
    if (this.#out.length < n) this.#out = new Float64Array(n);
  }

  /** Packs `frames` output frames into a buffer with continuous timestamps and pushes it. */
  #push(frames: number): FlowReturn {
    if (frames === 0) return Flow.OK;
    const info = this.outInfo!;
    const out = this.pool!.acquireNow(frames * info.bpf);
    const n = frames * info.channels;
    const src = this.#out;
    if (info.format === "S16LE") {
      const d = view(Int16Array, out.data)!;
      for (let i = 0; i < n; i++) {
        const v = Math.round(src[i]! * 32768);
        d[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
    } else {
      view(Float32Array, out.data)!.set(src.subarray(0, n));
    }
    const start = this.#basePts + Math.round((this.#outFrames * SECOND) / info.rate);
    const end = this.#basePts + Math.round(((this.#outFrames + frames) * SECOND) / info.rate);
    out.pts = start;
    out.duration = end - start;
    out.offset = this.#outFrames;
    out.offsetEnd = this.#outFrames + frames;
    this.#outFrames += frames;
    return this.srcPad.push(out);
  }

  override event(pad: Pad, ev: Event): boolean {
    if (pad.direction === "sink" && !this.passthrough && this.#rs !== null) {
      if (ev.type === "eos" && this.#basePts !== TIME_NONE) {
        this.#ensureOut(this.#rs.maxOutput(0) + this.#rs.half);
        this.#push(this.#rs.drain(this.#out));
        this.#restart();
      } else if (ev.type === "flush-stop" || ev.type === "segment") {
        this.#restart();
      }
    }
    return super.event(pad, ev);
  }
}
