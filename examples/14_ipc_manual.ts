/**
 * 14 — IPC by hand: the src/ipc library without any element. This process is the producer: it
 * fills buffers from its own memfd pool and sends them with `Producer.trySend` (by reference:
 * only a descriptor crosses). It spawns itself as the consumer, which receives the buffers over
 * the producer's memory, checks them, and releases them — which hands each slot back to the
 * producer's pool. At the end every slot is home again.
 *
 *   bun examples/14_ipc_manual.ts [buffers]
 *
 * (ipcsink / ipcsrc do the same inside pipelines: `... ! ipcsink path=P` ‖ `ipcsrc path=P ! ...`.)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer, Caps, Events } from "../src/index.ts";
import { Consumer, Producer } from "../src/ipc/index.ts";
import { BufferPool } from "../src/memory/pool.ts";

export type IpcManualResult = {
  sent: number;
  byReference: number;
  copied: number;
  consumer: { buffers: number; bad: number; events: string[]; end: string };
  slotsInUseAfter: number;
};

const SLOT = 64 * 1024;

/** The consumer's side: runs in the child process. Prints its summary as one JSON line. */
async function consume(path: string): Promise<void> {
  const c = await Consumer.connect(path, { timeoutMs: 5000, name: "example-14-consumer" });
  let buffers = 0;
  let bad = 0;
  const events: string[] = [];
  let end = "";
  for (;;) {
    const item = c.receive();
    if (item === null) {
      await new Promise<void>((r) => c.onReadable(r));
      continue;
    }
    if (item instanceof Buffer) {
      // Frame k is filled with the byte k & 0xff and carries k as its sequence number.
      const k = item.sequence;
      if (item.size !== SLOT || item.data[0] !== (k & 0xff) || item.data[SLOT - 1] !== (k & 0xff)) bad++;
      buffers++;
      item.release(); // the slot goes back to the producer's pool
      continue;
    }
    if (item.type === "disconnected") {
      end = item.reason;
      break;
    }
    events.push(item.type);
    if (item.type === "eos") {
      end = "eos";
      break;
    }
  }
  await c.close();
  process.stdout.write(JSON.stringify({ buffers, bad, events, end }) + "\n");
}

/** The producer's side: this process. */
export async function main(count = 1000): Promise<IpcManualResult> {
  const dir = mkdtempSync(join(tmpdir(), "px-example-14-"));
  const path = join(dir, "ipc.sock");
  const pool = BufferPool.create({ slotSize: SLOT, slotCount: 16, name: "example-14" });
  const producer = Producer.listen(path, { name: "example-14-producer" });
  const child = Bun.spawn([process.execPath, import.meta.path, "--consume", path], { stdout: "pipe", stderr: "inherit" });
  const kill = setTimeout(() => child.kill(), 20_000);
  try {
    const send = async (item: Buffer | import("../src/index.ts").Event): Promise<void> => {
      for (;;) {
        const r = item instanceof Buffer ? producer.trySend(item) : producer.trySendEvent(item);
        if (r === "ok") return;
        await new Promise<void>((resolve) => producer.onWritable(resolve)); // full, or not connected yet
      }
    };
    await send(Events.streamStart("example-14"));
    await send(Events.caps(Caps.parse("application/x-frames")));
    await send(Events.segment());
    for (let k = 0; k < count; k++) {
      let b = pool.acquire();
      while (b === null) {
        await new Promise<void>((r) => pool.onAvailable(r)); // all 16 slots are with the consumer
        b = pool.acquire();
      }
      b.data.fill(k & 0xff);
      b.sequence = k;
      await send(b);
    }
    await send(Events.eos());
    const line = (await new Response(child.stdout).text()).trim();
    await child.exited;
    const consumer = JSON.parse(line) as IpcManualResult["consumer"];
    // The consumer said bye: whatever it held has been handed back.
    const stats = producer.stats();
    await producer.close();
    const result = { sent: stats.sent, byReference: stats.byReference, copied: stats.copied, consumer, slotsInUseAfter: pool.stats().inUse };
    console.log(`sent ${result.sent} buffers (${result.byReference} by reference, ${result.copied} copied); consumer got ${consumer.buffers} (${consumer.bad} bad), events ${consumer.events.join(", ")}; slots in use after: ${result.slotsInUseAfter}`);
    return result;
  } finally {
    clearTimeout(kill);
    child.kill();
    await child.exited;
    await producer.close();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  if (process.argv[2] === "--consume") await consume(process.argv[3]!);
  else await main(Number(process.argv[3] ?? process.argv[2] ?? 1000));
}
