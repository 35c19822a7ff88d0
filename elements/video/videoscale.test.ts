import { describe, expect, test } from "bun:test";
import { AppSink, launch, registry } from "../../src/index.ts";
import { videoElements } from "./index.ts";

registry.register(...videoElements);

async function caps(desc: string): Promise<{ width: unknown; height: unknown; format: unknown; size: number }> {
  const p = launch(`${desc} ! appsink name=out`);
  const out = p.getElement("out") as AppSink;
  const done = p.run();
  const b = (await out.pull())!;
  const s = out.caps!.structures[0]!;
  const r = { width: s.get("width"), height: s.get("height"), format: s.get("format"), size: b.size };
  b.release();
  for await (const x of out) x.release();
  await done;
  return r;
}

describe("videoscale", () => {
  test("scales to the size downstream fixes, in the input's format", async () => {
    expect(await caps("videotestsrc num-buffers=2 ! video/x-raw,format=NV12,width=320,height=240 ! videoscale ! video/x-raw,width=100,height=50")).toEqual({
      width: 100,
      height: 50,
      format: "NV12",
      size: 100 * 50 * 1.5,
    });
  });

  test("when downstream fixes one side, the other keeps the input's aspect ratio", async () => {
    expect(await caps("videotestsrc num-buffers=1 ! video/x-raw,width=320,height=240 ! videoscale ! video/x-raw,width=640")).toMatchObject({ width: 640, height: 480 });
    expect(await caps("videotestsrc num-buffers=1 ! video/x-raw,width=320,height=240 ! videoscale ! video/x-raw,height=120")).toMatchObject({ width: 160, height: 120 });
  });

  test("unconstrained it keeps the size (frames pass through)", async () => {
    expect(await caps("videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! videoscale")).toMatchObject({ width: 64, height: 48 });
  });

  test("nearest-neighbour and bilinear both produce the right picture: a 2x upscale of checkers-1", async () => {
    for (const method of ["nearest-neighbour", "bilinear"]) {
      const p = launch(`videotestsrc num-buffers=1 pattern=checkers-8 ! video/x-raw,format=GRAY8,width=16,height=16 ! videoscale method=${method} ! video/x-raw,width=32,height=32 ! appsink name=out`);
      const out = p.getElement("out") as AppSink;
      const done = p.run();
      const b = (await out.pull())!;
      await done;
      // 8-pixel checkers become 16-pixel ones; pixels away from the edges are pure red/green luma.
      const red = b.data[2 * 32 + 2];
      const green = b.data[2 * 32 + 20];
      expect(red, method).toBe(81);
      expect(green, method).toBe(145);
      b.release();
    }
  });
});
