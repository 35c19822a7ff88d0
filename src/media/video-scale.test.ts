import { expect, test } from "bun:test";
import { VideoInfo } from "./video-info.ts";
import { VideoScaler } from "./video-scale.ts";

test("nearest 2x upscale repeats each pixel twice in each direction", () => {
  const a = new VideoInfo("GRAY8", 4, 2);
  const b = new VideoInfo("GRAY8", 8, 4);
  const src = new Uint8Array(a.size);
  src.set([1, 2, 3, 4], 0);
  src.set([5, 6, 7, 8], a.planes[0]!.stride);
  const dst = new Uint8Array(b.size);
  new VideoScaler(a, b, "nearest").scale(src, dst);
  expect(Array.from(dst.subarray(0, 8))).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
  expect(Array.from(dst.subarray(24, 32))).toEqual([5, 5, 6, 6, 7, 7, 8, 8]);
});

test("bilinear keeps flat areas flat and interpolates between samples", () => {
  const a = new VideoInfo("RGBA", 2, 1);
  const b = new VideoInfo("RGBA", 4, 2);
  const src = new Uint8Array([0, 100, 200, 255, 100, 100, 200, 255]);
  const dst = new Uint8Array(b.size);
  new VideoScaler(a, b, "bilinear").scale(src, dst);
  // Channel 0 goes 0 → 100 across; centres at 0.25/0.75 of a source pixel: 0, 25, 75, 100.
  expect([0, 1, 2, 3].map((x) => dst[x * 4])).toEqual([0, 25, 75, 100]);
  expect([0, 1, 2, 3].map((x) => dst[x * 4 + 1])).toEqual([100, 100, 100, 100]);
  expect(dst.subarray(16, 32)).toEqual(dst.subarray(0, 16));
});

test("every format scales down and up with the right frame size and plausible content", () => {
  for (const f of ["I420", "NV12", "YUY2", "RGB", "RGBA", "BGRA", "GRAY8"] as const) {
    for (const method of ["nearest", "bilinear"] as const) {
      const a = new VideoInfo(f, 33, 17);
      const b = new VideoInfo(f, 50, 9);
      const src = new Uint8Array(a.size).fill(77);
      const dst = new Uint8Array(b.size);
      new VideoScaler(a, b, method).scale(src, dst);
      // A uniform frame stays uniform in every sample that belongs to the picture.
      const c = new VideoScaler(b, a, method);
      const round = new Uint8Array(a.size);
      c.scale(dst, round);
      expect(round[0], `${f} ${method}`).toBe(77);
      expect(round[a.planes[0]!.offset + 5], `${f} ${method}`).toBe(77);
    }
  }
  expect(() => new VideoScaler(new VideoInfo("I420", 4, 4), new VideoInfo("RGBA", 8, 8))).toThrow(/videoconvert/);
});
