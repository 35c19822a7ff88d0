/**
 * The fileio binding: constants match C, private mappings show the file and keep writes to
 * themselves, `pagesWritten` tells written pages from read and untouched ones (with PAGEMAP_SCAN
 * and with the pagemap-entry fallback), and `copyRange` copies in the kernel or says why not.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { threadsNamed } from "./testing.ts";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toArrayBuffer } from "bun:ffi";
import * as fileio from "./fileio.ts";
import * as fdpass from "./fdpass.ts";

const dir = mkdtempSync(join(tmpdir(), "px-fileio-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZE = 30 * 4096 + 100;
const content = new Uint8Array(SIZE).map((_, i) => (i * 13 + 7) & 0xff);
const path = join(dir, "in.bin");
writeFileSync(path, content);

test("constants match the C headers", () => {
  const r = fileio.consts;
  expect({ ...fileio.Madv } as Record<string, number>).toEqual({
    SEQUENTIAL: r.px_fileio_const_madv_sequential(),
    WILLNEED: r.px_fileio_const_madv_willneed(),
    DONTNEED: r.px_fileio_const_madv_dontneed(),
  });
  expect({ ...fileio.Fadv } as Record<string, number>).toEqual({ SEQUENTIAL: r.px_fileio_const_fadv_sequential() });
  expect(fileio.COPIER_SLOTS).toBe(r.px_fileio_const_copier_slots());
  expect({ ...fileio.O } as Record<string, number>).toEqual({
    RDONLY: 0,
    WRONLY: r.px_fileio_const_o_wronly(),
    RDWR: r.px_fileio_const_o_rdwr(),
    CREAT: r.px_fileio_const_o_creat(),
    TRUNC: r.px_fileio_const_o_trunc(),
    APPEND: r.px_fileio_const_o_append(),
  });
  expect([fileio.S_IFMT, fileio.S_IFREG]).toEqual([r.px_fileio_const_s_ifmt(), r.px_fileio_const_s_ifreg()]);
});

describe("plain file calls", () => {
  const fdFlags = (fd: number) => Number.parseInt(/flags:\s*([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, "utf8"))![1]!, 8);
  const O_CLOEXEC = 0o2000000;

  test("open, write at positions and at the fd's own, fstat, read, fsync, close: the bytes land where asked", () => {
    const p = join(dir, "plain.bin");
    const fd = fileio.open(p, fileio.O.RDWR | fileio.O.CREAT | fileio.O.TRUNC, 0o600);
    try {
      expect(fdFlags(fd) & O_CLOEXEC).toBe(O_CLOEXEC); // never inherited by a child
      expect(fileio.write(fd, content, 0, 100, null)).toBe(100);
      expect(fileio.write(fd, content, 100, 50, null)).toBe(50); // continues at the fd's position
      expect(fileio.write(fd, content, 1000, 10, 4096)).toBe(10); // a hole before it
      fileio.fsync(fd);
      expect(fileio.fstat(fd)).toEqual({ size: 4106, isFile: true, isBlockDevice: false, isFIFO: false, isSocket: false });
      expect(fileio.fileSize(fd)).toBe(4106);
      const got = new Uint8Array(200);
      expect(fileio.read(fd, got, 0, 150, 0)).toBe(150);
      expect(got.subarray(0, 150)).toEqual(content.subarray(0, 150));
      expect(fileio.read(fd, got, 20, 10, 4096)).toBe(10); // into the middle of the view
      expect(got.subarray(20, 30)).toEqual(content.subarray(1000, 1010));
      expect(fileio.read(fd, got, 0, 200, 4106)).toBe(0); // at the end
      // The fd's own position is where the two plain writes left it (pwrite and pread move
      // nothing): 150, at the start of the hole.
      got.fill(7);
      expect(fileio.read(fd, got, 0, 200, null)).toBe(200);
      expect(got.every((b) => b === 0)).toBe(true);
      expect(() => fileio.read(fd, got, 150, 51, 0)).toThrow(RangeError);
    } finally {
      fileio.close(fd);
    }
    expect(readFileSync(p).subarray(0, 150)).toEqual(Buffer.from(content.subarray(0, 150)));
    expect(() => fileio.close(-1)).toThrow(/close\(-1\) failed: EBADF/); // not fd: its number may be reused by now
  });

  test("fstat tells sockets and pipes from regular files", () => {
    const [a, b] = fdpass.socketpair();
    const fifo = join(dir, "fifo");
    Bun.spawnSync(["mkfifo", fifo]);
    const p = fileio.open(fifo, fileio.O.RDWR); // read-write: does not wait for a writer
    try {
      expect(fileio.fstat(a)).toMatchObject({ isSocket: true, isFIFO: false, isFile: false });
      expect(fileio.fstat(p)).toMatchObject({ isSocket: false, isFIFO: true, isFile: false });
    } finally {
      fileio.close(a);
      fileio.close(b);
      fileio.close(p);
    }
  });

  test("failures are ErrnoErrors naming the call, the path and the errno", () => {
    let err: unknown;
    try {
      fileio.open(join(dir, "missing", "x"), fileio.O.RDONLY);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe("ENOENT");
    expect((err as Error).message).toContain(`open("${join(dir, "missing", "x")}") failed: ENOENT`);
    const ro = fileio.open(path, fileio.O.RDONLY);
    try {
      expect(fileio.fstat(ro).size).toBe(SIZE);
      expect(() => fileio.write(ro, content, 0, 1, 0)).toThrow(/write\(\d+\) failed: EBADF/);
    } finally {
      fileio.close(ro);
    }
    expect(() => fileio.fstat(-1)).toThrow(/fstat\(-1\) failed: EBADF/);
  });
});

describe("private mappings and written pages", () => {
  for (const scan of [true, false]) {
    test(`a mapping shows the file, keeps writes private, and pagesWritten sees only written pages (${scan ? "PAGEMAP_SCAN" : "pagemap entries"})`, () => {
      fileio.usePagemapScan(scan);
      const fd = openSync(path, "r");
      const pm = fileio.openPagemap();
      const size = 20 * fileio.PAGE_SIZE;
      const addr = fileio.mmapPrivate(fd, size, fileio.PAGE_SIZE * 2);
      const ab = toArrayBuffer(addr, 0, size);
      const view = new Uint8Array(ab);
      try {
        expect(pm).toBeGreaterThanOrEqual(0);
        expect(view.subarray(0, size)).toEqual(content.subarray(2 * fileio.PAGE_SIZE, 22 * fileio.PAGE_SIZE));
        const P = fileio.PAGE_SIZE;
        // Everything was read just now, nothing written.
        expect(fileio.pagesWritten(pm, addr, size)).toBe(false);
        view[5 * P + 10] = view[5 * P + 10]! ^ 0xff;
        expect(fileio.pagesWritten(pm, addr, size)).toBe(true);
        expect(fileio.pagesWritten(pm, addr + 5 * P, P)).toBe(true);
        // Unaligned ranges that only share the written page, from either side.
        expect(fileio.pagesWritten(pm, addr + 5 * P + 4000, 50)).toBe(true);
        expect(fileio.pagesWritten(pm, addr + 4 * P + 100, P)).toBe(true);
        expect(fileio.pagesWritten(pm, addr + 4 * P, P)).toBe(false);
        expect(fileio.pagesWritten(pm, addr + 6 * P, 14 * P)).toBe(false);
        // The file itself is unchanged.
        expect(new Uint8Array(readFileSync(path))).toEqual(content);
      } finally {
        fileio.usePagemapScan(true);
        ab.transfer(0);
        fileio.munmap(addr, size);
        closeSync(fd);
        if (pm >= 0) closeSync(pm);
      }
    });
  }

  test("without a pagemap every range counts as written (the safe answer)", () => {
    expect(fileio.pagesWritten(-1, 4096, 4096)).toBe(true);
  });

  test("mapping something that cannot be mapped throws with the call", () => {
    const [a, b] = fdpass.socketpair();
    try {
      expect(() => fileio.mmapPrivate(a, 4096, 0)).toThrow(/mmap\(fd=\d+, 4096 bytes at 0, MAP_PRIVATE\) failed: ENODEV/);
    } finally {
      closeSync(a);
      closeSync(b);
    }
  });
});

describe("copyRange", () => {
  test("copies a range file to file at the given offsets, and returns 0 at the source's end", () => {
    const out = join(dir, "out.bin");
    const i = openSync(path, "r");
    const o = openSync(out, "w");
    try {
      expect(fileio.copyRange(i, 1000, o, 0, 5000)).toBe(5000);
      expect(fileio.copyRange(i, 0, o, 5000, 1000)).toBe(1000);
      expect(fileio.copyRange(i, SIZE, o, 6000, 10)).toBe(0);
      expect(fileio.copyRange(i, SIZE - 4, o, 6000, 10)).toBe(4);
    } finally {
      closeSync(i);
      closeSync(o);
    }
    const got = new Uint8Array(readFileSync(out));
    expect(got.length).toBe(6004);
    expect(got.subarray(0, 5000)).toEqual(content.subarray(1000, 6000));
    expect(got.subarray(5000, 6000)).toEqual(content.subarray(0, 1000));
    expect(got.subarray(6000)).toEqual(content.subarray(SIZE - 4));
  });

  test("an output that is not a regular file is refused with an errno the caller falls back on", () => {
    const i = openSync(path, "r");
    const [a, b] = fdpass.socketpair();
    try {
      const r = fileio.copyRange(i, 0, a, 0, 100);
      expect(r).toBeLessThan(0);
      expect(fileio.COPY_UNSUPPORTED.has(-r)).toBe(true);
    } finally {
      closeSync(i);
      closeSync(a);
      closeSync(b);
    }
  });
});

describe("Copier (copy_file_range on a helper thread)", () => {
  test("jobs run in order and copy every byte; results say how many, or why none", () => {
    const out = join(dir, "copier.bin");
    const i = openSync(path, "r");
    const o = openSync(out, "w");
    const [a, b] = fdpass.socketpair();
    const c = new fileio.Copier();
    try {
      // More jobs than the ring holds: wait for the oldest before each submit past it.
      const half = Math.floor(SIZE / 2);
      const jobs: [number, number, number][] = [];
      for (let k = 0; k < 2 * fileio.COPIER_SLOTS; k++) {
        const [src, n] = k % 2 === 0 ? [0, half] : [half, SIZE - half];
        if (k >= fileio.COPIER_SLOTS) expect(c.wait(k - fileio.COPIER_SLOTS)).toBe(jobs[k - fileio.COPIER_SLOTS]![2]);
        expect(c.submit(i, src, o, Math.floor(k / 2) * SIZE + src, n)).toBe(k);
        jobs.push([src, Math.floor(k / 2) * SIZE + src, n]);
      }
      for (let k = fileio.COPIER_SLOTS; k < jobs.length; k++) expect(c.wait(k)).toBe(jobs[k]![2]);
      expect(c.done(jobs.length - 1)).toBe(true);
      expect(c.done(jobs.length)).toBe(false);
      // Past the source's end: the bytes there were; a socket output: refused, nothing copied.
      const tail = c.submit(i, SIZE - 10, o, fileio.COPIER_SLOTS * SIZE, 100);
      const refused = c.submit(i, 0, a, 0, 100);
      expect(c.wait(tail)).toBe(10);
      const r = c.wait(refused);
      expect(r).toBeLessThan(0);
      expect(fileio.COPY_UNSUPPORTED.has(-r)).toBe(true);
    } finally {
      c.close();
      c.close();
      closeSync(i);
      closeSync(o);
      closeSync(a);
      closeSync(b);
    }
    expect(c.closed).toBe(true);
    expect(() => c.submit(0, 0, 1, 0, 1)).toThrow(/closed/);
    const got = new Uint8Array(readFileSync(out));
    expect(got.length).toBe(fileio.COPIER_SLOTS * SIZE + 10);
    for (let k = 0; k < fileio.COPIER_SLOTS; k++) expect(got.subarray(k * SIZE, (k + 1) * SIZE)).toEqual(content);
    expect(got.subarray(fileio.COPIER_SLOTS * SIZE)).toEqual(content.subarray(SIZE - 10));
  });

  test("closing finishes the jobs still queued, and leaves no thread behind", () => {
    const threads = () => threadsNamed("px-copier");
    const before = threads();
    const out = join(dir, "copier2.bin");
    const i = openSync(path, "r");
    const o = openSync(out, "w");
    const c = new fileio.Copier();
    expect(threads()).toBe(before + 1);
    for (let k = 0; k < 4; k++) c.submit(i, 0, o, k * SIZE, SIZE);
    c.close();
    closeSync(i);
    closeSync(o);
    expect(threads()).toBe(before);
    expect(readFileSync(out).length).toBe(4 * SIZE);
  });
});
