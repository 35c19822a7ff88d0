import { describe, expect, test } from "bun:test";
import { AppSink, AppSrc, Buffer, launch, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { audioElements } from "./index.ts";
import { AudioConvert } from "./audioconvert.ts";

registry.register(...audioElements);

/** Pushes one buffer of samples through `appsrc caps ! audioconvert ! outCaps` and returns the output bytes. */
async function convert(inCaps: string, samples: Int16Array | Float32Array, outCaps: string): Promise<{ data: Uint8Array; caps: string; pts: number }> {
  const p = launch(`appsrc name=in caps=${inCaps} ! audioconvert ! ${outCaps} ! appsink name=out`);
  const src = p.getElement("in") as AppSrc;
  const out = p.getElement("out") as AppSink;
  const done = p.run();
  const b = Buffer.wrap(new Uint8Array(samples.buffer.slice(0)));
  b.pts = 1234;
  src.push(b);
  src.endOfStream();
  const got = (await out.pull())!;
  const r = { data: got.data.slice(), caps: String(out.caps), pts: got.pts };
  got.release();
  await done;
  return r;
}

const S16 = (ch: number) => `audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=${ch}`;
const F32 = (ch: number) => `audio/x-raw,format=F32LE,layout=interleaved,rate=48000,channels=${ch}`;

describe("audioconvert", () => {
  test("S16 → F32 is s / 32768; F32 → S16 rounds to nearest and clamps (no dither)", async () => {
    const a = await convert(S16(1), new Int16Array([0, 16384, -32768, 32767]), "audio/x-raw,format=F32LE");
    expect(Array.from(new Float32Array(a.data.buffer))).toEqual([0, 0.5, -1, 32767 / 32768]);
    expect(a.pts).toBe(1234);
    const b = await convert(F32(1), new Float32Array([480.597 / 32768, 961.19 / 32768, 1.5, -2, -0.5]), "audio/x-raw,format=S16LE");
    expect(Array.from(new Int16Array(b.data.buffer))).toEqual([481, 961, 32767, -32768, -16384]);
  });

  test("stereo → mono averages the channels; mono → stereo copies", async () => {
    const down = await convert(S16(2), new Int16Array([100, 300, -1000, 1000, 7, 8]), "audio/x-raw,channels=1");
    expect(Array.from(new Int16Array(down.data.buffer))).toEqual([200, 0, 8]);
    const up = await convert(F32(1), new Float32Array([0.25, -0.5]), "audio/x-raw,channels=2");
    expect(Array.from(new Float32Array(up.data.buffer))).toEqual([0.25, 0.25, -0.5, -0.5]);
  });

  test("format and channels change together (F32 stereo → S16 mono)", async () => {
    const r = await convert(F32(2), new Float32Array([0.5, 0.25, -0.5, -1]), "audio/x-raw,format=S16LE,channels=1");
    expect(r.caps).toContain("format=(string)S16LE");
    expect(Array.from(new Int16Array(r.data.buffer))).toEqual([12288, -24576]);
  });

  test("the same caps on both sides pass buffers through untouched", () => {
    const h = new Harness(new AudioConvert("c", {}));
    try {
      h.setCaps(S16(2));
      expect((h.element as AudioConvert).passthrough).toBe(true);
      const b = Buffer.alloc(8);
      h.push(b);
      expect(h.pull()).toBe(b);
    } finally {
      h.teardown();
    }
  });

  test("S16LE 48 k stereo ! audioconvert ! F32LE negotiates and keeps rate and channels", async () => {
    const p = launch("audiotestsrc num-buffers=3 ! audio/x-raw,format=S16LE,rate=48000,channels=2 ! audioconvert ! audio/x-raw,format=F32LE ! appsink name=out");
    const out = p.getElement("out") as AppSink;
    const done = p.run();
    let n = 0;
    for await (const b of out) {
      expect(b.size).toBe(1024 * 8);
      b.release();
      n++;
    }
    await done;
    expect(n).toBe(3);
    const st = out.caps!.structures[0]!;
    expect([st.get("format"), st.get("rate"), st.get("channels"), st.get("layout")]).toEqual(["F32LE", 48000, 2, "interleaved"]);
  });
});
