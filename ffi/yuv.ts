/**
 * libyuv (the system library, loaded by soname; Debian package libyuv0): SIMD converters
 * between 4:2:0 Y'CbCr and 32-bit RGB, used by src/media/video-convert.ts for its hottest paths.
 *
 * libyuv names 32-bit formats by the word, little-endian: its "ABGR" is R,G,B,A in memory
 * (GStreamer's RGBA) and its "ARGB" is B,G,R,A in memory (GStreamer's BGRA). Prefixes give the
 * matrix and range: I420 is BT.601 limited, H420 BT.709 limited, J420 BT.601 full (JPEG).
 *
 * Loading is lazy and never throws: `libyuv()` returns the symbols, or null when the library
 * is missing (the reason is kept in `libyuvError()`), and the callers fall back to JS.
 * Pointers are passed as TypedArrays (subarrays included: bun:ffi passes their start).
 */
import { dlopen, FFIType } from "bun:ffi";
import { optionalLibrary } from "./lib.ts";

const { ptr: P, i32 } = FFIType;

/** (src_y, stride_y, src_u, stride_u, src_v, stride_v, dst, dst_stride, width, height) → 0 */
const PLANAR_TO_PACKED = { args: [P, i32, P, i32, P, i32, P, i32, i32, i32], returns: i32 } as const;
/** (src, src_stride, dst_y, stride_y, dst_u, stride_u, dst_v, stride_v, width, height) → 0 */
const PACKED_TO_PLANAR = { args: [P, i32, P, i32, P, i32, P, i32, i32, i32], returns: i32 } as const;
/** (src_y, stride_y, src_uv, stride_uv, dst, dst_stride, width, height) → 0 */
const SEMI_TO_PACKED = { args: [P, i32, P, i32, P, i32, i32, i32], returns: i32 } as const;

/** (src_y, stride_y, src_u, stride_u, src_v, stride_v, dst, dst_stride, const YuvConstants*, width, height) → 0 */
const PLANAR_TO_PACKED_MATRIX = { args: [P, i32, P, i32, P, i32, P, i32, P, i32, i32], returns: i32 } as const;

const SYMBOLS = {
  I420ToARGBMatrix: PLANAR_TO_PACKED_MATRIX,
  I420ToABGR: PLANAR_TO_PACKED,
  I420ToARGB: PLANAR_TO_PACKED,
  H420ToABGR: PLANAR_TO_PACKED,
  H420ToARGB: PLANAR_TO_PACKED,
  J420ToABGR: PLANAR_TO_PACKED,
  J420ToARGB: PLANAR_TO_PACKED,
  NV12ToABGR: SEMI_TO_PACKED,
  NV12ToARGB: SEMI_TO_PACKED,
  ABGRToI420: PACKED_TO_PLANAR,
  ARGBToI420: PACKED_TO_PLANAR,
} as const;

export const LIBYUV_SONAME = "libyuv.so.0";

type Pixels = Uint8Array;
export type PlanarToPacked = (y: Pixels, ys: number, u: Pixels, us: number, v: Pixels, vs: number, dst: Pixels, ds: number, w: number, h: number) => number;
export type PackedToPlanar = (src: Pixels, ss: number, y: Pixels, ys: number, u: Pixels, us: number, v: Pixels, vs: number, w: number, h: number) => number;
export type SemiToPacked = (y: Pixels, ys: number, uv: Pixels, uvs: number, dst: Pixels, ds: number, w: number, h: number) => number;

export type PlanarToPackedMatrix = (
  y: Pixels, ys: number, u: Pixels, us: number, v: Pixels, vs: number, dst: Pixels, ds: number, k: Uint8Array, w: number, h: number,
) => number;

export type LibYuv = {
  readonly I420ToARGBMatrix: PlanarToPackedMatrix;
  readonly I420ToABGR: PlanarToPacked;
  readonly I420ToARGB: PlanarToPacked;
  readonly H420ToABGR: PlanarToPacked;
  readonly H420ToARGB: PlanarToPacked;
  readonly J420ToABGR: PlanarToPacked;
  readonly J420ToARGB: PlanarToPacked;
  readonly NV12ToABGR: SemiToPacked;
  readonly NV12ToARGB: SemiToPacked;
  readonly ABGRToI420: PackedToPlanar;
  readonly ARGBToI420: PackedToPlanar;
};

const lib = optionalLibrary("PARALLAX_NO_LIBYUV", () => dlopen(LIBYUV_SONAME, SYMBOLS).symbols as unknown as LibYuv);

/** The libyuv symbols, or null when the library cannot be loaded (see libyuvError()). */
export const libyuv = (): LibYuv | null => lib.get();

/** Why libyuv() returned null (null when it loaded, or was not tried yet). */
export const libyuvError = (): string | null => lib.error();

/** Size of libyuv's `struct YuvConstants` (x86 layout of libyuv 2022+: 3×32 bytes, 2×16 int16). */
export const YUV_CONSTANTS_SIZE = 160;

/**
 * The coefficients of libyuv's Y'CbCr → R'G'B' row functions, in its own fixed point:
 *   y1 = ((y·0x0101·yg) >> 16) + yb;  B = (y1 + (u−128)·ub) >> 6;
 *   G = (y1 − (u−128)·ug − (v−128)·vg) >> 6;  R = (y1 + (v−128)·vr) >> 6  (then clamped to 0..255).
 * ub, ug, vg, vr are unsigned bytes (0..255, i.e. 0..~4 in steps of 1/64), yg and yb int16.
 */
export type YuvCoefficients = { ub: number; ug: number; vg: number; vr: number; yg: number; yb: number };

/**
 * Packs coefficients into a `struct YuvConstants` for I420ToARGBMatrix. `swapped` builds the
 * "YVU" form (libyuv's kYvu… tables): called with the U and V planes exchanged it writes R and B
 * exchanged, i.e. libyuv "ABGR" = R,G,B,A in memory. Null when a coefficient does not fit.
 */
export function yuvConstants(c: YuvCoefficients, swapped = false): Uint8Array | null {
  const bytes = [c.ub, c.ug, c.vg, c.vr];
  if (bytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return null;
  if (![c.yg, c.yb].every((v) => Number.isInteger(v) && v >= -32768 && v <= 65535)) return null;
  const k = new Uint8Array(YUV_CONSTANTS_SIZE);
  const [b0, b1, g0, g1, r0, r1] = swapped ? [c.vr, 0, c.vg, c.ug, 0, c.ub] : [c.ub, 0, c.ug, c.vg, 0, c.vr];
  for (let i = 0; i < 32; i += 2) {
    k[i] = b0;
    k[i + 1] = b1;
    k[32 + i] = g0;
    k[32 + i + 1] = g1;
    k[64 + i] = r0;
    k[64 + i + 1] = r1;
  }
  const words = new DataView(k.buffer);
  for (let i = 0; i < 16; i++) {
    words.setUint16(96 + i * 2, c.yg & 0xffff, true);
    words.setUint16(128 + i * 2, c.yb & 0xffff, true);
  }
  return k;
}
