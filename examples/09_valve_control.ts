/**
 * 09 — Valve control: a valve passes or drops data, switched while the pipeline runs
 * (`valve.set("drop", true)`: its `drop` property is marked changeable at run time). The
 * application sends 30 numbered buffers; the valve is closed for the middle ten. The first
 * buffer after it reopens is marked DISCONT, so downstream knows data was lost.
 *
 *   bun examples/09_valve_control.ts
 */
import { AppSink, AppSrc, Buffer, BufferFlag, launch } from "../src/index.ts";
import type { Valve } from "../elements/flow/valve.ts";

export async function main(): Promise<{ received: number[]; dropped: number; discont: number[] }> {
  const p = launch("appsrc name=in ! valve name=v ! appsink name=out");
  const src = p.getElement("in") as AppSrc;
  const valve = p.getElement("v") as Valve;
  const sink = p.getElement("out") as AppSink;
  const done = p.run();
  const received: number[] = [];
  const discont: number[] = [];

  const send = async (from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const b = Buffer.fromString(`#${i}`);
      b.sequence = i;
      await src.write(b);
    }
  };
  const receive = async (count: number) => {
    for (let k = 0; k < count; k++) {
      const b = await sink.pull();
      if (!b) return;
      received.push(b.sequence);
      if (b.hasFlag(BufferFlag.DISCONT)) discont.push(b.sequence);
      b.release();
    }
  };
  const droppedReaches = async (n: number) => {
    while (valve.dropped < n) await new Promise((r) => setImmediate(r));
  };

  await send(0, 10);
  await receive(10); // all ten went through the open valve
  valve.set("drop", true);
  await send(10, 20);
  await droppedReaches(10); // all ten reached the closed valve and were dropped
  valve.set("drop", false);
  await send(20, 30);
  await receive(10);
  src.endOfStream();
  await done;
  console.log(`received ${received.length} of 30; dropped ${valve.dropped}; DISCONT at #${discont.join(", #")}`);
  return { received, dropped: valve.dropped, discont };
}

if (import.meta.main) await main();
