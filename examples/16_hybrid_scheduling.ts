/**
 * 16 — Hybrid scheduling: the same pipeline on the event loop and with its real-time part in a
 * data Worker, driven in fixed cycles (PipeWire's model), with the same output.
 *
 * In hybrid mode the RT-safe elements (fakesrc, busywait, identity) run in a Worker partition,
 * one buffer per 20 ms cycle; the fakesink with an application callback stays on the event loop
 * (callbacks run where the application lives), and a bridge carries the buffers across by
 * memfd slot (no copy). busywait overruns its quantum (60 ms) on every 6th buffer: each is an xrun,
 * counted and reported on the bus, and the pipeline carries on. `busywait` is not built in, so
 * its module is listed in rt.modules for the Worker to import.
 *
 *   bun examples/16_hybrid_scheduling.ts
 */
import { type FakeSink, launch } from "../src/index.ts";
import { type SchedulingOption, schedulingOf } from "../src/scheduling/index.ts";
import { FIXTURES_MODULE } from "../src/scheduling/fixtures.ts";

const N = 24;
const EVERY = 6;
const DESCRIPTION =
  `fakesrc name=src num-buffers=${N} sizetype=fixed sizemax=4096 filltype=pattern-span datarate=819200 ` +
  `! busywait name=slow every=${EVERY} spin-us=60000 ! identity name=conv ! fakesink name=out signal-handoffs=true`;

async function runOnce(scheduling: SchedulingOption) {
  const p = launch(DESCRIPTION, { scheduling });
  const out = p.getElement("out") as FakeSink;
  const hash = new Bun.CryptoHasher("sha256");
  let buffers = 0;
  out.onHandoff = (b) => {
    buffers++;
    hash.update(b.data);
    hash.update(new Float64Array([b.pts, b.duration, b.offset, b.sequence]));
  };
  let xrunWarnings = 0;
  p.bus.on("warning", (m) => {
    if (m.message.includes("overran its quantum")) xrunWarnings++;
  });
  await p.run();
  return { p, buffers, digest: hash.digest("hex"), xrunWarnings };
}

export async function main() {
  const a = await runOnce("async");
  const h = await runOnce({ mode: "hybrid", rt: { framerate: 50, driver: "timer", modules: [FIXTURES_MODULE] } });
  const stats = schedulingOf(h.p)!.stats();
  const result = {
    expected: N,
    buffers: h.buffers,
    sameOutput: a.digest === h.digest && a.buffers === h.buffers,
    partitioned: stats.placements.filter((x) => x.partition !== null).map((x) => x.element),
    onEventLoop: stats.placements.filter((x) => x.partition === null).map((x) => x.element),
    spins: Math.floor(N / EVERY),
    xruns: schedulingOf(h.p)!.xrunsOf("slow"),
    xrunWarnings: h.xrunWarnings,
    cycles: stats.partitions[0]!.cycles,
    byReference: stats.bridges[0]!.byReference,
    copied: stats.bridges[0]!.copied,
  };
  console.log(
    `async and hybrid outputs ${result.sameOutput ? "match" : "DIFFER"} (${result.buffers} buffers); ` +
      `partition [${result.partitioned.join(", ")}], event loop [${result.onEventLoop.join(", ")}]; ` +
      `${result.cycles} cycles, ${result.xruns} xruns for ${result.spins} slow buffers; ` +
      `bridge: ${result.byReference} by reference, ${result.copied} copied`,
  );
  return result;
}

if (import.meta.main) await main();
