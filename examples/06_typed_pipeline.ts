/**
 * 06 — Typed pipeline: compile-time checked stages, and a round trip through the dynamic graph.
 *
 * Typed stages make small RGBA frames (a Stage<Buffer>), send them through a launch fragment
 * (`rgbatogray ! video/x-raw,format=GRAY8`, negotiated like any launch string, running in a
 * real Pipeline) and come back as Buffers to typed code again, which measures each gray frame
 * and zips it with a label. `take(5)` stops everything after five results: the frame source,
 * and the fragment's pipeline, whose teardown the terminal awaits.
 *
 * The fragment uses a converter defined here (RGBA → GRAY8, BT.601 luma), registered in a
 * registry of its own next to the built-in elements, so the example shows a format change
 * with nothing beyond this file; any registered element works the same way, e.g.
 * `through("videoconvert ! video/x-raw,format=I420", { caps })`.
 *
 *   bun examples/06_typed_pipeline.ts
 */
import {
  type AppSink,
  Buffer,
  builtinElements,
  Caps,
  type ElementMeta,
  MSECOND,
  NO_PROPERTIES,
  type Pipeline,
  Registry,
  range,
  STAGE_OUT_NAME,
  template,
  Transform,
  zip,
} from "../src/index.ts";

/** RGBA → GRAY8 with integer BT.601 luma: Y = (77 R + 150 G + 29 B) >> 8. */
export class RgbaToGray extends Transform {
  static override meta: ElementMeta = {
    name: "rgbatogray",
    category: "video",
    description: "Converts RGBA video to GRAY8 (BT.601 luma)",
    pads: [template.sink("video/x-raw,format=RGBA"), template.src("video/x-raw,format=GRAY8")],
    properties: NO_PROPERTIES,
    scheduling: { affinity: "auto", rtSafe: false },
  };

  override transformCaps(from: "src" | "sink", caps: Caps): Caps {
    if (caps.isAny()) return from === "sink" ? this.pad("src")!.template.caps : this.pad("sink")!.template.caps;
    return Caps.from(caps.structures.map((s) => s.with("format", from === "sink" ? "GRAY8" : "RGBA")));
  }

  transform(buf: Buffer): Buffer {
    const rgba = buf.data;
    const gray = Buffer.alloc(rgba.length >> 2);
    const y = gray.data;
    for (let i = 0, j = 0; j < y.length; i += 4, j++) y[j] = (77 * rgba[i]! + 150 * rgba[i + 1]! + 29 * rgba[i + 2]!) >> 8;
    gray.copyMetadataFrom(buf);
    buf.release();
    return gray;
  }
}

const WIDTH = 4;
const HEIGHT = 4;
const FRAME_NS = Math.round(1000 * MSECOND / 30);
export const INPUT_CAPS = `video/x-raw,format=RGBA,width=${WIDTH},height=${HEIGHT},framerate=30/1`;

/** A solid RGBA frame whose red channel is 20·i. */
function frame(i: number): Buffer {
  const b = Buffer.alloc(WIDTH * HEIGHT * 4);
  for (let p = 0; p < b.data.length; p += 4) b.data.set([20 * i, 100, 200, 255], p);
  b.pts = i * FRAME_NS;
  b.duration = FRAME_NS;
  return b;
}

export type Result = {
  frames: { label: string; pts: number; bytes: number; luma: number }[];
  /** Caps negotiated at the fragment's output. */
  outputCaps: string;
  /** State of the fragment's pipeline once the terminal resolved. */
  pipelineState: string;
};

export async function main(): Promise<Result> {
  const registry = new Registry();
  registry.register(...builtinElements, RgbaToGray);
  let graph: Pipeline | null = null;
  let outputCaps = "";

  const gray = range(0, Infinity) // an endless frame counter: take() below bounds the run
    .map(frame) // Stage<Buffer>
    .through("rgbatogray ! video/x-raw,format=GRAY8", {
      caps: INPUT_CAPS,
      registry,
      onPipeline: (p) => (graph = p),
    }) // Stage<Buffer>, back from the dynamic graph
    .inspect(() => (outputCaps ||= (graph?.getElement(STAGE_OUT_NAME) as AppSink | undefined)?.caps?.toString() ?? ""))
    .map((buf) => ({ pts: buf.pts, bytes: buf.size, luma: buf.data[0]! }));

  const labelled = zip(range(1, Infinity).map((n) => `frame ${n}`), gray)
    .map(([label, g]) => ({ label, ...g }))
    .take(5);

  const frames = await labelled.collect();
  const pipelineState = (graph as Pipeline | null)?.state ?? "never built";
  for (const f of frames) console.log(`${f.label}: pts ${f.pts} ns, ${f.bytes} bytes of GRAY8, luma ${f.luma}`);
  console.log(`output caps: ${outputCaps}; fragment pipeline after the run: ${pipelineState}`);
  return { frames, outputCaps, pipelineState };
}

if (import.meta.main) await main();
