/** The raw-media examples run as part of the suite, and their results are checked. */
import { expect, test } from "bun:test";
import { main as videoTestsrc } from "../examples/15_video_testsrc.ts";

test("15 video testsrc: RGBA bars → videoconvert → I420 → videoscale → appsink", async () => {
  const r = await videoTestsrc(10);
  expect(r.frames).toBe(10);
  expect(r.frameBytes).toBe(160 * 120 * 1.5);
  expect(r.caps).toContain("format=(string)I420");
  expect(r.caps).toContain("width=(int)160");
  expect(r.caps).toContain("height=(int)120");
  expect(r.ptsMs).toEqual([0, 33, 67, 100, 133, 167, 200, 233, 267, 300]);
  expect(r.topLeft).toEqual([235, 128, 128]);
});
