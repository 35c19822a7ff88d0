/**
 * The native paths of VideoConverter (src/media/video-convert.ts): I420 → RGBA / BGRA / RGB
 * and RGBA / BGRA → I420 / NV12 through the C kernels of csrc/videoconvert.c
 * (ffi/videoconvert.ts), which do the JS table paths' arithmetic (GStreamer's) byte for byte.
 *
 * Each path packs the plane geometry and the matrix coefficients into small typed arrays once,
 * per caps; per frame it makes one FFI call on the caller's buffers and allocates nothing.
 */
import { errnoName } from "../../ffi/errno.ts";
import {
  COEF_FIELDS,
  I420_PLANE_FIELDS,
  MATRIX_FIELDS,
  RGB_PLANE_FIELDS,
  RgbLayout,
  type VideoconvertShim,
  videoconvertShim,
} from "../../ffi/videoconvert.ts";
import { type LineMatrix, TableMatrix, YuvToRgb } from "./video-color.ts";
import type { VideoInfo } from "./video-info.ts";

type Frame = (src: Uint8Array, dst: Uint8Array) => void;
type Plane = { offset: number; stride: number };

/**
 * The native path for converting `i` frames into `o` frames with `matrix` (VideoConverter's
 * choice of GStreamer arithmetic), named "<in>→<out> native"; null when the C kernels do not
 * cover the case (the same cases and conditions as the JS table paths) or when the shim cannot
 * be loaded, so that the caller falls back to the tables.
 */
export function nativeConversion(i: VideoInfo, o: VideoInfo, matrix: LineMatrix): { path: string; run: Frame } | null {
  const toRgb = i.format === "I420" && (o.format === "RGBA" || o.format === "BGRA" || o.format === "RGB") && matrix instanceof YuvToRgb;
  const rgbIn = i.format === "RGBA" || i.format === "BGRA";
  const toYuv = rgbIn && (o.format === "I420" || o.format === "NV12") && matrix instanceof TableMatrix && !o.chromaSite.vCosited;
  if (!toRgb && !toYuv) return null;
  const lib = videoconvertShim();
  if (lib === null) return null;
  const run = toRgb ? nativeI420ToRgb(lib, i, o, matrix as YuvToRgb) : nativeRgbToYuv420(lib, i, o, matrix as TableMatrix);
  return { path: `${i.format}→${o.format} native`, run };
}

/**
 * I420 → RGBA / BGRA / RGB in C (the arithmetic of yuv420ToRgb in video-convert.ts): the
 * plane geometry and the five coefficients are packed once here.
 */
function nativeI420ToRgb(lib: VideoconvertShim, i: VideoInfo, o: VideoInfo, m: YuvToRgb): Frame {
  const [yp, up, vp] = i.planes as readonly Plane[] as [Plane, Plane, Plane];
  const dp = o.planes[0]!;
  const planes = new Int32Array(I420_PLANE_FIELDS);
  planes.set([yp.offset, yp.stride, up.offset, up.stride, vp.offset, vp.stride, dp.offset, dp.stride]);
  // Int16Array keeps the low 16 bits of each entry, as ORC (and YuvToRgb's orcTerm) do.
  const coef = new Int16Array(COEF_FIELDS);
  coef.set([m.im[0]!, m.im[2]!, m.im[5]!, m.im[6]!, m.im[9]!]);
  const layout = RgbLayout[o.format as "RGBA" | "BGRA" | "RGB"];
  const w = i.width;
  const h = i.height;
  return (src, dst) => {
    const r = lib.px_vc_i420_to_rgb(src, src.length, planes, dst, dst.length, w, h, layout, coef);
    if (r !== 0) refused(r, i, o, src, dst);
  };
}

/** RGBA / BGRA → I420 / NV12 in C (the arithmetic of rgbToYuv420 in video-convert.ts). */
function nativeRgbToYuv420(lib: VideoconvertShim, i: VideoInfo, o: VideoInfo, m: TableMatrix): Frame {
  const sp = i.planes[0]!;
  const [yp, up] = o.planes as readonly Plane[] as [Plane, Plane];
  const nv12 = o.format === "NV12";
  // NV12: U and V interleaved in one plane, V one byte after U.
  const vp = nv12 ? { offset: up.offset + 1, stride: up.stride } : o.planes[2]!;
  const planes = new Int32Array(RGB_PLANE_FIELDS);
  planes.set([sp.offset, sp.stride, yp.offset, yp.stride, up.offset, up.stride, vp.offset, vp.stride]);
  const matrix = new Int32Array(MATRIX_FIELDS);
  matrix.set(m.im.subarray(0, MATRIX_FIELDS));
  const layout = i.format === "BGRA" ? RgbLayout.BGRA : RgbLayout.RGBA;
  const step = nv12 ? 2 : 1;
  const cosited = o.chromaSite.hCosited ? 1 : 0;
  const w = i.width;
  const h = i.height;
  return (src, dst) => {
    const r = lib.px_vc_rgb_to_yuv420(src, src.length, planes, dst, dst.length, w, h, layout, step, cosited, matrix);
    if (r !== 0) refused(r, i, o, src, dst);
  };
}

/** Throws the error for a frame a native kernel refused: only a caller's mistake gets here. */
function refused(r: number, i: VideoInfo, o: VideoInfo, src: Uint8Array, dst: Uint8Array): never {
  throw new RangeError(
    `VideoConverter ${i.format}→${o.format} ${i.width}x${i.height}: the native kernel refused the frame (${errnoName(-r)}): ` +
      `src has ${src.length} bytes (a frame needs ${i.size}), dst ${dst.length} (needs ${o.size})`,
  );
}
