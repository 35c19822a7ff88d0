/**
 * RangeCopy: consecutive untouched views of a mapped file go out in one kernel copy per run;
 * a run something wrote into is decided buffer by buffer; a break in the source or the output
 * offsets starts a new run; an output the kernel cannot copy into gets the bytes written.
 */
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { threadsNamed } from "../../ffi/testing.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer } from "../../src/buffer.ts";
import { Flow, type FlowReturn } from "../../src/flow.ts";
import { MappedFile } from "../../src/memory/file-memory.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import { RangeCopy } from "./range-copy.ts";

const dir = mkdtempSync(join(tmpdir(), "px-rangecopy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs of 16 MiB (the default is larger) keep the test file small. */
const RUN = 16 * 1024 * 1024;
const FIRST_RUN = RUN / 16;
const SMALL = { runBytes: RUN, firstRunBytes: FIRST_RUN, maxAgeMs: 60_000 };
const SIZE = 3 * RUN + 5000;
const content = new Uint8Array(SIZE);
for (let i = 0; i < SIZE; i += 4096) content[i] = (i >> 12) & 0xff;
const input = join(dir, "in.bin");
writeFileSync(input, content);

/** A target that writes with writeSync at the offset asked, recording what it was asked. */
function target(fd: number) {
  const log = { writes: [] as number[], failed: [] as string[], refused: [] as string[] };
  const t = {
    write(buf: Buffer, at: number): FlowReturn {
      writeSync(fd, buf.data, 0, buf.data.byteLength, at);
      log.writes.push(at);
      return Flow.OK;
    },
    fail(why: string): FlowReturn {
      log.failed.push(why);
      return Flow.ERROR;
    },
    refused(why: string): void {
      log.refused.push(why);
    },
  };
  return { t, log };
}

/** A RangeCopy into a fresh output file `name`, over the mapped input. */
function copyInto(name: string, opts: ConstructorParameters<typeof RangeCopy>[1] = SMALL) {
  const out = join(dir, name);
  const ofd = openSync(out, "w");
  const { t, log } = target(ofd);
  const rc = new RangeCopy(t, opts);
  const f = new MappedFile(openSync(input, "r"));
  return { out, ofd, log, rc, f, size: f.size() };
}

test("a whole file of untouched buffers goes out in one copy per run; written buffers are written", () => {
  const { out, ofd, log, rc, f, size } = copyInto("out.bin");
  const bs = 256 * 1024 + 8; // not page-aligned: runs share edge pages with neighbours
  const expected = new Uint8Array(content);
  let k = 0;
  for (let o = 0; o < size; o += bs, k++) {
    const n = Math.min(bs, size - o);
    const b = f.slice(o, n, size);
    expect(rc.accepts(b)).toBe(true);
    if (k === 70) {
      b.data[100] = 0x77; // an in-place writer, in the fifth run
      expected[o + 100] = 0x77;
    }
    expect(rc.add(ofd, b, o)).toBe(Flow.OK);
    b.release();
  }
  expect(rc.flush(ofd)).toBe(Flow.OK);
  f.close();
  closeSync(ofd);
  expect(new Uint8Array(readFileSync(out))).toEqual(expected);
  // The run with the written buffer went buffer by buffer: its untouched ones by the kernel
  // (except the neighbours sharing a page with the write), the written one by write().
  expect(log.writes.length).toBeGreaterThanOrEqual(1);
  expect(log.writes.length).toBeLessThanOrEqual(3);
  expect(rc.copied + log.writes.length * bs).toBeGreaterThanOrEqual(SIZE - 3 * bs);
  const runs = Math.ceil(SIZE / RUN);
  expect(rc.copyCalls).toBeLessThan(runs + RUN / bs + 2);
  expect(rc.copyCalls).toBeGreaterThanOrEqual(runs);
  // Full runs went to the helper thread (the one with the written buffer did not).
  expect(rc.asyncRuns).toBeGreaterThanOrEqual(runs - 1);
  expect(log.failed).toEqual([]);
  rc.close();
});

test("runs start small and double; close() waits for runs being copied, then stops the helper thread", () => {
  const copiers = () => threadsNamed("px-copier");
  const before = copiers();
  const { out, ofd, log, rc, f, size } = copyInto("out-close.bin");
  const bs = 1 << 20;
  const sizes: number[] = [];
  let last = 0;
  for (let o = 0; o < 2 * RUN; o += bs) {
    const b = f.slice(o, bs, size);
    expect(rc.add(ofd, b, o)).toBe(Flow.OK);
    b.release();
    if (rc.pending === 0) {
      sizes.push(o + bs - last);
      last = o + bs;
    }
  }
  expect(sizes.slice(0, 5)).toEqual([FIRST_RUN, 2 * FIRST_RUN, 4 * FIRST_RUN, 8 * FIRST_RUN, RUN]);
  expect(rc.asyncRuns).toBe(sizes.length);
  expect(copiers()).toBe(before + 1);
  rc.close();
  expect(copiers()).toBe(before);
  // Every run handed over was copied; nothing was written from memory.
  expect(new Uint8Array(readFileSync(out))).toEqual(content.subarray(0, last));
  expect(log.writes).toEqual([]);
  f.close();
  closeSync(ofd);
});

test("a run whose first buffer is older than the age bound goes at the next buffer, full or not", () => {
  let clock = 1000;
  const { out, ofd, log, rc, f, size } = copyInto("age.bin", { runBytes: RUN, firstRunBytes: RUN, maxAgeMs: 50, now: () => clock });
  const add = (o: number) => {
    const b = f.slice(o, 4096, size);
    expect(rc.add(ofd, b, o)).toBe(Flow.OK);
    b.release();
  };
  add(0);
  clock += 49;
  add(4096);
  expect(rc.pending).toBe(8192); // young and far from full: still held
  clock += 1;
  add(8192); // the first buffer is 50 ms old now: the run goes, with this one
  expect(rc.pending).toBe(0);
  expect(rc.asyncRuns).toBe(1);
  add(12288); // a new run, timed from its own first buffer
  expect(rc.pending).toBe(4096);
  expect(rc.flush(ofd)).toBe(Flow.OK);
  rc.close();
  f.close();
  closeSync(ofd);
  expect(new Uint8Array(readFileSync(out))).toEqual(content.subarray(0, 16384));
  expect(log.writes).toEqual([]);
});

test("a gap in the source or the output ends a run; buffers of other memory are not accepted", () => {
  const out = join(dir, "gaps.bin");
  const ofd = openSync(out, "w");
  const { t } = target(ofd);
  const rc = new RangeCopy(t, SMALL);
  const f = new MappedFile(openSync(input, "r"));
  const size = f.size();
  // Output: [0,1000) from source 0, [1000,3000) from source 5000, [3000,4000) from source 1000.
  for (const [src, n, at] of [
    [0, 1000, 0],
    [5000, 2000, 1000],
    [1000, 1000, 3000],
  ] as const) {
    const b = f.slice(src, n, size);
    expect(rc.add(ofd, b, at)).toBe(Flow.OK);
    b.release();
  }
  expect(rc.flush(ofd)).toBe(Flow.OK);
  expect(rc.accepts(Buffer.alloc(10))).toBe(false);
  f.close();
  closeSync(ofd);
  const got = new Uint8Array(readFileSync(out));
  expect(got.subarray(0, 1000)).toEqual(content.subarray(0, 1000));
  expect(got.subarray(1000, 3000)).toEqual(content.subarray(5000, 7000));
  expect(got.subarray(3000, 4000)).toEqual(content.subarray(1000, 2000));
});

test("an output the kernel cannot copy into is refused once, and the bytes are written instead", () => {
  const [a, b] = fdpass.socketpair();
  const { t, log } = target(a);
  // A socket has no offsets: write everything at "offset" 0 and check what arrives in order.
  t.write = (buf: Buffer, at: number) => {
    writeSync(a, buf.data);
    log.writes.push(at);
    return Flow.OK;
  };
  const rc = new RangeCopy(t, SMALL);
  const f = new MappedFile(openSync(input, "r"));
  const x = f.slice(0, 100, f.size());
  const y = f.slice(100, 100, f.size());
  expect(rc.add(a, x, 0)).toBe(Flow.OK);
  expect(rc.add(a, y, 100)).toBe(Flow.OK);
  expect(rc.flush(a)).toBe(Flow.OK);
  expect(log.refused.length).toBe(1);
  expect(rc.enabled).toBe(false);
  expect(log.writes).toEqual([0, 100]);
  expect(rc.accepts(x)).toBe(false);
  x.release();
  y.release();
  f.close();
  const got = new Uint8Array(200);
  let n = 0;
  while (n < 200) n += readSync(b, got, n, 200 - n, null);
  expect(got).toEqual(content.subarray(0, 200));
  closeSync(a);
  closeSync(b);
});
