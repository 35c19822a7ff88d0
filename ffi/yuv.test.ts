import { describe, expect, test } from "bun:test";
import { libyuv, libyuvError, YUV_CONSTANTS_SIZE, type YuvCoefficients, yuvConstants } from "./yuv.ts";

const lib = libyuv();


// What the cases below need is installed by the README's set-up; missing, they fail (not skip).
test("libyuv loads (scripts/setup.sh installs libyuv0)", () => {
  expect(lib !== null).toBe(true);
});
describe("yuvConstants", () => {
  test("packs libyuv's struct YuvConstants (UV byte pairs, then Y scale and bias as int16)", () => {
    const c: YuvCoefficients = { ub: 129, ug: 25, vg: 52, vr: 102, yg: 19072, yb: -1396 };
    const k = yuvConstants(c)!;
    expect(k.length).toBe(YUV_CONSTANTS_SIZE);
    expect([...k.subarray(0, 4)]).toEqual([129, 0, 129, 0]);
    expect([...k.subarray(32, 36)]).toEqual([25, 52, 25, 52]);
    expect([...k.subarray(64, 68)]).toEqual([0, 102, 0, 102]);
    const words = new DataView(k.buffer);
    expect(words.getUint16(96 + 30, true)).toBe(19072);
    expect(words.getInt16(128 + 30, true)).toBe(-1396);
    // The YVU form (planes swapped) exchanges the R and B rows, as libyuv's kYvu… tables do.
    const s = yuvConstants(c, true)!;
    expect([...s.subarray(0, 2)]).toEqual([102, 0]);
    expect([...s.subarray(32, 34)]).toEqual([52, 25]);
    expect([...s.subarray(64, 66)]).toEqual([0, 129]);
  });

  test("refuses coefficients that do not fit", () => {
    expect(yuvConstants({ ub: 256, ug: 25, vg: 52, vr: 102, yg: 19072, yb: -1396 })).toBeNull();
    expect(yuvConstants({ ub: 129, ug: -1, vg: 52, vr: 102, yg: 19072, yb: -1396 })).toBeNull();
  });
});

describe("libyuv (system library)", () => {
  test("loads by soname", () => {
    expect(lib).not.toBeNull();
    expect(libyuvError()).toBeNull();
  });

  test("I420ToARGBMatrix computes libyuv's documented fixed point, for BGRA and (YVU form) RGBA", () => {
    const c: YuvCoefficients = { ub: 129, ug: 25, vg: 52, vr: 102, yg: 19072, yb: -1396 };
    const clamp = (x: number) => (x < 0 ? 0 : x > 255 ? 255 : x);
    // 64x2 pixels: each 2x2 block its own chroma, luma varied inside the block.
    const w = 64;
    const h = 2;
    const y = new Uint8Array(w * h);
    const u = new Uint8Array(w / 2);
    const v = new Uint8Array(w / 2);
    for (let i = 0; i < y.length; i++) y[i] = (i * 37 + 5) & 0xff;
    for (let i = 0; i < u.length; i++) {
      u[i] = (i * 53 + 11) & 0xff;
      v[i] = (i * 91 + 200) & 0xff;
    }
    const bgra = new Uint8Array(w * h * 4);
    const rgba = new Uint8Array(w * h * 4);
    expect(lib!.I420ToARGBMatrix(y, w, u, w / 2, v, w / 2, bgra, w * 4, yuvConstants(c)!, w, h)).toBe(0);
    expect(lib!.I420ToARGBMatrix(y, w, v, w / 2, u, w / 2, rgba, w * 4, yuvConstants(c, true)!, w, h)).toBe(0);
    for (let row = 0; row < h; row++) {
      for (let x = 0; x < w; x++) {
        const p = row * w + x;
        const ui = u[x >> 1]! - 128;
        const vi = v[x >> 1]! - 128;
        const y1 = ((y[p]! * 0x0101 * c.yg) >>> 16) + c.yb;
        const r = clamp((y1 + vi * c.vr) >> 6);
        const g = clamp((y1 - ui * c.ug - vi * c.vg) >> 6);
        const b = clamp((y1 + ui * c.ub) >> 6);
        expect([...bgra.subarray(p * 4, p * 4 + 4)], `BGRA pixel ${p}`).toEqual([b, g, r, 255]);
        expect([...rgba.subarray(p * 4, p * 4 + 4)], `RGBA pixel ${p}`).toEqual([r, g, b, 255]);
      }
    }
  });

  test("stock converters: I420ToABGR writes R,G,B,A and I420ToARGB B,G,R,A", () => {
    // Limited-range red-ish: Y=81, U=90, V=240 is BT.601 (255, 0, 0) give or take rounding.
    const y = new Uint8Array([81, 81, 81, 81]);
    const u = new Uint8Array([90]);
    const v = new Uint8Array([240]);
    const abgr = new Uint8Array(16);
    const argb = new Uint8Array(16);
    lib!.I420ToABGR(y, 2, u, 1, v, 1, abgr, 8, 2, 2);
    lib!.I420ToARGB(y, 2, u, 1, v, 1, argb, 8, 2, 2);
    expect(abgr[0]).toBeGreaterThan(250);
    expect(abgr[2]).toBeLessThan(5);
    expect(abgr[3]).toBe(255);
    expect([argb[0], argb[1], argb[2], argb[3]]).toEqual([abgr[2], abgr[1], abgr[0], abgr[3]]);
  });
});
