/**
 * Video lines: one row of pixels in a 4:4:4 working form, and how it is packed into (and
 * unpacked from) the bytes of each raw format.
 *
 * A line holds 4 bytes a pixel: A, Y, U, V for YUV and gray formats, A, R, G, B for RGB
 * formats (GStreamer's AYUV / ARGB unpack formats, byte order in memory). Pattern generators
 * paint lines, converters unpack, transform and pack them. Packing into a subsampled format
 * first reduces chroma the way GStreamer's chroma resampler does (video-chroma.c), so that
 * frames painted here match GStreamer's byte for byte:
 *
 *  - vertical 2:1 (I420, NV12), chroma not vertically cosited: each chroma sample of an even
 *    row is the rounded average of that row's and the next row's, (a + b + 1) >> 1;
 *  - horizontal 2:1 (I420, NV12, YUY2), not cosited (JPEG siting, GStreamer's SD default):
 *    pixel 2i takes the rounded average of pixels 2i and 2i+1;
 *  - horizontal 2:1, cosited (MPEG-2 siting, the default above 576 lines): a [1 2 1] / 4 filter
 *    centred on pixel 2i, [3 1] / 4 at the left edge and [1 3] / 4 at the right edge.
 *
 * `writeRows` drives it: it asks a painter for rows, pairs them for vertical subsampling and
 * packs them, optionally only from column `x0` (a dirty region). Nothing here allocates per
 * call: the caller owns the two line buffers (`LinePair`).
 */
import type { VideoInfo } from "./video-info.ts";

/**
 * The working lines of writeRows (4 bytes a pixel each, with 32-bit views: one pixel per
 * word). Rows are painted into `t`, which persists from row to row as GStreamer's tmpline does
 * (a painter that leaves pixels untouched keeps the previous row's), then copied into `a` or
 * `b`, where chroma is reduced in place before packing.
 */
export class LinePair {
  readonly t: Uint8Array;
  readonly a: Uint8Array;
  readonly b: Uint8Array;
  readonly t32: Int32Array;
  readonly a32: Int32Array;
  readonly b32: Int32Array;
  constructor(readonly width: number) {
    // A little slack so filters may read one pixel past the end.
    const n = (width + 8) * 4;
    this.t = new Uint8Array(n);
    this.a = new Uint8Array(n);
    this.b = new Uint8Array(n);
    this.t32 = new Int32Array(this.t.buffer);
    this.a32 = new Int32Array(this.a.buffer);
    this.b32 = new Int32Array(this.b.buffer);
  }

  /** Paints row y into t and copies it into `into` (a or b). */
  paintInto(paint: RowPainter, y: number, into: Int32Array): void {
    paint(y, this.t, this.t32);
    into.set(this.t32);
  }
}

/**
 * A pixel of a line as one little-endian word: bytes c0 (alpha), c1, c2, c3 in memory order.
 * Words are kept as int32 (Int32Array views, `| 0`): uint32 values above 2^31 would be
 * doubles in the JIT and make pixel loops several times slower.
 */
export function pixelWord(a: number, c1: number, c2: number, c3: number): number {
  return a | (c1 << 8) | (c2 << 16) | (c3 << 24);
}

/** Vertical 2:1 chroma reduction, not cosited: row `l0` gets the average of l0 and l1. */
export function chromaDownV2(l0: Uint8Array, l1: Uint8Array, x0: number, width: number): void {
  for (let i = x0; i < width; i++) {
    const o = i * 4;
    l0[o + 2] = (l0[o + 2]! + l1[o + 2]! + 1) >> 1;
    l0[o + 3] = (l0[o + 3]! + l1[o + 3]! + 1) >> 1;
  }
}

/** Horizontal 2:1 chroma reduction into the even pixels of `p`, from even column `x0`. */
export function chromaDownH2(p: Uint8Array, x0: number, width: number, cosited: boolean): void {
  if (!cosited) {
    for (let i = x0; i + 1 < width; i += 2) {
      const o = i * 4;
      p[o + 2] = (p[o + 2]! + p[o + 6]! + 1) >> 1;
      p[o + 3] = (p[o + 3]! + p[o + 7]! + 1) >> 1;
    }
    return;
  }
  if (width < 2) return;
  for (let i = x0; i < width; i += 2) {
    const o = i * 4;
    for (let c = 2; c < 4; c++) {
      if (i === 0) p[o + c] = (3 * p[o + c]! + p[o + 4 + c]! + 2) >> 2;
      else if (i < width - 2) p[o + c] = (p[o - 4 + c]! + 2 * p[o + c]! + p[o + 4 + c]! + 2) >> 2;
      else p[o + c] = (p[o - 4 + c]! + 3 * p[o + c]! + 2) >> 2;
    }
  }
}

/**
 * Packs line `s` as row `y` of `frame`, columns [x0, width) (x0 even). Subsampled chroma is
 * taken from the even pixels (reduce it first, see writeRows); I420 and NV12 write chroma on
 * even rows only.
 */
export function packLine(info: VideoInfo, frame: Uint8Array, y: number, s: Uint8Array, x0 = 0): void {
  const w = info.width;
  const p = info.planes;
  switch (info.format) {
    case "I420": {
      const yo = p[0]!.offset + y * p[0]!.stride;
      for (let i = x0; i < w; i++) frame[yo + i] = s[i * 4 + 1]!;
      if ((y & 1) === 0) {
        const uo = p[1]!.offset + (y >> 1) * p[1]!.stride;
        const vo = p[2]!.offset + (y >> 1) * p[2]!.stride;
        for (let i = x0; i < w; i += 2) {
          frame[uo + (i >> 1)] = s[i * 4 + 2]!;
          frame[vo + (i >> 1)] = s[i * 4 + 3]!;
        }
      }
      return;
    }
    case "NV12": {
      const yo = p[0]!.offset + y * p[0]!.stride;
      for (let i = x0; i < w; i++) frame[yo + i] = s[i * 4 + 1]!;
      if ((y & 1) === 0) {
        const uvo = p[1]!.offset + (y >> 1) * p[1]!.stride;
        for (let i = x0; i < w; i += 2) {
          frame[uvo + i] = s[i * 4 + 2]!;
          frame[uvo + i + 1] = s[i * 4 + 3]!;
        }
      }
      return;
    }
    case "YUY2": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = x0; i < w; i += 2) {
        const d = o + i * 2;
        frame[d] = s[i * 4 + 1]!;
        frame[d + 1] = s[i * 4 + 2]!;
        if (i + 1 < w) frame[d + 2] = s[i * 4 + 5]!;
        // An odd last pixel's V lands in the row padding (GStreamer leaves that byte stale).
        frame[d + 3] = s[i * 4 + 3]!;
      }
      return;
    }
    case "RGB": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = x0; i < w; i++) {
        frame[o + i * 3] = s[i * 4 + 1]!;
        frame[o + i * 3 + 1] = s[i * 4 + 2]!;
        frame[o + i * 3 + 2] = s[i * 4 + 3]!;
      }
      return;
    }
    case "RGBA": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = x0; i < w; i++) {
        frame[o + i * 4] = s[i * 4 + 1]!;
        frame[o + i * 4 + 1] = s[i * 4 + 2]!;
        frame[o + i * 4 + 2] = s[i * 4 + 3]!;
        frame[o + i * 4 + 3] = s[i * 4]!;
      }
      return;
    }
    case "BGRA": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = x0; i < w; i++) {
        frame[o + i * 4] = s[i * 4 + 3]!;
        frame[o + i * 4 + 1] = s[i * 4 + 2]!;
        frame[o + i * 4 + 2] = s[i * 4 + 1]!;
        frame[o + i * 4 + 3] = s[i * 4]!;
      }
      return;
    }
    case "GRAY8": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = x0; i < w; i++) frame[o + i] = s[i * 4 + 1]!;
      return;
    }
  }
}

/**
 * Unpacks row `y` of `frame` into line `d` (4:4:4, alpha 255 where the format has none).
 * Subsampled chroma is repeated (nearest), as GStreamer's fast paths do.
 */
export function unpackLine(info: VideoInfo, frame: Uint8Array, y: number, d: Uint8Array): void {
  const w = info.width;
  const p = info.planes;
  switch (info.format) {
    case "I420": {
      const yo = p[0]!.offset + y * p[0]!.stride;
      const uo = p[1]!.offset + (y >> 1) * p[1]!.stride;
      const vo = p[2]!.offset + (y >> 1) * p[2]!.stride;
      for (let i = 0; i < w; i++) {
        d[i * 4] = 255;
        d[i * 4 + 1] = frame[yo + i]!;
        d[i * 4 + 2] = frame[uo + (i >> 1)]!;
        d[i * 4 + 3] = frame[vo + (i >> 1)]!;
      }
      return;
    }
    case "NV12": {
      const yo = p[0]!.offset + y * p[0]!.stride;
      const uvo = p[1]!.offset + (y >> 1) * p[1]!.stride;
      for (let i = 0; i < w; i++) {
        d[i * 4] = 255;
        d[i * 4 + 1] = frame[yo + i]!;
        d[i * 4 + 2] = frame[uvo + (i & ~1)]!;
        d[i * 4 + 3] = frame[uvo + (i & ~1) + 1]!;
      }
      return;
    }
    case "YUY2": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = 0; i < w; i++) {
        const pair = o + (i & ~1) * 2;
        d[i * 4] = 255;
        d[i * 4 + 1] = frame[o + i * 2]!;
        d[i * 4 + 2] = frame[pair + 1]!;
        d[i * 4 + 3] = frame[pair + 3]!;
      }
      return;
    }
    case "RGB": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = 0; i < w; i++) {
        d[i * 4] = 255;
        d[i * 4 + 1] = frame[o + i * 3]!;
        d[i * 4 + 2] = frame[o + i * 3 + 1]!;
        d[i * 4 + 3] = frame[o + i * 3 + 2]!;
      }
      return;
    }
    case "RGBA": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = 0; i < w; i++) {
        d[i * 4] = frame[o + i * 4 + 3]!;
        d[i * 4 + 1] = frame[o + i * 4]!;
        d[i * 4 + 2] = frame[o + i * 4 + 1]!;
        d[i * 4 + 3] = frame[o + i * 4 + 2]!;
      }
      return;
    }
    case "BGRA": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = 0; i < w; i++) {
        d[i * 4] = frame[o + i * 4 + 3]!;
        d[i * 4 + 1] = frame[o + i * 4 + 2]!;
        d[i * 4 + 2] = frame[o + i * 4 + 1]!;
        d[i * 4 + 3] = frame[o + i * 4]!;
      }
      return;
    }
    case "GRAY8": {
      const o = p[0]!.offset + y * p[0]!.stride;
      for (let i = 0; i < w; i++) {
        d[i * 4] = 255;
        d[i * 4 + 1] = frame[o + i]!;
        d[i * 4 + 2] = 128;
        d[i * 4 + 3] = 128;
      }
      return;
    }
  }
}

/** Paints row `y` of the picture into `line` (4:4:4, 4 bytes a pixel; `line32` is the same memory). */
export type RowPainter = (y: number, line: Uint8Array, line32: Int32Array) => void;

/**
 * Paints rows [y0, y1) with `paint` and packs them into `frame`, from column x0 on (x0 even).
 * With vertical chroma subsampling the range is widened to whole row pairs. The painter fills
 * whole rows (chroma filters read neighbours left of x0). Rows are painted in order, once
 * each, so a painter may draw from a running random state.
 */
export function writeRows(
  info: VideoInfo,
  frame: Uint8Array,
  lines: LinePair,
  paint: RowPainter,
  y0 = 0,
  y1 = info.height,
  x0 = 0,
  reduce: ChromaReduce = REDUCE_BOTH,
): void {
  const w = info.width;
  const h = info.height;
  const subsampled = info.family === "yuv" && info.desc.wSub > 0;
  const cosited = info.chromaSite.hCosited;
  const hReduce = reduce.h;
  const twoRows = subsampled && info.desc.hSub > 0;
  if (twoRows) {
    // Rows are packed in pairs: widen the range to whole pairs.
    y0 &= ~1;
    y1 = Math.min(h, (y1 + 1) & ~1);
  }
  // Starting mid-picture: paint the row above first, so pixels a painter leaves untouched
  // hold what they would hold had the picture been painted from the top.
  if (y0 > 0) paint(y0 - 1, lines.t, lines.t32);
  if (!subsampled) {
    for (let y = y0; y < y1; y++) {
      paint(y, lines.t, lines.t32);
      packLine(info, frame, y, lines.t, x0);
    }
    return;
  }
  if (!twoRows) {
    // 4:2:2: horizontal reduction only.
    for (let y = y0; y < y1; y++) {
      lines.paintInto(paint, y, lines.a32);
      if (hReduce) chromaDownH2(lines.a, x0, w, cosited);
      packLine(info, frame, y, lines.a, x0);
    }
    return;
  }
  const vAverage = reduce.v && !info.chromaSite.vCosited;
  for (let y = y0; y < y1; y += 2) {
    lines.paintInto(paint, y, lines.a32);
    const pair = y + 1 < h;
    if (pair) {
      lines.paintInto(paint, y + 1, lines.b32);
      // The odd row is packed (luma only) before its chroma is folded into the even row.
      packLine(info, frame, y + 1, lines.b, x0);
      if (vAverage) chromaDownV2(lines.a, lines.b, x0, w);
    }
    if (hReduce) chromaDownH2(lines.a, x0, w, cosited);
    packLine(info, frame, y, lines.a, x0);
  }
}

/**
 * Which chroma reductions writeRows applies when packing a subsampled format. Painted and RGB
 * rows carry chroma for every pixel and need both; rows unpacked from an already subsampled
 * frame carry repeated chroma, which must be picked, not filtered again (GStreamer skips the
 * resampler in a direction where input and output subsampling agree).
 */
export type ChromaReduce = { readonly h: boolean; readonly v: boolean };
export const REDUCE_BOTH: ChromaReduce = { h: true, v: true };

/** Horizontal 2:1 chroma interpolation of a line whose chroma was repeated pairwise. */
export function chromaUpH2(p: Uint8Array, width: number, cosited: boolean): void {
  if (cosited) {
    for (let i = 1; i < width - 1; i += 2) {
      const o = i * 4;
      p[o + 2] = (p[o - 2]! + p[o + 6]! + 1) >> 1;
      p[o + 3] = (p[o - 1]! + p[o + 7]! + 1) >> 1;
    }
    return;
  }
  let u1 = p[2]!;
  let v1 = p[3]!;
  for (let i = 1; i < width - 1; i += 2) {
    const o = i * 4;
    const u0 = u1;
    const v0 = v1;
    u1 = p[o + 6]!;
    v1 = p[o + 7]!;
    p[o + 2] = (3 * u0 + u1 + 2) >> 2;
    p[o + 3] = (3 * v0 + v1 + 2) >> 2;
    p[o + 6] = (u0 + 3 * u1 + 2) >> 2;
    p[o + 7] = (v0 + 3 * v1 + 2) >> 2;
  }
}

/**
 * Vertical 2:1 chroma interpolation: `line` is row y, `partner` the row it pairs with (y + 1
 * for odd y, y − 1 for even y, GStreamer's pairing from row −1). Odd rows take 3/4 of their own
 * chroma, even rows 3/4 of theirs, the rest from the partner.
 */
export function chromaUpV2(line: Uint8Array, partner: Uint8Array, width: number): void {
  for (let i = 0; i < width; i++) {
    const o = i * 4;
    line[o + 2] = (3 * line[o + 2]! + partner[o + 2]! + 2) >> 2;
    line[o + 3] = (3 * line[o + 3]! + partner[o + 3]! + 2) >> 2;
  }
}
