/**
 * 15 — Raw video: a test pattern made in one format, converted and scaled, pulled by the
 * application. videotestsrc paints SMPTE bars in RGBA; videoconvert turns them into I420
 * (BT.601, as GStreamer would for this size); videoscale halves the size; appsink hands the
 * frames over. Caps filters say what each link carries; negotiation finds the rest (the
 * framerate and pixel aspect ratio travel through unchanged).
 *
 *   bun examples/15_video_testsrc.ts
 */
import { type AppSink, launch, registry } from "../src/index.ts";
import { videoElements } from "../elements/video/index.ts";

registry.register(...videoElements);

export type Result = {
  frames: number;
  caps: string;
  frameBytes: number;
  /** pts of each frame, in ms. */
  ptsMs: number[];
  /** Y, U, V of the top-left pixel: the 100% white bar (235, 128, 128 in BT.601 limited range). */
  topLeft: [number, number, number];
};

export async function main(frames = 10): Promise<Result> {
  const p = launch(
    `videotestsrc pattern=smpte num-buffers=${frames} ! video/x-raw,format=RGBA,width=320,height=240,framerate=30/1 ` +
      "! videoconvert ! video/x-raw,format=I420 ! videoscale ! video/x-raw,width=160,height=120 ! appsink name=out",
  );
  const out = p.getElement("out") as AppSink;
  const done = p.run();
  const ptsMs: number[] = [];
  let frameBytes = 0;
  let topLeft: [number, number, number] = [0, 0, 0];
  for await (const buf of out) {
    if (ptsMs.length === 0) {
      // I420 160x120: Y plane 160x120, then U and V planes 80x60.
      const d = buf.data;
      topLeft = [d[0]!, d[160 * 120]!, d[160 * 120 + 80 * 60]!];
    }
    frameBytes = buf.size;
    ptsMs.push(Math.round(buf.pts / 1e6));
    buf.release();
  }
  await done;
  const result: Result = { frames: ptsMs.length, caps: String(out.caps), frameBytes, ptsMs, topLeft };
  console.log(`${result.frames} frames of ${result.caps}\n  ${frameBytes} bytes each, top-left Y'CbCr ${topLeft.join(", ")}`);
  return result;
}

if (import.meta.main) await main();
