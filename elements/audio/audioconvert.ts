/**
 * audioconvert: converts raw audio between sample formats and channel counts (GStreamer's
 * audioconvert).
 *
 * Formats S16LE ⇄ F32LE: S16 → F32 is s / 32768; F32 → S16 is round(x × 32768), clamped,
 * with no dithering (GStreamer with dithering=none gives the same integers; GStreamer's
 * default adds triangular dither, which Parallax does not do). Channels, GStreamer's default
 * mixing matrix for mono and stereo: mono → N copies the channel to every output, N → mono
 * averages the inputs (stereo: ½L + ½R); other counts keep channel i as channel i, dropping
 * extra inputs and silencing extra outputs. Mixing is done in floating point.
 *
 * Negotiation keeps the input format and channel count when downstream accepts them (then
 * buffers pass through untouched), else the nearest that downstream allows.
 */
import type { Buffer } from "../../src/buffer.ts";
import { Caps } from "../../src/caps/index.ts";
import { type FlowReturn } from "../../src/flow.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { AUDIO_CAPS_ALL, type AudioInfo } from "../../src/media/audio-info.ts";
import { alignedCopy, view } from "../../src/media/views.ts";
import { AudioFilter } from "./audio-filter.ts";

export const DEFAULT_DITHERING = "none";

const Props = Type.Object({
  dithering: Type.Enum(["none"], { default: DEFAULT_DITHERING, description: "Dithering when reducing bit depth (only none)" }),
});
type P = Static<typeof Props>;

export class AudioConvert extends AudioFilter<P> {
  static override meta: ElementMeta = {
    name: "audioconvert",
    category: "audio",
    description: "Converts raw audio between S16LE and F32LE and between channel counts",
    pads: [template.sink(AUDIO_CAPS_ALL), template.src(AUDIO_CAPS_ALL)],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  protected override readonly freeFields = ["format", "channels", "channel-mask"];
  /** Output channel o = Σ_i matrix[o][i] · input channel i (null: channels unchanged). */
  #matrix: Float64Array[] | null = null;
  #s16Scratch: Int16Array | null = null;
  #f32Scratch: Float32Array | null = null;
  /** Input samples as floats (interleaved), when channels are mixed. */
  #mix = new Float64Array(0);

  protected override fixateOutput(input: AudioInfo, caps: Caps): Caps {
    for (const s of caps.structures) {
      const f = s.get("format");
      const hasFormat = f === input.format || (typeof f === "object" && f !== null && "values" in f && (f as { values: unknown[] }).values.includes(input.format));
      if (hasFormat) return Caps.from([s]).fixate({ format: input.format, channels: input.channels });
    }
    return caps.fixate({ channels: input.channels });
  }

  protected override setup(input: AudioInfo, output: AudioInfo): void {
    this.#matrix = input.channels === output.channels ? null : mixMatrix(input.channels, output.channels);
  }

  transform(buf: Buffer): Buffer | null | FlowReturn {
    if (this.passthrough) return buf;
    const checked = this.checkInput(buf);
    if (typeof checked === "number") return checked;
    const input = checked;
    const output = this.outInfo!;
    const frames = input.frames(buf.size);
    const out = this.pool!.acquireNow(frames * output.bpf);
    this.#convert(input, output, buf.data, out.data, frames);
    out.copyMetadataFrom(buf);
    buf.release();
    return out;
  }

  #convert(input: AudioInfo, output: AudioInfo, src: Uint8Array, dst: Uint8Array, frames: number): void {
    const inN = frames * input.channels;
    let s16: Int16Array | null = null;
    let f32: Float32Array | null = null;
    if (input.format === "S16LE") s16 = view(Int16Array, src) ?? (this.#s16Scratch = alignedCopy(Int16Array, src, this.#s16Scratch));
    else f32 = view(Float32Array, src) ?? (this.#f32Scratch = alignedCopy(Float32Array, src, this.#f32Scratch));
    const d16 = output.format === "S16LE" ? view(Int16Array, dst) : null;
    const d32 = output.format === "F32LE" ? view(Float32Array, dst) : null;
    if (this.#matrix === null) {
      // Same channels: a straight per-sample format change.
      if (s16 && d32) for (let i = 0; i < inN; i++) d32[i] = s16[i]! / 32768;
      else if (f32 && d16) for (let i = 0; i < inN; i++) d16[i] = toS16(f32[i]!);
      else if (s16 && d16) d16.set(s16.subarray(0, inN));
      else if (f32 && d32) d32.set(f32.subarray(0, inN));
      return;
    }
    // Channel mixing in floating point (input scaled to [-1, 1)).
    if (this.#mix.length < inN) this.#mix = new Float64Array(inN);
    const mix = this.#mix;
    if (s16) for (let i = 0; i < inN; i++) mix[i] = s16[i]! / 32768;
    else for (let i = 0; i < inN; i++) mix[i] = f32![i]!;
    const m = this.#matrix;
    const ic = input.channels;
    const oc = output.channels;
    for (let f = 0; f < frames; f++) {
      const base = f * ic;
      for (let o = 0; o < oc; o++) {
        const row = m[o]!;
        let acc = 0;
        for (let i = 0; i < ic; i++) acc += row[i]! * mix[base + i]!;
        const k = f * oc + o;
        if (d16) d16[k] = toS16(acc);
        else d32![k] = acc;
      }
    }
  }
}

/** Round to the nearest S16 code (ties up, as GStreamer's quantizer), clamped. */
function toS16(x: number): number {
  const v = Math.round(x * 32768);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** GStreamer's default matrix for mono/stereo; identity by channel index otherwise. */
export function mixMatrix(inCh: number, outCh: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let o = 0; o < outCh; o++) {
    const row = new Float64Array(inCh);
    if (inCh === 1) row[0] = 1;
    else if (outCh === 1) row.fill(1 / inCh);
    else if (o < inCh) row[o] = 1;
    rows.push(row);
  }
  return rows;
}
