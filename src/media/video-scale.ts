/**
 * VideoScaler: resizes frames of one raw format (any size to any size), by nearest neighbour
 * or bilinear interpolation. videoscale is a thin element around it.
 *
 * A frame is scaled component by component: each plane (or each interleaved component of a
 * packed plane: R, G, B, A of RGBA; Y, U, V of YUY2; U and V of NV12's chroma plane) is a grid
 * of samples with its own size (chroma planes are half size), stride and step between
 * samples. Sample centres are aligned: output sample x maps to input position
 * (x + 0.5) × in / out − 0.5. Coordinates and weights are computed once per size, so a frame
 * costs one lookup (nearest) or four multiplies (bilinear) per output sample.
 */
import type { VideoInfo } from "./video-info.ts";
import { view } from "./views.ts";

export type ScaleMethod = "nearest" | "bilinear";

/** One component grid inside a frame. */
type Grid = { offset: number; stride: number; step: number; width: number; height: number };

/** The component grids of a frame, in matching order for input and output. */
export function componentGrids(info: VideoInfo): Grid[] {
  const { width: w, height: h } = info;
  const p = info.planes;
  const cw = (w + 1) >> 1;
  const ch = (h + 1) >> 1;
  switch (info.format) {
    case "I420":
      return [
        { offset: p[0]!.offset, stride: p[0]!.stride, step: 1, width: w, height: h },
        { offset: p[1]!.offset, stride: p[1]!.stride, step: 1, width: cw, height: ch },
        { offset: p[2]!.offset, stride: p[2]!.stride, step: 1, width: cw, height: ch },
      ];
    case "NV12":
      return [
        { offset: p[0]!.offset, stride: p[0]!.stride, step: 1, width: w, height: h },
        { offset: p[1]!.offset, stride: p[1]!.stride, step: 2, width: cw, height: ch },
        { offset: p[1]!.offset + 1, stride: p[1]!.stride, step: 2, width: cw, height: ch },
      ];
    case "YUY2":
      return [
        { offset: 0, stride: p[0]!.stride, step: 2, width: w, height: h },
        { offset: 1, stride: p[0]!.stride, step: 4, width: cw, height: h },
        { offset: 3, stride: p[0]!.stride, step: 4, width: cw, height: h },
      ];
    case "RGB":
      return [0, 1, 2].map((c) => ({ offset: c, stride: p[0]!.stride, step: 3, width: w, height: h }));
    case "RGBA":
    case "BGRA":
      return [0, 1, 2, 3].map((c) => ({ offset: c, stride: p[0]!.stride, step: 4, width: w, height: h }));
    case "GRAY8":
      return [{ offset: 0, stride: p[0]!.stride, step: 1, width: w, height: h }];
  }
}

/** Weight resolution of bilinear interpolation (8 bits a direction). */
const FRAC_BITS = 8;
const ONE = 1 << FRAC_BITS;

type Axis = { i0: Int32Array; i1: Int32Array; f: Int32Array };

/** For each output index: the two input indices around its centre and the weight of the second. */
function axis(inN: number, outN: number): Axis {
  const i0 = new Int32Array(outN);
  const i1 = new Int32Array(outN);
  const f = new Int32Array(outN);
  const ratio = inN / outN;
  for (let o = 0; o < outN; o++) {
    let x = (o + 0.5) * ratio - 0.5;
    if (x < 0) x = 0;
    const a = Math.min(inN - 1, Math.floor(x));
    i0[o] = a;
    i1[o] = Math.min(inN - 1, a + 1);
    f[o] = Math.round((x - a) * ONE);
  }
  return { i0, i1, f };
}

/** For each output index: the input index whose sample centre is nearest. */
function nearest(inN: number, outN: number): Int32Array {
  const m = new Int32Array(outN);
  for (let o = 0; o < outN; o++) m[o] = Math.min(inN - 1, Math.floor(((o + 0.5) * inN) / outN));
  return m;
}

type Plan = { src: Grid; dst: Grid; xs: Axis | Int32Array; ys: Axis | Int32Array };

export class VideoScaler {
  readonly #plans: Plan[];
  /** RGBA/BGRA nearest scaling copies whole pixels as 32-bit words. */
  readonly #wordNearest: { xs: Int32Array; ys: Int32Array } | null;

  constructor(
    readonly input: VideoInfo,
    readonly output: VideoInfo,
    readonly method: ScaleMethod = "bilinear",
  ) {
    if (input.format !== output.format) {
      throw new RangeError(`VideoScaler resizes, it does not convert ${input.format} to ${output.format} (use videoconvert)`);
    }
    const ins = componentGrids(input);
    const outs = componentGrids(output);
    this.#plans = ins.map((src, k) => {
      const dst = outs[k]!;
      return method === "nearest"
        ? { src, dst, xs: nearest(src.width, dst.width), ys: nearest(src.height, dst.height) }
        : { src, dst, xs: axis(src.width, dst.width), ys: axis(src.height, dst.height) };
    });
    const packed32 = input.format === "RGBA" || input.format === "BGRA";
    this.#wordNearest =
      method === "nearest" && packed32
        ? { xs: nearest(input.width, output.width), ys: nearest(input.height, output.height) }
        : null;
  }

  /** Scales one frame from `src` (an input frame) into `dst` (an output frame). */
  scale(src: Uint8Array, dst: Uint8Array): void {
    const wn = this.#wordNearest;
    if (wn !== null) {
      const s32 = view(Int32Array, src);
      const d32 = view(Int32Array, dst);
      if (s32 !== null && d32 !== null) {
        scaleWordsNearest(s32, d32, this.input.width, this.output.width, wn.xs, wn.ys);
        return;
      }
    }
    for (const p of this.#plans) {
      if (p.xs instanceof Int32Array) scaleNearest(src, dst, p.src, p.dst, p.xs, p.ys as Int32Array);
      else scaleBilinear(src, dst, p.src, p.dst, p.xs, p.ys as Axis);
    }
  }
}

function scaleWordsNearest(s: Int32Array, d: Int32Array, sw: number, dw: number, xs: Int32Array, ys: Int32Array): void {
  const dh = ys.length;
  for (let y = 0; y < dh; y++) {
    const row = ys[y]! * sw;
    const o = y * dw;
    for (let x = 0; x < dw; x++) d[o + x] = s[row + xs[x]!]!;
  }
}

function scaleNearest(src: Uint8Array, dst: Uint8Array, a: Grid, b: Grid, xs: Int32Array, ys: Int32Array): void {
  const as = a.step;
  const bs = b.step;
  for (let y = 0; y < b.height; y++) {
    const row = a.offset + ys[y]! * a.stride;
    let o = b.offset + y * b.stride;
    for (let x = 0; x < b.width; x++) {
      dst[o] = src[row + xs[x]! * as]!;
      o += bs;
    }
  }
}

function scaleBilinear(src: Uint8Array, dst: Uint8Array, a: Grid, b: Grid, xs: Axis, ys: Axis): void {
  const as = a.step;
  const bs = b.step;
  const { i0: x0, i1: x1, f: fx } = xs;
  const half = 1 << (2 * FRAC_BITS - 1);
  for (let y = 0; y < b.height; y++) {
    const r0 = a.offset + ys.i0[y]! * a.stride;
    const r1 = a.offset + ys.i1[y]! * a.stride;
    const fy = ys.f[y]!;
    const gy = ONE - fy;
    let o = b.offset + y * b.stride;
    for (let x = 0; x < b.width; x++) {
      const c0 = x0[x]! * as;
      const c1 = x1[x]! * as;
      const f = fx[x]!;
      const g = ONE - f;
      const top = src[r0 + c0]! * g + src[r0 + c1]! * f;
      const bottom = src[r1 + c0]! * g + src[r1 + c1]! * f;
      dst[o] = (top * gy + bottom * fy + half) >> (2 * FRAC_BITS);
      o += bs;
    }
  }
}
