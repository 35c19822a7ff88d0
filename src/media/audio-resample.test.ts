import { describe, expect, test } from "bun:test";
import { Resampler } from "./audio-resample.ts";

/** Resamples `seconds` of a sine through blocks of `block` frames; returns channel 0. */
function run(inRate: number, outRate: number, quality: number, freq: number, block: number, seconds = 0.5): number[] {
  const rs = new Resampler(2, inRate, outRate, quality);
  const total = Math.round(inRate * seconds);
  const out: number[] = [];
  const buf = new Float64Array(rs.maxOutput(block) * 2 + rs.half * 2 + 16);
  for (let s = 0; s < total; s += block) {
    const n = Math.min(block, total - s);
    const inp = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const v = 0.5 * Math.sin((2 * Math.PI * freq * (s + i)) / inRate);
      inp[2 * i] = v;
      inp[2 * i + 1] = -v;
    }
    const k = rs.process(inp, n, buf);
    for (let j = 0; j < k; j++) {
      expect(buf[2 * j + 1]).toBeCloseTo(-buf[2 * j]!, 12);
      out.push(buf[2 * j]!);
    }
  }
  const k = rs.drain(buf);
  for (let j = 0; j < k; j++) out.push(buf[2 * j]!);
  return out;
}

function snrVsIdeal(out: number[], outRate: number, freq: number): number {
  let s = 0;
  let e = 0;
  for (let k = 200; k < out.length - 200; k++) {
    const ideal = 0.5 * Math.sin((2 * Math.PI * freq * k) / outRate);
    s += ideal * ideal;
    e += (out[k]! - ideal) ** 2;
  }
  return 10 * Math.log10(s / e);
}

describe("Resampler", () => {
  test("N input frames give ceil(N × out / in) output frames, whatever the block size", () => {
    for (const [i, o] of [
      [48000, 44100],
      [44100, 48000],
      [48000, 8000],
      [22050, 48000],
    ] as const) {
      const a = run(i, o, 4, 440, 1024);
      const b = run(i, o, 4, 440, 333);
      expect(a.length).toBe(Math.ceil((Math.round(i * 0.5) * o) / i));
      expect(b).toEqual(a);
    }
  });

  test("quality 4 (windowed sinc) is far cleaner than quality 0 (linear)", () => {
    const q4 = snrVsIdeal(run(48000, 44100, 4, 1000, 1024), 44100, 1000);
    const q0 = snrVsIdeal(run(48000, 44100, 0, 1000, 1024), 44100, 1000);
    expect(q4).toBeGreaterThan(75);
    expect(q0).toBeGreaterThan(45);
    expect(q4).toBeGreaterThan(q0 + 20);
  });

  test("rates whose reduced ratio has many phases use interpolated coefficients, still clean", () => {
    expect(snrVsIdeal(run(44101, 48000, 4, 1000, 1000), 48000, 1000)).toBeGreaterThan(75);
  });

  test("downsampling removes what the lower rate cannot carry", () => {
    // 20 kHz is above 8 kHz's Nyquist: it must not alias back into the band.
    const out = run(48000, 8000, 4, 20000, 1024);
    let p = 0;
    for (let k = 100; k < out.length - 100; k++) p += out[k]! ** 2;
    expect(10 * Math.log10(p / (out.length - 200) / 0.125)).toBeLessThan(-60);
  });

  test("refuses qualities outside 0..10", () => {
    expect(() => new Resampler(1, 48000, 44100, 11)).toThrow(/quality/);
  });
});
