/**
 * 11 — Execution modes, part 1: in-process, the default. Every element runs on this process's
 * event loop and a buffer goes from one element to the next as a direct function call. This
 * is what `run()` does, and what `run({ isolation: "in-process" })` says explicitly; no other
 * process is started. Examples 12 and 13 run the same kind of pipeline in sandboxed processes.
 *
 *   bun examples/11_isolate_in_process.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import { type FakeSink, launch } from "../src/index.ts";

/** Processes whose parent is this one. */
function children(): number {
  let n = 0;
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === process.pid) n++;
    } catch {
      // gone
    }
  }
  return n;
}

export type InProcessResult = { buffers: number; childrenDuringRun: number; buffersPerSecond: number; sameObjects: boolean };

export async function main(count = 100_000): Promise<InProcessResult> {
  const p = launch(`fakesrc num-buffers=${count} sizetype=fixed sizemax=4096 ! identity name=id ! fakesink name=sink signal-handoffs=true`);
  const sink = p.getElement("sink") as FakeSink;
  let buffers = 0;
  let childrenDuringRun = -1;
  sink.onHandoff = () => {
    if (buffers++ === count / 2) childrenDuringRun = children();
  };
  const t0 = performance.now();
  await p.run({ isolation: "in-process" });
  const buffersPerSecond = Math.round(count / ((performance.now() - t0) / 1000));
  // The elements that ran are the very objects the pipeline holds: nothing crossed a boundary.
  const sameObjects = p.getElement("sink") === sink && sink.rendered === count;
  console.log(`in-process: ${buffers} buffers at ${buffersPerSecond} buffers/s, ${childrenDuringRun} child processes while running`);
  return { buffers, childrenDuringRun, buffersPerSecond, sameObjects };
}

if (import.meta.main) await main();
