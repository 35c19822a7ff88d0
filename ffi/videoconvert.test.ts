import { describe, expect, test } from "bun:test";
import { lineMatrix, TableMatrix, YuvToRgb } from "../src/media/video-color.ts";
import { errnoName } from "./errno.ts";
import { COEF_FIELDS, I420_PLANE_FIELDS, MATRIX_FIELDS, RGB_PLANE_FIELDS, RgbLayout, videoconvertShim, videoconvertShimError } from "./videoconvert.ts";

const lib = videoconvertShim();

/** GStreamer's I420 → RGB arithmetic for one matrix, as src/media/video-color.ts computes it. */
function matrix(m: "bt601" | "bt709", range: "limited" | "full"): YuvToRgb {
  const yuv = { family: "yuv" as const, colorimetry: { range, matrix: m, text: "" } };
  const rgb = { family: "rgb" as const, colorimetry: { range: "full" as const, matrix: "rgb" as const, text: "sRGB" } };
  const t = lineMatrix(yuv, rgb);
  if (!(t instanceof YuvToRgb)) throw new Error("expected the ORC fast-path matrix");
  return t;
}

function coefOf(m: YuvToRgb): Int16Array {
  return new Int16Array([m.im[0]!, m.im[2]!, m.im[5]!, m.im[6]!, m.im[9]!]);
}

function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    out[i] = x >>> 24;
  }
  return out;
}

type Geometry = { yOff: number; yStride: number; uOff: number; uStride: number; vOff: number; vStride: number; dOff: number; dStride: number };

/** Pixel by pixel with the YuvToRgb tables: the reference the kernel must equal. */
function reference(src: Uint8Array, g: Geometry, dst: Uint8Array, w: number, h: number, layout: RgbLayout, m: YuvToRgb): void {
  const bpp = layout === RgbLayout.RGB ? 3 : 4;
  const [ro, bo] = layout === RgbLayout.BGRA ? [2, 0] : [0, 2];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const yy = m.ty[src[g.yOff + y * g.yStride + x]!]!;
      const u = src[g.uOff + (y >> 1) * g.uStride + (x >> 1)]!;
      const v = src[g.vOff + (y >> 1) * g.vStride + (x >> 1)]!;
      const o = g.dOff + y * g.dStride + x * bpp;
      dst[o + ro] = m.clamp[yy + m.trv[v]!]!;
      dst[o + 1] = m.clamp[yy + m.tgu[u]! + m.tgv[v]!]!;
      dst[o + bo] = m.clamp[yy + m.tbu[u]!]!;
      if (bpp === 4) dst[o + 3] = 255;
    }
  }
}

/** The R'G'B' → Y'CbCr integer matrix (BT.601 limited): GStreamer's matrix8_table. */
function toYuvMatrix(): Int32Array {
  const rgb = { family: "rgb" as const, colorimetry: { range: "full" as const, matrix: "rgb" as const, text: "sRGB" } };
  const yuv = { family: "yuv" as const, colorimetry: { range: "limited" as const, matrix: "bt601" as const, text: "bt601" } };
  const t = lineMatrix(rgb, yuv);
  if (!(t instanceof TableMatrix)) throw new Error("expected the table matrix");
  return t.im;
}

type RgbGeometry = { sOff: number; sStride: number; yOff: number; yStride: number; uOff: number; uStride: number; vOff: number; vStride: number };

/**
 * Written from the definition in csrc/videoconvert.c, for any geometry: every pixel's Y'CbCr,
 * chroma averaged over the row pair, then reduced along the row by the siting.
 */
function referenceToYuv(src: Uint8Array, g: RgbGeometry, dst: Uint8Array, w: number, h: number, bgra: boolean, step: number, cosited: boolean, m: Int32Array): void {
  const [ri, bi] = bgra ? [2, 0] : [0, 2];
  const at = (x: number, y: number, k: number) => {
    const p = g.sOff + y * g.sStride + x * 4;
    return (m[k * 4]! * src[p + ri]! + m[k * 4 + 1]! * src[p + 1]! + m[k * 4 + 2]! * src[p + bi]! + m[k * 4 + 3]!) >> 8;
  };
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) dst[g.yOff + y * g.yStride + x] = at(x, y, 0);
  for (let cy = 0; cy < (h + 1) >> 1; cy++) {
    for (const [k, off, stride] of [
      [1, g.uOff, g.uStride],
      [2, g.vOff, g.vStride],
    ] as const) {
      const y0 = cy * 2;
      const c = (x: number) => (y0 + 1 < h ? (at(x, y0, k) + at(x, y0 + 1, k) + 1) >> 1 : at(x, y0, k));
      for (let x = 0; x < w; x += 2) {
        let v: number;
        if (!cosited) v = x + 1 < w ? (c(x) + c(x + 1) + 1) >> 1 : c(x);
        else if (w < 2) v = c(0);
        else if (x === 0) v = (3 * c(0) + c(1) + 2) >> 2;
        else if (x < w - 2) v = (c(x - 1) + 2 * c(x) + c(x + 1) + 2) >> 2;
        else v = (c(x - 1) + 3 * c(x) + 2) >> 2;
        dst[off + cy * stride + (x >> 1) * step] = v;
      }
    }
  }
}

const planesOf = (g: Geometry) => new Int32Array([g.yOff, g.yStride, g.uOff, g.uStride, g.vOff, g.vStride, g.dOff, g.dStride]);


// What the cases below need is installed by the README's set-up; missing, they fail (not skip).
test("the videoconvert shim loads (bun run build:shims)", () => {
  expect(lib !== null).toBe(true);
});
describe("videoconvert shim", () => {
  test("loads, and its array layouts match this binding", () => {
    expect(videoconvertShimError()).toBeNull();
    expect(lib!.px_vc_const_nplanes()).toBe(I420_PLANE_FIELDS);
    expect(lib!.px_vc_const_ncoef()).toBe(COEF_FIELDS);
    expect(lib!.px_vc_const_nplanes_rgb()).toBe(RGB_PLANE_FIELDS);
    expect(lib!.px_vc_const_nmatrix()).toBe(MATRIX_FIELDS);
  });

  test("I420 → RGB, any plane order, padded strides and a destination offset: equal to the reference, nothing written outside", () => {
    const w = 45;
    const h = 13;
    const cw = 23;
    const ch = 7;
    // V before U before Y, every stride padded, planes apart: only the geometry says where they are.
    const g0 = { vOff: 5, vStride: cw + 3, uOff: 5 + (cw + 3) * ch + 11, uStride: cw + 9 };
    const yOff = g0.uOff + g0.uStride * ch + 2;
    const srcLen = yOff + (w + 7) * h;
    for (const layout of [RgbLayout.RGBA, RgbLayout.BGRA, RgbLayout.RGB]) {
      const bpp = layout === RgbLayout.RGB ? 3 : 4;
      const g: Geometry = { ...g0, yOff, yStride: w + 7, dOff: 9, dStride: w * bpp + 5 };
      const dstLen = g.dOff + g.dStride * h;
      for (const m of [matrix("bt601", "limited"), matrix("bt709", "full")]) {
        const src = noise(srcLen, layout + 3);
        const a = new Uint8Array(dstLen).fill(0xa5);
        const b = new Uint8Array(dstLen).fill(0xa5);
        expect(lib!.px_vc_i420_to_rgb(src, srcLen, planesOf(g), a, dstLen, w, h, layout, coefOf(m))).toBe(0);
        reference(src, g, b, w, h, layout, m);
        expect(a).toEqual(b);
      }
    }
  });

  test("I420 → RGB refuses what makes no sense (EINVAL) and buffers too small for the geometry (ERANGE)", () => {
    const w = 8;
    const h = 4;
    const g: Geometry = { yOff: 0, yStride: 8, uOff: 32, uStride: 4, vOff: 40, vStride: 4, dOff: 0, dStride: 32 };
    const src = new Uint8Array(48);
    const dst = new Uint8Array(128);
    const k = coefOf(matrix("bt601", "limited"));
    const call = (gg: Geometry, ww = w, hh = h, layout: number = RgbLayout.RGBA, srcLen = src.length, dstLen = dst.length) => {
      const r = lib!.px_vc_i420_to_rgb(src, srcLen, planesOf(gg), dst, dstLen, ww, hh, layout as RgbLayout, k);
      return r === 0 ? "ok" : errnoName(-r);
    };
    expect(call(g)).toBe("ok");
    expect(call(g, 0)).toBe("EINVAL");
    expect(call(g, w, -1)).toBe("EINVAL");
    expect(call(g, w, h, 3)).toBe("EINVAL");
    expect(call({ ...g, yStride: 7 })).toBe("EINVAL");
    expect(call({ ...g, uOff: -1 })).toBe("EINVAL");
    expect(call({ ...g, dStride: 31 })).toBe("EINVAL");
    expect(call(g, w, h, RgbLayout.RGBA, 47)).toBe("ERANGE");
    expect(call(g, w, h, RgbLayout.RGBA, src.length, 127)).toBe("ERANGE");
    expect(call({ ...g, vOff: 41 })).toBe("ERANGE");
    // RGB rows are 3 bytes a pixel: the same destination is large enough with a smaller stride.
    expect(call({ ...g, dStride: 24 }, w, h, RgbLayout.RGB, src.length, 96)).toBe("ok");
  });

  test("RGBA / BGRA → 4:2:0, any geometry (I420 planes in any order, NV12 interleaved): equal to the reference", () => {
    const m = toYuvMatrix();
    for (const [w, h] of [
      [1, 1],
      [2, 3],
      [7, 5],
      [600, 3],
      [1030, 2],
    ] as const) {
      const cw = (w + 1) >> 1;
      const ch = (h + 1) >> 1;
      for (const bgra of [false, true]) {
        for (const cosited of [false, true]) {
          for (const step of [1, 2] as const) {
            // Source rows padded; in the destination, the chroma before the luma, strides padded.
            const sStride = w * 4 + 12;
            const src = noise(3 + sStride * h, w * 7 + h);
            const crow = (cw - 1) * step + 1;
            const uOff = 6;
            const uStride = crow + 5;
            const vOff = step === 2 ? uOff + 1 : uOff + uStride * ch + 3;
            const vStride = step === 2 ? uStride : crow + 2;
            const yOff = Math.max(uOff + uStride * ch, vOff + vStride * ch) + 4;
            const g: RgbGeometry = { sOff: 3, sStride, yOff, yStride: w + 9, uOff, uStride, vOff, vStride };
            const dstLen = yOff + g.yStride * h;
            const a = new Uint8Array(dstLen).fill(0x5a);
            const b = new Uint8Array(dstLen).fill(0x5a);
            const planes = new Int32Array([g.sOff, g.sStride, g.yOff, g.yStride, g.uOff, g.uStride, g.vOff, g.vStride]);
            const layout = bgra ? RgbLayout.BGRA : RgbLayout.RGBA;
            expect(lib!.px_vc_rgb_to_yuv420(src, src.length, planes, a, dstLen, w, h, layout, step, cosited ? 1 : 0, m)).toBe(0);
            referenceToYuv(src, g, b, w, h, bgra, step, cosited, m);
            expect(firstDifference(a, b), `${w}x${h} bgra=${bgra} cosited=${cosited} step=${step}`).toBe(-1);
          }
        }
      }
    }
  });

  test("RGBA → 4:2:0 refuses what makes no sense (EINVAL) and buffers too small (ERANGE)", () => {
    const m = toYuvMatrix();
    const src = new Uint8Array(8 * 4 * 4);
    const dst = new Uint8Array(48);
    const ok = [0, 32, 0, 8, 32, 4, 40, 4];
    const call = (planes = ok, layout: number = RgbLayout.RGBA, step = 1, srcLen = src.length, dstLen = dst.length) => {
      const r = lib!.px_vc_rgb_to_yuv420(src, srcLen, new Int32Array(planes), dst, dstLen, 8, 4, layout as RgbLayout, step as 1 | 2, 0, m);
      return r === 0 ? "ok" : errnoName(-r);
    };
    expect(call()).toBe("ok");
    expect(call(ok, RgbLayout.RGB)).toBe("EINVAL");
    expect(call(ok, RgbLayout.RGBA, 3)).toBe("EINVAL");
    expect(call([0, 31, 0, 8, 32, 4, 40, 4])).toBe("EINVAL");
    expect(call(ok, RgbLayout.RGBA, 1, src.length - 1)).toBe("ERANGE");
    expect(call(ok, RgbLayout.RGBA, 1, src.length, 47)).toBe("ERANGE");
    // NV12 rows of 4 chroma pairs need 7 bytes: a stride of 4 is too short.
    expect(call([0, 32, 0, 8, 32, 4, 33, 4], RgbLayout.RGBA, 2)).toBe("EINVAL");
    expect(call([0, 32, 0, 8, 32, 8, 33, 8], RgbLayout.RGBA, 2)).toBe("ok");
  });
});

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : Math.min(a.length, b.length);
}
