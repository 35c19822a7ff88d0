import { describe, expect, test } from "bun:test";
import { VideoInfo, type VideoFormat } from "./video-info.ts";
import { VideoConverter } from "./video-convert.ts";
import { LinePair, writeRows, pixelWord } from "./video-lines.ts";
import { libyuv, libyuvError } from "../../ffi/yuv.ts";
import { NO_NATIVE_ENV, videoconvertShim } from "../../ffi/videoconvert.ts";
import type { Colorimetry } from "./video-info.ts";

const native = videoconvertShim() !== null;

/** A frame of `format` painted with a smooth RGB ramp (so chroma varies slowly). */
function ramp(format: VideoFormat, w: number, h: number): Uint8Array {
  const rgba = new VideoInfo("RGBA", w, h);
  const src = new Uint8Array(rgba.size);
  writeRows(rgba, src, new LinePair(w), (y, _l, l32) => {
    for (let x = 0; x < w; x++) l32[x] = pixelWord(255, 40 + ((x * 160) / w) | 0, 60 + ((y * 120) / h) | 0, 180 - ((x * 100) / w) | 0);
  });
  if (format === "RGBA") return src;
  const out = new VideoInfo(format, w, h);
  const dst = new Uint8Array(out.size);
  new VideoConverter(rgba, out).convert(src, dst);
  return dst;
}


// What the cases below need is installed by the README's set-up; missing, they fail (not skip).
test("the videoconvert shim is built (bun run build:shims)", () => {
  expect(native).toBe(true);
});
describe("VideoConverter", () => {
  test("chooses the native or table fast paths for the common conversions", () => {
    const i420 = new VideoInfo("I420", 64, 48);
    expect(new VideoConverter(i420, i420.with({ format: "RGBA" })).path).toBe(native ? "I420→RGBA native" : "I420→RGBA tables");
    expect(new VideoConverter(i420, i420.with({ format: "RGBA" }), { native: false }).path).toBe("I420→RGBA tables");
    // GStreamer's NV12 → RGB interpolates chroma (its generic path), so NV12 is not the kernel's.
    expect(new VideoConverter(i420.with({ format: "NV12" }), i420.with({ format: "RGBA" })).path).toBe("generic");
    expect(new VideoConverter(i420.with({ format: "BGRA" }), i420).path).toBe(native ? "BGRA→I420 native" : "BGRA→I420 tables");
    expect(new VideoConverter(i420.with({ format: "BGRA" }), i420, { native: false }).path).toBe("BGRA→I420 tables");
    expect(new VideoConverter(i420, i420.with({ format: "NV12" })).path).toBe("I420→NV12 planes");
    expect(new VideoConverter(i420.with({ format: "RGBA" }), i420.with({ format: "BGRA" })).path).toBe("RGBA→BGRA swap");
    expect(new VideoConverter(i420, i420.with({ format: "YUY2" })).path).toBe("generic");
  });

  test("fast paths and the generic path agree (RGBA → I420, cosited and centred siting)", () => {
    for (const h of [48, 720]) {
      const w = 64;
      const rgbaInfo = new VideoInfo("RGBA", w, h);
      const src = ramp("RGBA", w, h);
      const fast = new Uint8Array(new VideoInfo("I420", w, h).size);
      new VideoConverter(rgbaInfo, new VideoInfo("I420", w, h)).convert(src, fast);
      // Through YUY2's generic packing first would change chroma; instead compare with
      // RGBA → NV12 (fast) → I420 (planes): the same chroma, re-laid.
      const nv12 = new Uint8Array(new VideoInfo("NV12", w, h).size);
      new VideoConverter(rgbaInfo, new VideoInfo("NV12", w, h)).convert(src, nv12);
      const back = new Uint8Array(fast.length);
      new VideoConverter(new VideoInfo("NV12", w, h), new VideoInfo("I420", w, h)).convert(nv12, back);
      expect(back).toEqual(fast);
    }
  });

  test("I420 ⇄ NV12 and RGBA ⇄ BGRA are lossless", () => {
    const i420 = ramp("I420", 30, 20);
    const a = new VideoInfo("I420", 30, 20);
    const nv = new Uint8Array(a.with({ format: "NV12" }).size);
    new VideoConverter(a, a.with({ format: "NV12" })).convert(i420, nv);
    const back = new Uint8Array(a.size);
    new VideoConverter(a.with({ format: "NV12" }), a).convert(nv, back);
    expect([...back]).toEqual([...i420]);
    const rgba = ramp("RGBA", 30, 20);
    const r = new VideoInfo("RGBA", 30, 20);
    const bgra = new Uint8Array(r.size);
    new VideoConverter(r, r.with({ format: "BGRA" })).convert(rgba, bgra);
    expect(Array.from(bgra.subarray(0, 4))).toEqual([rgba[2], rgba[1], rgba[0], rgba[3]]);
  });

  test("every format to RGBA reproduces a smooth picture closely", () => {
    const w = 32;
    const h = 16;
    const ref = ramp("RGBA", w, h);
    for (const f of ["I420", "NV12", "YUY2", "RGB", "BGRA"] as const) {
      const frame = ramp(f, w, h);
      const out = new Uint8Array(w * h * 4);
      new VideoConverter(new VideoInfo(f, w, h), new VideoInfo("RGBA", w, h)).convert(frame, out);
      let worst = 0;
      let sum = 0;
      for (let i = 0; i < out.length; i++) {
        worst = Math.max(worst, Math.abs(out[i]! - ref[i]!));
        sum += out[i]! - ref[i]!;
      }
      if (f === "RGB" || f === "BGRA") {
        expect(worst, f).toBe(0);
        continue;
      }
      // Y'CbCr round trips lose a little: 8-bit quantisation, chroma shared by 2 pixels on a
      // ramp that changes every pixel, and GStreamer's ORC arithmetic, which reads about 2.4
      // low on average (limited-range white comes back as 253).
      expect(worst, f).toBeLessThanOrEqual(12);
      expect(Math.abs(sum / out.length), f).toBeLessThan(3);
    }
  });

  test("GRAY8 is the luma: I420 → GRAY8 copies Y, GRAY8 → RGBA spreads it to R = G = B", () => {
    const i420 = ramp("I420", 16, 8);
    const info = new VideoInfo("I420", 16, 8);
    const gray = new Uint8Array(new VideoInfo("GRAY8", 16, 8).size);
    new VideoConverter(info, new VideoInfo("GRAY8", 16, 8)).convert(i420, gray);
    expect([...gray.subarray(0, 16)]).toEqual([...i420.subarray(0, 16)]);
    const rgba = new Uint8Array(16 * 8 * 4);
    new VideoConverter(new VideoInfo("GRAY8", 16, 8), new VideoInfo("RGBA", 16, 8)).convert(gray, rgba);
    expect(rgba[0]).toBe(rgba[1]);
    expect(rgba[1]).toBe(rgba[2]);
  });

  test("the matrix option changes the colours (BT.709 vs BT.601 on the same frame)", () => {
    const info = new VideoInfo("I420", 16, 8);
    const frame = ramp("I420", 16, 8);
    const a = new Uint8Array(16 * 8 * 4);
    const b = new Uint8Array(16 * 8 * 4);
    new VideoConverter(info, info.with({ format: "RGBA" })).convert(frame, a);
    new VideoConverter(info, info.with({ format: "RGBA" }), { matrix: "bt709" }).convert(frame, b);
    expect(b).not.toEqual(a);
  });

  test("refuses to change the size", () => {
    expect(() => new VideoConverter(new VideoInfo("I420", 4, 4), new VideoInfo("RGBA", 8, 4))).toThrow(/videoscale/);
  });

  test("libyuv (opt-in) takes I420 → RGBA / BGRA, close to the JS tables; NV12 stays generic", () => {
    // scripts/setup.sh installs libyuv0, so it must load here (not a skip when it does not).
    expect(libyuv(), `libyuv did not load (${libyuvError()}); run scripts/setup.sh`).not.toBeNull();
    const w = 96;
    const h = 40;
    const info = new VideoInfo("I420", w, h);
    const frame = ramp("I420", w, h);
    for (const f of ["RGBA", "BGRA"] as const) {
      for (const matrix of ["bt601", "bt709"] as const) {
        const js = new VideoConverter(info, info.with({ format: f }), { matrix, native: false });
        const ly = new VideoConverter(info, info.with({ format: f }), { matrix, libyuv: true });
        expect(js.path).toBe(`I420→${f} tables`);
        expect(ly.path).toBe(`I420→${f} libyuv`);
        const a = new Uint8Array(w * h * 4);
        const b = new Uint8Array(w * h * 4);
        js.convert(frame, a);
        ly.convert(frame, b);
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
        // Not GStreamer's exact rounding (hence opt-in): see libyuvCoefficients.
        expect(worst, `${f} ${matrix}`).toBeLessThanOrEqual(4);
      }
    }
    expect(new VideoConverter(info.with({ format: "NV12" }), info.with({ format: "RGBA" }), { libyuv: true }).path).toBe("generic");
    expect(new VideoConverter(info, info.with({ format: "RGB" }), { libyuv: true }).path).toBe(native ? "I420→RGB native" : "I420→RGB tables");
  });

  test("libyuv: true falls back to the native kernel, then to the JS tables, when they cannot be loaded", () => {
    const code = `
      import { VideoInfo } from "./src/media/video-info.ts";
      import { VideoConverter } from "./src/media/video-convert.ts";
      const i = new VideoInfo("I420", 16, 8);
      console.log(new VideoConverter(i, i.with({ format: "RGBA" }), { libyuv: true }).path);`;
    const run = (env: Record<string, string>) =>
      Bun.spawnSync([process.execPath, "-e", code], {
        cwd: new URL("../..", import.meta.url).pathname,
        env: { ...process.env, PARALLAX_NO_LIBYUV: "1", ...env },
        timeout: 10_000,
      })
        .stdout.toString()
        .trim();
    expect(run({})).toBe(native ? "I420→RGBA native" : "I420→RGBA tables");
    expect(run({ [NO_NATIVE_ENV]: "1" })).toBe("I420→RGBA tables");
  }, 15_000);
});

/** A frame of random bytes (seeded, so a failure repeats). */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const COLORIMETRIES: Colorimetry[] = [
  { range: "limited", matrix: "bt601", text: "bt601" },
  { range: "full", matrix: "bt601", text: "1:4:0:0" },
  { range: "limited", matrix: "bt709", text: "bt709" },
  { range: "full", matrix: "bt709", text: "1:3:0:0" },
  { range: "limited", matrix: "bt2020", text: "bt2020" },
  { range: "limited", matrix: "smpte240m", text: "smpte240m" },
];

describe("native kernels (csrc/videoconvert.c) against the JS tables", () => {
  // Odd sizes (padded strides, a last column and row without a chroma partner), tiny ones, and
  // widths past the kernel's 512-pixel chunk with an odd remainder.
  const SIZES: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 5],
    [17, 9],
    [64, 48],
    [513, 3],
    [1031, 7],
    [1920, 4],
  ];

  test("I420 → RGBA / BGRA / RGB: byte-identical for every format × matrix × range × size, on random frames", () => {
    let seed = 1;
    for (const [w, h] of SIZES) {
      for (const colorimetry of COLORIMETRIES) {
        const input = new VideoInfo("I420", w, h).with({ colorimetry });
        const frame = noise(input.size, seed++);
        for (const format of ["RGBA", "BGRA", "RGB"] as const) {
          const output = input.with({ format });
          const c = new VideoConverter(input, output);
          const js = new VideoConverter(input, output, { native: false });
          const what = `${format} ${colorimetry.text} ${w}x${h}`;
          expect(c.path, what).toBe(`I420→${format} native`);
          expect(js.path, what).toBe(`I420→${format} tables`);
          // Both start from the same garbage so that bytes neither writes (RGB row padding) agree.
          const a = noise(output.size, 7);
          const b = noise(output.size, 7);
          c.convert(frame, a);
          js.convert(frame, b);
          expect(firstDifference(a, b), what).toBe(-1);
        }
      }
    }
  });

  test("RGBA / BGRA → I420 / NV12: byte-identical for every siting × matrix × range × size, on random frames", () => {
    let seed = 1000;
    let covered = 0;
    for (const [w, h] of SIZES) {
      for (const colorimetry of COLORIMETRIES) {
        for (const hCosited of [false, true]) {
          for (const from of ["RGBA", "BGRA"] as const) {
            const input = new VideoInfo(from, w, h);
            const frame = noise(input.size, seed++);
            for (const to of ["I420", "NV12"] as const) {
              const output = new VideoInfo(to, w, h).with({ colorimetry, chromaSite: { hCosited, vCosited: false, text: hCosited ? "mpeg2" : "jpeg" } });
              const c = new VideoConverter(input, output);
              const js = new VideoConverter(input, output, { native: false });
              const what = `${from}→${to} ${colorimetry.text} cosited=${hCosited} ${w}x${h}`;
              // Only matrices that never clip take the table path in JS, and so the native one.
              if (js.path !== `${from}→${to} tables`) continue;
              covered++;
              expect(c.path, what).toBe(`${from}→${to} native`);
              const a = noise(output.size, 3);
              const b = noise(output.size, 3);
              c.convert(frame, a);
              js.convert(frame, b);
              expect(firstDifference(a, b), what).toBe(-1);
            }
          }
        }
      }
    }
    // Limited-range outputs never clip: at least those were all compared.
    expect(covered).toBeGreaterThanOrEqual(SIZES.length * 4 * 2 * 2 * 2);
  });

  test("the matrix property's override and a misaligned destination (byte stores in JS) agree too", () => {
    const input = new VideoInfo("I420", 37, 11);
    const frame = noise(input.size, 99);
    for (const matrix of ["bt601", "bt709"] as const) {
      for (const format of ["RGBA", "BGRA"] as const) {
        const output = input.with({ format });
        const backing = new Uint8Array(output.size + 1);
        const a = backing.subarray(1); // odd byte offset: the JS path cannot use 32-bit words
        const b = new Uint8Array(output.size);
        new VideoConverter(input, output, { matrix }).convert(frame, a);
        new VideoConverter(input, output, { matrix, native: false }).convert(frame, b);
        expect(firstDifference(a, b), `${format} ${matrix}`).toBe(-1);
      }
    }
  });

  test("a frame smaller than the caps say throws, naming both sizes, instead of reading past it", () => {
    const input = new VideoInfo("I420", 16, 8);
    const c = new VideoConverter(input, input.with({ format: "RGBA" }));
    expect(() => c.convert(new Uint8Array(input.size - 1), new Uint8Array(16 * 8 * 4))).toThrow(/ERANGE.*src has 191 bytes \(a frame needs 192\)/);
    expect(() => c.convert(new Uint8Array(input.size), new Uint8Array(16 * 8 * 4 - 1))).toThrow(/dst 511 \(needs 512\)/);
    const back = new VideoConverter(input.with({ format: "RGBA" }), input);
    expect(() => back.convert(new Uint8Array(16 * 8 * 4), new Uint8Array(input.size - 1))).toThrow(/RGBA→I420 16x8.*ERANGE.*dst 191 \(needs 192\)/);
  });
});

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
