/**
 * VideoInfo: what a raw video frame looks like in memory, from its caps.
 *
 * `video/x-raw, format=I420, width=320, height=240, framerate=30/1` says what a frame is; the
 * bytes of one frame are laid out by GStreamer's rules (video-info.c, fill_planes), which every
 * element that reads or writes raw video must agree on, and which peers (gst-launch, ffmpeg)
 * expect in files and sockets:
 *
 *  - I420: three planes Y, U, V; the Y stride is the width rounded up to 4, the chroma strides
 *    are half the (even-rounded) width rounded up to 4; chroma planes have half the
 *    (even-rounded) height;
 *  - NV12: Y plane then one interleaved UV plane, both with the Y stride;
 *  - YUY2: one packed plane Y0 U Y1 V, stride 2 × width rounded up to 4;
 *  - RGB: packed 3 bytes a pixel, stride rounded up to 4; RGBA, BGRA: 4 bytes a pixel;
 *  - GRAY8: one plane, stride rounded up to 4.
 *
 * Colorimetry (matrix and range) and chroma siting default as GStreamer's do when the caps do
 * not say: YUV up to 576 lines is BT.601 limited range with centred chroma, above that BT.709
 * with horizontally cosited chroma (MPEG-2), from 2160 lines BT.2020; RGB is sRGB (full range);
 * GRAY is full range BT.601.
 *
 * Everything here is set-up work: elements build a VideoInfo when caps arrive, never per frame.
 */
import { Caps, type Fraction, Structure, fraction } from "../caps/index.ts";
import { SECOND } from "../buffer.ts";

/** The raw video formats Parallax's video elements handle. */
export type VideoFormat = "I420" | "NV12" | "YUY2" | "RGB" | "RGBA" | "BGRA" | "GRAY8";

/** In preference order: the first is what a source picks when nothing else decides. */
export const VIDEO_FORMATS: readonly VideoFormat[] = ["I420", "NV12", "YUY2", "RGB", "RGBA", "BGRA", "GRAY8"];

/** The format list as caps text: `{ I420, NV12, … }`. */
export const VIDEO_FORMATS_CAPS = `{ ${VIDEO_FORMATS.join(", ")} }`;

/** Largest width, height and framerate numerator in caps ranges (GStreamer's G_MAXINT). */
export const VIDEO_MAX = 2147483647;

/** Caps of any raw video frame in the formats above (pad templates). */
export const VIDEO_CAPS_ALL =
  `video/x-raw, format=(string)${VIDEO_FORMATS_CAPS}, width=(int)[ 1, ${VIDEO_MAX} ], ` +
  `height=(int)[ 1, ${VIDEO_MAX} ], framerate=(fraction)[ 0/1, ${VIDEO_MAX}/1 ]`;

export type ColorFamily = "yuv" | "rgb" | "gray";

/** Static facts about a format. `wSub`/`hSub` are the chroma subsampling shifts (log2). */
export type FormatDesc = {
  readonly name: VideoFormat;
  readonly family: ColorFamily;
  readonly hasAlpha: boolean;
  readonly wSub: number;
  readonly hSub: number;
  /** Bytes per pixel of the first plane's packed pixel (1 for planar Y, 2 YUY2, 3 RGB, 4 RGBA). */
  readonly pixelStride: number;
};

const DESCS: Record<VideoFormat, FormatDesc> = {
  I420: { name: "I420", family: "yuv", hasAlpha: false, wSub: 1, hSub: 1, pixelStride: 1 },
  NV12: { name: "NV12", family: "yuv", hasAlpha: false, wSub: 1, hSub: 1, pixelStride: 1 },
  YUY2: { name: "YUY2", family: "yuv", hasAlpha: false, wSub: 1, hSub: 0, pixelStride: 2 },
  RGB: { name: "RGB", family: "rgb", hasAlpha: false, wSub: 0, hSub: 0, pixelStride: 3 },
  RGBA: { name: "RGBA", family: "rgb", hasAlpha: true, wSub: 0, hSub: 0, pixelStride: 4 },
  BGRA: { name: "BGRA", family: "rgb", hasAlpha: true, wSub: 0, hSub: 0, pixelStride: 4 },
  GRAY8: { name: "GRAY8", family: "gray", hasAlpha: false, wSub: 0, hSub: 0, pixelStride: 1 },
};

export function isVideoFormat(s: unknown): s is VideoFormat {
  return typeof s === "string" && Object.hasOwn(DESCS, s);
}

export function formatDesc(format: VideoFormat): FormatDesc {
  return DESCS[format];
}

/** Y'CbCr matrix: how R'G'B' maps to luma and chroma (Kr, Kb below). "rgb" means no matrix. */
export type ColorMatrix = "rgb" | "fcc" | "bt709" | "bt601" | "smpte240m" | "bt2020";
/** Quantisation range: "limited" is 16–235 luma / 16–240 chroma, "full" is 0–255. */
export type ColorRange = "limited" | "full";

export type Colorimetry = {
  readonly range: ColorRange;
  readonly matrix: ColorMatrix;
  /** The caps text it came from or will be written as ("bt601", "2:4:5:4", …). */
  readonly text: string;
};

/** Kr and Kb of each matrix (gst_video_color_matrix_get_Kr_Kb). */
export const MATRIX_KR_KB: Record<Exclude<ColorMatrix, "rgb">, readonly [number, number]> = {
  fcc: [0.3, 0.11],
  bt709: [0.2126, 0.0722],
  bt601: [0.299, 0.114],
  smpte240m: [0.212, 0.087],
  bt2020: [0.2627, 0.0593],
};

const NAMED_COLORIMETRY: Record<string, Colorimetry> = {
  bt601: { range: "limited", matrix: "bt601", text: "bt601" },
  bt709: { range: "limited", matrix: "bt709", text: "bt709" },
  smpte240m: { range: "limited", matrix: "smpte240m", text: "smpte240m" },
  bt2020: { range: "limited", matrix: "bt2020", text: "bt2020" },
  "bt2020-10": { range: "limited", matrix: "bt2020", text: "bt2020-10" },
  "bt2100-pq": { range: "limited", matrix: "bt2020", text: "bt2100-pq" },
  "bt2100-hlg": { range: "limited", matrix: "bt2020", text: "bt2100-hlg" },
  sRGB: { range: "full", matrix: "rgb", text: "sRGB" },
};

/** Numeric codes of the "range:matrix:transfer:primaries" form (GstVideoColorRange/Matrix). */
const RANGE_CODES: Record<string, ColorRange | undefined> = { "1": "full", "2": "limited" };
const MATRIX_CODES: Record<string, ColorMatrix | undefined> = {
  "1": "rgb",
  "2": "fcc",
  "3": "bt709",
  "4": "bt601",
  "5": "smpte240m",
  "6": "bt2020",
};

/**
 * Parses a caps colorimetry string: a name (bt601, bt709, bt2020, smpte240m, sRGB) or the
 * numeric `range:matrix:transfer:primaries` form (`1:4:0:0` is full-range BT.601, "jpeg").
 * Unknown parts fall back to `fallback`. Returns null for text it cannot read.
 */
export function parseColorimetry(text: string, fallback: Colorimetry): Colorimetry | null {
  const named = NAMED_COLORIMETRY[text];
  if (named) return named;
  const parts = text.split(":");
  if (parts.length !== 4 || !parts.every((p) => /^\d+$/.test(p))) return null;
  const range = parts[0] === "0" ? fallback.range : RANGE_CODES[parts[0]!];
  const matrix = parts[1] === "0" ? fallback.matrix : MATRIX_CODES[parts[1]!];
  if (!range || !matrix) return null;
  return { range, matrix, text };
}

/** Chroma siting: where chroma samples sit relative to luma (GstVideoChromaSite). */
export type ChromaSite = {
  /** Chroma sample is on the even luma column (MPEG-2), not between two columns (JPEG). */
  readonly hCosited: boolean;
  /** Chroma sample is on the even luma row. */
  readonly vCosited: boolean;
  readonly text: string;
};

const CHROMA_SITES: Record<string, ChromaSite> = {
  jpeg: { hCosited: false, vCosited: false, text: "jpeg" },
  none: { hCosited: false, vCosited: false, text: "jpeg" },
  mpeg2: { hCosited: true, vCosited: false, text: "mpeg2" },
  "h-cosited": { hCosited: true, vCosited: false, text: "mpeg2" },
  dv: { hCosited: true, vCosited: true, text: "dv" },
  cosited: { hCosited: true, vCosited: true, text: "cosited" },
  "v-cosited": { hCosited: false, vCosited: true, text: "v-cosited" },
};

export type Plane = {
  /** Byte offset of the plane in the frame. */
  readonly offset: number;
  /** Bytes from one row to the next. */
  readonly stride: number;
  /** Rows in the plane. */
  readonly rows: number;
};

/** Thrown when caps do not describe a frame Parallax can lay out. */
export class VideoCapsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "VideoCapsError";
  }
}

/** An immutable description of one raw video stream's frames. */
export class VideoInfo {
  readonly desc: FormatDesc;
  readonly planes: readonly Plane[];
  /** Bytes of one frame (what a buffer must hold at least). */
  readonly size: number;

  constructor(
    readonly format: VideoFormat,
    readonly width: number,
    readonly height: number,
    /** Framerate; 0/1 means variable (no fixed frame duration). */
    readonly fps: Fraction = fraction(0, 1),
    readonly par: Fraction = fraction(1, 1),
    readonly colorimetry: Colorimetry = defaultColorimetry(format, height),
    readonly chromaSite: ChromaSite = defaultChromaSite(format, height),
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new VideoCapsError(`video size ${width}x${height} is invalid: width and height must be positive integers`);
    }
    this.desc = DESCS[format];
    const { planes, size } = layout(format, width, height);
    this.planes = planes;
    this.size = size;
  }

  get family(): ColorFamily {
    return this.desc.family;
  }

  /** Nanoseconds per frame, or 0 for variable framerate. */
  get frameDuration(): number {
    return this.fps.num > 0 ? Math.round((SECOND * this.fps.den) / this.fps.num) : 0;
  }

  /** Running time of frame `n` from the start: n × den / num seconds, rounded down (ns). */
  frameTime(n: number): number {
    return this.fps.num > 0 ? Math.floor((n * this.fps.den * SECOND) / this.fps.num) : 0;
  }

  /** Same stream description (format, size, rates, colorimetry, siting). */
  equals(o: VideoInfo): boolean {
    return (
      this.format === o.format &&
      this.width === o.width &&
      this.height === o.height &&
      this.fps.num === o.fps.num &&
      this.fps.den === o.fps.den &&
      this.par.num === o.par.num &&
      this.par.den === o.par.den &&
      this.colorimetry.range === o.colorimetry.range &&
      this.colorimetry.matrix === o.colorimetry.matrix &&
      this.chromaSite.hCosited === o.chromaSite.hCosited &&
      this.chromaSite.vCosited === o.chromaSite.vCosited
    );
  }

  /** A copy with other fields (size changes recompute the layout). */
  with(
    changes: Partial<{ format: VideoFormat; width: number; height: number; fps: Fraction; par: Fraction; colorimetry: Colorimetry; chromaSite: ChromaSite }>,
  ): VideoInfo {
    const format = changes.format ?? this.format;
    const height = changes.height ?? this.height;
    return new VideoInfo(
      format,
      changes.width ?? this.width,
      height,
      changes.fps ?? this.fps,
      changes.par ?? this.par,
      changes.colorimetry ?? (format === this.format && height === this.height ? this.colorimetry : defaultColorimetry(format, height)),
      changes.chromaSite ?? (format === this.format && height === this.height ? this.chromaSite : defaultChromaSite(format, height)),
    );
  }

  /** Fixed caps for this stream (colorimetry and chroma-site are left out: they are defaults). */
  toCaps(): Caps {
    return Caps.from([
      Structure.of("video/x-raw", { format: this.format, width: this.width, height: this.height })
        .with("framerate", this.fps, "fraction")
        .with("pixel-aspect-ratio", this.par, "fraction"),
    ]);
  }

  /**
   * Reads fixed `video/x-raw` caps. Throws VideoCapsError naming the missing or invalid field
   * (format, width, height), so a caller can post it as a not-negotiated error.
   */
  static fromCaps(caps: Caps | Structure): VideoInfo {
    const s = caps instanceof Caps ? caps.structures[0] : caps;
    if (!s || s.name !== "video/x-raw") {
      throw new VideoCapsError(`expected video/x-raw caps, got ${caps instanceof Caps ? caps.toString() : s?.toString()}`);
    }
    const format = s.get("format");
    if (!isVideoFormat(format)) {
      throw new VideoCapsError(
        `unsupported video format ${JSON.stringify(format)}: use one of ${VIDEO_FORMATS.join(", ")} (insert videoconvert)`,
      );
    }
    const width = s.get("width");
    const height = s.get("height");
    if (typeof width !== "number" || typeof height !== "number") {
      throw new VideoCapsError(`video caps need fixed width and height, got ${s}`);
    }
    const fps = asFraction(s.get("framerate")) ?? fraction(0, 1);
    const par = asFraction(s.get("pixel-aspect-ratio")) ?? fraction(1, 1);
    const defColor = defaultColorimetry(format, height);
    const cText = s.get("colorimetry");
    const colorimetry = typeof cText === "string" ? (parseColorimetry(cText, defColor) ?? defColor) : defColor;
    const siteText = s.get("chroma-site");
    const chromaSite =
      typeof siteText === "string" && CHROMA_SITES[siteText] ? CHROMA_SITES[siteText]! : defaultChromaSite(format, height);
    return new VideoInfo(format, width, height, fps, par, colorimetry, chromaSite);
  }
}

function asFraction(v: unknown): Fraction | undefined {
  if (v !== null && typeof v === "object" && "num" in v && "den" in v) return v as Fraction;
  return undefined;
}

/** GStreamer's default colorimetry for a format and height (set_default_colorimetry). */
export function defaultColorimetry(format: VideoFormat, height: number): Colorimetry {
  const family = DESCS[format].family;
  if (family === "rgb") return NAMED_COLORIMETRY.sRGB!;
  if (family === "gray") return { range: "full", matrix: "bt601", text: "1:4:0:0" };
  if (height >= 2160) return NAMED_COLORIMETRY.bt2020!;
  if (height > 576) return NAMED_COLORIMETRY.bt709!;
  return NAMED_COLORIMETRY.bt601!;
}

/** GStreamer's default chroma siting: cosited horizontally above SD, centred up to 576 lines. */
export function defaultChromaSite(format: VideoFormat, height: number): ChromaSite {
  if (DESCS[format].family !== "yuv") return CHROMA_SITES.jpeg!;
  return height > 576 ? CHROMA_SITES.mpeg2! : CHROMA_SITES.jpeg!;
}

export function parseChromaSite(text: string): ChromaSite | null {
  return CHROMA_SITES[text] ?? null;
}

const up2 = (n: number) => (n + 1) & ~1;
const up4 = (n: number) => (n + 3) & ~3;

/** Plane offsets, strides and rows, and the frame size (video-info.c, fill_planes). */
export function layout(format: VideoFormat, width: number, height: number): { planes: Plane[]; size: number } {
  switch (format) {
    case "I420": {
      const s0 = up4(width);
      const s1 = up4(up2(width) / 2);
      const ch = up2(height) / 2;
      const o1 = s0 * up2(height);
      const o2 = o1 + s1 * ch;
      return {
        planes: [
          { offset: 0, stride: s0, rows: height },
          { offset: o1, stride: s1, rows: ch },
          { offset: o2, stride: s1, rows: ch },
        ],
        size: o2 + s1 * ch,
      };
    }
    case "NV12": {
      const s0 = up4(width);
      const o1 = s0 * up2(height);
      const ch = up2(height) / 2;
      return {
        planes: [
          { offset: 0, stride: s0, rows: height },
          { offset: o1, stride: s0, rows: ch },
        ],
        size: o1 + s0 * ch,
      };
    }
    case "YUY2": {
      const s = up4(width * 2);
      return { planes: [{ offset: 0, stride: s, rows: height }], size: s * height };
    }
    case "RGB": {
      const s = up4(width * 3);
      return { planes: [{ offset: 0, stride: s, rows: height }], size: s * height };
    }
    case "RGBA":
    case "BGRA":
      return { planes: [{ offset: 0, stride: width * 4, rows: height }], size: width * 4 * height };
    case "GRAY8": {
      const s = up4(width);
      return { planes: [{ offset: 0, stride: s, rows: height }], size: s * height };
    }
  }
}
