/**
 * videoconvert: converts raw video between formats (GStreamer's videoconvert).
 *
 * Any of I420, NV12, YUY2, RGB, RGBA, BGRA, GRAY8 to any other, same size and framerate.
 * Y'CbCr ⇄ R'G'B' uses the matrix the caps' colorimetry names (BT.601 for SD, BT.709 for HD
 * when the caps say nothing, as GStreamer), or the one the `matrix` property forces; ranges
 * (limited/full) follow the caps. When input and output caps are the same, buffers pass
 * through untouched (no copy). The arithmetic is GStreamer's (src/media/video-convert.ts), so
 * I420 → RGBA output is byte-identical to GStreamer's videoconvert. I420 → RGBA / BGRA / RGB
 * and RGBA / BGRA → I420 / NV12 run in C (csrc/videoconvert.c) when the shim is built, else
 * in JS, with the same bytes (a bus info says so).
 *
 * Negotiation keeps the input format when downstream accepts it; otherwise it picks the
 * closest allowed format (same colour family and alpha first).
 */
import { Caps } from "../../src/caps/index.ts";
import { type ElementMeta, template } from "../../src/graph/element.ts";
import { Type, type Static } from "../../src/graph/properties.ts";
import { VideoConverter } from "../../src/media/video-convert.ts";
import { type VideoFormat, VIDEO_CAPS_ALL, formatDesc, isVideoFormat, type VideoInfo } from "../../src/media/video-info.ts";
import { VideoFilter } from "./video-filter.ts";
import { libyuv, libyuvError } from "../../ffi/yuv.ts";
import { NO_NATIVE_ENV, videoconvertShimError } from "../../ffi/videoconvert.ts";

export const DEFAULT_MATRIX = "auto";

/**
 * Set to "1" to let I420 → RGBA / BGRA run through libyuv (SIMD) instead of the native kernel.
 * Off by default: libyuv's fixed point strays up to 3-4 per channel from GStreamer's output, past
 * the ±2 the interop check allows (see libyuvCoefficients in src/media/video-convert.ts), for
 * about a fifth less CPU per 1080p frame than the exact native kernel (whole pipeline).
 */
export const LIBYUV_ENV = "PARALLAX_VIDEOCONVERT_LIBYUV";

const Props = Type.Object({
  matrix: Type.Enum(["auto", "bt601", "bt709"], {
    default: DEFAULT_MATRIX,
    description: "Y'CbCr matrix: from the caps' colorimetry (auto), or forced to BT.601 or BT.709",
  }),
});
type P = Static<typeof Props>;

export class VideoConvert extends VideoFilter<P> {
  static override meta: ElementMeta = {
    name: "videoconvert",
    category: "video",
    description: "Converts raw video between formats and colour matrices (BT.601, BT.709)",
    pads: [template.sink(VIDEO_CAPS_ALL), template.src(VIDEO_CAPS_ALL)],
    properties: Props,
    scheduling: { affinity: "auto", rtSafe: true },
    authority: "none",
  };

  protected override readonly freeFields = ["format", "colorimetry", "chroma-site"];
  #converter: VideoConverter | null = null;
  #libyuvNoted = false;
  #nativeNoted = false;

  /** The conversion path in use ("I420→RGBA native", "generic", …), or "passthrough". */
  get path(): string {
    return this.passthrough ? "passthrough" : (this.#converter?.path ?? "none");
  }

  protected override fixateOutput(input: VideoInfo, caps: Caps): Caps {
    // Keep the input format if any choice allows it, else the best-scoring allowed format.
    for (const s of caps.structures) {
      if (formatsOf(s.get("format")).includes(input.format)) return Caps.from([s]).fixate({ format: input.format });
    }
    const s = caps.structures[0]!;
    const formats = formatsOf(s.get("format"));
    if (formats.length === 0) return caps.fixate();
    const best = formats.reduce((a, b) => (score(input.format, b) > score(input.format, a) ? b : a));
    return Caps.from([s]).fixate({ format: best });
  }

  protected override setup(input: VideoInfo, output: VideoInfo): void {
    const m = this.props.matrix;
    const wantLibyuv = process.env[LIBYUV_ENV] === "1";
    this.#converter = new VideoConverter(input, output, { matrix: m === "auto" ? null : m, libyuv: wantLibyuv });
    if (wantLibyuv && !this.#libyuvNoted && libyuv() === null) {
      this.#libyuvNoted = true;
      this.ctx?.bus.post({ type: "info", source: this.name, message: `libyuv unavailable (${libyuvError()}); converting in JS` });
    }
    // The JS tables give the same bytes, several times slower: say why, once, unless asked for.
    const err = videoconvertShimError();
    if (this.#converter.path.endsWith(" tables") && err !== null && process.env[NO_NATIVE_ENV] !== "1" && !this.#nativeNoted) {
      this.#nativeNoted = true;
      this.ctx?.bus.post({ type: "info", source: this.name, message: `native videoconvert kernels unavailable (${err}); converting in JS` });
    }
  }

  protected override convert(src: Uint8Array, dst: Uint8Array): void {
    this.#converter!.convert(src, dst);
  }
}

function formatsOf(v: unknown): VideoFormat[] {
  if (isVideoFormat(v)) return [v];
  if (v !== null && typeof v === "object" && "values" in v && Array.isArray((v as { values: unknown[] }).values)) {
    return (v as { values: unknown[] }).values.filter(isVideoFormat);
  }
  return [];
}

/** How well `to` keeps what `from` carries: colour family, alpha, chroma resolution. */
function score(from: VideoFormat, to: VideoFormat): number {
  const a = formatDesc(from);
  const b = formatDesc(to);
  let s = 0;
  if (a.family === b.family) s += 4;
  if (a.hasAlpha === b.hasAlpha) s += 2;
  if (a.wSub === b.wSub && a.hSub === b.hSub) s += 1;
  return s;
}
