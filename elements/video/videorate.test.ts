import { describe, expect, test } from "bun:test";
import { AppSink, launch, registry } from "../../src/index.ts";
import { videoElements } from "./index.ts";
import { VideoRate, type VideoRateStats } from "./videorate.ts";

registry.register(...videoElements);

async function run(desc: string): Promise<{ pts: number[]; rate: unknown; stats: VideoRateStats }> {
  const p = launch(`${desc} ! appsink name=out max-buffers=1000`);
  const out = p.getElement("out") as AppSink;
  const vr = p.elements.find((e) => e instanceof VideoRate) as VideoRate;
  const done = p.run();
  const pts: number[] = [];
  for await (const b of out) {
    pts.push(b.pts);
    b.release();
  }
  await done;
  return { pts, rate: out.caps!.structures[0]!.get("framerate"), stats: vr.stats };
}

const SRC = "videotestsrc num-buffers=30 pattern=black ! video/x-raw,format=GRAY8,width=8,height=8,framerate=30/1";

describe("videorate", () => {
  test("30 → 10 fps drops two frames in three; output on a 100 ms grid", async () => {
    const r = await run(`${SRC} ! videorate ! video/x-raw,framerate=10/1`);
    expect(r.rate).toEqual({ num: 10, den: 1 });
    expect(r.pts).toEqual(Array.from({ length: 11 }, (_, i) => i * 100_000_000));
    expect(r.stats).toEqual({ in: 30, out: 11, drop: 19, duplicate: 0 });
  });

  test("30 → 50 fps duplicates frames (49 out, as GStreamer gives)", async () => {
    const r = await run(`${SRC} ! videorate ! video/x-raw,framerate=50/1`);
    expect(r.pts.length).toBe(49);
    expect(r.pts.slice(0, 3)).toEqual([0, 20_000_000, 40_000_000]);
    expect(r.stats.duplicate).toBe(19);
    expect(r.stats.drop).toBe(0);
  });

  test("drop-only never duplicates: slots without a frame are left out", async () => {
    const r = await run(`${SRC} ! videorate drop-only=true ! video/x-raw,framerate=50/1`);
    expect(r.stats.duplicate).toBe(0);
    expect(r.pts.length).toBe(30);
    for (const t of r.pts) expect(t % 20_000_000).toBe(0);
  });

  test("max-rate caps the negotiated rate, nearest to the input's", async () => {
    const r = await run(`${SRC} ! videorate max-rate=15`);
    expect(r.rate).toEqual({ num: 15, den: 1 });
    expect(r.pts.length).toBe(16);
  });

  test("the same rate passes frames through", async () => {
    const r = await run(`${SRC} ! videorate`);
    expect(r.pts.length).toBe(30);
    expect(r.stats).toEqual({ in: 30, out: 30, drop: 0, duplicate: 0 });
  });
});
