import { describe, expect, test } from "bun:test";
import { toArrayBuffer } from "bun:ffi";
import { ErrnoError } from "./errno.ts";
import * as memfd from "./memfd.ts";
import { mappingsNamed, openFds } from "./testing.ts";

describe("memfd", () => {
  test("create, size, map twice, see writes through both mappings, clean up", () => {
    const fds0 = openFds();
    const fd = memfd.memfdCreate("px-memfd-test");
    memfd.ftruncate(fd, 2 * memfd.PAGE_SIZE);
    expect(memfd.fstatSize(fd)).toBe(2 * memfd.PAGE_SIZE);
    const a = memfd.mmap(fd, 2 * memfd.PAGE_SIZE);
    const b = memfd.mmap(fd, 2 * memfd.PAGE_SIZE, { populate: false });
    expect(a).not.toBe(b);
    expect(mappingsNamed("px-memfd-test")).toBe(2);
    const va = new Uint8Array(toArrayBuffer(a, 0, 2 * memfd.PAGE_SIZE));
    const vb = new Uint8Array(toArrayBuffer(b, 0, 2 * memfd.PAGE_SIZE));
    va[5000] = 0xab;
    expect(vb[5000]).toBe(0xab);
    va.buffer.transfer(0);
    vb.buffer.transfer(0);
    memfd.munmap(a, 2 * memfd.PAGE_SIZE);
    memfd.munmap(b, 2 * memfd.PAGE_SIZE);
    expect(mappingsNamed("px-memfd-test")).toBe(0);
    memfd.close(fd);
    expect(openFds()).toBe(fds0);
  });

  test("seals stop resizing, and are reported", () => {
    const fd = memfd.memfdCreate("px-seal-test");
    try {
      memfd.ftruncate(fd, memfd.PAGE_SIZE);
      expect(memfd.getSeals(fd)).toBe(0);
      memfd.addSeals(fd, memfd.Seal.SHRINK | memfd.Seal.GROW);
      expect(memfd.getSeals(fd)).toBe(memfd.Seal.SHRINK | memfd.Seal.GROW);
      let err: unknown;
      try {
        memfd.ftruncate(fd, 0);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ErrnoError);
      expect((err as ErrnoError).code).toBe("EPERM");
      expect((err as ErrnoError).call).toStartWith("ftruncate");
      expect(memfd.fstatSize(fd)).toBe(memfd.PAGE_SIZE);
    } finally {
      memfd.close(fd);
    }
  });

  test("dup gives an independent fd for the same file", () => {
    const fd = memfd.memfdCreate("px-dup-test");
    const d = memfd.dup(fd);
    try {
      expect(d).not.toBe(fd);
      memfd.ftruncate(fd, 3 * memfd.PAGE_SIZE);
      expect(memfd.fstatSize(d)).toBe(3 * memfd.PAGE_SIZE);
    } finally {
      memfd.close(fd);
      memfd.close(d);
    }
  });

  test("errors carry errno and the call", () => {
    expect(() => memfd.close(-1)).toThrow(ErrnoError);
    expect(() => memfd.fstatSize(-1)).toThrow("EBADF");
    expect(() => memfd.mmap(-1, memfd.PAGE_SIZE)).toThrow("EBADF");
  });
});
