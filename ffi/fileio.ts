/**
 * Typed binding of csrc/fileio.c: private (copy-on-write) mappings of a file range, the
 * in-kernel file-to-file copy that `cp` uses (copy_file_range), and the page-table query that
 * tells whether a mapped range was written to. src/memory/file-memory.ts builds file-backed
 * buffers on these; filesink moves such buffers with `copyRange`.
 *
 * Also the plain file calls of the file elements (`open`, `fstat`, `read`, `write`, `fsync`,
 * `close`), which they make here rather than through node:fs: loading node:fs costs a compiled
 * launch 3–5 ms of start-up, more than the rest of a file pipeline's set-up. `close` and
 * `fileSize` repeat ffi/memfd.ts's close and fstatSize on purpose: with them here a file
 * pipeline opens this one shim only (each further shim costs a launch ≈ 1 ms to open).
 *
 * Failures of set-up calls throw ErrnoError. The per-buffer calls (`copyRange`,
 * `pagesWritten`) return -errno instead, so the data path can fall back without throwing.
 * Addresses are plain numbers (x86-64 user space is below 2^47).
 */
import { FFIType as T, type Pointer } from "bun:ffi";
import { check } from "./errno.ts";
import { cstring, lazyShim } from "./lib.ts";

/** The fileio shim's symbol table: unchecked native calls (-errno results). */
export const raw = lazyShim("fileio", {
  px_fileio_mmap_private: { args: [T.i32, T.i64, T.i64], returns: T.i64_fast },
  px_fileio_munmap: { args: [T.ptr, T.i64], returns: T.i32 },
  px_fileio_madvise: { args: [T.ptr, T.i64, T.i32], returns: T.i32 },
  px_fileio_copy_range: { args: [T.i32, T.i64, T.i32, T.i64, T.i64], returns: T.i64_fast },
  px_fileio_fadvise: { args: [T.i32, T.i64, T.i64, T.i32], returns: T.i32 },
  px_fileio_pages_written: { args: [T.i32, T.ptr, T.i64], returns: T.i32 },
  px_fileio_copier_new: { args: [], returns: T.i64_fast },
  px_fileio_copier_submit: { args: [T.ptr, T.i32, T.i64, T.i32, T.i64, T.i64], returns: T.i64_fast },
  px_fileio_copier_completed: { args: [T.ptr], returns: T.u32 },
  px_fileio_copier_wait: { args: [T.ptr, T.u32], returns: T.i64_fast },
  px_fileio_copier_free: { args: [T.ptr], returns: T.void },
});

/** Plain file calls (see the header): a table of their own, opened by the first `open`. */
const files = lazyShim("fileio", {
  px_fileio_open: { args: [T.ptr, T.i32, T.i32], returns: T.i32 },
  px_fileio_close: { args: [T.i32], returns: T.i32 },
  px_fileio_fstat: { args: [T.i32, T.ptr], returns: T.i32 },
  px_fileio_read: { args: [T.i32, T.ptr, T.i64, T.i64], returns: T.i64_fast },
  px_fileio_write: { args: [T.i32, T.ptr, T.i64, T.i64], returns: T.i64_fast },
  px_fileio_fsync: { args: [T.i32], returns: T.i32 },
});

/** The C constants the values below mirror, for the test that checks them. A table of its own:
 * bun:ffi pays for every symbol of a table when it opens it (tens of µs each), and the data path
 * never needs these. */
export const consts = lazyShim("fileio", {
  px_fileio_const_madv_willneed: { args: [], returns: T.i32 },
  px_fileio_const_madv_sequential: { args: [], returns: T.i32 },
  px_fileio_const_madv_dontneed: { args: [], returns: T.i32 },
  px_fileio_const_fadv_sequential: { args: [], returns: T.i32 },
  px_fileio_const_copier_slots: { args: [], returns: T.i32 },
  px_fileio_const_o_wronly: { args: [], returns: T.i32 },
  px_fileio_const_o_rdwr: { args: [], returns: T.i32 },
  px_fileio_const_o_creat: { args: [], returns: T.i32 },
  px_fileio_const_o_trunc: { args: [], returns: T.i32 },
  px_fileio_const_o_append: { args: [], returns: T.i32 },
  px_fileio_const_s_ifmt: { args: [], returns: T.i32 },
  px_fileio_const_s_ifreg: { args: [], returns: T.i32 },
});

/** madvise advice values (checked against C by ffi/fileio.test.ts). */
export const Madv = { SEQUENTIAL: 2, WILLNEED: 3, DONTNEED: 4 } as const;
/** posix_fadvise advice values. */
export const Fadv = { SEQUENTIAL: 2 } as const;
/** open(2) flags (Linux; checked against C by ffi/fileio.test.ts). O_CLOEXEC is always added. */
export const O = { RDONLY: 0, WRONLY: 0o1, RDWR: 0o2, CREAT: 0o100, TRUNC: 0o1000, APPEND: 0o2000 } as const;
/** st_mode's file-type bits and the regular-file type. */
export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;
export const S_IFSOCK = 0o140000;

/** What fstat tells of an open file. */
export type FileStat = { size: number; isFile: boolean; isBlockDevice: boolean; isFIFO: boolean; isSocket: boolean };

/** fstat's two results (size, st_mode), filled by the shim. */
const statOut = new BigInt64Array(2);

/** Opens `path` (O flags; close-on-exec always); returns the fd. Throws ErrnoError (code
 * "ENOENT", "EACCES", "EPERM" in a sandbox, …) naming the call and the path. */
export function open(path: string, flags: number, mode = 0o666): number {
  return check(`open("${path}")`, files.px_fileio_open(cstring(path), flags, mode));
}

export function close(fd: number): void {
  check(`close(${fd})`, files.px_fileio_close(fd));
}

/** Size and type of an open file. Throws ErrnoError. */
export function fstat(fd: number): FileStat {
  check(`fstat(${fd})`, files.px_fileio_fstat(fd, statOut));
  const type = Number(statOut[1]) & S_IFMT;
  return { size: Number(statOut[0]), isFile: type === S_IFREG, isBlockDevice: type === S_IFBLK, isFIFO: type === S_IFIFO, isSocket: type === S_IFSOCK };
}

/** The size of an open file, without allocating. Throws ErrnoError. */
export function fileSize(fd: number): number {
  check(`fstat(${fd})`, files.px_fileio_fstat(fd, statOut));
  return Number(statOut[0]);
}

/** Reads up to `len` bytes into `dst` from `offset`: at file position `pos`, or at the fd's own
 * position when `pos` is null. Returns the bytes read (0 at the end); throws ErrnoError. */
export function read(fd: number, dst: Uint8Array, offset: number, len: number, pos: number | null): number {
  if (offset < 0 || len < 0 || offset + len > dst.length) throw new RangeError(`read: ${len} bytes at ${offset} do not fit a ${dst.length}-byte view`);
  if (len === 0) return 0;
  return check(`read(${fd})`, Number(files.px_fileio_read(fd, offset === 0 ? dst : dst.subarray(offset), len, pos ?? -1)));
}

/** Writes up to `len` bytes of `src` from `offset`, at file position `pos` (null: the fd's own
 * position, or the end with O_APPEND). Returns the bytes written; throws ErrnoError. */
export function write(fd: number, src: Uint8Array, offset: number, len: number, pos: number | null): number {
  if (offset < 0 || len < 0 || offset + len > src.length) throw new RangeError(`write: ${len} bytes at ${offset} do not fit a ${src.length}-byte view`);
  if (len === 0) return 0;
  return check(`write(${fd})`, Number(files.px_fileio_write(fd, offset === 0 ? src : src.subarray(offset), len, pos ?? -1)));
}

export function fsync(fd: number): void {
  check(`fsync(${fd})`, files.px_fileio_fsync(fd));
}

/** Mapping offsets must be multiples of this. */
export const PAGE_SIZE = 4096;

/**
 * Maps `size` bytes of `fd` from `offset` (a multiple of PAGE_SIZE) privately: readable, and
 * writable into private copies of the pages that never reach the file. Nothing is read now.
 * Returns the address; the caller must `munmap` it, after detaching every view over it.
 */
export function mmapPrivate(fd: number, size: number, offset: number): number {
  return check(`mmap(fd=${fd}, ${size} bytes at ${offset}, MAP_PRIVATE)`, Number(raw.px_fileio_mmap_private(fd, size, offset)));
}

export function munmap(address: number, size: number): void {
  check(`munmap(${size})`, raw.px_fileio_munmap(address as unknown as Pointer, size));
}

/** Page advice for a mapped range (Madv). Advisory: returns false when the kernel refuses. */
export function madvise(address: number, size: number, advice: number): boolean {
  return raw.px_fileio_madvise(address as unknown as Pointer, size, advice) === 0;
}

/** Access-pattern advice for a file range (Fadv; len 0 = to the end). Returns false on refusal. */
export function fadvise(fd: number, offset: number, len: number, advice: number): boolean {
  return raw.px_fileio_fadvise(fd, offset, len, advice) === 0;
}

/**
 * Copies up to `len` bytes from `inFd` at `inOffset` to `outFd` at `outOffset` inside the kernel
 * (copy_file_range: one copy, page cache to page cache; a reflink on filesystems that share
 * blocks). Returns the bytes copied (0 at the source's end; fewer than asked is possible), or
 * -errno: -EXDEV, -EINVAL, -EOPNOTSUPP, -ENOSYS mean these two files cannot be copied this way
 * (write the bytes instead). Blocks the thread for as long as the copy takes.
 */
export function copyRange(inFd: number, inOffset: number, outFd: number, outOffset: number, len: number): number {
  return Number(raw.px_fileio_copy_range(inFd, inOffset, outFd, outOffset, len));
}

/** Jobs a Copier holds unfinished at most (PX_COPIER_SLOTS in csrc/fileio.c; checked by the test). */
export const COPIER_SLOTS = 8;
const EBUSY = 16;

/**
 * A helper thread (in the shim) that runs copy_file_range jobs in order, so the submitting
 * thread goes on with its work while the kernel copies (io_uring has no copy_file_range). A job
 * copies all of its bytes unless the source ends or the kernel refuses: its result is the bytes
 * copied, or -errno when none were. Owned by one thread; `close()` when done (it finishes the
 * jobs still queued first).
 */
export class Copier {
  #handle: Pointer | null;

  /** Starts the thread. Throws ErrnoError when it cannot be made (a thread limit, a sandbox). */
  constructor() {
    this.#handle = check("copier thread (pthread_create)", Number(raw.px_fileio_copier_new())) as unknown as Pointer;
  }

  get closed(): boolean {
    return this.#handle === null;
  }

  /** Queues a copy; returns its sequence number (0, 1, 2, …). At most COPIER_SLOTS jobs may be
   * unfinished: wait for the oldest before submitting more (else this throws). */
  submit(inFd: number, inOffset: number, outFd: number, outOffset: number, len: number): number {
    const r = Number(raw.px_fileio_copier_submit(this.#open(), inFd, inOffset, outFd, outOffset, len));
    if (r === -EBUSY) throw new Error(`Copier: ${COPIER_SLOTS} copies unfinished; wait for one before submitting more`);
    return r;
  }

  /** Whether job `seq` has finished (no system call). */
  done(seq: number): boolean {
    return ((raw.px_fileio_copier_completed(this.#open()) - seq) | 0) > 0;
  }

  /** Blocks until job `seq` has finished; returns its result (bytes copied, or -errno). Valid
   * until COPIER_SLOTS later jobs were submitted. */
  wait(seq: number): number {
    return Number(raw.px_fileio_copier_wait(this.#open(), seq));
  }

  /** Finishes the queued jobs and stops the thread. Idempotent. */
  close(): void {
    if (this.#handle === null) return;
    raw.px_fileio_copier_free(this.#handle);
    this.#handle = null;
  }

  #open(): Pointer {
    if (this.#handle === null) throw new Error("Copier: closed");
    return this.#handle;
  }
}

/** Errnos after which copy_file_range will not work for this pair of files. */
export const COPY_UNSUPPORTED = new Set([18 /* EXDEV */, 22 /* EINVAL */, 95 /* EOPNOTSUPP */, 38 /* ENOSYS */, 1 /* EPERM (seccomp) */]);

/** Whether the PAGEMAP_SCAN ioctl works here (Linux 6.7+); else pagemap entries are read. */
let scanWorks = true;
/** Scratch for reading pagemap entries (64 bits each) on kernels without PAGEMAP_SCAN. */
let entries = new Uint32Array(0);
let entryBytes = new Uint8Array(0);

/** Opens this process's /proc/self/pagemap (for `pagesWritten`); -1 when that is not possible
 * (a sandbox without /proc, say). The caller owns the fd and closes it. */
export function openPagemap(): number {
  try {
    return open("/proc/self/pagemap", O.RDONLY);
  } catch {
    return -1;
  }
}

/**
 * Whether any page of the mapped range [address, address+size) of a private file mapping holds
 * bytes of its own — written to (copy-on-write made it anonymous) or swapped out — rather than
 * the file's. Pages that were only read, or never touched, count as the file's. `pagemapFd` is
 * from `openPagemap`. Answers true when it cannot tell (no pagemap), so a caller that trusts a
 * false answer is always safe. One system call; no allocation after the first call.
 */
export function pagesWritten(pagemapFd: number, address: number, size: number): boolean {
  const fd = pagemapFd;
  if (fd < 0) return true;
  if (scanWorks) {
    const r = raw.px_fileio_pages_written(fd, address as unknown as Pointer, size);
    if (r >= 0) return r === 1;
    scanWorks = false; // ENOTTY/EINVAL: a kernel before 6.7
  }
  return pagesWrittenByEntries(fd, address, size);
}

/** The same answer from the pagemap entries themselves (bit 63 present, 62 swapped, 61 file
 * page or shared), for kernels without PAGEMAP_SCAN. */
function pagesWrittenByEntries(fd: number, address: number, size: number): boolean {
  const first = Math.floor(address / PAGE_SIZE);
  const pages = Math.ceil((address + size) / PAGE_SIZE) - first;
  if (entries.length < pages * 2) {
    entries = new Uint32Array(pages * 2);
    entryBytes = new Uint8Array(entries.buffer);
  }
  let got: number;
  try {
    got = read(fd, entryBytes, 0, pages * 8, first * 8);
  } catch {
    return true;
  }
  if (got !== pages * 8) return true;
  for (let i = 1; i < pages * 2; i += 2) {
    const hi = entries[i]!;
    // present and not a file page, or swapped
    if (((hi & 0xa0000000) >>> 0) === 0x80000000 || (hi & 0x40000000) !== 0) return true;
  }
  return false;
}

/** For tests: forces the pagemap-entry fallback (as on kernels before 6.7) or restores it. */
export function usePagemapScan(on: boolean): void {
  scanWorks = on;
}
