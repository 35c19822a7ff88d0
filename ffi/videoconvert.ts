/**
 * Typed binding of csrc/videoconvert.c: the native kernels of I420 → RGBA / BGRA / RGB (with
 * GStreamer's ORC arithmetic) and of RGBA / BGRA → I420 / NV12 (its matrix8_table and chroma
 * reduction), used by src/media/video-convert.ts for its hottest paths.
 *
 * Loading is lazy (a lazyShim table, so a sandboxed host opens it with the other shims before
 * its seccomp filter, ffi/lib.ts openDeclaredShims) and never throws: `videoconvertShim()`
 * returns the symbols, or null when the shim was not built or cannot be opened (the reason is
 * kept in `videoconvertShimError()`), and the converter then keeps its JS tables. PARALLAX_NO_NATIVE_VIDEOCONVERT=1 forces that fallback
 * (for tests and for comparing the two).
 *
 * Per frame a call takes typed arrays only (bun:ffi passes their start): the frame buffers,
 * and small arrays the caller builds once per caps: `planes` (offsets and strides, int32) and
 * the coefficients (`coef`, COEF_FIELDS int16: ky, krv, kgu, kgv, kbu; or `matrix`,
 * MATRIX_FIELDS int32: the first three rows of GStreamer's integer matrix). A kernel checks the
 * geometry against both buffers' lengths before touching them; it returns 0 or -errno (EINVAL:
 * a geometry or layout that makes no sense; ERANGE: a buffer too small for it).
 */
import { FFIType as T } from "bun:ffi";
import { lazyShim, optionalLibrary } from "./lib.ts";

/** Output pixel layouts, as csrc/videoconvert.c numbers them. */
export const RgbLayout = { RGBA: 0, BGRA: 1, RGB: 2 } as const;
export type RgbLayout = (typeof RgbLayout)[keyof typeof RgbLayout];

/**
 * Fields of the `planes` array: Y offset, Y stride, U offset, U stride, V offset, V stride
 * (in the source buffer), output offset, output stride (in the destination buffer).
 */
export const I420_PLANE_FIELDS = 8;
/** Fields of the `coef` array: ky, krv, kgu, kgv, kbu (GStreamer's 16-bit matrix entries). */
export const COEF_FIELDS = 5;
/**
 * Fields of the `planes` array of px_vc_rgb_to_yuv420: source offset and stride, then offset
 * and stride of the Y, U and V planes in the destination (NV12: V one byte after U, same stride).
 */
export const RGB_PLANE_FIELDS = 8;
/** Fields of the `matrix` array: rows 0..2 of the integer 4×4 matrix (4 int32 each). */
export const MATRIX_FIELDS = 12;

/** The shim's symbol table (exported for test/abi.test.ts, which opens it directly). */
export const SYMBOLS = {
  px_vc_i420_to_rgb: { args: [T.ptr, T.i64, T.ptr, T.ptr, T.i64, T.i32, T.i32, T.i32, T.ptr], returns: T.i32 },
  px_vc_rgb_to_yuv420: { args: [T.ptr, T.i64, T.ptr, T.ptr, T.i64, T.i32, T.i32, T.i32, T.i32, T.i32, T.ptr], returns: T.i32 },
  px_vc_const_nplanes: { args: [], returns: T.i32 },
  px_vc_const_ncoef: { args: [], returns: T.i32 },
  px_vc_const_nplanes_rgb: { args: [], returns: T.i32 },
  px_vc_const_nmatrix: { args: [], returns: T.i32 },
} as const;

/** The arguments both kernels start with: the two frames, the plane geometry, the RGB layout. */
type FrameArgs = [
  src: Uint8Array,
  srcLength: number,
  planes: Int32Array,
  dst: Uint8Array,
  dstLength: number,
  width: number,
  height: number,
  layout: RgbLayout,
];

export type VideoconvertShim = {
  /**
   * (…frame, coef) → 0 or -errno. Synchronous, on the caller's thread; writes only inside the
   * geometry `planes` describes.
   */
  readonly px_vc_i420_to_rgb: (...args: [...FrameArgs, coef: Int16Array]) => number;
  /**
   * (…frame with layout RGBA or BGRA, chromaStep (1: I420, 2: NV12), cosited (1: chroma on even
   * columns, 0: centred), matrix) → 0 or -errno. Synchronous, on the caller's thread.
   */
  readonly px_vc_rgb_to_yuv420: (...args: [...FrameArgs, chromaStep: 1 | 2, cosited: 0 | 1, matrix: Int32Array]) => number;
  readonly px_vc_const_nplanes: () => number;
  readonly px_vc_const_ncoef: () => number;
  readonly px_vc_const_nplanes_rgb: () => number;
  readonly px_vc_const_nmatrix: () => number;
};

export const NO_NATIVE_ENV = "PARALLAX_NO_NATIVE_VIDEOCONVERT";

const table = lazyShim("videoconvert", SYMBOLS) as unknown as VideoconvertShim;

const shim = optionalLibrary(NO_NATIVE_ENV, () => {
  // A stale .so from another version of the array layout would read the wrong fields.
  const layout = [table.px_vc_const_nplanes(), table.px_vc_const_ncoef(), table.px_vc_const_nplanes_rgb(), table.px_vc_const_nmatrix()];
  if (layout.join() !== [I420_PLANE_FIELDS, COEF_FIELDS, RGB_PLANE_FIELDS, MATRIX_FIELDS].join()) {
    throw new Error(`build/libvideoconvert.so does not match ffi/videoconvert.ts; run \`bun run build:shims\``);
  }
  return table;
});

/** The shim's symbols, or null when it cannot be loaded (see videoconvertShimError()). */
export const videoconvertShim = (): VideoconvertShim | null => shim.get();

/** Why videoconvertShim() returned null (null when it loaded, or was not tried yet). */
export const videoconvertShimError = (): string | null => shim.error();
