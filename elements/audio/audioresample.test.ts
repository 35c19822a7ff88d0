import { describe, expect, test } from "bun:test";
import { AppSink, launch, registry } from "../../src/index.ts";
import { audioElements } from "./index.ts";

registry.register(...audioElements);

async function run(desc: string) {
  const p = launch(`${desc} ! appsink name=out max-buffers=1000`);
  const out = p.getElement("out") as AppSink;
  const done = p.run();
  const bufs: { pts: number; duration: number; offset: number; offsetEnd: number; size: number; data: Uint8Array }[] = [];
  for await (const b of out) {
    bufs.push({ pts: b.pts, duration: b.duration, offset: b.offset, offsetEnd: b.offsetEnd, size: b.size, data: b.data.slice() });
    b.release();
  }
  await done;
  return { bufs, caps: String(out.caps) };
}

describe("audioresample", () => {
  test("48 k → 44.1 k: every input frame accounted for after the EOS flush, timestamps continuous", async () => {
    const r = await run("audiotestsrc num-buffers=10 ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! audioresample ! audio/x-raw,rate=44100");
    expect(r.caps).toContain("rate=(int)44100");
    const frames = r.bufs.reduce((n, b) => n + b.size / 4, 0);
    expect(frames).toBe(Math.ceil((10 * 1024 * 44100) / 48000));
    expect(r.bufs[0]!.pts).toBe(0);
    for (let i = 1; i < r.bufs.length; i++) {
      expect(r.bufs[i]!.pts).toBe(r.bufs[i - 1]!.pts + r.bufs[i - 1]!.duration);
      expect(r.bufs[i]!.offset).toBe(r.bufs[i - 1]!.offsetEnd);
    }
    const last = r.bufs.at(-1)!;
    expect(last.pts + last.duration).toBe(Math.round((frames * 1e9) / 44100));
  });

  test("quality 0 (linear) and 10 (256-tap sinc) both resample a tone cleanly; 10 more so", async () => {
    const err = async (q: number) => {
      const r = await run(`audiotestsrc wave=sine freq=1000 volume=0.5 num-buffers=20 ! audio/x-raw,format=F32LE,rate=48000,channels=1 ! audioresample quality=${q} ! audio/x-raw,rate=32000`);
      const x = new Float32Array(r.bufs.reduce((n, b) => n + b.size / 4, 0));
      let o = 0;
      for (const b of r.bufs) {
        x.set(new Float32Array(b.data.buffer), o);
        o += b.size / 4;
      }
      // audiotestsrc's sample i is sin(2π f (i + 1) / 48000): output k is at input position k·1.5.
      let s = 0;
      let e = 0;
      for (let k = 100; k < x.length - 100; k++) {
        const ideal = 0.5 * Math.sin((2 * Math.PI * 1000 * (k * 1.5 + 1)) / 48000);
        s += ideal * ideal;
        e += (x[k]! - ideal) ** 2;
      }
      return 10 * Math.log10(s / e);
    };
    const q0 = await err(0);
    const q10 = await err(10);
    expect(q0).toBeGreaterThan(40);
    expect(q10).toBeGreaterThan(90);
  });

  test("the same rate passes buffers through", async () => {
    const r = await run("audiotestsrc num-buffers=2 ! audio/x-raw,rate=44100 ! audioresample");
    expect(r.bufs.map((b) => b.size)).toEqual([2048, 2048]);
  });

  test("upsampling 8 k → 48 k of S16 mono keeps the tone", async () => {
    const r = await run("audiotestsrc wave=sine freq=440 num-buffers=4 samplesperbuffer=800 ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! audioresample ! audio/x-raw,rate=48000");
    const frames = r.bufs.reduce((n, b) => n + b.size / 2, 0);
    expect(frames).toBe(4 * 800 * 6);
    const peak = Math.max(...r.bufs.flatMap((b) => Array.from(new Int16Array(b.data.buffer)).map(Math.abs)));
    expect(peak).toBeGreaterThan(0.79 * 32767);
    expect(peak).toBeLessThan(0.81 * 32767);
  });
});
