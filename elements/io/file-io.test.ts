/**
 * filesrc and filesink, mapped (the default for regular files: copies in the kernel), with
 * io_uring and with the pread/pwrite fallback: byte-identical copies, offsets, partial last
 * blocks, append, EOS only after the file is complete and closed, clear errors, the
 * once-per-process note when io_uring is unavailable — and, for mapped buffers, that every other
 * consumer (readers, in-place writers, tee, appsink, ipcsink) sees the right bytes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, copyFileSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
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
import { DEFAULT_BLOCKSIZE, FileSrc, MAPPED_BLOCKSIZE } from "./filesrc.ts";
import type { FakeSink } from "../testing/fakesink.ts";
import type { Identity } from "../testing/identity.ts";
import type { AppSink } from "../app/appsink.ts";
import type { Buffer as PxBuffer } from "../../src/buffer.ts";

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
  const p = launch(`filesrc location=${big} ${opts} ! filesink location=${out} ${opts.replace(/blocksize=\d+|use-mmap=\w+/g, "")}`);
  const msgs: Message[] = [];
  p.bus.on("*", (m) => msgs.push(m));
  await p.run();
  return msgs;
}

describe("filesrc ! filesink", () => {
  const modes = uring.available() ? ["auto", "sync"] : ["sync"];
  for (const mode of modes) {
    // Reading, not mapping: use-mmap=false (io-mode only governs reads).
    const opts = (bs: number, qd: number) => `io-mode=${mode} blocksize=${bs} queue-depth=${qd} use-mmap=false`;
    for (const [bs, qd] of [
      [1 << 20, 4],
      [65536, 16],
      [4096 * 3 + 7, 2],
    ] as const) {
      test(`a 64 MiB file copies byte-identical (io-mode=${mode}, blocksize=${bs}, queue-depth=${qd})`, async () => {
        const out = join(dir, `copy-${mode}-${bs}.bin`);
        const fds0 = openFds();
        await copy(opts(bs, qd), out);
        expect(statSync(out).size).toBe(BIG_SIZE);
        expect(sha(out)).toBe(bigHash);
        expect(await eventually(() => openFds() <= fds0)).toBe(true);
        rmSync(out);
      }, 20_000);
    }
  }

  test("the io_uring engine is used when available, and buffers carry their byte offsets", async () => {
    const p = launch(`filesrc name=src location=${big} blocksize=1048576 num-buffers=5 use-mmap=false ! fakesink name=out signal-handoffs=true`);
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

describe("mapped files (use-mmap, the default for regular files)", () => {
  /** The big file's bytes with `edit` applied to every buffer whose sequence number `pick`s. */
  function expected(bs: number, pick: (seq: number) => boolean, edit: (d: Uint8Array) => void): string {
    const data = new Uint8Array(readFileSync(big));
    for (let o = 0, k = 0; o < data.length; o += bs, k++) if (pick(k)) edit(data.subarray(o, Math.min(o + bs, data.length)));
    return createHash("sha256").update(data).digest("hex");
  }
  const flip = (d: Uint8Array) => {
    d[0] = d[0]! ^ 0xff;
    d[d.length - 1] = d[d.length - 1]! ^ 0x5a;
  };

  for (const bs of [1 << 20, 262144 + 100, 4096 * 3 + 7]) {
    test(`filesrc ! filesink copies in the kernel, byte-identical (blocksize=${bs}), and leaves fds and mappings flat`, async () => {
      const out = join(dir, `mapped-${bs}.bin`);
      const fds0 = openFds();
      const maps0 = mapsLines();
      const p = launch(`filesrc name=src location=${big} blocksize=${bs} ! filesink name=sink location=${out}`);
      p.prepare();
      expect((p.getElement("src") as FileSrc).ioEngine).toBe("mmap");
      // Every buffer goes through copy_file_range: the sink never sets up an io_uring.
      const rings = () =>
        readdirSync("/proc/self/fd").filter((fd) => {
          try {
            return readlinkSync(`/proc/self/fd/${fd}`) === "anon_inode:[io_uring]";
          } catch {
            return false; // closed while we looked
          }
        }).length;
      const rings0 = rings();
      let ringsAtEos = -1;
      p.bus.on("eos", () => (ringsAtEos = rings()));
      await p.run();
      expect(ringsAtEos).toBe(rings0);
      expect((p.getElement("sink") as FileSink).kernelCopiedBytes).toBe(BIG_SIZE);
      expect(sha(out)).toBe(bigHash);
      expect(await eventually(() => openFds() <= fds0)).toBe(true);
      expect(await eventually(() => mapsLines() <= maps0 + 2)).toBe(true);
      rmSync(out);
    }, 20_000);
  }

  test("a transform that writes in place sees its bytes, filesink writes them, and the source file never changes", async () => {
    const out = join(dir, "inplace.bin");
    const bs = 1 << 20;
    const p = launch(`filesrc location=${big} blocksize=${bs} ! identity name=id signal-handoffs=true ! filesink name=sink location=${out}`);
    const seen: boolean[] = [];
    (p.getElement("id") as Identity).onHandoff = (b: PxBuffer) => {
      expect(b.memory?.kind).toBe("file");
      if (b.sequence % 3 === 1) {
        const before = [b.data[0]!, b.data[b.size - 1]!];
        flip(b.data);
        // The writer reads back what it wrote (private copies of the pages)...
        seen.push(b.data[0] === (before[0]! ^ 0xff) && b.data[b.size - 1] === (before[1]! ^ 0x5a));
      }
    };
    await p.run();
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.every(Boolean)).toBe(true);
    // ...the output has the edits, and only untouched buffers went through the kernel copy...
    expect(sha(out)).toBe(expected(bs, (k) => k % 3 === 1, flip));
    const edited = Array.from({ length: Math.ceil(BIG_SIZE / bs) }, (_, k) => k).filter((k) => k % 3 === 1);
    const editedBytes = edited.reduce((n, k) => n + Math.min(bs, BIG_SIZE - k * bs), 0);
    expect((p.getElement("sink") as FileSink).kernelCopiedBytes).toBe(BIG_SIZE - editedBytes);
    // ...and the file they were mapped from is as it was.
    expect(sha(big)).toBe(bigHash);
    rmSync(out);
  }, 20_000);

  test("reading the bytes does not stop the kernel copy; tee branches and an appsink see the file's bytes", async () => {
    const out = join(dir, "tee.bin");
    const p = launch(
      `filesrc location=${big} blocksize=65536 ! tee name=t ` +
        `t. ! queue ! filesink name=sink location=${out} ` +
        `t. ! queue ! identity name=id signal-handoffs=true ! appsink name=app max-buffers=4`,
    );
    const h = createHash("sha256");
    (p.getElement("id") as Identity).onHandoff = (b: PxBuffer) => void h.update(b.data);
    const app = p.getElement("app") as AppSink;
    const done = p.run();
    const h2 = createHash("sha256");
    let kinds = new Set<string | undefined>();
    for await (const b of app) {
      kinds.add(b.memory?.kind);
      h2.update(b.data);
      b.release();
    }
    await done;
    expect(kinds).toEqual(new Set(["file"]));
    expect(h.digest("hex")).toBe(bigHash);
    expect(h2.digest("hex")).toBe(bigHash);
    expect(sha(out)).toBe(bigHash);
    expect((p.getElement("sink") as FileSink).kernelCopiedBytes).toBe(BIG_SIZE);
    rmSync(out);
  }, 20_000);

  test("buffers an application still holds stay valid after the pipeline ends, until released", async () => {
    const p = launch(`filesrc location=${big} blocksize=1000 num-buffers=3 ! appsink name=app max-buffers=10`);
    const app = p.getElement("app") as AppSink;
    const held: PxBuffer[] = [];
    const done = p.run();
    for await (const b of app) held.push(b);
    await done;
    p.suspend();
    const bytes = readFileSync(big).subarray(0, 3000);
    expect(Buffer.concat(held.map((b) => Buffer.from(b.data)))).toEqual(bytes);
    for (const b of held) b.release();
  });

  test("ipcsink copies mapped buffers into its pool: the consumer gets the file's bytes", async () => {
    const path = join(dir, "ipc.sock");
    const out = join(dir, "ipc.bin");
    const prod = launch(`filesrc location=${big} blocksize=1048576 ! ipcsink path=${path}`);
    const cons = launch(`ipcsrc path=${path} timeout=5000 ! filesink name=sink location=${out}`);
    await Promise.all([cons.run(), prod.run()]);
    expect(sha(out)).toBe(bigHash);
    expect((cons.getElement("sink") as FileSink).kernelCopiedBytes).toBe(0);
    rmSync(out);
  }, 20_000);

  test("a source truncated under the pipeline ends the copy with an error that says so (no crash)", async () => {
    const src = join(dir, "shrinking.bin");
    const out = join(dir, "shrinking.out");
    copyFileSync(big, src);
    const p = launch(`filesrc location=${src} blocksize=1048576 ! identity name=id signal-handoffs=true ! filesink location=${out}`);
    // identity never reads the bytes: the sink's kernel copy meets the new end of the file.
    (p.getElement("id") as Identity).onHandoff = (b: PxBuffer) => {
      if (b.sequence === 3) truncateSync(src, 2 << 20);
    };
    await expect(p.run()).rejects.toThrow(/shorter than when the buffer was made \(was it truncated\?\)/);
    rmSync(src);
    rmSync(out, { force: true });
  }, 20_000);

  test("the default blocksize (0) is 1 MiB when mapping and 256 KiB when reading", async () => {
    for (const [opts, size] of [
      ["", MAPPED_BLOCKSIZE],
      ["use-mmap=false", DEFAULT_BLOCKSIZE],
      ["blocksize=5000", 5000],
    ] as const) {
      const p = launch(`filesrc location=${big} num-buffers=2 ${opts} ! fakesink name=out signal-handoffs=true`);
      const sizes: number[] = [];
      (p.getElement("out") as FakeSink).onHandoff = (b) => void sizes.push(b.size);
      await p.run();
      expect(sizes).toEqual([size, size]);
    }
  });

  test("use-mmap=false reads into pool buffers; pipes and devices are always read", async () => {
    const p = launch(`filesrc name=src location=${big} use-mmap=false num-buffers=1 ! fakesink`);
    p.prepare();
    expect((p.getElement("src") as FileSrc).ioEngine).toBe(uring.available() ? "io-uring" : "sync");
    p.suspend();
    const z = launch(`filesrc name=src location=/dev/zero num-buffers=1 ! fakesink`);
    z.prepare();
    expect((z.getElement("src") as FileSrc).ioEngine).not.toBe("mmap");
    z.suspend();
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
