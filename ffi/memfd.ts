/**
 * Typed binding of csrc/memfd.c: memfd files, seals, shared mappings, and the fd basics
 * (close, dup, size) that every other binding uses too.
 *
 * Everything here is set-up work (a pool maps its arena once); none of it is per buffer.
 * Failures throw ErrnoError. Addresses are plain numbers (x86-64 user space is below 2^47).
 *
 * Ownership: functions that return an fd give the caller that fd; `close` takes it back.
 * `mmap` returns a mapping the caller must `munmap` with the same size, and only after every
 * ArrayBuffer over it has been detached (see src/memory/segment.ts): touching an unmapped view
 * crashes the process.
 */
import { FFIType as T, type Pointer } from "bun:ffi";
import { check } from "./errno.ts";
import { cstring, lazyShim } from "./lib.ts";

/** The memfd shim's symbol table: unchecked native calls (-errno results), for tests and ffi/. */
export const raw = lazyShim("memfd", {
  px_memfd_create: { args: [T.ptr], returns: T.i32 },
  px_ftruncate: { args: [T.i32, T.i64], returns: T.i32 },
  px_add_seals: { args: [T.i32, T.i32], returns: T.i32 },
  px_get_seals: { args: [T.i32], returns: T.i32 },
  px_mmap: { args: [T.i32, T.i64, T.i32, T.i32, T.i64], returns: T.i64_fast },
  px_munmap: { args: [T.ptr, T.i64], returns: T.i32 },
  px_close: { args: [T.i32], returns: T.i32 },
  px_dup: { args: [T.i32], returns: T.i32 },
  px_fstat_size: { args: [T.i32], returns: T.i64_fast },
  px_memfd_const_seal_seal: { args: [], returns: T.i32 },
  px_memfd_const_seal_shrink: { args: [], returns: T.i32 },
  px_memfd_const_seal_grow: { args: [], returns: T.i32 },
  px_memfd_const_seal_write: { args: [], returns: T.i32 },
  px_memfd_const_prot_read: { args: [], returns: T.i32 },
  px_memfd_const_prot_write: { args: [], returns: T.i32 },
});

/** F_SEAL_* bits (checked against C by test/abi.test.ts). */
export const Seal = {
  SEAL: 0x1,
  SHRINK: 0x2,
  GROW: 0x4,
  WRITE: 0x8,
} as const;

/** PROT_* bits. */
export const Prot = {
  READ: 0x1,
  WRITE: 0x2,
} as const;

/** The page size mappings are rounded to. */
export const PAGE_SIZE = 4096;

// C string arguments: one helper for every shim (ffi/lib.ts), kept importable from here.
export { cstring };

/** Creates a memfd (close-on-exec, sealing allowed) named `name` (shown in /proc/<pid>/fd). */
export function memfdCreate(name: string): number {
  return check(`memfd_create(${name})`, raw.px_memfd_create(cstring(name)));
}

/** Sets the file size. */
export function ftruncate(fd: number, size: number): void {
  check(`ftruncate(fd=${fd}, ${size})`, raw.px_ftruncate(fd, size));
}

/** Adds Seal bits; a sealed file cannot be shrunk/grown/resealed by any holder of the fd. */
export function addSeals(fd: number, seals: number): void {
  check(`fcntl(fd=${fd}, F_ADD_SEALS)`, raw.px_add_seals(fd, seals));
}

/** The file's current Seal bits. */
export function getSeals(fd: number): number {
  return check(`fcntl(fd=${fd}, F_GET_SEALS)`, raw.px_get_seals(fd));
}

/**
 * Maps `size` bytes of `fd` at `offset`, MAP_SHARED, read-write unless `prot` says otherwise.
 * `populate` (default true) pre-faults every page now (MAP_POPULATE), so the first touch on the
 * data path costs nothing. Returns the address.
 */
export function mmap(fd: number, size: number, opts: { prot?: number; populate?: boolean; offset?: number } = {}): number {
  const prot = opts.prot ?? Prot.READ | Prot.WRITE;
  const r = raw.px_mmap(fd, size, prot, opts.populate === false ? 0 : 1, opts.offset ?? 0);
  return check(`mmap(fd=${fd}, ${size})`, Number(r));
}

/** Unmaps a mapping made by `mmap`. Every view over it must be detached first. */
export function munmap(address: number, size: number): void {
  check(`munmap(${size})`, raw.px_munmap(address as Pointer, size));
}

/** Closes an fd this process owns. */
export function close(fd: number): void {
  check(`close(fd=${fd})`, raw.px_close(fd));
}

/** A close-on-exec duplicate of `fd`; the caller owns it. */
export function dup(fd: number): number {
  return check(`dup(fd=${fd})`, raw.px_dup(fd));
}

/** The size in bytes of the file behind `fd`. */
export function fstatSize(fd: number): number {
  return check(`fstat(fd=${fd})`, Number(raw.px_fstat_size(fd)));
}
