/**
 * ipcsink and ipcsrc: in one process, and across real `parallax launch` processes — buffers
 * checked byte for byte, the consumer started before or after the producer, a consumer killed
 * with SIGKILL mid-stream, and the producer's pool coming back whole.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { Buffer, BufferFlag, Caps, launch, registry, type Message } from "../../src/index.ts";
import { BufferPool } from "../../src/memory/pool.ts";
import { eventually, mapsLines, openFds } from "../../ffi/testing.ts";
import type { AppSrc } from "../app/appsrc.ts";
import type { FakeSink } from "../testing/fakesink.ts";
import { ipcElements } from "./index.ts";
import type { IpcSink } from "./ipcsink.ts";
import type { IpcSrc } from "./ipcsrc.ts";

registry.register(...ipcElements);

const PARALLAX = join(import.meta.dir, "../../bin/parallax.ts");
const dir = mkdtempSync(join(tmpdir(), "px-ipcel-"));
let n = 0;
const sock = () => join(dir, `e${n++}.sock`);
const children: Bun.Subprocess[] = [];
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await Promise.all(children.map((c) => c.exited));
  rmSync(dir, { recursive: true, force: true });
});

/** `parallax launch -q "<desc>"` in a child process. */
function spawnLaunch(desc: string): Bun.Subprocess<"ignore", "pipe", "pipe"> {
  const p = Bun.spawn([process.execPath, PARALLAX, "launch", "-q", desc], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  children.push(p);
  return p;
}

async function finished(p: Bun.Subprocess<"ignore", "pipe", "pipe">): Promise<{ code: number | null; err: string }> {
  const code = await p.exited;
  return { code, err: await new Response(p.stderr).text() };
}

/** Checks fakesrc filltype=pattern-span bytes: byte k of the stream is k & 0xff. Every
 * `every`-th buffer is checked in full, the others at both ends. */
function checker(every: number) {
  let count = 0;
  let bad = 0;
  let nextOffset = 0;
  let discont = 0;
  return {
    check(b: Buffer): void {
      const d = b.data;
      if (b.offset !== nextOffset) bad++;
      nextOffset = b.offset + d.length;
      if (b.hasFlag(BufferFlag.DISCONT)) discont++;
      if (count++ % every === 0) {
        for (let i = 0; i < d.length; i++) if (d[i] !== ((b.offset + i) & 0xff)) {
          bad++;
          break;
        }
      } else if (d[0] !== (b.offset & 0xff) || d[d.length - 1] !== ((b.offset + d.length - 1) & 0xff)) bad++;
    },
    get count() {
      return count;
    },
    get bad() {
      return bad;
    },
    get discont() {
      return discont;
    },
  };
}

describe("ipcsink ! ipcsrc in one process", () => {
  test("events and buffers arrive in order; caps are passed on; EOS ends both", async () => {
    const path = sock();
    const prod = launch(`fakesrc num-buffers=50 sizetype=fixed sizemax=1000 filltype=pattern-span ! capsfilter caps=application/x-test,n=1 ! ipcsink path=${path}`);
    const cons = launch(`ipcsrc path=${path} timeout=3000 ! appsink name=out caps=application/x-test max-buffers=100`);
    const c = checker(1);
    const msgs: Message[] = [];
    prod.bus.on("element", (m) => msgs.push(m));
    const runs = Promise.all([prod.run(), cons.run()]); // started (synchronously) before pulling
    const sink = cons.getElement("out") as import("../app/appsink.ts").AppSink;
    let caps = "";
    for await (const b of sink) {
      c.check(b);
      caps = sink.caps?.toString() ?? "";
      b.release();
    }
    await runs;
    expect(caps).toBe("application/x-test, n=(int)1");
    expect(c.count).toBe(50);
    expect(c.bad).toBe(0);
    expect(msgs.map((m) => m.type === "element" && m.name)).toContain("consumer-connected");
    expect(existsSync(path)).toBe(false);
  });

  test("pooled buffers go by reference; heap buffers are copied once and counted", async () => {
    const path = sock();
    const prod = launch(`appsrc name=in ! ipcsink name=sink path=${path}`);
    const cons = launch(`ipcsrc path=${path} ! fakesink name=out signal-handoffs=true`);
    const got: string[] = [];
    (cons.getElement("out") as FakeSink).onHandoff = (b) => got.push(b.text());
    const pool = BufferPool.create({ slotSize: 64, slotCount: 4 });
    const app = prod.getElement("in") as AppSrc;
    const sink = prod.getElement("sink") as IpcSink;
    const running = Promise.all([prod.run(), cons.run()]);
    const pooled = pool.acquire(6)!;
    pooled.data.set(new TextEncoder().encode("pooled"));
    await app.write(pooled);
    await app.write(Buffer.fromString("heap"));
    await eventually(() => (sink.stats()?.sent ?? 0) === 2, 3000);
    const stats = sink.stats()!;
    app.endOfStream();
    await running;
    expect(got).toEqual(["pooled", "heap"]);
    expect(stats).toMatchObject({ sent: 2, byReference: 1, copied: 1, copiedBytes: 4 });
    expect(pool.stats().inUse).toBe(0);
    await pool.close();
  });

  test("a consumer that forwards into another ipcsink forwards by reference (multi-hop, no copy)", async () => {
    const a = sock();
    const b = sock();
    const first = launch(`fakesrc num-buffers=300 sizetype=fixed sizemax=8192 filltype=pattern-span ! ipcsink name=s1 path=${a}`);
    const middle = launch(`ipcsrc path=${a} ! ipcsink name=s2 path=${b}`);
    const last = launch(`ipcsrc path=${b} ! fakesink name=out signal-handoffs=true`);
    const c = checker(4);
    (last.getElement("out") as FakeSink).onHandoff = (buf) => c.check(buf);
    const s1 = first.getElement("s1") as IpcSink;
    const s2 = middle.getElement("s2") as IpcSink;
    let stats: [unknown, unknown] = [null, null];
    middle.bus.on("eos", () => (stats = [s1.stats(), s2.stats()]));
    await Promise.all([first.run(), middle.run(), last.run()]);
    expect(c.count).toBe(300);
    expect(c.bad).toBe(0);
    expect(stats[1]).toMatchObject({ sent: 300, byReference: 300, copied: 0 });
  });

  test("on-disconnect=drop drops buffers while nobody listens and ends at once", async () => {
    const path = sock();
    const p = launch(`fakesrc num-buffers=100 sizetype=fixed sizemax=64 ! ipcsink name=sink path=${path} on-disconnect=drop`);
    await p.run();
    expect((p.getElement("sink") as IpcSink).dropped).toBe(100);
  });

  test("on-disconnect=error fails the producer when its consumer leaves mid-stream", async () => {
    const path = sock();
    const prod = launch(`fakesrc sizetype=fixed sizemax=1024 ! ipcsink path=${path} on-disconnect=error`);
    const cons = launch(`ipcsrc path=${path} ! fakesink num-buffers=100`);
    const produced = prod.run();
    await cons.run(); // takes 100 buffers, then ends (and disconnects)
    await expect(produced).rejects.toThrow(/disconnected; on-disconnect=error stops the pipeline/);
  });

  test("an ipcsrc with no producer fails after its timeout, saying what to do", async () => {
    const p = launch(`ipcsrc path=${sock()} timeout=100 ! fakesink`);
    await expect(p.run()).rejects.toThrow(/no producer within 100 ms.*start the producer/);
  });

  test("repeated runs leave fds and mappings flat", async () => {
    const once = async () => {
      const path = sock();
      await Promise.all([
        launch(`fakesrc num-buffers=200 sizetype=fixed sizemax=4096 ! ipcsink path=${path}`).run(),
        launch(`ipcsrc path=${path} ! fakesink`).run(),
      ]);
    };
    await once();
    const fds0 = openFds();
    const maps0 = mapsLines();
    for (let i = 0; i < 5; i++) await once();
    expect(await eventually(() => openFds() <= fds0, 2000)).toBe(true);
    expect(mapsLines()).toBeLessThanOrEqual(maps0 + 2);
  });
});

describe("ipcsink ‖ ipcsrc across processes", () => {
  for (const [size, count] of [
    [1 << 20, 200],
    [4096, 20_000],
  ] as const) {
    for (const first of ["consumer", "producer"] as const) {
      test(`${size === 4096 ? "4 KiB" : "1 MiB"} buffers, ${first} started first, checked byte for byte on a sample`, async () => {
        const path = sock();
        const prodDesc = `fakesrc num-buffers=${count} sizetype=fixed sizemax=${size} filltype=pattern-span ! ipcsink path=${path}`;
        const cons = launch(`ipcsrc path=${path} timeout=10000 ! fakesink name=out signal-handoffs=true`);
        const c = checker(size === 4096 ? 64 : 8);
        (cons.getElement("out") as FakeSink).onHandoff = (b) => c.check(b);
        let producer: Bun.Subprocess<"ignore", "pipe", "pipe">;
        let consumed: Promise<void>;
        if (first === "consumer") {
          consumed = cons.run();
          await Bun.sleep(200);
          producer = spawnLaunch(prodDesc);
        } else {
          producer = spawnLaunch(prodDesc);
          await eventually(() => existsSync(path), 5000);
          await Bun.sleep(100);
          consumed = cons.run();
        }
        await consumed;
        const r = await finished(producer);
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        expect(c.count).toBe(count);
        expect(c.bad).toBe(0);
        expect(c.discont).toBe(0);
        expect((cons.getElement("ipcsrc0") as IpcSrc).connected).toBe(false); // closed at the end
      }, 30_000);
    }
  }

  test("two parallax launch processes copy a file through ipcsink ‖ ipcsrc, byte-identical", async () => {
    const input = join(dir, "in.bin");
    writeFileSync(input, randomBytes(5 * 1024 * 1024 + 333));
    for (const bs of [4096, 1 << 20]) {
      const path = sock();
      const output = join(dir, `out-${bs}.bin`);
      const cons = spawnLaunch(`ipcsrc path=${path} ! filesink location=${output}`);
      const prod = spawnLaunch(`filesrc location=${input} blocksize=${bs} ! ipcsink path=${path}`);
      const [a, b] = await Promise.all([finished(prod), finished(cons)]);
      expect([a.code, a.err, b.code, b.err]).toEqual([0, "", 0, ""]);
      expect(Buffer.wrap(readFileSync(output)).data).toEqual(Buffer.wrap(readFileSync(input)).data);
      expect(existsSync(path)).toBe(false);
    }
  }, 30_000);

  test("a producer killed mid-stream: the consumer reads what it published, then fails saying so", async () => {
    const path = sock();
    const producer = spawnLaunch(`fakesrc sizetype=fixed sizemax=4096 filltype=pattern-span ! ipcsink path=${path}`);
    const cons = launch(`ipcsrc path=${path} timeout=10000 ! fakesink name=out signal-handoffs=true`);
    const c = checker(16);
    (cons.getElement("out") as FakeSink).onHandoff = (b) => c.check(b);
    const run = cons.run();
    if (!(await eventually(() => c.count > 2000, 10_000))) {
      // Say what the producer was doing, so a stall can be told from a producer that never ran.
      producer.kill("SIGKILL");
      await producer.exited;
      const err = await new Response(producer.stderr).text();
      cons.stop();
      await run.catch(() => {});
      throw new Error(`consumer saw ${c.count} buffers in 10 s; producer exit ${producer.exitCode} signal ${producer.signalCode}; its stderr: ${err || "(empty)"}`);
    }
    producer.kill("SIGKILL");
    await expect(run).rejects.toThrow(/the producer at .* went away before end of stream/);
    expect(c.bad).toBe(0);
  }, 30_000);

  test("SIGKILL of the consumer mid-stream: the producer stays responsive, its pool comes back whole, a new consumer carries on", async () => {
    const path = sock();
    const pool = BufferPool.create({ slotSize: 4096, slotCount: 64, name: "ipc-kill-test" });
    const prod = launch(`appsrc name=in max-buffers=8 ! ipcsink name=sink path=${path}`);
    const app = prod.getElement("in") as AppSrc;
    const sink = prod.getElement("sink") as IpcSink;
    const msgs: Message[] = [];
    prod.bus.on("element", (m) => msgs.push(m));
    const running = prod.run();
    // Feed pooled buffers as fast as they come back; stop when told.
    let feeding = true;
    let fed = 0;
    const feeder = (async () => {
      while (feeding) {
        const b = pool.acquire(4096);
        if (b === null) {
          await new Promise<void>((r) => pool.onAvailable(r));
          continue;
        }
        b.data[0] = fed & 0xff;
        b.offset = fed++;
        b.pts = 3_600_000_000_000; // an hour from now: the consumer's sink holds it
        await app.write(b);
      }
    })();
    // A consumer that holds on to what it receives (a slow sink): it will own many slots.
    const victim = spawnLaunch(`ipcsrc path=${path} ! queue max-size-buffers=1000 max-size-bytes=0 max-size-time=0 ! fakesink sync=true`);
    // It holds most of the pool (its sink waits an hour for the first buffer's time).
    expect(await eventually(() => (sink.stats()?.lent ?? 0) >= 48, 10_000)).toBe(true);
    victim.kill("SIGKILL");
    await victim.exited;
    expect(await eventually(() => msgs.some((m) => m.type === "element" && m.name === "consumer-disconnected"), 5000)).toBe(true);
    const gone = msgs.find((m) => m.type === "element" && m.name === "consumer-disconnected")!;
    expect((gone as { data: { reason: string; reclaimed: number } }).data.reason).toBe("died");
    expect((gone as { data: { reclaimed: number } }).data.reclaimed).toBeGreaterThan(0);
    // Responsive: the loop runs, the pipeline is still running, and nothing is lent any more.
    let ticked = false;
    setTimeout(() => (ticked = true), 5);
    expect(await eventually(() => ticked, 1000)).toBe(true);
    expect(prod.state).toBe("running");
    expect(sink.stats()!.lent).toBe(0);
    // The pool is whole: every slot is free except those still queued on this side.
    feeding = false;
    await Promise.race([feeder, Bun.sleep(50)]);
    // What appsrc holds, one that ipcsink may hold pending, one the feeder is still writing.
    const queued = app.queued + 2;
    expect(pool.stats().inUse).toBeLessThanOrEqual(queued);
    // A new consumer gets the rest, the first buffer marked DISCONT, and EOS ends both sides.
    const cons = launch(`ipcsrc path=${path} ! fakesink name=out signal-handoffs=true`);
    let first: Buffer | null = null;
    let after = 0;
    (cons.getElement("out") as FakeSink).onHandoff = (b) => {
      if (first === null) first = b.clone();
      after++;
    };
    const consumed = cons.run();
    const tail = pool.acquire(4096)!;
    await app.write(tail);
    app.endOfStream();
    await Promise.all([running, consumed]);
    expect(after).toBeGreaterThanOrEqual(1);
    expect(first!.hasFlag(BufferFlag.DISCONT)).toBe(true);
    first!.release();
    expect(await eventually(() => pool.stats().inUse === 0, 2000)).toBe(true);
    await pool.close();
  }, 30_000);
});

describe("ipc element properties", () => {
  test("path is required, and length-checked", () => {
    expect(() => launch(`fakesrc ! ipcsink`).prepare()).toThrow(/no socket path/);
    expect(() => launch(`ipcsrc ! fakesink`).prepare()).toThrow(/no socket path/);
    expect(() => launch(`fakesrc ! ipcsink path=/tmp/${"x".repeat(120)}`)).toThrow(/limited to 107/);
    expect(() => launch(`ipcsrc path=/tmp/x caps=video/x-raw,width=[ ! fakesink`)).toThrow(/"caps"/);
    expect(Caps.parse("ANY").isAny()).toBe(true);
  });
});
