/**
 * File-backed memory: windows cover the ranges asked for, buffers are views of the file grouped
 * in chunks, in-place writes stay private and are seen by `untouchedFileRange`, a chunk gives
 * its pages back with its last buffer, and the fd and mappings live exactly as long as some
 * buffer needs them (released, or collected once unreachable).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, mapsLines, openFds } from "../../ffi/testing.ts";
import { FileChunk, MappedFile, untouchedFileRange } from "./file-memory.ts";
import * as fileio from "../../ffi/fileio.ts";
import { Buffer } from "../buffer.ts";

const dir = mkdtempSync(join(tmpdir(), "px-filemem-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const P = 4096;
const SIZE = 40 * P + 123;
const content = new Uint8Array(SIZE).map((_, i) => (i * 31 + (i >> 12)) & 0xff);
const path = join(dir, "f.bin");
writeFileSync(path, content);

function open(windowBytes = 8 * P): MappedFile {
  return new MappedFile(openSync(path, "r"), { windowBytes });
}

describe("MappedFile", () => {
  test("buffers show the file; a window starts at the page of the offset and spans windowBytes or to the end", () => {
    const f = open();
    const size = f.size();
    const b = f.slice(3 * P + 100, 5000, size);
    expect(b.memory?.kind).toBe("file");
    expect(b.data).toEqual(content.subarray(3 * P + 100, 3 * P + 5100));
    const w = (b.memory as FileChunk).window;
    expect(w.fileOffset).toBe(3 * P);
    expect(w.length).toBe(8 * P);
    // Next to it, in the same window; past it, a new window that stops at the end of the file.
    const c = f.slice(3 * P + 5100, 1000, size);
    expect((c.memory as FileChunk).window).toBe(w);
    const last = f.slice(38 * P, 2 * P + 123, size);
    const lw = (last.memory as FileChunk).window;
    expect(lw).not.toBe(w);
    expect(lw.length).toBe(2 * P + 123);
    expect(last.data).toEqual(content.subarray(38 * P));
    // A block larger than windowBytes gets a window of its size.
    const big = f.slice(0, 20 * P, size);
    expect((big.memory as FileChunk).window.length).toBe(20 * P);
    expect(big.data).toEqual(content.subarray(0, 20 * P));
    for (const x of [b, c, last, big]) x.release();
    f.close();
    expect(f.openWindows).toBe(0);
  });

  test("consecutive buffers share a chunk of about chunkBytes", () => {
    const f = new MappedFile(openSync(path, "r"), { chunkBytes: 3 * P });
    const bufs = [0, 1, 2, 3, 4, 5, 6].map((k) => f.slice(k * P, P, f.size()));
    const chunks = bufs.map((b) => b.memory as FileChunk);
    expect(chunks[1]).toBe(chunks[0]!);
    expect(chunks[2]).toBe(chunks[0]!);
    expect(chunks[3]).not.toBe(chunks[0]!);
    expect(chunks[5]).toBe(chunks[3]!);
    expect([chunks[0]!.start, chunks[0]!.end, chunks[3]!.start, chunks[3]!.end]).toEqual([0, 3 * P, 3 * P, 6 * P]);
    for (const b of bufs) b.release();
    f.close();
  });

  test("untouched buffers give their fd and offset; written, re-pointed or foreign ones do not", () => {
    const f = open();
    const a = f.slice(100, 2 * P, f.size());
    const b = f.slice(100 + 2 * P, P, f.size());
    // Reading does not count as touching.
    expect(a.data[5]).toBe(content[105]!);
    expect(untouchedFileRange(a)).toEqual({ fd: f.fd, offset: 100 });
    a.data[5] = a.data[5]! ^ 1;
    expect(untouchedFileRange(a)).toBeNull();
    expect(untouchedFileRange(b)).toEqual({ fd: f.fd, offset: 100 + 2 * P });
    // A clone shares the chunk and the answer; a view replaced by other bytes is not the file's.
    const c = b.clone();
    expect(untouchedFileRange(c)).toEqual({ fd: f.fd, offset: 100 + 2 * P });
    c.data = new Uint8Array(c.data);
    expect(untouchedFileRange(c)).toBeNull();
    expect(untouchedFileRange(Buffer.alloc(10))).toBeNull();
    // The writer sees its byte; the file does not.
    expect(a.data[5]).toBe(content[105]! ^ 1);
    expect(readFileSync(path)[105]).toBe(content[105]!);
    for (const x of [a, b, c]) x.release();
    f.close();
  });

  test("a chunk gives its pages back when its last buffer goes; other chunks keep their private bytes", () => {
    const f = new MappedFile(openSync(path, "r"), { chunkBytes: 4 * P });
    const size = f.size();
    const first = [0, 1, 2, 3].map((k) => f.slice(k * P, P, size));
    const second = f.slice(4 * P, P, size);
    const w = (second.memory as FileChunk).window;
    for (const b of first) b.data[10] = 0xee;
    second.data[10] = 0xdd;
    const pm = f.pagemapFd;
    expect(fileio.pagesWritten(pm, w.address, 4 * P)).toBe(true);
    const keep = first[2]!.clone();
    for (const b of first) b.release();
    expect(fileio.pagesWritten(pm, w.address, 4 * P)).toBe(true); // `keep` still holds the chunk
    keep.release();
    expect(fileio.pagesWritten(pm, w.address, 4 * P)).toBe(false);
    expect(second.data[10]).toBe(0xdd);
    expect(fileio.pagesWritten(pm, w.address + 4 * P, P)).toBe(true);
    second.release();
    f.close();
  });

  test("after release() (a restart) buffers over the same bytes come from a fresh mapping", () => {
    const f = open();
    const a = f.slice(0, P, f.size());
    a.data[0] = 1;
    f.release();
    const b = f.slice(0, P, f.size());
    expect((b.memory as FileChunk).window).not.toBe((a.memory as FileChunk).window);
    a.release(); // gives a's pages back: must not touch b's
    b.data[1] = 2;
    expect([b.data[0], b.data[1]]).toEqual([content[0]!, 2]);
    b.release();
    f.close();
  });

  test("the fd and the mappings stay while a buffer is held after close(), and go with the last one", () => {
    const fds0 = openFds();
    const maps0 = mapsLines();
    const f = open();
    const b = f.slice(0, P, f.size());
    expect(untouchedFileRange(b)).not.toBeNull(); // opens the pagemap too
    f.close();
    expect(f.openWindows).toBe(1);
    expect(b.data).toEqual(content.subarray(0, P));
    expect(openFds()).toBeGreaterThan(fds0);
    const c = b.clone();
    b.release();
    expect(f.openWindows).toBe(1);
    c.release();
    expect(f.openWindows).toBe(0);
    expect(openFds()).toBe(fds0);
    expect(mapsLines()).toBeLessThanOrEqual(maps0);
  });

  test("a buffer kept after close() stays readable; dropped without release, the GC unmaps the window and closes the fds", async () => {
    const fds0 = openFds();
    // Mappings of this file only: the runtime maps memory of its own as a test goes on.
    const mappedHere = () => readFileSync("/proc/self/maps", "utf8").split("\n").filter((l) => l.endsWith(path)).length;
    const holder: { kept: Buffer | null } = { kept: null };
    // In a function of its own, so no stale stack slot of this one keeps anything reachable.
    (() => {
      const f = open();
      holder.kept = f.slice(0, P, f.size());
      expect(untouchedFileRange(holder.kept)).not.toBeNull(); // opens the pagemap too
      f.close();
    })();
    for (let i = 0; i < 3; i++) {
      Bun.gc(true);
      await Bun.sleep(5);
    }
    expect(holder.kept!.data).toEqual(content.subarray(0, P));
    expect(openFds()).toBeGreaterThan(fds0);
    expect(mappedHere()).toBe(1);
    holder.kept = null; // dropped, never released
    const gone = await eventually(() => {
      Bun.gc(true);
      return openFds() === fds0 && mappedHere() === 0;
    }, 4000);
    expect(gone).toBe(true);
  });

  test("only regular files can be mapped", () => {
    const fds0 = openFds();
    const fd = openSync("/dev/zero", "r");
    expect(() => new MappedFile(fd)).toThrow(/not a regular file/);
    expect(openFds()).toBe(fds0); // the fd was the MappedFile's, even on failure
  });
});
