/**
 * filesrc and filesink, with io_uring and with the pread/pwrite fallback: byte-identical
 * copies, offsets, partial last blocks, append, EOS only after the file is complete and closed,
 * clear errors, and the once-per-process note when io_uring is unavailable.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { Bus } from "../../src/bus.ts";
import { launch, type Message } from "../../src/index.ts";
import { ErrnoError } from "../../ffi/errno.ts";
import * as uring from "../../ffi/uring.ts";
import { eventually, mapsLines, openFds } from "../../ffi/testing.ts";
import { chooseEngine, resetFallbackNote } from "./uring-io.ts";
import { FileSink } from "./filesink.ts";
import { FileSrc } from "./filesrc.ts";
import type { FakeSink } from "../testing/fakesink.ts";

const dir = mkdtempSync(join(tmpdir(), "px-fileio-"));
const big = join(dir, "big.bin");
/** 64 MiB plus a tail, so the last block is short for every block size used here. */
const BIG_SIZE = 64 * 1024 * 1024 + 12345;
let bigHash = "";

function sha(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

beforeAll(() => {
  const chunk = randomBytes(1 << 20);
  const data = new Uint8Array(BIG_SIZE);
  for (let o = 0; o < BIG_SIZE; o += chunk.length) data.set(chunk.subarray(0, Math.min(chunk.length, BIG_SIZE - o)), o);
  // Make every MiB different, so a block written at the wrong offset is caught.
  for (let o = 0, k = 0; o < BIG_SIZE; o += 1 << 20, k++) data[o] = k & 0xff;
  writeFileSync(big, data);
  bigHash = createHash("sha256").update(data).digest("hex");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function copy(opts: string, out: string): Promise<Message[]> {
  const p = launch(`filesrc location=${big} ${opts} ! filesink location=${out} ${opts.replace(/blocksize=\d+/, "")}`);
  const msgs: Message[] = [];
  p.bus.on("*", (m) => msgs.push(m));
  await p.run();
  return msgs;
}

describe("filesrc ! filesink", () => {
  const modes = uring.available() ? ["auto", "sync"] : ["sync"];
  for (const mode of modes) {
    for (const [bs, qd] of [
      [1 << 20, 4],
      [65536, 16],
      [4096 * 3 + 7, 2],
    ] as const) {
      test(`a 64 MiB file copies byte-identical (io-mode=${mode}, blocksize=${bs}, queue-depth=${qd})`, async () => {
        const out = join(dir, `copy-${mode}-${bs}.bin`);
        const fds0 = openFds();
        await copy(`io-mode=${mode} blocksize=${bs} queue-depth=${qd}`, out);
        expect(statSync(out).size).toBe(BIG_SIZE);
        expect(sha(out)).toBe(bigHash);
        expect(await eventually(() => openFds() <= fds0)).toBe(true);
        rmSync(out);
      }, 20_000);
    }
  }

  test("the io_uring engine is used when available, and buffers carry their byte offsets", async () => {
    const p = launch(`filesrc name=src location=${big} blocksize=1048576 num-buffers=5 ! fakesink name=out signal-handoffs=true`);
    const seen: number[][] = [];
    (p.getElement("out") as FakeSink).onHandoff = (b) => {
      expect(b.memory?.kind).toBe("memfd");
      seen.push([b.offset, b.offsetEnd, b.sequence, b.size]);
    };
    p.prepare();
    expect((p.getElement("src") as FileSrc).ioEngine).toBe(uring.available() ? "io-uring" : "sync");
    await p.run();
    expect(seen).toEqual([0, 1, 2, 3, 4].map((k) => [k << 20, (k + 1) << 20, k, 1 << 20]));
  });

  test("append=true adds to the file; append=false truncates it", async () => {
    const small = join(dir, "small.bin");
    writeFileSync(small, "hello ");
    const out = join(dir, "append.bin");
    writeFileSync(out, "old contents that will go");
    await launch(`filesrc location=${small} ! filesink location=${out}`).run();
    expect(readFileSync(out, "utf8")).toBe("hello ");
    writeFileSync(small, "world");
    await launch(`filesrc location=${small} ! filesink location=${out} append=true`).run();
    expect(readFileSync(out, "utf8")).toBe("hello world");
  });

  test("EOS is posted only once every write completed and the file is closed", async () => {
    const out = join(dir, "eos.bin");
    const p = launch(`filesrc location=${big} blocksize=1048576 ! filesink name=sink location=${out} queue-depth=16`);
    let sizeAtEos = -1;
    let inFlightAtEos = -1;
    let engineAtEos: string | null = "open";
    p.bus.on("eos", () => {
      sizeAtEos = statSync(out).size;
      const sink = p.getElement("sink") as FileSink;
      inFlightAtEos = sink.inFlight;
      engineAtEos = sink.ioEngine; // null once the file is closed
    });
    await p.run();
    expect(sizeAtEos).toBe(BIG_SIZE);
    expect(inFlightAtEos).toBe(0);
    expect(engineAtEos).toBeNull();
    rmSync(out);
  }, 20_000);

  test("a sink queue deeper than the source's pool does not stall (completions are reaped from the event loop)", async () => {
    const out = join(dir, "deep.bin");
    // filesrc's pool has 8 slots of 1 MiB; filesink would keep up to 64 writes in flight.
    await launch(`filesrc location=${big} blocksize=1048576 queue-depth=1 ! filesink location=${out} queue-depth=64`).run();
    expect(statSync(out).size).toBe(BIG_SIZE);
    rmSync(out);
  }, 20_000);

  test("repeated copies leave fds and mappings flat", async () => {
    const small = join(dir, "small2.bin");
    writeFileSync(small, randomBytes(300_000));
    const out = join(dir, "small2.out");
    await launch(`filesrc location=${small} blocksize=65536 ! filesink location=${out}`).run();
    const fds0 = openFds();
    const maps0 = mapsLines();
    for (let i = 0; i < 10; i++) await launch(`filesrc location=${small} blocksize=65536 ! filesink location=${out}`).run();
    // Bun closes its duplicate of a watched eventfd a few milliseconds after the watch ends.
    expect(await eventually(() => openFds() <= fds0)).toBe(true);
    expect(mapsLines()).toBeLessThanOrEqual(maps0 + 2);
    expect(sha(out)).toBe(sha(small));
  });

  test("pipes and devices use sequential I/O: num-buffers of /dev/zero", async () => {
    const out = join(dir, "zeros.bin");
    await launch(`filesrc location=/dev/zero blocksize=1000 num-buffers=7 ! filesink location=${out}`).run();
    expect(readFileSync(out)).toEqual(Buffer.alloc(7000));
  });

  test("a missing file and an unwritable sink fail with messages that say what to do", async () => {
    expect(() => launch(`filesrc location=${join(dir, "nope")} ! fakesink`).prepare()).toThrow(/cannot open ".*nope" for reading/);
    expect(() => launch(`filesrc ! fakesink`).prepare()).toThrow(/no file to read/);
    const p = launch(`fakesrc num-buffers=3 sizetype=fixed sizemax=100 ! filesink location=/dev/full`);
    await expect(p.run()).rejects.toThrow(/could not write "\/dev\/full".*check free space/);
  });

  test("io-mode=io-uring refuses what io_uring cannot do, naming the fallback", () => {
    expect(() => launch(`filesrc location=/dev/zero io-mode=io-uring ! fakesink`).prepare()).toThrow(/io-mode=auto/);
  });
});

describe("engine choice", () => {
  test("without io_uring, auto falls back to pread/pwrite and says so once, at debug level", () => {
    const bus = new Bus();
    const msgs: Message[] = [];
    bus.on("*", (m) => msgs.push(m));
    const refused = () => new ErrnoError(1, "io_uring_queue_init");
    resetFallbackNote();
    const fd = openSync(big, "r");
    try {
      expect(chooseEngine("auto", fd, bus, "filesrc0", refused)).toBe("sync");
      expect(chooseEngine("auto", fd, bus, "filesink0", refused)).toBe("sync");
      expect(() => chooseEngine("io-uring", fd, bus, "filesrc0", refused)).toThrow(/unavailable here \(EPERM\).*io-mode=auto/);
      expect(chooseEngine("sync", fd, bus, "filesrc0", () => null)).toBe("sync");
      expect(chooseEngine("auto", fd, bus, "filesrc0", () => null)).toBe("io-uring");
    } finally {
      closeSync(fd);
    }
    expect(msgs.map((m) => m.type)).toEqual(["info"]);
    expect((msgs[0] as { message: string }).message).toMatch(/io_uring is unavailable \(EPERM\).*pread\/pwrite/);
  });
});
