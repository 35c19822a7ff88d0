import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { ptr } from "bun:ffi";
import * as uring from "./uring.ts";
import { openFds } from "./testing.ts";

const dir = mkdtempSync(join(tmpdir(), "px-uring-"));
const file = join(dir, "data.bin");
const SIZE = (1 << 20) + 12345;
let expected: Uint8Array;

beforeAll(() => {
  expected = new Uint8Array(randomBytes(SIZE));
  writeFileSync(file, expected);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("io_uring", () => {
  test("this machine supports io_uring (the probe agrees with ring creation)", () => {
    const why = uring.probe();
    if (why === null) {
      const r = new uring.Ring(4);
      r.close();
    } else {
      // Under seccomp or io_uring_disabled the constructor must fail the same way.
      expect(() => new uring.Ring(4)).toThrow(why.code);
    }
    expect(uring.available()).toBe(why === null);
  });

  test.if(uring.available())("reading a file in 64 KiB blocks at queue depth 8 matches node:fs", () => {
    const fds0 = openFds();
    const fd = openSync(file, "r");
    const ring = new uring.Ring(16);
    const out = new Uint8Array(SIZE);
    const done = new uring.Completions(16);
    const BLOCK = 64 * 1024;
    let next = 0;
    let inflight = 0;
    let completed = 0;
    try {
      while (completed < SIZE) {
        while (inflight < 8 && next < SIZE) {
          const len = Math.min(BLOCK, SIZE - next);
          // user data = file offset; the view passed is the destination subarray.
          expect(ring.prepRead(fd, out.subarray(next, next + len), len, next, next)).toBe(true);
          next += len;
          inflight++;
        }
        const n = ring.submitAndReap(1, done);
        expect(n).toBeGreaterThan(0);
        for (let i = 0; i < n; i++) {
          const off = done.userData(i);
          expect(done.res(i)).toBe(Math.min(BLOCK, SIZE - off));
          completed += done.res(i);
        }
        inflight -= n;
      }
      expect(Buffer.compare(out, readFileSync(file))).toBe(0);
    } finally {
      ring.close();
      closeSync(fd);
    }
    expect(openFds()).toBe(fds0);
  });

  test.if(uring.available())("a batch of writes and reads by address, large user data, errors as -errno", () => {
    const path = join(dir, "batch.bin");
    const fd = openSync(path, "w+");
    const ring = new uring.Ring(8);
    const src = new Uint8Array(4 * 4096);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7) & 0xff;
    const batch = new uring.IoBatch(8);
    const done = new uring.Completions(8);
    const BIG = 2 ** 40 + 3; // needs the high word of the u64 user data
    try {
      for (let i = 0; i < 4; i++) batch.set(i, uring.Op.WRITE, fd, ptr(src, i * 4096), 4096, i * 4096, BIG + i);
      expect(ring.prepBatch(batch, 4)).toBe(4);
      const seen: number[] = [];
      while (seen.length < 4) {
        ring.submitAndReap(1, done);
        for (let i = 0; i < done.count; i++) {
          expect(done.res(i)).toBe(4096);
          seen.push(done.userData(i));
        }
      }
      expect(seen.sort()).toEqual([BIG, BIG + 1, BIG + 2, BIG + 3]);
      expect(readFileSync(path)).toEqual(Buffer.from(src));

      const back = new Uint8Array(4096);
      batch.set(0, uring.Op.READ, fd, ptr(back), 4096, 4096, 1);
      batch.set(1, uring.Op.READ, -1, ptr(back), 4096, 0, 2); // bad fd: completes with -EBADF
      expect(ring.prepBatch(batch, 2)).toBe(2);
      ring.submitAndWait(2);
      expect(ring.reap(done)).toBe(2);
      const res = new Map<number, number>();
      for (let i = 0; i < done.count; i++) res.set(done.userData(i), done.res(i));
      expect(res.get(1)).toBe(4096);
      expect(res.get(2)).toBe(-9);
      expect(back).toEqual(src.subarray(4096, 8192));
    } finally {
      ring.close();
      closeSync(fd);
    }
  });

  test.if(uring.available())("a full submission queue says so instead of throwing; a closed ring throws", () => {
    const ring = new uring.Ring(2);
    const b = new Uint8Array(16);
    const fd = openSync(file, "r");
    try {
      let queued = 0;
      while (ring.prepRead(fd, b, 16, 0, queued)) queued++;
      expect(queued).toBe(2); // a 2-entry ring
      expect(ring.spaceLeft()).toBe(0);
      const done = new uring.Completions(4);
      let n = 0;
      while (n < queued) n += ring.submitAndReap(1, done);
      expect(n).toBe(queued);
    } finally {
      ring.close();
      ring.close();
      closeSync(fd);
    }
    expect(() => ring.submit()).toThrow("closed");
  });
});

describe("io_uring: async I/O, completion eventfd, worker limit", () => {
  test.if(uring.available())("prepRw with Sqe.ASYNC completes; ready() counts; the registered eventfd rings only while enabled", async () => {
    const { eventfd, eventfdRead, Efd } = await import("./fdpass.ts");
    const memfd = await import("./memfd.ts");
    const path = join(dir, "async.bin");
    const fd = openSync(path, "w+");
    const ring = new uring.Ring(8);
    const efd = eventfd(0, Efd.NONBLOCK);
    const done = new uring.Completions(8);
    const src = new Uint8Array(8192).fill(5);
    try {
      expect(ring.setMaxWorkers(1, 0)).toBe(true);
      ring.registerEventfd(efd);
      expect(ring.eventfdNotify(false)).toBe(true);
      expect(ring.prepRw(uring.Op.WRITE, fd, src, 8192, 0, 11, uring.Sqe.ASYNC)).toBe(true);
      expect(ring.submitAndWait(1)).toBeGreaterThanOrEqual(0);
      expect(ring.ready()).toBe(1);
      expect(eventfdRead(efd)).toBeNull(); // notifications were off
      expect(ring.reap(done)).toBe(1);
      expect([done.userData(0), done.res(0)]).toEqual([11, 8192]);
      expect(ring.eventfdNotify(true)).toBe(true);
      const back = new Uint8Array(8192);
      ring.prepRw(uring.Op.READ, fd, back, 8192, 0, 12, uring.Sqe.ASYNC);
      ring.submitAndWait(1);
      expect(eventfdRead(efd)).toBeGreaterThanOrEqual(1);
      ring.reap(done);
      expect(back).toEqual(src);
      expect(() => ring.prepRw(7, fd, back, 1, 0, 0)).toThrow("EINVAL");
      ring.unregisterEventfd();
    } finally {
      ring.close();
      memfd.close(efd);
      closeSync(fd);
    }
  });
});
