/**
 * Typed binding of csrc/uring.c: io_uring for file and socket I/O in batches.
 *
 * The pattern: queue many reads/writes (`prepRead`/`prepWrite`, or `prepBatch` for an IoBatch
 * filled in JS), then `submitAndReap` once: it submits, waits for at least N completions, and
 * copies every ready completion into a Completions array in one FFI call. User data is a JS
 * number (an integer below 2^53), typically a slot index or a sequence number.
 *
 * Buffers are the caller's: a buffer must stay alive and mapped until its completion has been
 * reaped. Pool slots (src/memory/pool.ts) qualify for as long as the buffer is held; pass the
 * slot's address (SlotMemory.address) or the Uint8Array view itself.
 *
 * io_uring can be unavailable (ENOSYS on old kernels, EPERM under seccomp or with
 * kernel.io_uring_disabled): check `available()` and fall back to node:fs. Threading: a Ring
 * belongs to one thread; `submitAndWait`/`submitAndReap` with waitNr > 0 block that thread.
 */
import { FFIType as T, type Pointer } from "bun:ffi";
import { check, Errno, ErrnoError } from "./errno.ts";
import { lazyShim } from "./lib.ts";

/** The uring shim's symbol table: unchecked native calls (-errno results). Opened at the first
 * call (ffi/lib.ts lazyShim): importing this module, as filesrc and filesink do, loads nothing —
 * a copy that never leaves copy_file_range never opens the shim. */
export const raw = lazyShim("uring", {
  px_uring_available: { args: [], returns: T.i32 },
  px_uring_new: { args: [T.u32, T.u32], returns: T.i64_fast },
  px_uring_free: { args: [T.ptr], returns: T.void },
  px_uring_prep_read: { args: [T.ptr, T.i32, T.ptr, T.u32, T.i64, T.u64], returns: T.i32 },
  px_uring_prep_write: { args: [T.ptr, T.i32, T.ptr, T.u32, T.i64, T.u64], returns: T.i32 },
  px_uring_prep_batch: { args: [T.ptr, T.ptr, T.u32], returns: T.i32 },
  px_uring_submit: { args: [T.ptr], returns: T.i32 },
  px_uring_submit_and_wait: { args: [T.ptr, T.u32], returns: T.i32 },
  px_uring_reap: { args: [T.ptr, T.ptr, T.u32], returns: T.i32 },
  px_uring_submit_and_reap: { args: [T.ptr, T.u32, T.ptr, T.u32], returns: T.i32 },
  px_uring_sq_space_left: { args: [T.ptr], returns: T.i32 },
  px_uring_cqe_size: { args: [], returns: T.i32 },
  px_uring_cqe_user_data_offset: { args: [], returns: T.i32 },
  px_uring_cqe_res_offset: { args: [], returns: T.i32 },
  px_uring_cqe_flags_offset: { args: [], returns: T.i32 },
  px_uring_io_size: { args: [], returns: T.i32 },
  px_uring_io_addr_offset: { args: [], returns: T.i32 },
  px_uring_io_offset_offset: { args: [], returns: T.i32 },
  px_uring_io_user_data_offset: { args: [], returns: T.i32 },
  px_uring_io_fd_offset: { args: [], returns: T.i32 },
  px_uring_io_len_offset: { args: [], returns: T.i32 },
  px_uring_io_op_offset: { args: [], returns: T.i32 },
  px_uring_io_rw_flags_offset: { args: [], returns: T.i32 },
  px_uring_const_op_read: { args: [], returns: T.i32 },
  px_uring_const_op_write: { args: [], returns: T.i32 },
  px_uring_prep_rw: { args: [T.ptr, T.u32, T.i32, T.ptr, T.u32, T.i64, T.u64, T.u32], returns: T.i32 },
  px_uring_cq_ready: { args: [T.ptr], returns: T.i32 },
  px_uring_register_eventfd: { args: [T.ptr, T.i32], returns: T.i32 },
  px_uring_unregister_eventfd: { args: [T.ptr], returns: T.i32 },
  px_uring_cq_eventfd_toggle: { args: [T.ptr, T.i32], returns: T.i32 },
  px_uring_const_iosqe_async: { args: [], returns: T.i32 },
  px_uring_set_max_workers: { args: [T.ptr, T.u32, T.u32], returns: T.i32 },
});

/** struct px_cqe { u64 user_data; i32 res; u32 flags; } — byte offsets. */
export const CQE = { size: 16, userData: 0, res: 8, flags: 12 } as const;
/** struct px_io { u64 addr; u64 offset; u64 user_data; i32 fd; u32 len; u32 op; u32 rw_flags; } */
export const IO = { size: 40, addr: 0, offset: 8, userData: 16, fd: 24, len: 28, op: 32, rwFlags: 36 } as const;
/** Operations in an IoBatch. */
export const Op = { READ: 0, WRITE: 1 } as const;
/** IOSQE_* submission flags for `prepRw`. ASYNC: run the I/O on the kernel's worker threads
 * rather than inline in the submitting call, so it overlaps with this thread's work. */
export const Sqe = { ASYNC: 16 } as const;
/** File offset meaning "the file position" (reads/writes advance it), as in preadv2. */
export const CURRENT_POSITION = -1;

const TWO_32 = 2 ** 32;

let probed: ErrnoError | null | undefined;

/** Null when an io_uring can be set up in this process, else why not (ENOSYS, EPERM, …).
 * Probed once (it creates and tears down a tiny ring) and cached. */
export function probe(): ErrnoError | null {
  if (probed === undefined) {
    const r = raw.px_uring_available();
    probed = r < 0 ? new ErrnoError(-r, "io_uring_queue_init") : null;
  }
  return probed;
}

/** True when io_uring works here. */
export function available(): boolean {
  return probe() === null;
}

/** Where completions are reaped into: `count` entries after each reap. Reused across batches. */
export class Completions {
  readonly capacity: number;
  /** Entries written by the last reap. */
  count = 0;
  /** The C array (struct px_cqe[capacity]), handed to the shim as a pointer. */
  readonly raw: Uint8Array;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;

  constructor(capacity = 64) {
    this.capacity = capacity;
    this.raw = new Uint8Array(capacity * CQE.size);
    this.u32 = new Uint32Array(this.raw.buffer);
    this.i32 = new Int32Array(this.raw.buffer);
  }

  /** The user data of entry i. */
  userData(i: number): number {
    const w = (i * CQE.size + CQE.userData) >> 2;
    return this.u32[w]! + this.u32[w + 1]! * TWO_32;
  }

  /** The result of entry i: bytes transferred, or -errno. */
  res(i: number): number {
    return this.i32[(i * CQE.size + CQE.res) >> 2]!;
  }
}

/** A batch of I/O descriptions filled in JS and queued with one `Ring.prepBatch` call. */
export class IoBatch {
  readonly capacity: number;
  readonly raw: Uint8Array;
  private readonly u32: Uint32Array;
  private readonly i32: Int32Array;

  constructor(capacity = 64) {
    this.capacity = capacity;
    this.raw = new Uint8Array(capacity * IO.size);
    this.u32 = new Uint32Array(this.raw.buffer);
    this.i32 = new Int32Array(this.raw.buffer);
  }

  /** Describes entry i. `address` is a mapped address (SlotMemory.address, say); `offset`
   * is the file offset or CURRENT_POSITION. */
  set(i: number, op: number, fd: number, address: number, len: number, offset: number, userData: number): void {
    const w = (i * IO.size) >> 2;
    this.setU64(w + (IO.addr >> 2), address);
    this.setU64(w + (IO.offset >> 2), offset);
    this.setU64(w + (IO.userData >> 2), userData);
    this.i32[w + (IO.fd >> 2)] = fd;
    this.u32[w + (IO.len >> 2)] = len;
    this.u32[w + (IO.op >> 2)] = op;
    this.u32[w + (IO.rwFlags >> 2)] = 0;
  }

  private setU64(w: number, v: number): void {
    if (v < 0) {
      // Only CURRENT_POSITION is negative: all ones.
      this.u32[w] = 0xffffffff;
      this.u32[w + 1] = 0xffffffff;
      return;
    }
    this.u32[w] = v >>> 0;
    this.u32[w + 1] = Math.floor(v / TWO_32);
  }
}

/** One io_uring instance. Create once per thread that does I/O; `close()` when done. */
export class Ring {
  private ring: Pointer | null;

  /** Sets up a ring of `entries` submission slots. Throws ErrnoError (ENOSYS, EPERM, ENOMEM)
   * when io_uring is unavailable; check `available()` first to choose a fallback. */
  constructor(entries = 64, flags = 0) {
    const r = Number(raw.px_uring_new(entries, flags));
    check(`io_uring_queue_init(${entries})`, r);
    this.ring = r as Pointer;
  }

  private get handle(): Pointer {
    if (this.ring === null) throw new Error("Ring is closed");
    return this.ring;
  }

  /** Queues a read of `len` bytes at file `offset` into `buf` (a view, or a mapped address).
   * False when the submission queue is full: submit, then queue again. */
  prepRead(fd: number, buf: Uint8Array | number, len: number, offset: number, userData: number): boolean {
    const r = raw.px_uring_prep_read(this.handle, fd, buf as Pointer, len, offset, userData);
    if (r === -Errno.EBUSY) return false;
    check("io_uring_prep_read", r);
    return true;
  }

  /** Queues a write of `len` bytes from `buf` at file `offset`. False when the queue is full. */
  prepWrite(fd: number, buf: Uint8Array | number, len: number, offset: number, userData: number): boolean {
    const r = raw.px_uring_prep_write(this.handle, fd, buf as Pointer, len, offset, userData);
    if (r === -Errno.EBUSY) return false;
    check("io_uring_prep_write", r);
    return true;
  }

  /** Queues a read or write (`Op`) with IOSQE_* `sqeFlags` (Sqe.ASYNC, say). False when the
   * submission queue is full. The buffer must stay mapped until the completion is reaped. */
  prepRw(op: number, fd: number, buf: Uint8Array | number, len: number, offset: number, userData: number, sqeFlags = 0): boolean {
    const r = raw.px_uring_prep_rw(this.handle, op, fd, buf as Pointer, len, offset, userData, sqeFlags);
    if (r === -Errno.EBUSY) return false;
    check("io_uring_prep_rw", r);
    return true;
  }

  /** Completions ready to reap right now (reads the shared ring: no system call). */
  ready(): number {
    return raw.px_uring_cq_ready(this.handle);
  }

  /** Has the kernel signal eventfd `efd` (add 1) for each completion, so an event loop can
   * wait for completions by reading it. Undo with `unregisterEventfd` (or close()). */
  registerEventfd(efd: number): void {
    check("io_uring_register_eventfd", raw.px_uring_register_eventfd(this.handle, efd));
  }

  unregisterEventfd(): void {
    check("io_uring_unregister_eventfd", raw.px_uring_unregister_eventfd(this.handle));
  }

  /** Turns the registered eventfd's notifications on or off without a system call. Returns
   * false when the kernel lacks the switch (notifications then stay on). */
  eventfdNotify(on: boolean): boolean {
    return raw.px_uring_cq_eventfd_toggle(this.handle, on ? 1 : 0) === 0;
  }

  /** Caps the kernel worker threads that run this ring's async (Sqe.ASYNC) I/O: `bounded`
   * for files, `unbounded` for sockets and pipes (0 leaves one as it is). Returns false when the
   * kernel refuses (before 5.15). */
  setMaxWorkers(bounded: number, unbounded = 0): boolean {
    return raw.px_uring_set_max_workers(this.handle, bounded, unbounded) === 0;
  }

  /** Queues entries 0..n-1 of `batch`; returns how many fitted in the submission queue. */
  prepBatch(batch: IoBatch, n: number): number {
    if (n > batch.capacity) throw new RangeError(`prepBatch: ${n} entries, the batch holds ${batch.capacity}`);
    return check("io_uring_prep_batch", raw.px_uring_prep_batch(this.handle, batch.raw, n));
  }

  /** Submits what is queued, without waiting. Returns the number submitted. */
  submit(): number {
    return check("io_uring_submit", raw.px_uring_submit(this.handle));
  }

  /** Submits and blocks until at least `waitNr` completions are ready (retrying on EINTR). */
  submitAndWait(waitNr: number): number {
    let r: number;
    do r = raw.px_uring_submit_and_wait(this.handle, waitNr);
    while (r === -Errno.EINTR);
    return check("io_uring_submit_and_wait", r);
  }

  /** Copies ready completions into `out` (up to its capacity) without waiting. Returns and
   * stores in `out.count` how many. */
  reap(out: Completions): number {
    const n = raw.px_uring_reap(this.handle, out.raw, out.capacity);
    out.count = n;
    return n;
  }

  /** Submits, waits for at least `waitNr` completions, reaps into `out`: one FFI call. */
  submitAndReap(waitNr: number, out: Completions): number {
    let r: number;
    do r = raw.px_uring_submit_and_reap(this.handle, waitNr, out.raw, out.capacity);
    while (r === -Errno.EINTR);
    out.count = check("io_uring_submit_and_wait", r);
    return out.count;
  }

  /** Free submission slots right now. */
  spaceLeft(): number {
    return raw.px_uring_sq_space_left(this.handle);
  }

  /** Tears the ring down. Idempotent. Reap everything first: I/O still in flight may write
   * into its buffers after this returns. */
  close(): void {
    if (this.ring === null) return;
    raw.px_uring_free(this.ring);
    this.ring = null;
  }
}
