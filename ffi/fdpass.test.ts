import { afterEach, describe, expect, test } from "bun:test";
import { toArrayBuffer } from "bun:ffi";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ErrnoError } from "./errno.ts";
import * as fdpass from "./fdpass.ts";
import * as memfd from "./memfd.ts";
import { openFds, readable } from "./testing.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** fds a test opened, closed after it whatever happens. */
let toClose: number[] = [];
afterEach(() => {
  for (const fd of toClose) {
    try {
      memfd.close(fd);
    } catch {
      // already closed by the test
    }
  }
  toClose = [];
});
function track<T extends number | number[]>(fds: T): T {
  toClose.push(...(Array.isArray(fds) ? fds : [fds]));
  return fds;
}

describe("SEQPACKET messages with fds", () => {
  test("payload and fds arrive together; received fds are new descriptors of the same file", () => {
    const [a, b] = track(fdpass.socketpair());
    const file = track(memfd.memfdCreate("px-fdpass-msg"));
    memfd.ftruncate(file, 12345);
    expect(fdpass.sendMsg(a, enc.encode("hello"), [file, file])).toBe(5);
    const buf = new Uint8Array(64);
    const got = fdpass.recvMsg(b, buf)!;
    track(got.fds);
    expect(got.bytes).toBe(5);
    expect(dec.decode(buf.subarray(0, got.bytes))).toBe("hello");
    expect(got.fds.length).toBe(2);
    expect(got.fds).not.toContain(file);
    expect(memfd.fstatSize(got.fds[0]!)).toBe(12345);
    expect(got.truncated).toBe(false);
    expect(got.fdsTruncated).toBe(false);
  });

  test("message boundaries hold, truncation is reported, surplus fds are closed by the kernel", () => {
    const [a, b] = track(fdpass.socketpair());
    fdpass.sendMsg(a, enc.encode("one"));
    fdpass.sendMsg(a, enc.encode("two-and-longer"), [a, b]);
    const buf = new Uint8Array(8);
    const first = fdpass.recvMsg(b, buf)!;
    expect(dec.decode(buf.subarray(0, first.bytes))).toBe("one");
    const fds0 = openFds();
    const second = fdpass.recvMsg(b, buf, 1)!;
    track(second.fds);
    expect(second.truncated).toBe(true);
    expect(second.fdsTruncated).toBe(true);
    expect(second.fds.length).toBe(1);
    expect(openFds()).toBe(fds0 + 1);
  });

  test("nonblocking: empty socket gives null, and an empty payload still carries fds", () => {
    const [a, b] = track(fdpass.socketpair());
    fdpass.setNonblocking(b);
    expect(fdpass.recvMsg(b, new Uint8Array(8))).toBeNull();
    expect(fdpass.poll(b, fdpass.Poll.IN, 0)).toBe(0);
    fdpass.sendMsg(a, undefined, [a]);
    expect(fdpass.poll(b, fdpass.Poll.IN, 0) & fdpass.Poll.IN).toBe(fdpass.Poll.IN);
    const got = fdpass.recvMsg(b, new Uint8Array(8))!;
    track(got.fds);
    expect(got.bytes).toBe(0);
    expect(got.fds.length).toBe(1);
  });

  test("a closed peer is EPIPE, and too many fds is refused before the call", () => {
    const [a, b] = fdpass.socketpair();
    track(a);
    memfd.close(b);
    expect(() => fdpass.sendMsg(a, enc.encode("x"))).toThrow("EPIPE");
    expect(() => fdpass.sendMsg(a, enc.encode("x"), new Array(fdpass.MAX_FDS + 1).fill(a))).toThrow(RangeError);
  });
});

describe("Unix sockets on a path", () => {
  const dir = mkdtempSync(join(tmpdir(), "px-fdpass-"));
  afterEach(() => rmSync(join(dir, "s"), { force: true }));

  test("listen, connect, accept, exchange", () => {
    const path = join(dir, "s");
    const l = track(fdpass.unixListen(path));
    fdpass.setNonblocking(l);
    expect(fdpass.accept(l)).toBeNull();
    const c = track(fdpass.unixConnect(path));
    const s = track(fdpass.accept(l)!);
    fdpass.sendMsg(c, enc.encode("ping"), [c]);
    const buf = new Uint8Array(16);
    const got = fdpass.recvMsg(s, buf)!;
    track(got.fds);
    expect(dec.decode(buf.subarray(0, got.bytes))).toBe("ping");
    expect(got.fds.length).toBe(1);
    expect(() => fdpass.unixListen(path)).toThrow("EADDRINUSE");
    rmSync(dir, { recursive: true, force: true });
  });

  test("errors: no listener, path too long", () => {
    let err: unknown;
    try {
      fdpass.unixConnect(join(tmpdir(), "px-no-such-socket"));
    } catch (e) {
      err = e;
    }
    expect((err as ErrnoError).code).toBe("ENOENT");
    expect(() => fdpass.unixConnect(`/tmp/${"x".repeat(200)}`)).toThrow(RangeError);
  });
});

describe("eventfd", () => {
  test("counter, semaphore mode, would-block", () => {
    const e = track(fdpass.eventfd(0, fdpass.Efd.NONBLOCK));
    expect(fdpass.eventfdRead(e)).toBeNull();
    fdpass.eventfdWrite(e, 2);
    fdpass.eventfdWrite(e, 3);
    expect(fdpass.eventfdRead(e)).toBe(5);
    expect(fdpass.eventfdRead(e)).toBeNull();
    const s = track(fdpass.eventfd(2, fdpass.Efd.NONBLOCK | fdpass.Efd.SEMAPHORE));
    expect(fdpass.eventfdRead(s)).toBe(1);
    expect(fdpass.eventfdRead(s)).toBe(1);
    expect(fdpass.eventfdRead(s)).toBeNull();
  });
});

describe("futex", () => {
  test("in-process: mismatch and timeout outcomes", () => {
    const word = new Int32Array(4);
    word[1] = 5;
    expect(fdpass.futexWait(word, 4, 4, 1000)).toBe("mismatch");
    const t0 = performance.now();
    expect(fdpass.futexWait(word, 4, 5, 20)).toBe("timeout");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(15);
    expect(fdpass.futexWake(word, 4, 1)).toBe(0);
  });
});

describe("process helpers", () => {
  test("getpid matches process.pid and the parent is known", () => {
    expect(fdpass.getpid()).toBe(process.pid);
    expect(fdpass.getppid()).toBe(process.ppid);
  });
});

describe("across two Bun processes", () => {
  test(
    "memfd passed over a socketpair, shared writes, eventfd back, futex wake",
    async () => {
      const fds0 = openFds();
      const [a, b] = fdpass.socketpair();
      const file = memfd.memfdCreate("px-fdpass-child");
      const size = memfd.PAGE_SIZE;
      memfd.ftruncate(file, size);
      const addr = memfd.mmap(file, size);
      const view = new Uint8Array(toArrayBuffer(addr, 0, size));
      view.set(enc.encode("from parent\0"), 0);
      const child = Bun.spawn([process.execPath, join(import.meta.dir, "fdpass.fixture.ts"), String(process.pid)], {
        stdio: ["ignore", "inherit", "inherit", b],
      });
      memfd.close(b);
      let efd = -1;
      try {
        fdpass.sendMsg(a, enc.encode("go"), [file]);
        await readable(a, 10_000);
        const buf = new Uint8Array(512);
        const first = fdpass.recvMsg(a, buf)!;
        expect(first.fds.length).toBe(1);
        efd = first.fds[0]!;
        const report = JSON.parse(dec.decode(buf.subarray(0, first.bytes)));
        expect(report).toEqual({ pid: child.pid, ppid: process.pid, text: "from parent", payload: "go" });
        // The child's write is visible in our mapping of the same memfd.
        expect(dec.decode(view.subarray(100, 100 + "reply to from parent".length))).toBe("reply to from parent");

        // Wake the child's futex wait on word 256 (retry until it is actually asleep).
        const deadline = performance.now() + 5000;
        while (fdpass.futexWake(addr, 256, 1) !== 1) {
          if (performance.now() > deadline) throw new Error("the child never waited on the futex");
          await Bun.sleep(2);
        }
        await readable(efd);
        expect(fdpass.eventfdRead(efd)).toBe(7);
        await readable(a);
        const second = fdpass.recvMsg(a, buf)!;
        expect(JSON.parse(dec.decode(buf.subarray(0, second.bytes)))).toEqual({ futex: "woken" });
        expect(await child.exited).toBe(0);
      } finally {
        child.kill();
        await child.exited;
        if (efd >= 0) memfd.close(efd);
        memfd.close(a);
        view.buffer.transfer(0);
        memfd.munmap(addr, size);
        memfd.close(file);
      }
      expect(openFds()).toBe(fds0);
    },
    20_000,
  );
});
