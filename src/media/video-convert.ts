/**
 * VideoConverter: turns frames of one raw format into another of the same size, changing
 * colour representation (Y'CbCr ⇄ R'G'B', BT.601 ⇄ BT.709, limited ⇄ full range) and chroma
 * subsampling as needed. videoconvert is a thin element around it.
 *
 * Every conversion has a generic path, row by row: unpack the input row to 4:4:4 (chroma
 * repeated), apply the colour matrix (src/media/video-color.ts, GStreamer's arithmetic), pack
 * into the output format (chroma reduced as GStreamer does, src/media/video-lines.ts). The
 * common cases take fast paths that do the same arithmetic in one pass:
 *
 *  - I420 → RGBA / BGRA / RGB: natively by default (video-convert-native.ts: the C kernels of
 *    csrc/videoconvert.c, vectorised by gcc, ~10× the JS below), else with tables: five
 *    256-entry tables give each output channel's sum, three clamp tables (2048 entries,
 *    pre-shifted into their byte of the pixel word) give the pixel, one 32-bit store per RGBA
 *    pixel. Chroma is shared by 2×2 pixels, as in GStreamer's I420 → RGB fast path, whose
 *    results both are, byte for byte (the C kernel does the tables' arithmetic without them).
 *  - RGBA / BGRA → I420 / NV12 (chroma not cosited vertically, the default): natively by
 *    default (csrc/videoconvert.c), else luma and chroma sums from tables; chroma averaged
 *    vertically, then reduced horizontally by the output's siting, as the generic path would.
 *  - I420 ⇄ NV12: plane copies and (de)interleaving; RGBA ⇄ BGRA: a byte swap per word.
 *
 * A converter is built once per caps (tables: a few KiB) and then runs synchronously with no
 * allocation per frame.
 */
import { CLAMP_BIAS, type LineMatrix, lineMatrix, TableMatrix, YuvToRgb } from "./video-color.ts";
import type { ColorMatrix } from "./video-info.ts";
import type { VideoInfo } from "./video-info.ts";
import { type ChromaReduce, chromaUpH2, chromaUpV2, LinePair, type RowPainter, unpackLine, writeRows } from "./video-lines.ts";
import { view } from "./views.ts";
import { libyuv, type YuvCoefficients, yuvConstants } from "../../ffi/yuv.ts";
import { nativeConversion } from "./video-convert-native.ts";

export type ConvertOptions = {
  /** Use this Y'CbCr matrix on both sides instead of what the caps say (null: from caps). */
  matrix?: ColorMatrix | null;
  /**
   * Let I420 → RGBA / BGRA run through libyuv (SIMD, ffi/yuv.ts) when it can be loaded. Off by
   * default: libyuv's 6-bit chroma coefficients cannot reproduce GStreamer's ORC rounding, so
   * its output strays up to 3 per channel from GStreamer's (see libyuvCoefficients), where the
   * JS tables are byte-identical.
   */
  libyuv?: boolean;
  /**
   * Let I420 → RGBA / BGRA / RGB and RGBA / BGRA → I420 / NV12 run through the native kernels
   * (csrc/videoconvert.c) when the shim can be loaded; they are byte-identical to the JS
   * tables. Default true; false forces JS.
   */
  native?: boolean;
};

type Frame = (src: Uint8Array, dst: Uint8Array) => void;

export class VideoConverter {
  readonly #run: Frame;
  /** Which path was chosen, for tests and `inspect`-style reports. */
  readonly path: string;

  constructor(
    readonly input: VideoInfo,
    readonly output: VideoInfo,
    opts: ConvertOptions = {},
  ) {
    if (input.width !== output.width || input.height !== output.height) {
      throw new RangeError(
        `VideoConverter changes formats, not sizes: ${input.width}x${input.height} → ${output.width}x${output.height} (use videoscale)`,
      );
    }
    const matrix = lineMatrix(
      { family: input.family, colorimetry: input.colorimetry },
      { family: output.family, colorimetry: output.colorimetry },
      opts.matrix ?? null,
    );
    const fast = (opts.libyuv ? this.#libyuvPath(matrix) : null) ?? (opts.native !== false ? nativeConversion(input, output, matrix) : null) ?? this.#fastPath(matrix);
    if (fast) {
      this.#run = fast.run;
      this.path = fast.path;
    } else {
      this.#run = this.#generic(matrix);
      this.path = "generic";
    }
  }

  /**
   * Converts one frame: `src` holds an input frame, `dst` receives an output frame.
   * Synchronous; allocates nothing. A native path throws RangeError when either is smaller than
   * a frame (the JS paths would leave the missing part out).
   */
  convert(src: Uint8Array, dst: Uint8Array): void {
    this.#run(src, dst);
  }

  /**
   * Row by row: unpack, interpolate chroma where the output has full chroma in that direction
   * (GStreamer's chroma upsampler), convert colour, pack (reducing chroma where the input had
   * it full).
   */
  #generic(matrix: LineMatrix): Frame {
    const input = this.input;
    const output = this.output;
    const lines = new LinePair(input.width);
    const w = input.width;
    const h = input.height;
    const inSub = input.family === "yuv" ? input.desc : null;
    const outFull = output.family !== "yuv";
    const hUp = inSub !== null && inSub.wSub > 0 && outFull;
    const vUp = inSub !== null && inSub.hSub > 0 && outFull && !input.chromaSite.vCosited;
    const hCosited = input.chromaSite.hCosited;
    const partner = new Uint8Array(lines.t.length);
    const reduce: ChromaReduce = { h: input.family !== "yuv" || input.desc.wSub === 0, v: input.family !== "yuv" || input.desc.hSub === 0 };
    let src: Uint8Array = new Uint8Array(0);
    const paint: RowPainter = (y, line) => {
      unpackLine(input, src, y, line);
      if (hUp) chromaUpH2(line, w, hCosited);
      if (vUp && y > 0) {
        // Rows pair as (2k+1, 2k+2); a row without a partner inside the picture keeps its chroma.
        const other = y & 1 ? y + 1 : y - 1;
        if (other < h) {
          unpackLine(input, src, other, partner);
          if (hUp) chromaUpH2(partner, w, hCosited);
          chromaUpV2(line, partner, w);
        }
      }
      matrix?.line(line, w);
    };
    return (s, d) => {
      src = s;
      writeRows(output, d, lines, paint, 0, output.height, 0, reduce);
    };
  }

  /** I420 → RGBA / BGRA through libyuv with GStreamer's coefficients, or null (use JS). */
  #libyuvPath(matrix: LineMatrix): { path: string; run: Frame } | null {
    const i = this.input;
    const o = this.output;
    if (i.format !== "I420" || (o.format !== "RGBA" && o.format !== "BGRA") || !(matrix instanceof YuvToRgb)) return null;
    const lib = libyuv();
    const coef = libyuvCoefficients(matrix);
    if (lib === null || coef === null) return null;
    // libyuv "ARGB" is B,G,R,A in memory (BGRA); RGBA takes the YVU constants, planes swapped.
    const rgba = o.format === "RGBA";
    const k = yuvConstants(coef, rgba)!;
    const [yp, up, vp] = i.planes as readonly Plane[] as [Plane, Plane, Plane];
    const [p0, p1] = rgba ? [vp, up] : [up, vp];
    const dp = o.planes[0]!;
    const w = i.width;
    const h = i.height;
    const run: Frame = (src, dst) => {
      lib.I420ToARGBMatrix(
        src.subarray(yp.offset),
        yp.stride,
        src.subarray(p0.offset),
        p0.stride,
        src.subarray(p1.offset),
        p1.stride,
        dst.subarray(dp.offset),
        dp.stride,
        k,
        w,
        h,
      );
    };
    return { path: `${i.format}→${o.format} libyuv`, run };
  }

  #fastPath(matrix: LineMatrix): { path: string; run: Frame } | null {
    const i = this.input;
    const o = this.output;
    const yuvIn = i.format === "I420" || i.format === "NV12";
    // Only I420: GStreamer's NV12 → RGB goes through its generic path (interpolated chroma).
    if (i.format === "I420" && (o.format === "RGBA" || o.format === "BGRA" || o.format === "RGB") && matrix instanceof YuvToRgb) {
      return { path: `${i.format}→${o.format} tables`, run: yuv420ToRgb(i, o, matrix) };
    }
    const rgbIn = i.format === "RGBA" || i.format === "BGRA";
    if (rgbIn && (o.format === "I420" || o.format === "NV12") && matrix instanceof TableMatrix && !o.chromaSite.vCosited) {
      return { path: `${i.format}→${o.format} tables`, run: rgbToYuv420(i, o, matrix) };
    }
    if (matrix === null && yuvIn && (o.format === "I420" || o.format === "NV12")) {
      return { path: `${i.format}→${o.format} planes`, run: yuv420Repack(i, o) };
    }
    if (matrix === null && rgbIn && (o.format === "RGBA" || o.format === "BGRA")) {
      return { path: `${i.format}→${o.format} swap`, run: rgbaSwap(i, o) };
    }
    return null;
  }
}

type Plane = { offset: number; stride: number };

/**
 * libyuv's fixed point closest to GStreamer's ORC fast path (YuvToRgb): the same Y' scale
 * (yg = cy·64 reproduces ORC's (y·0x0101·cy) >> 16 in 1/64 steps), chroma coefficients rounded
 * to libyuv's 1/64, and the offset that puts Y' = 128 where ORC puts it, less the ~0.25 that
 * ORC's two or three truncations lose on average against libyuv's one. Over every legal Y'CbCr
 * triple the result stays within 3 of GStreamer per channel (within 2 for most: the 1/64 chroma
 * steps and the extra truncation in ORC's G sum do not allow ±2 everywhere). Null when a
 * coefficient does not fit libyuv's bytes.
 */
export function libyuvCoefficients(m: YuvToRgb): YuvCoefficients | null {
  const im = m.im;
  const chroma = (c: number) => Math.round((c * 257) / 1024);
  const c = {
    ub: chroma(im[9]!),
    ug: chroma(-im[5]!),
    vg: chroma(-im[6]!),
    vr: chroma(im[2]!),
    yg: im[0]! * 64,
    yb: Math.round(8192 - (128 * 257 * im[0]!) / 1024) - 16,
  };
  return yuvConstants(c) === null ? null : c;
}

/** I420 → RGBA / BGRA / RGB with GStreamer's fast-path arithmetic (YuvToRgb). */
function yuv420ToRgb(i: VideoInfo, o: VideoInfo, m: YuvToRgb): Frame {
  const n = CLAMP_BIAS * 2;
  // Pixel-word tables: the clamped channel shifted into its byte, alpha folded into one table.
  const rShift = o.format === "BGRA" ? 16 : 0;
  const bShift = o.format === "BGRA" ? 0 : 16;
  const tR = new Int32Array(n);
  const tG = new Int32Array(n);
  const tB = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const v = m.clamp[k]!;
    tR[k] = v << rShift;
    tG[k] = v << 8;
    tB[k] = (v << bShift) | (0xff << 24);
  }
  const geometry = {
    w: i.width,
    h: i.height,
    yOff: i.planes[0]!.offset,
    yStride: i.planes[0]!.stride,
    uOff: i.planes[1]!.offset,
    vOff: i.planes[2]!.offset,
    cStride: i.planes[1]!.stride,
  };
  if (o.format === "RGB") return (src, dst) => i420ToRgb24(src, dst, geometry, m, o.planes[0]!.stride);
  return (src, dst) => {
    const d32 = view(Int32Array, dst);
    if (d32 === null) i420ToRgbBytes(src, dst, geometry, m, o.format === "BGRA");
    else i420ToRgbWords(src, d32, geometry, m, tR, tG, tB);
  };
}

type I420Geometry = { w: number; h: number; yOff: number; yStride: number; uOff: number; vOff: number; cStride: number };

/**
 * The hot loop: two rows at a time (they share their chroma row), one 32-bit store per pixel,
 * chroma looked up once per 2x2 block.
 */
function i420ToRgbWords(src: Uint8Array, d32: Int32Array, g: I420Geometry, m: YuvToRgb, tR: Int32Array, tG: Int32Array, tB: Int32Array): void {
  // `| 0` everywhere: keeps every index an int32 in the JIT (doubles cost a third more here).
  const w = g.w | 0;
  const h = g.h | 0;
  const yOff = g.yOff | 0;
  const yStride = g.yStride | 0;
  const uOff = g.uOff | 0;
  const vOff = g.vOff | 0;
  const cStride = g.cStride | 0;
  const ty = m.ty;
  const trv = m.trv;
  const tgu = m.tgu;
  const tgv = m.tgv;
  const tbu = m.tbu;
  const even = w & ~1;
  for (let y = 0; y < h; y = (y + 2) | 0) {
    const pair = y + 1 < h;
    let ya = (yOff + y * yStride) | 0;
    // Without a second row, "row b" repeats row a (its stores land on row a again).
    let yb = pair ? (ya + yStride) | 0 : ya;
    let ci = ((y >> 1) * cStride) | 0;
    let oa = (y * w) | 0;
    let ob = pair ? (oa + w) | 0 : oa;
    const end = (oa + even) | 0;
    while (oa < end) {
      const u = src[(uOff + ci) | 0]!;
      const v = src[(vOff + ci) | 0]!;
      ci = (ci + 1) | 0;
      const rv = trv[v]!;
      const guv = (tgu[u]! + tgv[v]!) | 0;
      const bu = tbu[u]!;
      const y0 = ty[src[ya]!]!;
      const y1 = ty[src[(ya + 1) | 0]!]!;
      const y2 = ty[src[yb]!]!;
      const y3 = ty[src[(yb + 1) | 0]!]!;
      d32[ob] = tR[(y2 + rv) | 0]! | tG[(y2 + guv) | 0]! | tB[(y2 + bu) | 0]!;
      d32[(ob + 1) | 0] = tR[(y3 + rv) | 0]! | tG[(y3 + guv) | 0]! | tB[(y3 + bu) | 0]!;
      d32[oa] = tR[(y0 + rv) | 0]! | tG[(y0 + guv) | 0]! | tB[(y0 + bu) | 0]!;
      d32[(oa + 1) | 0] = tR[(y1 + rv) | 0]! | tG[(y1 + guv) | 0]! | tB[(y1 + bu) | 0]!;
      ya = (ya + 2) | 0;
      yb = (yb + 2) | 0;
      oa = (oa + 2) | 0;
      ob = (ob + 2) | 0;
    }
    if (w & 1) {
      const u = src[uOff + ci]!;
      const v = src[vOff + ci]!;
      const y2 = ty[src[yb]!]!;
      d32[ob] = tR[y2 + trv[v]!]! | tG[y2 + tgu[u]! + tgv[v]!]! | tB[y2 + tbu[u]!]!;
      const y0 = ty[src[ya]!]!;
      d32[oa] = tR[y0 + trv[v]!]! | tG[y0 + tgu[u]! + tgv[v]!]! | tB[y0 + tbu[u]!]!;
    }
  }
}

/** RGBA / BGRA into a misaligned destination: byte stores. */
function i420ToRgbBytes(src: Uint8Array, dst: Uint8Array, g: I420Geometry, m: YuvToRgb, bgra: boolean): void {
  const { w, h, yOff, yStride, uOff, vOff, cStride } = g;
  const { ty, trv, tgu, tgv, tbu, clamp } = m;
  const ro = bgra ? 2 : 0;
  const bo = bgra ? 0 : 2;
  for (let y = 0; y < h; y++) {
    const yi = yOff + y * yStride;
    const ci = (y >> 1) * cStride;
    let op = y * w * 4;
    for (let x = 0; x < w; x++) {
      const u = src[uOff + ci + (x >> 1)]!;
      const v = src[vOff + ci + (x >> 1)]!;
      const yy = ty[src[yi + x]!]!;
      dst[op + ro] = clamp[yy + trv[v]!]!;
      dst[op + 1] = clamp[yy + tgu[u]! + tgv[v]!]!;
      dst[op + bo] = clamp[yy + tbu[u]!]!;
      dst[op + 3] = 255;
      op += 4;
    }
  }
}

/** RGB (3 bytes a pixel, rows padded to 4). */
function i420ToRgb24(src: Uint8Array, dst: Uint8Array, g: I420Geometry, m: YuvToRgb, outStride: number): void {
  const { w, h, yOff, yStride, uOff, vOff, cStride } = g;
  const { ty, trv, tgu, tgv, tbu, clamp } = m;
  for (let y = 0; y < h; y++) {
    const yi = yOff + y * yStride;
    const ci = (y >> 1) * cStride;
    let op = y * outStride;
    for (let x = 0; x < w; x++) {
      const u = src[uOff + ci + (x >> 1)]!;
      const v = src[vOff + ci + (x >> 1)]!;
      const yy = ty[src[yi + x]!]!;
      dst[op] = clamp[yy + trv[v]!]!;
      dst[op + 1] = clamp[yy + tgu[u]! + tgv[v]!]!;
      dst[op + 2] = clamp[yy + tbu[u]!]!;
      op += 3;
    }
  }
}

/**
 * RGBA / BGRA → I420 / NV12: per pixel the table matrix (GStreamer's matrix8_table), chroma
 * averaged vertically, then reduced horizontally by the output's siting (pairs averaged, or
 * the cosited [1 2 1] filter), exactly as the generic path's chroma reduction does.
 */
function rgbToYuv420(i: VideoInfo, o: VideoInfo, m: TableMatrix): Frame {
  const w = i.width;
  const h = i.height;
  const t = m.tables;
  const [k0, k1, k2] = m.consts as [number, number, number];
  const rIdx = i.format === "BGRA" ? 2 : 0;
  const bIdx = i.format === "BGRA" ? 0 : 2;
  const inStride = i.planes[0]!.stride;
  const yPlane = o.planes[0]!;
  const nv12 = o.format === "NV12";
  const uPlane = o.planes[1]!;
  const vPlane = nv12 ? o.planes[1]! : o.planes[2]!;
  const cStep = nv12 ? 2 : 1;
  const cosited = o.chromaSite.hCosited;
  // Chroma of the even row's pixels, kept until the odd row is read.
  const u0 = new Int32Array(w + 1);
  const v0 = new Int32Array(w + 1);
  const ty0 = t[0]!, tu0 = t[1]!, tv0 = t[2]!, ty1 = t[3]!, tu1 = t[4]!, tv1 = t[5]!, ty2 = t[6]!, tu2 = t[7]!, tv2 = t[8]!;
  return (src, dst) => {
    for (let y = 0; y < h; y++) {
      const si = y * inStride;
      const yo = yPlane.offset + y * yPlane.stride;
      const odd = (y & 1) === 1;
      const last = !odd && y + 1 >= h;
      for (let x = 0; x < w; x++) {
        const p = si + x * 4;
        const r = src[p + rIdx]!;
        const g = src[p + 1]!;
        const b = src[p + bIdx]!;
        dst[yo + x] = (ty0[r]! + ty1[g]! + ty2[b]! + k0) >> 8;
        const u = (tu0[r]! + tu1[g]! + tu2[b]! + k1) >> 8;
        const v = (tv0[r]! + tv1[g]! + tv2[b]! + k2) >> 8;
        if (odd) {
          u0[x] = (u0[x]! + u + 1) >> 1;
          v0[x] = (v0[x]! + v + 1) >> 1;
        } else {
          u0[x] = u;
          v0[x] = v;
        }
      }
      if (odd || last) {
        const row = y >> 1;
        const uo = uPlane.offset + row * uPlane.stride;
        const vo = vPlane.offset + row * vPlane.stride + (nv12 ? 1 : 0);
        if (cosited) {
          for (let x = 0; x < w; x += 2) {
            let u: number;
            let v: number;
            if (w < 2) {
              u = u0[x]!;
              v = v0[x]!;
            } else if (x === 0) {
              u = (3 * u0[0]! + u0[1]! + 2) >> 2;
              v = (3 * v0[0]! + v0[1]! + 2) >> 2;
            } else if (x < w - 2) {
              u = (u0[x - 1]! + 2 * u0[x]! + u0[x + 1]! + 2) >> 2;
              v = (v0[x - 1]! + 2 * v0[x]! + v0[x + 1]! + 2) >> 2;
            } else {
              u = (u0[x - 1]! + 3 * u0[x]! + 2) >> 2;
              v = (v0[x - 1]! + 3 * v0[x]! + 2) >> 2;
            }
            dst[uo + (x >> 1) * cStep] = u;
            dst[vo + (x >> 1) * cStep] = v;
          }
          continue;
        }
        let x = 0;
        for (; x + 1 < w; x += 2) {
          dst[uo + (x >> 1) * cStep] = (u0[x]! + u0[x + 1]! + 1) >> 1;
          dst[vo + (x >> 1) * cStep] = (v0[x]! + v0[x + 1]! + 1) >> 1;
        }
        if (x < w) {
          dst[uo + (x >> 1) * cStep] = u0[x]!;
          dst[vo + (x >> 1) * cStep] = v0[x]!;
        }
      }
    }
  };
}

/** I420 ⇄ NV12 (or same-format copies) with the same colorimetry: luma copied, chroma re-laid. */
function yuv420Repack(i: VideoInfo, o: VideoInfo): Frame {
  const w = i.width;
  const h = i.height;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  const iy = i.planes[0]!;
  const oy = o.planes[0]!;
  return (src, dst) => {
    if (iy.stride === oy.stride) dst.set(src.subarray(iy.offset, iy.offset + iy.stride * h), oy.offset);
    else for (let y = 0; y < h; y++) dst.set(src.subarray(iy.offset + y * iy.stride, iy.offset + y * iy.stride + w), oy.offset + y * oy.stride);
    const inNv = i.format === "NV12";
    const outNv = o.format === "NV12";
    for (let r = 0; r < ch; r++) {
      const iu = i.planes[1]!.offset + r * i.planes[1]!.stride;
      const iv = inNv ? iu + 1 : i.planes[2]!.offset + r * i.planes[2]!.stride;
      const ou = o.planes[1]!.offset + r * o.planes[1]!.stride;
      const ov = outNv ? ou + 1 : o.planes[2]!.offset + r * o.planes[2]!.stride;
      const is = inNv ? 2 : 1;
      const os = outNv ? 2 : 1;
      for (let x = 0; x < cw; x++) {
        dst[ou + x * os] = src[iu + x * is]!;
        dst[ov + x * os] = src[iv + x * is]!;
      }
    }
  };
}

/** RGBA ⇄ BGRA (and RGBA → RGBA copies): swap bytes 0 and 2 of every pixel. */
function rgbaSwap(i: VideoInfo, o: VideoInfo): Frame {
  const n = i.width * i.height;
  const swap = i.format !== o.format;
  return (src, dst) => {
    if (!swap) {
      dst.set(src.subarray(0, n * 4));
      return;
    }
    const s = view(Int32Array, src);
    const d = view(Int32Array, dst);
    if (s !== null && d !== null) {
      for (let k = 0; k < n; k++) {
        const p = s[k]!;
        d[k] = (p & 0xff00ff00) | ((p >>> 16) & 0xff) | ((p & 0xff) << 16);
      }
      return;
    }
    for (let k = 0; k < n * 4; k += 4) {
      dst[k] = src[k + 2]!;
      dst[k + 1] = src[k + 1]!;
      dst[k + 2] = src[k]!;
      dst[k + 3] = src[k + 3]!;
    }
  };
}
