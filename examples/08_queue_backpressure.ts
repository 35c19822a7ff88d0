/**
 * 08 — Queue backpressure: a fast source, a small queue, and a slow consumer. Nothing grows
 * without bound: when the appsink is full it blocks the queue's task, when the queue is full
 * it blocks the source's task, so the source is never more than a few buffers ahead of the
 * application, however slow the application is.
 *
 *   bun examples/08_queue_backpressure.ts
 */
import { AppSink, launch, type Source } from "../src/index.ts";

const QUEUE = 4;
const APPSINK = 2;

export async function main(n = 40): Promise<{ consumed: number; maxAhead: number; bound: number }> {
  const p = launch(
    `testsrc name=src blocksize=64 num-buffers=${n} ! queue max-size-buffers=${QUEUE} ! appsink name=out max-buffers=${APPSINK}`,
  );
  const src = p.getElement("src") as Source;
  const sink = p.getElement("out") as AppSink;
  const done = p.run();
  let consumed = 0;
  let maxAhead = 0;
  for await (const b of sink) {
    b.release();
    consumed++;
    maxAhead = Math.max(maxAhead, src.produced - consumed);
    await Bun.sleep(1); // a slow consumer
  }
  await done;
  // Queued in the queue and the appsink, plus one held by each blocked task.
  const bound = QUEUE + APPSINK + 2;
  console.log(`consumed ${consumed}; the source was at most ${maxAhead} buffers ahead (bound ${bound})`);
  return { consumed, maxAhead, bound };
}

if (import.meta.main) await main();
