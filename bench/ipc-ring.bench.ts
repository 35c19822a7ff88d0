/**
 * Descriptor-ring micro-benchmarks (mitata): the per-buffer cost of src/ipc, without the
 * process boundary (two mappings of the same memfd in one process, so no wake-ups are needed).
 *
 *   bun bench/ipc-ring.bench.ts
 *
 * - ring round trip: publish a descriptor, peek + advance it, push its handle back, take it.
 * - Producer → Consumer round trip: trySend a pooled 4 KiB buffer (by reference), receive it
 *   as a Buffer over the other mapping, release it (the handle goes back) — the reclaim happens
 *   in the next trySend, as in a stream.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bench, do_not_optimize, group, run, summary } from "mitata";
import { Buffer } from "../src/buffer.ts";
import { Consumer, DescriptorRing, Producer } from "../src/ipc/index.ts";
import { BufferPool } from "../src/memory/index.ts";

const prodRing = DescriptorRing.create({ capacity: 256, returnCapacity: 1024 });
const consRing = DescriptorRing.open(prodRing.segment.dupFd());

const dir = mkdtempSync(join(tmpdir(), "px-ring-bench-"));
const path = join(dir, "bench.sock");
const producer = Producer.listen(path, { name: "bench" });
const consumer = await Consumer.connect(path, { timeoutMs: 5000 });
while (!producer.connected) await Bun.sleep(1);
const pool = BufferPool.create({ slotSize: 4096, slotCount: 64, name: "px-ring-bench" });

group("descriptor ring", () => {
  summary(() => {
    bench("ring round trip (publish, read, return, reclaim)", () => {
      const d = prodRing.nextSlot();
      prodRing.words[d + 2] = 7;
      prodRing.publish();
      const r = consRing.peek();
      do_not_optimize(consRing.words[r + 2]);
      consRing.advance();
      consRing.pushReturn(3);
      do_not_optimize(prodRing.takeReturn());
    });
    bench("Producer.trySend → Consumer.receive → release (4 KiB, by reference)", () => {
      const b = pool.acquire()!;
      if (producer.trySend(b) !== "ok") throw new Error("full");
      const got = consumer.receive() as Buffer;
      do_not_optimize(got.data);
      got.release();
    });
  });
});

await run();
await consumer.close();
await producer.close();
await pool.close();
consRing.close();
prodRing.close();
rmSync(dir, { recursive: true, force: true });
