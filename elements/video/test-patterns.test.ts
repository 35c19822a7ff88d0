import { describe, expect, test } from "bun:test";
import { VideoInfo } from "../../src/media/video-info.ts";
import { PatternRenderer, SINE_TABLE, VtsRandom, type Pattern } from "./test-patterns.ts";

const opts = (pattern: Pattern, foregroundColor = 0xffffffff) => ({ pattern, foregroundColor, backgroundColor: 0xff000000 });

function frame(info: VideoInfo, pattern: Pattern, n = 0, fg?: number): Uint8Array {
  const r = new PatternRenderer(info, opts(pattern, fg), new VtsRandom());
  const d = new Uint8Array(info.size);
  for (let i = 0; i <= n; i++) r.render(d, i);
  return d;
}

describe("test patterns", () => {
  test("the sine table is GStreamer's (spot values from videotestsrc.c)", () => {
    expect([0, 1, 9, 64, 129, 192, 200, 255].map((i) => SINE_TABLE[i])).toEqual([128, 131, 156, 255, 124, 0, 2, 124]);
  });

  test("the random sequence is GStreamer's 32-bit LCG", () => {
    const r = new VtsRandom(0);
    // state = state * 1103515245 + 12345; byte = (state >> 16) & 0xff
    expect([r.next(), r.next(), r.next()]).toEqual([0, 0xdc, 0x04]);
  });

  test("solid colours use the BT.601 table at SD and BT.709 at HD, and RGB values in RGB formats", () => {
    const sd = frame(new VideoInfo("I420", 8, 4), "red");
    expect([sd[0], sd[32], sd[40]]).toEqual([81, 90, 240]);
    const hd = frame(new VideoInfo("I420", 8, 720), "red");
    expect([hd[0], hd[8 * 720], hd[8 * 720 + 4 * 360]]).toEqual([63, 102, 240]);
    expect(Array.from(frame(new VideoInfo("RGBA", 2, 1), "blue"))).toEqual([0, 0, 255, 255, 0, 0, 255, 255]);
    expect(Array.from(frame(new VideoInfo("BGRA", 1, 1), "red"))).toEqual([0, 0, 255, 255]);
    expect(frame(new VideoInfo("GRAY8", 4, 1), "white")[0]).toBe(235);
  });

  test("solid-color paints the foreground colour (big-endian ARGB)", () => {
    expect(Array.from(frame(new VideoInfo("RGBA", 1, 1), "solid-color", 0, 0xff336699))).toEqual([0x33, 0x66, 0x99, 0xff]);
    // GStreamer: Y 0x5f, U 0x9e, V 0x66 for 0xff336699 at SD.
    const i420 = frame(new VideoInfo("I420", 4, 2), "solid-color", 0, 0xff336699);
    expect([i420[0], i420[8], i420[12]]).toEqual([0x5f, 0x9e, 0x66]);
  });

  test("checkers alternate red and green in blocks of 1, 2, 4, 8", () => {
    for (const n of [1, 2, 4, 8]) {
      const f = frame(new VideoInfo("RGBA", 16, 1), `checkers-${n}` as Pattern);
      const reds = Array.from({ length: 16 }, (_, x) => f[x * 4]);
      expect(reds).toEqual(Array.from({ length: 16 }, (_, x) => (x & n ? 0 : 255)));
    }
  });

  test("smpte changes only in its noise block from frame to frame", () => {
    const info = new VideoInfo("GRAY8", 64, 48);
    const r = new PatternRenderer(info, opts("smpte"), new VtsRandom());
    const a = new Uint8Array(info.size);
    const b = new Uint8Array(info.size);
    r.render(a, 0);
    r.render(b, 1);
    for (let y = 0; y < 48; y++) {
      for (let x = 0; x < 64; x++) {
        const inNoise = y >= 36 && x >= 48;
        if (!inNoise) expect(b[y * 64 + x]).toBe(a[y * 64 + x]);
      }
    }
    expect(b.subarray(36 * 64 + 48, 36 * 64 + 64)).not.toEqual(a.subarray(36 * 64 + 48, 36 * 64 + 64));
  });

  test("the ball moves, snow changes, static patterns repeat", () => {
    const info = new VideoInfo("I420", 64, 48);
    expect(frame(info, "ball", 0)).not.toEqual(frame(info, "ball", 5));
    expect(frame(info, "snow", 0)).not.toEqual(frame(info, "snow", 1));
    expect(frame(info, "circular", 0)).toEqual(frame(info, "circular", 3));
    expect(frame(info, "gradient", 0)).toEqual(frame(info, "gradient", 3));
  });
});
