/**
 * Video color: the matrices between R'G'B' and Y'CbCr, built and rounded as GStreamer's video
 * converter builds them (video-converter.c), so Parallax's conversions land within a unit of
 * GStreamer's on the same input.
 *
 * A conversion matrix is 4×4 over (c1, c2, c3, 1) in 8-bit code values: it removes the input
 * range's offsets and scales to 0..1, applies Y'CbCr→R'G'B' with the input matrix's Kr/Kb
 * (BT.601, BT.709, …), then R'G'B'→Y'CbCr with the output's, then scales and offsets to the
 * output range. GStreamer then multiplies by 256 and rounds to integers (`im`), and applies
 * them in one of three ways, all reproduced here:
 *
 *  - Y'CbCr → R'G'B' with ORC's 16-bit arithmetic (video_orc_convert_I420_ARGB and AYUV_ARGB):
 *    each input is centred on 128, spread to 16 bits (x·257), multiplied keeping the high 16
 *    bits, summed and saturated to a signed byte; the matrix offsets are not used. This is the
 *    path GStreamer's videoconvert takes for I420 → RGBA, so it is what Parallax matches.
 *    `YuvToRgb` turns it into five 256-entry tables and a clamp table.
 *  - R'G'B' → Y'CbCr with per-channel tables (`(Σ im·c + offset) >> 8`, matrix8_table).
 *  - anything else with `((Σ im·c) >> 8) + (offset >> 8)` (matrix8).
 *
 * Built once per caps; the tables are read on the per-pixel path.
 */
import { type ColorFamily, type ColorMatrix, type Colorimetry, MATRIX_KR_KB } from "./video-info.ts";

/** Row-major 4×4 matrix. */
export type Matrix4 = number[];

const identity = (): Matrix4 => [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];

/** a × b (b applied first). */
function mul(a: Matrix4, b: Matrix4): Matrix4 {
  const out = new Array<number>(16).fill(0);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let x = 0;
      for (let k = 0; k < 4; k++) x += a[i * 4 + k]! * b[k * 4 + j]!;
      out[i * 4 + j] = x;
    }
  }
  return out;
}

function offset(m: Matrix4, a1: number, a2: number, a3: number): Matrix4 {
  const a = identity();
  a[3] = a1;
  a[7] = a2;
  a[11] = a3;
  return mul(a, m);
}

function scale(m: Matrix4, a1: number, a2: number, a3: number): Matrix4 {
  const a = identity();
  a[0] = a1;
  a[5] = a2;
  a[10] = a3;
  return mul(a, m);
}

function ycbcrToRgb(m: Matrix4, kr: number, kb: number): Matrix4 {
  const kg = 1 - kr - kb;
  const k = [1, 0, 2 * (1 - kr), 0, 1, (-2 * kb * (1 - kb)) / kg, (-2 * kr * (1 - kr)) / kg, 0, 1, 2 * (1 - kb), 0, 0, 0, 0, 0, 1];
  return mul(k, m);
}

function rgbToYcbcr(m: Matrix4, kr: number, kb: number): Matrix4 {
  const kg = 1 - kr - kb;
  const xb = 1 / (2 * (1 - kb));
  const xr = 1 / (2 * (1 - kr));
  const k = [kr, kg, kb, 0, -xb * kr, -xb * kg, xb * (1 - kb), 0, xr * (1 - kr), -xr * kg, -xr * kb, 0, 0, 0, 0, 1];
  return mul(k, m);
}

/** Offsets and scales of a range for 8-bit components (gst_video_color_range_offsets). */
export function rangeOffsets(family: ColorFamily, range: "limited" | "full"): { off: number[]; scale: number[] } {
  if (family === "rgb") return { off: [0, 0, 0], scale: [255, 255, 255] };
  return range === "limited" ? { off: [16, 128, 128], scale: [219, 224, 224] } : { off: [0, 128, 128], scale: [255, 255, 255] };
}

function krKb(m: ColorMatrix): readonly [number, number] | null {
  return m === "rgb" ? null : MATRIX_KR_KB[m];
}

/** One side of a conversion: the format family and its colorimetry (matrix possibly overridden). */
export type ColorSide = { family: ColorFamily; colorimetry: Colorimetry };

/**
 * The 4×4 matrix taking input code values to output code values (compute_matrix_to_RGB then
 * compute_matrix_to_YUV). `matrix` overrides both sides' Y'CbCr matrix (the videoconvert
 * property); null keeps what the caps say.
 */
export function conversionMatrix(from: ColorSide, to: ColorSide, matrix: ColorMatrix | null = null): Matrix4 {
  let m = identity();
  const fr = rangeOffsets(from.family, from.colorimetry.range);
  m = offset(m, -fr.off[0]!, -fr.off[1]!, -fr.off[2]!);
  // GStreamer divides in single precision: 1 / (float) scale.
  m = scale(m, Math.fround(1 / fr.scale[0]!), Math.fround(1 / fr.scale[1]!), Math.fround(1 / fr.scale[2]!));
  if (from.family !== "rgb") {
    const k = krKb(matrix ?? from.colorimetry.matrix);
    if (k) m = ycbcrToRgb(m, k[0], k[1]);
  }
  if (to.family !== "rgb") {
    const k = krKb(matrix ?? to.colorimetry.matrix);
    if (k) m = rgbToYcbcr(m, k[0], k[1]);
  }
  const tr = rangeOffsets(to.family, to.colorimetry.range);
  m = scale(m, tr.scale[0]!, tr.scale[1]!, tr.scale[2]!);
  m = offset(m, tr.off[0]!, tr.off[1]!, tr.off[2]!);
  return m;
}

/** C's rint: round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The first three rows of 256 × m, rounded (color_matrix_convert after scaling by SCALE_F). */
export function intMatrix(m: Matrix4): Int32Array {
  const im = new Int32Array(12);
  for (let i = 0; i < 12; i++) im[i] = rint(m[i]! * 256);
  return im;
}

/** True when im does nothing (up to GStreamer's identity test). */
export function isIdentity(im: Int32Array): boolean {
  const c = im[0]!;
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 4; j++) {
      const v = im[i * 4 + j]!;
      if (j === i ? v !== c : v !== 0) return false;
    }
  }
  return c === 256;
}

/** ORC's splatbw then mulhsw: the signed byte (v − 128) spread to 16 bits, times p, high half. */
function orcTerm(v: number, p: number): number {
  const s = (v - 128) & 0xff;
  const w = (((s << 8) | s) << 16) >> 16;
  return (w * ((p << 16) >> 16)) >> 16;
}

/** Bias of the clamp tables' index, so table sums never go negative. */
export const CLAMP_BIAS = 1024;

/**
 * Y'CbCr → R'G'B' as GStreamer's ORC fast path computes it: R = sat8(TY[y] + TRV[v]) + 128,
 * G = sat8(TY[y] + TGU[u] + TGV[v]) + 128, B = sat8(TY[y] + TBU[u]) + 128. The tables already
 * hold CLAMP_BIAS in TY so that `clamp[TY[y] + TRV[v]]` is the output byte.
 */
export class YuvToRgb {
  readonly ty = new Int32Array(256);
  readonly trv = new Int32Array(256);
  readonly tgu = new Int32Array(256);
  readonly tgv = new Int32Array(256);
  readonly tbu = new Int32Array(256);
  /** Output byte for a biased sum. */
  readonly clamp = new Uint8Array(CLAMP_BIAS * 2);
  constructor(readonly im: Int32Array) {
    for (let i = 0; i < 256; i++) {
      this.ty[i] = orcTerm(i, im[0]!) + CLAMP_BIAS;
      this.trv[i] = orcTerm(i, im[2]!);
      this.tbu[i] = orcTerm(i, im[9]!);
      this.tgu[i] = orcTerm(i, im[5]!);
      this.tgv[i] = orcTerm(i, im[6]!);
    }
    for (let i = 0; i < CLAMP_BIAS * 2; i++) {
      const v = Math.max(-128, Math.min(127, i - CLAMP_BIAS)) + 128;
      this.clamp[i] = v;
    }
  }

  /** Converts a line of AYUV pixels into ARGB in place. */
  line(p: Uint8Array, width: number): void {
    const { ty, trv, tgu, tgv, tbu, clamp } = this;
    for (let i = 0; i < width; i++) {
      const o = i * 4;
      const yy = ty[p[o + 1]!]!;
      const u = p[o + 2]!;
      const v = p[o + 3]!;
      p[o + 1] = clamp[yy + trv[v]!]!;
      p[o + 2] = clamp[yy + tgu[u]! + tgv[v]!]!;
      p[o + 3] = clamp[yy + tbu[u]!]!;
    }
  }
}

/**
 * R'G'B' → Y'CbCr (or any other matrix that does not clip) with per-component tables:
 * out_k = (Σ_j im[k][j]·c_j + im[k][3]) >> 8, GStreamer's matrix8_table.
 */
export class TableMatrix {
  /** t[k][c] for output k from input component j: tables[j * 3 + k]. */
  readonly tables: Int32Array[] = [];
  readonly consts: number[];
  constructor(readonly im: Int32Array) {
    for (let j = 0; j < 3; j++) {
      for (let k = 0; k < 3; k++) {
        const t = new Int32Array(256);
        for (let c = 0; c < 256; c++) t[c] = im[k * 4 + j]! * c;
        this.tables.push(t);
      }
    }
    this.consts = [im[3]!, im[7]!, im[11]!];
  }

  /** True when every input colour maps inside 0..255 (GStreamer's is_no_clip_matrix). */
  static noClip(im: Int32Array): boolean {
    for (let i = 0; i < 8; i++) {
      const r = i & 4 ? 255 : 0;
      const g = i & 2 ? 255 : 0;
      const b = i & 1 ? 255 : 0;
      for (let k = 0; k < 3; k++) {
        const v = (im[k * 4]! * r + im[k * 4 + 1]! * g + im[k * 4 + 2]! * b + im[k * 4 + 3]!) >> 8;
        if (v < 0 || v > 255) return false;
      }
    }
    return true;
  }

  line(p: Uint8Array, width: number): void {
    const t = this.tables;
    const t00 = t[0]!, t01 = t[1]!, t02 = t[2]!, t10 = t[3]!, t11 = t[4]!, t12 = t[5]!, t20 = t[6]!, t21 = t[7]!, t22 = t[8]!;
    const [k0, k1, k2] = this.consts as [number, number, number];
    for (let i = 0; i < width; i++) {
      const o = i * 4;
      const a = p[o + 1]!;
      const b = p[o + 2]!;
      const c = p[o + 3]!;
      p[o + 1] = (t00[a]! + t10[b]! + t20[c]! + k0) >> 8;
      p[o + 2] = (t01[a]! + t11[b]! + t21[c]! + k1) >> 8;
      p[o + 3] = (t02[a]! + t12[b]! + t22[c]! + k2) >> 8;
    }
  }
}

/** Any other matrix, saturating: ((Σ im·c) >> 8) + (offset >> 8), GStreamer's matrix8. */
export class ClampMatrix {
  constructor(readonly im: Int32Array) {}
  line(p: Uint8Array, width: number): void {
    const m = this.im;
    const o0 = m[3]! >> 8, o1 = m[7]! >> 8, o2 = m[11]! >> 8;
    for (let i = 0; i < width; i++) {
      const o = i * 4;
      const a = p[o + 1]!;
      const b = p[o + 2]!;
      const c = p[o + 3]!;
      const x = ((m[0]! * a + m[1]! * b + m[2]! * c) >> 8) + o0;
      const y = ((m[4]! * a + m[5]! * b + m[6]! * c) >> 8) + o1;
      const z = ((m[8]! * a + m[9]! * b + m[10]! * c) >> 8) + o2;
      p[o + 1] = x < 0 ? 0 : x > 255 ? 255 : x;
      p[o + 2] = y < 0 ? 0 : y > 255 ? 255 : y;
      p[o + 3] = z < 0 ? 0 : z > 255 ? 255 : z;
    }
  }
}

/** What converting one line's colour takes: nothing, or one of the three arithmetics above. */
export type LineMatrix = { line(p: Uint8Array, width: number): void } | null;

/** Picks GStreamer's arithmetic for this conversion (prepare_matrix). */
export function lineMatrix(from: ColorSide, to: ColorSide, matrix: ColorMatrix | null = null): LineMatrix {
  // Like GStreamer, Y'CbCr (or gray) to Y'CbCr with the same matrix is left alone, ranges
  // included: gray is luma, whatever its nominal range.
  if (from.family !== "rgb" && to.family !== "rgb" && (matrix !== null || from.colorimetry.matrix === to.colorimetry.matrix)) {
    return null;
  }
  const im = intMatrix(conversionMatrix(from, to, matrix));
  if (isIdentity(im)) return null;
  if (from.family !== "rgb" && to.family === "rgb" && im[0] === im[4] && im[4] === im[8] && im[1] === 0 && im[10] === 0) {
    return new YuvToRgb(im);
  }
  if (TableMatrix.noClip(im)) return new TableMatrix(im);
  return new ClampMatrix(im);
}
