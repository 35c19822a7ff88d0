import { describe, expect, test } from "bun:test";
import { AppSink, AppSrc, Buffer, launch, NegotiationError, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { videoElements } from "./index.ts";
import { VideoConvert } from "./videoconvert.ts";

registry.register(...videoElements);

/** Runs `desc ! appsink` and returns the first frame's bytes and the negotiated caps. */
async function pullOne(desc: string): Promise<{ data: Uint8Array; caps: string }> {
  const p = launch(`${desc} ! appsink name=out`);
  const out = p.getElement("out") as AppSink;
  const done = p.run();
  const b = (await out.pull())!;
  const data = b.data.slice();
  const caps = String(out.caps);
  b.release();
  for await (const x of out) x.release();
  await done;
  return { data, caps };
}

describe("videoconvert", () => {
  test("RGBA → videoconvert → I420 negotiates and converts (the issue's pipeline)", async () => {
    const p = launch("videotestsrc num-buffers=3 ! video/x-raw,format=RGBA ! videoconvert ! video/x-raw,format=I420 ! fakesink");
    p.prepare();
    const src = p.elements[0]!.pads[0]!.caps!.structures[0]!;
    const conv = p.elements.find((e) => e instanceof VideoConvert)!;
    expect(src.get("format")).toBe("RGBA");
    expect(conv.pad("src")!.caps!.structures[0]!.get("format")).toBe("I420");
    expect(conv.pad("src")!.caps!.structures[0]!.get("width")).toBe(320);
    p.suspend();
    await launch("videotestsrc num-buffers=3 ! video/x-raw,format=RGBA ! videoconvert ! video/x-raw,format=I420 ! fakesink").run();
  });

  test("without a converter the same caps fail with the explained negotiation error", () => {
    let err: unknown;
    try {
      launch("videotestsrc ! video/x-raw,format=RGBA ! identity ! video/x-raw,format=I420 ! fakesink").prepare();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NegotiationError);
    const msg = (err as Error).message;
    expect(msg).toContain("RGBA");
    expect(msg).toContain("I420");
    expect(msg).toContain("identity0.sink");
    expect(msg).toContain("identity0.src");
    expect(msg).toContain("insert videoconvert");
  });

  test("keeps the input format when downstream allows it: frames pass through, not copied", () => {
    const h = new Harness(new VideoConvert("c", {}));
    try {
      h.setCaps("video/x-raw,format=I420,width=4,height=2,framerate=30/1");
      const el = h.element as VideoConvert;
      expect(el.passthrough).toBe(true);
      expect(el.path).toBe("passthrough");
      const b = Buffer.alloc(12);
      h.push(b);
      expect(h.pull()).toBe(b);
    } finally {
      h.teardown();
    }
  });

  test("converts to what downstream asks for, keeping size and framerate", async () => {
    const r = await pullOne("videotestsrc num-buffers=1 pattern=red ! video/x-raw,format=I420,width=8,height=4,framerate=10/1 ! videoconvert ! video/x-raw,format=BGRA");
    expect(r.caps).toContain("format=(string)BGRA");
    expect(r.caps).toContain("width=(int)8");
    expect(r.caps).toContain("framerate=(fraction)10/1");
    // GStreamer's I420 → BGRA of red (Y 81, U 90, V 240) is B 0, G 0, R 253 (ORC arithmetic).
    expect(Array.from(r.data.subarray(0, 4))).toEqual([0, 0, 253, 255]);
  });

  test("without constraints downstream it picks the closest format to the input's family", async () => {
    const r = await pullOne("videotestsrc num-buffers=1 ! video/x-raw,format=BGRA,width=8,height=8 ! videoconvert ! video/x-raw,format={I420,NV12,RGBA}");
    expect(r.caps).toContain("format=(string)RGBA");
  });

  test("the matrix property forces BT.709 on SD content", async () => {
    const a = await pullOne("videotestsrc num-buffers=1 pattern=red ! video/x-raw,format=I420,width=8,height=4 ! videoconvert ! video/x-raw,format=RGBA");
    const b = await pullOne("videotestsrc num-buffers=1 pattern=red ! video/x-raw,format=I420,width=8,height=4 ! videoconvert matrix=bt709 ! video/x-raw,format=RGBA");
    expect(a.data).not.toEqual(b.data);
  });

  test("a buffer smaller than a frame is a stream error that says what to check", async () => {
    const p = launch("appsrc name=in caps=video/x-raw,format=I420,width=4,height=2,framerate=30/1 ! videoconvert ! video/x-raw,format=RGBA ! fakesink");
    const src = p.getElement("in") as AppSrc;
    const done = p.run();
    src.push(Buffer.alloc(3));
    src.endOfStream();
    await expect(done).rejects.toThrow(/buffer of 3 bytes is smaller than one I420 4x2 frame \(16 bytes\)/);
  });
});
