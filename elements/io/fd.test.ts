import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppSink, Buffer, FakeSink, launch, Pipeline, registry } from "../../src/index.ts";
import { testingCatalog } from "../testing/catalog.ts";
import { ioCatalog } from "./catalog.ts";
import { FdSink } from "./fdsink.ts";
import { FdSrc } from "./fdsrc.ts";

registry.register(...ioCatalog, ...testingCatalog);

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "parallax-fd-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function fifo(name: string): string {
  const path = join(dir, name);
  const r = Bun.spawnSync(["mkfifo", path]);
  if (r.exitCode !== 0) throw new Error(`mkfifo failed: ${r.stderr.toString()}`);
  return path;
}

function counter(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => i & 0xff);
}

describe("fdsrc", () => {
  test("a regular file: synchronous reads from the fd's current position; the fd stays open", async () => {
    const path = join(dir, "in.bin");
    writeFileSync(path, counter(10_000));
    const fd = openSync(path, "r");
    try {
      readSync(fd, new Uint8Array(100), 0, 100, null); // the application already read 100 bytes
      const p = launch(`fdsrc fd=${fd} blocksize=4096 name=src ! fakesink name=s signal-handoffs=true`);
      const sizes: number[] = [];
      let ok = true;
      (p.getElement("s") as FakeSink).onHandoff = (b) => {
        sizes.push(b.size);
        for (let i = 0; i < b.size; i++) if (b.data[i] !== ((100 + b.offset + i) & 0xff)) ok = false;
      };
      await p.run();
      expect((p.getElement("src") as FdSrc).regular).toBe(true);
      expect(sizes).toEqual([4096, 4096, 1708]);
      expect(ok).toBe(true);
      expect(fstatSync(fd).isFile()).toBe(true); // not closed
    } finally {
      closeSync(fd);
    }
  });

  test("a pipe: reads as data comes without blocking the event loop; the writer closing ends the stream", async () => {
    const path = fifo("p1");
    const child = Bun.spawn(["sh", "-c", `exec > ${path}; printf hello; sleep 0.15; printf world`]);
    const fd = openSync(path, "r");
    try {
      const p = launch(`fdsrc fd=${fd} ! fakesink name=s signal-handoffs=true`);
      let text = "";
      (p.getElement("s") as FakeSink).onHandoff = (b) => (text += b.text());
      let ticks = 0;
      const iv = setInterval(() => ticks++, 10);
      await p.run();
      clearInterval(iv);
      expect(text).toBe("helloworld");
      expect(ticks).toBeGreaterThan(5); // the loop ran while fdsrc waited
      expect((p.getElement("fdsrc0") as FdSrc).regular).toBe(false);
    } finally {
      closeSync(fd);
      await child.exited;
    }
  }, 10_000);

  test("a pipe with no data: stopping cancels the pending read; timeout posts messages", async () => {
    const path = fifo("p2");
    const child = Bun.spawn(["sh", "-c", `exec > ${path}; sleep 10`]);
    const fd = openSync(path, "r");
    try {
      const p = launch(`fdsrc fd=${fd} timeout=20000 ! fakesink`);
      const timeouts: unknown[] = [];
      p.bus.on("element", (m) => m.name === "fdsrc-timeout" && timeouts.push(m.data));
      const done = p.run().catch((e: Error) => e.message);
      await Bun.sleep(80);
      p.stop();
      expect(await done).toMatch(/was stopped/);
      expect(timeouts.length).toBeGreaterThanOrEqual(1);
      expect(fstatSync(fd).isFIFO()).toBe(true); // still ours to close
    } finally {
      child.kill();
      await child.exited;
      closeSync(fd);
    }
  }, 10_000);

  test("a closed or unknown fd is refused when preparing, naming the fd", () => {
    const p = launch("fdsrc fd=987 ! fakesink");
    expect(() => p.prepare()).toThrow(/fd 987 cannot be read/);
  });

  test("blocksize cuts large pipe chunks; num-buffers stops early", async () => {
    const path = fifo("p3");
    const child = Bun.spawn(["sh", "-c", `exec > ${path}; head -c 50000 /dev/zero`]);
    const fd = openSync(path, "r");
    try {
      const p = new Pipeline();
      const src = p.make("fdsrc", { fd, blocksize: 1000, numBuffers: 7 });
      const sink = p.make("fakesink", { signalHandoffs: true }) as FakeSink;
      const sizes: number[] = [];
      sink.onHandoff = (b) => sizes.push(b.size);
      p.chain(src, sink);
      await p.run();
      expect(sizes.length).toBe(7);
      expect(sizes.every((s) => s > 0 && s <= 1000)).toBe(true);
    } finally {
      closeSync(fd);
      child.kill();
      await child.exited;
    }
  }, 10_000);
});

describe("fdsink", () => {
  test("a regular file: synchronous writes; the fd stays open", async () => {
    const path = join(dir, "out.txt");
    const fd = openSync(path, "w");
    try {
      const p = launch(`datasrc data="hello fdsink" blocksize=5 ! fdsink fd=${fd} name=s`);
      await p.run();
      expect((p.getElement("s") as FdSink).regular).toBe(true);
      expect((p.getElement("s") as FdSink).written).toBe(12);
      expect(fstatSync(fd).isFile()).toBe(true);
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(path, "utf8")).toBe("hello fdsink");
  });

  test("a pipe read by a child process: every byte arrives", async () => {
    const path = fifo("w1");
    const out = join(dir, "w1.out");
    const child = Bun.spawn(["sh", "-c", `cat ${path} > ${out}`]);
    const fd = openSync(path, "w");
    try {
      const p = launch(`testsrc pattern=counter blocksize=65536 num-buffers=8 ! fdsink fd=${fd}`);
      await p.run();
    } finally {
      closeSync(fd);
    }
    await child.exited;
    const got = readFileSync(out);
    expect(got.length).toBe(8 * 65536);
    expect(got.every((v, k) => v === (k & 0xff))).toBe(true);
  }, 10_000);

  test("a pipe read by this same process: writes never block the event loop (no deadlock)", async () => {
    const path = fifo("w2");
    const rfd = openSync(path, "r+"); // read end (O_RDWR: opening does not wait for a writer)
    const wfd = openSync(path, "w");
    const total = 1024 * 1024;
    try {
      const reader = Bun.file(rfd).stream().getReader();
      let got = 0;
      const reading = (async () => {
        while (got < total) {
          const r = await reader.read();
          if (r.done) break;
          got += r.value.length;
        }
        await reader.cancel();
      })();
      const p = launch(`testsrc blocksize=65536 num-buffers=16 ! fdsink fd=${wfd}`);
      await p.run();
      await reading;
      expect(got).toBe(total);
    } finally {
      closeSync(wfd);
      closeSync(rfd);
    }
  }, 10_000);

  test("the reader going away is a resource error on the bus (EPIPE)", async () => {
    const path = fifo("w3");
    const child = Bun.spawn(["sh", "-c", `head -c 10 ${path} > /dev/null`]);
    const fd = openSync(path, "w");
    try {
      const p = launch(`testsrc blocksize=65536 num-buffers=200 ! fdsink fd=${fd}`);
      await expect(p.run()).rejects.toThrow(/could not write|EPIPE|broken pipe/i);
    } finally {
      closeSync(fd);
      await child.exited;
    }
  }, 10_000);

  test("appsrc → fdsink → fdsrc round trip through a pipe in one process", async () => {
    const path = fifo("rt");
    const rfd = openSync(path, "r+");
    const wfd = openSync(path, "w");
    try {
      const writer = launch(`appsrc name=in ! fdsink fd=${wfd}`);
      const reader = launch(`fdsrc fd=${rfd} ! appsink name=out`);
      const out = reader.getElement("out") as AppSink;
      const rdone = reader.run();
      const wdone = writer.run();
      void (writer.getElement("in") as import("../../src/index.ts").AppSrc).pipeFrom([Buffer.fromString("ping"), Buffer.fromString("pong")]);
      await wdone;
      let text = "";
      while (text.length < 8) {
        const b = await out.pull();
        if (!b) break;
        text += b.text();
      }
      expect(text).toBe("pingpong");
      reader.stop();
      await rdone.catch(() => {});
    } finally {
      closeSync(wfd);
      closeSync(rfd);
    }
  }, 10_000);
});
