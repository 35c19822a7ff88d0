import { describe, expect, test } from "bun:test";
import { VideoInfo } from "./video-info.ts";
import { chromaDownH2, chromaDownV2, chromaUpH2, LinePair, packLine, pixelWord, unpackLine, writeRows } from "./video-lines.ts";

/** A line of AYUV pixels with the given U values (V = U + 1). */
function line(us: number[]): Uint8Array {
  const l = new Uint8Array(us.length * 4);
  us.forEach((u, i) => l.set([255, 16 + i, u, u + 1], i * 4));
  return l;
}
const us = (l: Uint8Array) => Array.from({ length: l.length / 4 }, (_, i) => l[i * 4 + 2]);

describe("chroma reduction (GStreamer's chroma resampler)", () => {
  test("centred: pixel 2i takes the rounded average of 2i and 2i+1; an odd last pixel is kept", () => {
    const l = line([10, 21, 30, 30, 7]);
    chromaDownH2(l, 0, 5, false);
    expect(us(l)).toEqual([16, 21, 30, 30, 7]);
  });

  test("cosited: [3 1], [1 2 1] and [1 3] filters (checked against GStreamer's checkers-2 at 720 lines)", () => {
    // Red/green pairs of U = 102/42: GStreamer's I420 chroma row is 102 57 87 57.
    const l = line([102, 102, 42, 42, 102, 102, 42, 42]);
    chromaDownH2(l, 0, 8, true);
    expect([0, 2, 4, 6].map((i) => us(l)[i])).toEqual([102, 57, 87, 57]);
  });

  test("vertical: the even row takes the rounded average; luma is untouched", () => {
    const a = line([90, 54]);
    const b = line([54, 90]);
    chromaDownV2(a, b, 0, 2);
    expect(us(a)).toEqual([72, 72]);
    expect(a[1]).toBe(16);
  });

  test("interpolation back up: centred [3 1]/[1 3], cosited averages", () => {
    const l = line([40, 40, 80, 80, 120, 120]);
    chromaUpH2(l, 6, false);
    expect(us(l)).toEqual([40, 50, 70, 90, 110, 120]);
    const c = line([40, 40, 80, 80]);
    chromaUpH2(c, 4, true);
    expect(us(c)).toEqual([40, 60, 80, 80]);
  });
});

describe("packing and unpacking", () => {
  test("every format round-trips a painted 4x2 picture", () => {
    for (const format of ["I420", "NV12", "YUY2", "RGB", "RGBA", "BGRA", "GRAY8"] as const) {
      const info = new VideoInfo(format, 4, 2);
      const frame = new Uint8Array(info.size);
      const lines = new LinePair(4);
      // Chroma constant over 2x2 blocks survives reduction unchanged.
      const word = (x: number, y: number) => pixelWord(255, 40 + x + 4 * y, 100 + (x >> 1) * 10, 200 - (x >> 1) * 10);
      writeRows(info, frame, lines, (y, _l, l32) => {
        for (let x = 0; x < 4; x++) l32[x] = word(x, y);
      });
      const out = new Uint8Array(16);
      for (let y = 0; y < 2; y++) {
        unpackLine(info, frame, y, out);
        for (let x = 0; x < 4; x++) {
          const w = word(x, y);
          const expectC = [w & 255, (w >> 8) & 255, (w >> 16) & 255, (w >>> 24) & 255];
          const got = Array.from(out.subarray(x * 4, x * 4 + 4));
          if (format === "GRAY8") expect([got[1]], format).toEqual([expectC[1]]);
          else expect(got, `${format} pixel ${x},${y}`).toEqual(expectC);
        }
      }
    }
  });

  test("packing from column x0 leaves the columns before it alone", () => {
    const info = new VideoInfo("RGBA", 4, 1);
    const frame = new Uint8Array(info.size).fill(9);
    packLine(info, frame, 0, new Uint8Array(16).fill(1), 2);
    expect(Array.from(frame.subarray(0, 8))).toEqual(Array(8).fill(9));
    expect(Array.from(frame.subarray(8))).toEqual(Array(8).fill(1));
  });
});
