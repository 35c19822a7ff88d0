/**
 * 04 — Tee fan-out: one source, two branches, each behind its own queue. Both branches see
 * every buffer (by reference: the memory is shared, not copied).
 *
 *   bun examples/04_tee_fanout.ts
 */
import { FakeSink, launch } from "../src/index.ts";

export async function main(n = 500): Promise<{ a: number; b: number; sameMemory: boolean }> {
  const p = launch(
    `fakesrc num-buffers=${n} sizetype=fixed sizemax=1024 filltype=pattern ! tee name=t ` +
      `t. ! queue ! fakesink name=a signal-handoffs=true  t. ! queue ! fakesink name=b signal-handoffs=true`,
  );
  const a = p.getElement("a") as FakeSink;
  const b = p.getElement("b") as FakeSink;
  let countA = 0;
  let countB = 0;
  let lastA: ArrayBufferLike | null = null;
  let sameMemory = false;
  a.onHandoff = (buf) => {
    countA++;
    lastA = buf.data.buffer;
  };
  b.onHandoff = (buf) => {
    countB++;
    if (buf.data.buffer === lastA) sameMemory = true;
  };
  await p.run();
  console.log(`branch a: ${countA}, branch b: ${countB}, shared memory: ${sameMemory}`);
  return { a: countA, b: countB, sameMemory };
}

if (import.meta.main) await main();
