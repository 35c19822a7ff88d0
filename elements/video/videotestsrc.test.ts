import { describe, expect, test } from "bun:test";
import { AppSink, launch, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { videoElements } from "./index.ts";
import { VideoTestSrc } from "./videotestsrc.ts";

registry.register(...videoElements);

describe("videotestsrc", () => {
  test("unconstrained it makes I420 320x240 at 30/1, square pixels, like GStreamer", () => {
    const h = new Harness(new VideoTestSrc("src", { numBuffers: 3 }));
    try {
      h.crank();
      const caps = h.events().find((e) => e.type === "caps");
      expect(caps?.type === "caps" && caps.caps.toString()).toBe(
        "video/x-raw, format=(string)I420, width=(int)320, height=(int)240, framerate=(fraction)30/1, pixel-aspect-ratio=(fraction)1/1",
      );
      const bufs = h.pullAll();
      expect(bufs.map((b) => b.size)).toEqual([115200, 115200, 115200]);
      expect(h.events().at(-1)?.type).toBe("eos");
      for (const b of bufs) b.release();
    } finally {
      h.teardown();
    }
  });

  test("timestamps, durations and offsets follow the framerate (30000/1001 rounds down, sums exactly)", async () => {
    const p = launch("videotestsrc num-buffers=4 pattern=black ! video/x-raw,width=16,height=16,framerate=30000/1001 ! appsink name=out");
    const out = p.getElement("out") as AppSink;
    const done = p.run();
    const got: number[][] = [];
    for await (const b of out) {
      got.push([b.pts, b.duration, b.offset, b.offsetEnd]);
      b.release();
    }
    await done;
    expect(got).toEqual([
      [0, 33366666, 0, 1],
      [33366666, 33366667, 1, 2],
      [66733333, 33366667, 2, 3],
      [100100000, 33366666, 3, 4],
    ]);
  });

  test("timestamp-offset shifts every pts", () => {
    const h = new Harness(new VideoTestSrc("src", { numBuffers: 2, timestampOffset: 1_000_000 }));
    try {
      h.crank();
      expect(h.pullAll().map((b) => (b.release(), b.pts))).toEqual([1_000_000, 34_333_333]);
    } finally {
      h.teardown();
    }
  });

  test("is-live produces each frame when the clock reaches its running time", () => {
    const h = new Harness(new VideoTestSrc("src", { isLive: true, pattern: "black" }));
    try {
      h.crank();
      expect(h.pullAll().map((b) => (b.release(), b.pts))).toEqual([0]);
      h.advance(20_000_000);
      expect(h.pullAll()).toHaveLength(0);
      h.advance(14_000_000); // 34 ms: frame 1 (33.3 ms) is due
      expect(h.pullAll().map((b) => (b.release(), b.pts))).toEqual([33_333_333]);
      h.advance(100_000_000); // 134 ms: frames 2, 3, 4
      expect(h.pullAll().map((b) => (b.release(), b.pts))).toEqual([66_666_666, 100_000_000, 133_333_333]);
    } finally {
      h.teardown();
    }
  });

  test("caps filters pick format, size and rate; every format renders", async () => {
    for (const format of ["I420", "NV12", "YUY2", "RGB", "RGBA", "BGRA", "GRAY8"]) {
      const p = launch(`videotestsrc num-buffers=1 pattern=white ! video/x-raw,format=${format},width=6,height=4,framerate=5/1 ! appsink name=out`);
      const out = p.getElement("out") as AppSink;
      const done = p.run();
      const b = (await out.pull())!;
      await done;
      expect(out.caps!.structures[0]!.get("format")).toBe(format);
      const first = b.data[0];
      expect(first, format).toBe(format.startsWith("RGB") || format === "BGRA" ? 255 : 235);
      b.release();
    }
  });

  test("foreground-color takes GStreamer's big-endian ARGB, also as hex in a launch string", async () => {
    const p = launch("videotestsrc num-buffers=1 pattern=solid-color foreground-color=0xff336699 ! video/x-raw,format=RGBA,width=2,height=2 ! appsink name=out");
    const out = p.getElement("out") as AppSink;
    const done = p.run();
    const b = (await out.pull())!;
    await done;
    expect(Array.from(b.data.subarray(0, 4))).toEqual([0x33, 0x66, 0x99, 0xff]);
    b.release();
  });

  test("a format it cannot make fails negotiation, naming both sides", () => {
    expect(() => launch("videotestsrc ! video/x-raw,format=P010_10LE ! fakesink").prepare()).toThrow(/format/);
  });
});
