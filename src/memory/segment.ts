/**
 * Segment: one memfd, its one shared mapping, and the one ArrayBuffer that JS sees it through.
 *
 * A segment is the unit of shared memory: the fd is what crosses a process boundary (sent once,
 * at set-up, with SCM_RIGHTS), the mapping is pre-faulted (MAP_POPULATE) so the data path never
 * takes a page fault, and the ArrayBuffer is created once, because creating a view over
 * external memory is expensive (microseconds per MiB, plus GC accounting) while a typed array
 * or `subarray` over an existing one is cheap. Everything above (src/memory/arena.ts, pool.ts)
 * makes its views from `segment.buffer` and never calls toArrayBuffer itself.
 *
 * Why closing is safe: JS code may still hold a view (a Buffer's `data`, say) when the segment
 * is closed, and touching unmapped memory through a view crashes the process. So `close()`
 * first detaches the segment's ArrayBuffer (`ArrayBuffer.prototype.transfer(0)`), which turns
 * every view over it — including every subarray handed out — into a zero-length view: late
 * reads give `undefined`, late writes are dropped, Atomics throw a TypeError. Only then does it
 * unmap. This holds because the ArrayBuffer is the only JS window onto the mapping. It does not
 * cover native code that kept the address (io_uring I/O still in flight): finish that first.
 * An owner that is done while views may still be in use calls `closeWhenUnreachable()`
 * instead: the views stay valid, and the mapping and fd go once the GC has collected the
 * ArrayBuffer (src/memory/reclaim.ts).
 *
 * Security: a received memfd is mapped only if it carries F_SEAL_SHRINK, so the sender cannot
 * truncate the file under our mapping (which would raise SIGBUS on access). Segments this
 * module creates are sealed against shrinking, growing and further sealing.
 */
import { toArrayBuffer } from "bun:ffi";
import * as memfd from "../../ffi/memfd.ts";
import { cancelFree, freeWhenUnreachable } from "./reclaim.ts";

/** Seals applied to a created segment (size fixed for good; contents stay writable). */
export const DEFAULT_SEALS = memfd.Seal.SHRINK | memfd.Seal.GROW | memfd.Seal.SEAL;

export interface SegmentCreateOptions {
  /** Name shown in /proc/<pid>/fd and /proc/<pid>/maps ("memfd:<name>"). */
  name?: string;
  /** Seal the size (default true). Peers refuse unsealed segments unless told otherwise. */
  seal?: boolean;
  /** Pre-fault every page now (default true). */
  populate?: boolean;
}

export interface SegmentOpenOptions {
  /** Refuse a memfd without F_SEAL_SHRINK (default true). */
  requireSeals?: boolean;
  /** Pre-fault the page tables now (default true). */
  populate?: boolean;
}

/** Rounds `n` up to a multiple of `align` (a power of two). */
export function alignUp(n: number, align: number): number {
  return Math.ceil(n / align) * align;
}

export class Segment {
  /** The memfd. Owned by the segment: send it (sendMsg duplicates it), never close it. */
  readonly fd: number;
  /** Mapped bytes (a multiple of the page size for created segments). */
  readonly size: number;
  /** Address of the mapping in this process. Valid until close(). */
  readonly address: number;
  /** The one ArrayBuffer over the mapping. Make every view from it. Detached by close(). */
  readonly buffer: ArrayBuffer;
  /** A byte view of the whole segment. */
  readonly bytes: Uint8Array;
  private isClosed = false;

  private constructor(fd: number, size: number, address: number) {
    this.fd = fd;
    this.size = size;
    this.address = address;
    this.buffer = toArrayBuffer(address, 0, size);
    this.bytes = new Uint8Array(this.buffer);
  }

  /**
   * Creates a memfd of `size` bytes (rounded up to the page size), seals it and maps it
   * read-write, pre-faulted. The caller owns the segment and must close() it.
   */
  static create(size: number, opts: SegmentCreateOptions = {}): Segment {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`Segment.create: size must be a positive integer, got ${size}`);
    const bytes = alignUp(size, memfd.PAGE_SIZE);
    const fd = memfd.memfdCreate(opts.name ?? "parallax");
    try {
      memfd.ftruncate(fd, bytes);
      if (opts.seal !== false) memfd.addSeals(fd, DEFAULT_SEALS);
      const address = memfd.mmap(fd, bytes, { populate: opts.populate !== false });
      return new Segment(fd, bytes, address);
    } catch (e) {
      memfd.close(fd);
      throw e;
    }
  }

  /**
   * Maps a memfd received from another process, read-write, over its whole size. Takes
   * ownership of `fd`, even on failure (it is closed then). Throws if the file is not sealed
   * against shrinking (unless `requireSeals: false`) or is empty.
   */
  static open(fd: number, opts: SegmentOpenOptions = {}): Segment {
    try {
      if (opts.requireSeals !== false && (memfd.getSeals(fd) & memfd.Seal.SHRINK) === 0) {
        throw new Error(`Segment.open: fd ${fd} is not sealed against shrinking; its owner could truncate it under our mapping. Create it with Segment.create (which seals) or pass requireSeals: false for trusted peers`);
      }
      const size = memfd.fstatSize(fd);
      if (size === 0) throw new Error(`Segment.open: fd ${fd} is empty`);
      const address = memfd.mmap(fd, size, { populate: opts.populate !== false });
      return new Segment(fd, size, address);
    } catch (e) {
      memfd.close(fd);
      throw e;
    }
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Adds seals (memfd.Seal bits) to the file. */
  seal(seals: number = DEFAULT_SEALS): void {
    memfd.addSeals(this.fd, seals);
  }

  /** The file's current seals. */
  seals(): number {
    return memfd.getSeals(this.fd);
  }

  /** A close-on-exec duplicate of the memfd, owned by the caller (to hand to Bun.spawn, say). */
  dupFd(): number {
    return memfd.dup(this.fd);
  }

  /**
   * The owner is done, but views over the segment may still be in use: they stay valid, and
   * the mapping and the fd (with `alsoClose`, fds that belong with it) go once nothing can reach
   * the ArrayBuffer any more — or at close(), whichever comes first.
   */
  closeWhenUnreachable(alsoClose: readonly number[] = []): void {
    if (this.isClosed) return;
    const { fd, address, size } = this;
    freeWhenUnreachable(
      this.buffer,
      () => {
        memfd.munmap(address, size);
        memfd.close(fd);
        for (const other of alsoClose) memfd.close(other);
      },
      this,
    );
  }

  /**
   * Detaches the ArrayBuffer (so every view over it becomes empty), unmaps, closes the fd.
   * Idempotent. Other processes' mappings of the same memfd are unaffected.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    cancelFree(this);
    this.buffer.transfer(0);
    memfd.munmap(this.address, this.size);
    memfd.close(this.fd);
  }
}
