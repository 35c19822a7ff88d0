/**
 * 01 — Hello pipeline: build a pipeline from a launch string, run it to EOS, read the bus.
 *
 *   bun examples/01_hello_pipeline.ts
 */
import { launch } from "../src/index.ts";

export async function main(): Promise<{ buffers: number; states: string[] }> {
  const pipeline = launch("fakesrc num-buffers=1000 ! identity ! fakesink name=sink");
  const states: string[] = [];
  pipeline.bus.on("state-changed", (m) => states.push(m.current));
  await pipeline.run();
  const sink = pipeline.getElement("sink")!;
  const buffers = sink.pads[0]!.peer!.count;
  console.log(`hello: ${buffers} buffers went through, states: ${states.join(" → ")}`);
  return { buffers, states };
}

if (import.meta.main) await main();
