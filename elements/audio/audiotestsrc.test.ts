import { describe, expect, test } from "bun:test";
import { AppSink, launch, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { audioElements } from "./index.ts";
import { AudioTestSrc } from "./audiotestsrc.ts";

registry.register(...audioElements);

async function collect(desc: string): Promise<{ caps: string; bufs: { pts: number; duration: number; offset: number; data: Uint8Array }[] }> {
  const p = launch(`${desc} ! appsink name=out max-buffers=1000`);
  const out = p.getElement("out") as AppSink;
  const done = p.run();
  const bufs = [];
  for await (const b of out) {
    bufs.push({ pts: b.pts, duration: b.duration, offset: b.offset, data: b.data.slice() });
    b.release();
  }
  await done;
  return { caps: String(out.caps), bufs };
}

describe("audiotestsrc", () => {
  test("unconstrained: S16LE mono 44100 Hz, 1024-frame buffers, like GStreamer", () => {
    const h = new Harness(new AudioTestSrc("a", { numBuffers: 2 }));
    try {
      h.crank();
      const caps = h.events().find((e) => e.type === "caps");
      expect(caps?.type === "caps" && caps.caps.toString()).toBe(
        "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, rate=(int)44100, channels=(int)1",
      );
      const bufs = h.pullAll();
      expect(bufs.map((b) => b.size)).toEqual([2048, 2048]);
      for (const b of bufs) b.release();
    } finally {
      h.teardown();
    }
  });

  test("timestamps and offsets count frames and stay continuous", async () => {
    const r = await collect("audiotestsrc num-buffers=3 samplesperbuffer=441 ! audio/x-raw,rate=44100");
    expect(r.bufs.map((b) => [b.pts, b.duration, b.offset])).toEqual([
      [0, 10_000_000, 0],
      [10_000_000, 10_000_000, 441],
      [20_000_000, 10_000_000, 882],
    ]);
    const r2 = await collect("audiotestsrc num-buffers=3 samplesperbuffer=100 ! audio/x-raw,rate=48000");
    for (let i = 1; i < 3; i++) expect(r2.bufs[i]!.pts).toBe(r2.bufs[i - 1]!.pts + r2.bufs[i - 1]!.duration);
  });

  test("sine: GStreamer's oscillator (first sample sin(step), truncated S16), every channel equal", async () => {
    const r = await collect("audiotestsrc num-buffers=1 samplesperbuffer=8 ! audio/x-raw,format=S16LE,rate=48000,channels=2");
    const s = new Int16Array(r.bufs[0]!.data.buffer);
    // gst-launch-1.0 audiotestsrc … S16LE rate=48000 gives 1508, 3012, 4506, 5985, …
    expect([s[0], s[2], s[4], s[6]]).toEqual([1508, 3012, 4506, 5985]);
    for (let i = 0; i < 16; i += 2) expect(s[i + 1]).toBe(s[i]!);
  });

  test("F32 waves stay within volume and have the right shape", async () => {
    const wave = async (w: string) => new Float32Array((await collect(`audiotestsrc wave=${w} freq=1000 volume=0.5 num-buffers=1 samplesperbuffer=480 ! audio/x-raw,format=F32LE,rate=48000`)).bufs[0]!.data.buffer);
    for (const w of ["sine", "square", "saw", "triangle", "white-noise", "pink-noise"]) {
      const x = await wave(w);
      const peak = Math.max(...x.map(Math.abs));
      expect(peak, w).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(peak, w).toBeGreaterThan(0.2);
    }
    const sq = await wave("square");
    expect(new Set(sq).size).toBe(2);
    expect(Math.max(...(await wave("silence")).map(Math.abs))).toBe(0);
  });

  test("noise repeats for the same seed and differs for another", async () => {
    const one = (seed: number) => collect(`audiotestsrc wave=white-noise seed=${seed} num-buffers=1 samplesperbuffer=64 ! audio/x-raw,format=F32LE`);
    expect((await one(7)).bufs[0]!.data).toEqual((await one(7)).bufs[0]!.data);
    expect((await one(7)).bufs[0]!.data).not.toEqual((await one(8)).bufs[0]!.data);
  });

  test("ticks: a burst of sine periods every tick-interval, silence between", async () => {
    const r = await collect("audiotestsrc wave=ticks freq=1000 tick-interval=100000000 sine-periods-per-tick=2 num-buffers=1 samplesperbuffer=9600 ! audio/x-raw,format=F32LE,rate=48000");
    const x = new Float32Array(r.bufs[0]!.data.buffer);
    const loud = (from: number, to: number) => x.subarray(from, to).some((v) => Math.abs(v) > 0.1);
    expect(loud(1, 96)).toBe(true); // 2 periods of 1 kHz = 96 samples
    expect(loud(100, 4800)).toBe(false);
    expect(loud(4801, 4896)).toBe(true);
  });

  test("is-live waits for the clock", () => {
    const h = new Harness(new AudioTestSrc("a", { isLive: true, samplesperbuffer: 441 }));
    try {
      h.crank();
      expect(h.pullAll().map((b) => (b.release(), b.pts))).toEqual([0]);
      h.advance(10_000_000);
      expect(h.pullAll().map((b) => (b.release(), b.pts))).toEqual([10_000_000]);
    } finally {
      h.teardown();
    }
  });
});
