/**
 * File-backed memory: buffers whose bytes are a range of a file, not a copy of it.
 *
 * A MappedFile owns an open regular file and cuts buffers out of it (`slice`). It maps the file
 * privately and copy-on-write (MAP_PRIVATE, read-write) in large windows (WINDOW_BYTES), each
 * seen from JS through one ArrayBuffer; a buffer's `data` is a `subarray` of its window. Mapping
 * reads nothing: a page comes in, straight from the page cache and without a copy, only when
 * something touches it.
 *
 * So every consumer sees the right bytes, and a sink that only moves bytes need not touch them.
 * Reading a buffer reads the file's page-cache pages. Writing into one (a transform working in
 * place) makes private copies of the pages it writes: the file never changes, and the buffer's
 * holders see the new bytes, as with pool memory. A sink that writes files asks
 * `untouchedFileRange(buf)`: if the buffer still shows the file's bytes (no page under it has a
 * private copy: checked in the page tables with one system call, ffi/fileio.ts `pagesWritten`)
 * it gets the source fd and offset and can have the kernel copy the range file to file
 * (copy_file_range), which is what `cp` does: one copy inside the kernel instead of two
 * through user space. filesink does this (elements/io/filesink.ts).
 *
 * Windows and chunks. Making an ArrayBuffer over external memory makes the runtime account for
 * it and, repeated, collect garbage: measured 0.4–2.5 ms per view inside a running pipeline,
 * whatever its size, but nothing for the first. So windows are large (1 GiB: one view for most
 * files). What a buffer holds is its chunk (FileChunk, the buffer's Memory): a run of
 * consecutive buffers spanning about CHUNK_BYTES. When the last buffer of a chunk is released
 * the chunk gives its pages back (MADV_DONTNEED: private copies are freed, page-cache pages are
 * unmapped), so neither in-place writers nor readers make memory grow with the file, and the
 * window is unmapped once its last chunk is gone.
 *
 * Hazard (as for every reader that maps files: ripgrep, GStreamer's former filesrc use-mmap):
 * if another process truncates the file while a buffer over the lost part is *read*, the process
 * gets SIGBUS and dies. The kernel copy is not exposed (it returns short, which filesink reports
 * as an error). Sources offer a way out (filesrc use-mmap=false).
 *
 * Life cycle. The MappedFile's owner calls `close()` when it is done (filesrc: unprepare); the
 * fd stays open, and windows mapped, for as long as a buffer still refers to them, because a
 * sink may still copy from the fd: a window is unmapped when its last buffer is released, the
 * fd closed with the last window. As with pools (src/runtime/allocator.ts), buffers the
 * application drops without releasing them do not leak either: once nothing can reach a
 * window's memory (or the file), the GC's finaliser unmaps it (closes the fd; reclaim.ts).
 *
 * Thread: the thread that made the MappedFile (views cannot cross threads; Workers and other
 * processes get copies, as for any memory that is not a memfd slot).
 */
import { type Pointer, toArrayBuffer } from "bun:ffi";
import { Buffer, type Memory } from "../buffer.ts";
import * as fileio from "../../ffi/fileio.ts";
import { cancelFree, freeWhenUnreachable } from "./reclaim.ts";

/** Bytes per mapping: one ArrayBuffer each (see the header), so as large as is comfortable. */
export const WINDOW_BYTES = 1024 * 1024 * 1024;
/** Bytes of consecutive buffers that share one chunk, whose pages go back together. */
export const CHUNK_BYTES = 4 * 1024 * 1024;

const PAGE = fileio.PAGE_SIZE;
const alignDown = (n: number, a: number) => n - (n % a);
const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** One mapping of part of a file and the one ArrayBuffer over it. Counted by its chunks. */
export class FileWindow {
  readonly file: MappedFile;
  /** File offset of the first mapped byte (page-aligned). */
  readonly fileOffset: number;
  /** Bytes of the file this window shows (the mapping is this, rounded up to a page). */
  readonly length: number;
  /** Address of the mapping. Valid while the window is open. */
  readonly address: number;
  /** The one ArrayBuffer over the mapping; detached when the window closes. */
  readonly buffer: ArrayBuffer;
  /** A view of the whole window; buffers are subarrays of it. */
  readonly bytes: Uint8Array;
  #refs = 1;
  #closed = false;

  constructor(file: MappedFile, fileOffset: number, length: number, address: number) {
    this.file = file;
    this.fileOffset = fileOffset;
    this.length = length;
    this.address = address;
    this.buffer = toArrayBuffer(address as unknown as Pointer, 0, alignUp(length, PAGE));
    this.bytes = new Uint8Array(this.buffer, 0, length);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the file range [offset, offset+n) lies in this window. */
  covers(offset: number, n: number): boolean {
    return offset >= this.fileOffset && offset + n <= this.fileOffset + this.length;
  }

  ref(): void {
    this.#refs++;
  }

  unref(): void {
    if (--this.#refs === 0) this.close();
  }

  /** Unmaps once nothing can reach the window's memory (unless close() comes first). */
  closeWhenUnreachable(): void {
    if (this.#closed) return;
    const { address } = this;
    const size = alignUp(this.length, PAGE);
    freeWhenUnreachable(this.buffer, () => fileio.munmap(address, size), this);
  }

  /** Detaches the views and unmaps (idempotent). Views still held read as empty afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    cancelFree(this);
    this.buffer.transfer(0);
    fileio.munmap(this.address, alignUp(this.length, PAGE));
    this.file.windowClosed(this);
  }
}

/**
 * The Memory of a run of consecutive buffers of one window (about CHUNK_BYTES of them). Counts
 * their holders; when the count reaches zero its pages go back and it lets go of its window.
 */
export class FileChunk implements Memory {
  readonly kind = "file";
  readonly window: FileWindow;
  /** File range the chunk's buffers cover: [start, end). Grows as buffers are cut. */
  readonly start: number;
  end: number;
  #refs = 1;

  constructor(window: FileWindow, start: number) {
    this.window = window;
    this.start = start;
    this.end = start;
    window.ref();
  }

  ref(): void {
    this.#refs++;
  }

  unref(): void {
    if (--this.#refs !== 0) return;
    const w = this.window;
    if (!w.closed) {
      // Only whole pages inside the chunk: a page at either edge may hold a neighbour's bytes.
      const from = alignUp(this.start - w.fileOffset, PAGE);
      const to = alignDown(this.end - w.fileOffset, PAGE);
      if (to > from) fileio.madvise(w.address + from, to - from, fileio.Madv.DONTNEED);
    }
    w.unref();
  }

  /**
   * The file offset of `data` if it is a view of this chunk's window that nothing wrote to (so
   * the file at that offset holds the same bytes), else -1. One system call (a page-table query).
   */
  untouchedOffset(data: Uint8Array): number {
    const w = this.window;
    if (w.closed || data.buffer !== w.buffer || data.byteLength === 0) return -1;
    if (fileio.pagesWritten(w.file.pagemapFd, w.address + data.byteOffset, data.byteLength)) return -1;
    return w.fileOffset + data.byteOffset;
  }
}

const scratch = { fd: -1, offset: 0 };

/**
 * The fd and file offset that hold `buf`'s bytes when `buf` is an untouched view of a mapped
 * file (see FileChunk.untouchedOffset), else null. The record is reused by the next call: read
 * it at once. The fd stays open while `buf` is held.
 */
export function untouchedFileRange(buf: Buffer): { fd: number; offset: number } | null {
  const m = buf.memory;
  if (!(m instanceof FileChunk)) return null;
  const offset = m.untouchedOffset(buf.data);
  if (offset < 0) return null;
  scratch.fd = m.window.file.fd;
  scratch.offset = offset;
  return scratch;
}

export interface MappedFileOptions {
  /** Bytes per window (default WINDOW_BYTES; rounded up to a page). */
  windowBytes?: number;
  /** Bytes per chunk (default CHUNK_BYTES). */
  chunkBytes?: number;
}

/** An open regular file handed out as file-backed buffers. Owned by one element. */
export class MappedFile {
  /** The file. Owned: closed once the file is closed and no window is left. */
  readonly fd: number;
  readonly windowBytes: number;
  readonly chunkBytes: number;
  #windows = new Set<FileWindow>();
  /** The window and chunk buffers are cut from now (one reference each held here). */
  #window: FileWindow | null = null;
  #chunk: FileChunk | null = null;
  #closed = false;
  #fdClosed = false;
  #pagemap: number | undefined;

  /** Takes ownership of `fd`, a regular file open for reading, even on failure (it is closed
   * then). Throws if it is not a regular file. */
  constructor(fd: number, opts: MappedFileOptions = {}) {
    let regular = false;
    try {
      regular = fileio.fstat(fd).isFile;
    } finally {
      if (!regular) fileio.close(fd);
    }
    if (!regular) throw new Error(`MappedFile: fd ${fd} is not a regular file; read pipes and devices instead`);
    this.fd = fd;
    this.windowBytes = alignUp(Math.max(1, opts.windowBytes ?? WINDOW_BYTES), PAGE);
    this.chunkBytes = Math.max(1, opts.chunkBytes ?? CHUNK_BYTES);
    // Have the kernel read ahead generously: sinks and readers go through in order.
    fileio.fadvise(fd, 0, 0, fileio.Fadv.SEQUENTIAL);
  }

  /** The file's size now (it may grow or shrink while it is read). */
  size(): number {
    return fileio.fileSize(this.fd);
  }

  /** /proc/self/pagemap (to tell written pages), opened on first use, closed with the fd; -1
   * when it cannot be opened (then every buffer counts as written). */
  get pagemapFd(): number {
    // Not opened after close(): the fds it would add could outlive the file (callers then
    // treat every range as written, which is always safe).
    if (this.#closed && this.#pagemap === undefined) return -1;
    return (this.#pagemap ??= fileio.openPagemap());
  }

  /** Windows still mapped. */
  get openWindows(): number {
    return this.#windows.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A buffer over file bytes [offset, offset+n), which must exist: n > 0 and `size` (the file's
   * size, from `size()`) ≥ offset+n. The caller owns the buffer. Maps a new window when the
   * range is outside the current one: from the page holding `offset`, windowBytes long or to
   * `size`, whichever is shorter (longer if n needs it). Allocates the Buffer record and its
   * subarray, plus a chunk record every chunkBytes. Throws ErrnoError if mmap fails.
   */
  slice(offset: number, n: number, size: number): Buffer {
    if (this.#closed) throw new Error("MappedFile: closed");
    let w = this.#window;
    // Going back (a restart) also takes a fresh mapping: a chunk gives its pages back when it
    // goes, which must never drop private copies made through a newer chunk over the same pages.
    if (w === null || !w.covers(offset, n) || (this.#chunk !== null && offset < this.#chunk.end)) {
      const start = alignDown(offset, PAGE);
      const end = Math.min(size, Math.max(start + this.windowBytes, offset + n));
      const address = fileio.mmapPrivate(this.fd, alignUp(end - start, PAGE), start);
      const fresh = new FileWindow(this, start, end - start, address);
      this.#windows.add(fresh);
      this.release();
      w = this.#window = fresh;
    }
    let c = this.#chunk;
    if (c === null || c.end !== offset || c.end - c.start >= this.chunkBytes) {
      this.#chunk?.unref();
      c = this.#chunk = new FileChunk(w, offset);
    }
    c.end = offset + n;
    c.ref();
    const at = offset - w.fileOffset;
    return new Buffer(w.bytes.subarray(at, at + n), c);
  }

  /** Gives back the references held for cutting buffers (buffers keep theirs); the next slice
   * maps a fresh window. Idempotent. */
  release(): void {
    this.#chunk?.unref();
    this.#chunk = null;
    this.#window?.unref();
    this.#window = null;
  }

  /** Called by a window as it closes. */
  windowClosed(w: FileWindow): void {
    this.#windows.delete(w);
    if (this.#closed && this.#windows.size === 0) this.#closeFd();
  }

  /**
   * The owner is done (idempotent): the fd closes once no window is left — at once if no buffer
   * is held, else when the last is released. Buffers held meanwhile stay valid however long;
   * if they are dropped without being released, the GC's finaliser unmaps the windows and
   * closes the fds once nothing can reach them.
   */
  close(): void {
    if (this.#closed) return;
    this.release();
    this.#closed = true;
    if (this.#windows.size === 0) {
      this.#closeFd();
      return;
    }
    for (const w of this.#windows) w.closeWhenUnreachable();
    const fd = this.fd;
    const pagemap = this.#pagemap;
    freeWhenUnreachable(
      this,
      () => {
        fileio.close(fd);
        if (pagemap !== undefined && pagemap >= 0) fileio.close(pagemap);
      },
      this,
    );
  }

  #closeFd(): void {
    if (this.#fdClosed) return;
    this.#fdClosed = true;
    cancelFree(this);
    fileio.close(this.fd);
    if (this.#pagemap !== undefined && this.#pagemap >= 0) fileio.close(this.#pagemap);
    this.#pagemap = -1;
  }
}
