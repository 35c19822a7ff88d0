/**
 * BufferPool: fixed-size Buffers carved out of one memfd arena, handed out in O(1) and returned
 * in O(1) when their last holder releases them — in this process or in another one.
 *
 * Roles. The process that creates a pool is its *owner*: only it acquires slots. Another process
 * that received the pool's fds (`shareFds()`, sent with fdpass.sendMsg) opens it as a *peer*:
 * it maps the same slots read-write, wraps slot references handed to it (`adopt`), clones and
 * releases them; when it drops a slot's count to zero the slot goes back to the owner through
 * the arena's release ring (see arena.ts), and the owner is woken if it was waiting.
 *
 * The per-buffer path. `acquire()` pops a slot from the owner's private free stack (LIFO, so
 * the hottest slot is reused), sets its shared refcount to 1 and returns a new Buffer whose
 * `data` is the slot's view and whose `memory` is the slot's SlotMemory. Both are created once
 * per slot when the pool is made, so acquire allocates only the Buffer record, creates no
 * ArrayBuffer and makes no FFI call. `Buffer.clone()` is one `Atomics.add`; `release()` one
 * `Atomics.sub`, plus a push on the free stack when it reaches zero. Nothing awaits.
 *
 * Backpressure. The pool never grows: when every slot is out, `acquire()` returns null and the
 * producer waits, either with `onAvailable(cb)` (event loop: called once, from a microtask,
 * after a slot returns here or from a peer) or with `waitAvailable(timeoutMs)` (blocks the
 * thread on a futex: for Workers). Remote wake-ups cost syscalls only while the owner waits.
 *
 * Threads: a pool object belongs to the thread that made it. Another Worker or process uses
 * the same memory by opening the pool from duplicated fds, as a peer.
 *
 * Closing: `close()` unmaps at once. Buffers still out become empty views (see segment.ts) and
 * their release() does nothing. `closeWhenIdle()` instead waits for the last buffer out to be
 * released (an element stopping while the application still holds a few of its buffers). A peer's close() first gives back every reference it still
 * holds, so an element process that shuts down cleanly returns its slots. (A peer that dies
 * without closing leaks the slots it held until the owner's pool is closed.)
 */
import { Buffer, type Memory } from "../buffer.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import * as memfd from "../../ffi/memfd.ts";
import { Arena, HEADER } from "./arena.ts";

/** Default slot count when only a slot size is given. */
export const DEFAULT_SLOT_COUNT = 16;

/** Owner-private slot states (peers never see them). */
const SLOT_FREE = 0;
const SLOT_OUT = 1;

export interface PoolOptions {
  /** Bytes per buffer. */
  slotSize: number;
  /** Buffers in the pool (default DEFAULT_SLOT_COUNT). Fixed for the pool's life. */
  slotCount?: number;
  /** Slot alignment, a power of two up to the page size (default: 64, or a page for slots of a
   * page or more). */
  align?: number;
  /** memfd name, shown in /proc/<pid>/maps as "memfd:<name>". */
  name?: string;
}

export interface PoolStats {
  capacity: number;
  slotSize: number;
  /** Owner: slots handed out and not yet back. Peer: slots with a non-zero refcount. */
  inUse: number;
  /** capacity - inUse. */
  available: number;
  /** References this process holds (peer) or 0 (owner; see inUse). */
  held: number;
  /** Releases from peers the owner refused as invalid (a sign of a faulty peer). */
  rejected: number;
}

/** The fds that let another process open a pool as a peer. Borrowed: valid until close(). */
export interface PoolFds {
  memfd: number;
  eventfd: number;
}

/**
 * The Memory of every Buffer over one slot. One per slot, made with the pool: the count lives in
 * the arena header, so every clone shares this object.
 */
export class SlotMemory implements Memory {
  readonly kind = "memfd";
  readonly pool: BufferPool;
  readonly slot: number;

  constructor(pool: BufferPool, slot: number) {
    this.pool = pool;
    this.slot = slot;
  }

  /** The slot's address in this process (for io_uring and native elements). */
  get address(): number {
    return this.pool.arena.slotAddress(this.slot);
  }

  ref(): void {
    this.pool.refSlot(this.slot);
  }

  unref(): void {
    this.pool.unrefSlot(this.slot);
  }
}

export class BufferPool {
  readonly role: "owner" | "peer";
  readonly arena: Arena;
  readonly slotSize: number;
  readonly capacity: number;
  /** The eventfd peers write to wake the owner. Owned by the pool. */
  readonly eventFd: number;

  private readonly refcounts: Int32Array;
  private readonly generations: Uint32Array;
  private readonly views: Uint8Array[];
  private readonly memories: SlotMemory[];
  /** Owner: free stack of slot numbers, `top` entries deep. */
  private readonly free: Int32Array;
  private top = 0;
  /** Owner: SLOT_FREE / SLOT_OUT per slot (empty on a peer). */
  private readonly state: Uint8Array;
  /** Peer: references this process holds, per slot (empty on the owner). */
  private readonly held: Int32Array;
  private readonly isOwner: boolean;
  private rejected = 0;
  private isClosed = false;
  /** Set by closeWhenIdle(): close as soon as every slot is back. */
  private closePending = false;

  private waiters: (() => void)[] | null = null;
  private notifyQueued = false;
  private shared = false;
  private watcher: { cancel(): Promise<void> } | null = null;
  private watcherDone: Promise<void> = Promise.resolve();

  private constructor(role: "owner" | "peer", arena: Arena, eventFd: number) {
    this.role = role;
    this.isOwner = role === "owner";
    this.arena = arena;
    this.eventFd = eventFd;
    this.slotSize = arena.slotSize;
    this.capacity = arena.slotCount;
    this.refcounts = arena.refcounts;
    this.generations = arena.generations;
    this.views = new Array<Uint8Array>(this.capacity);
    this.memories = new Array<SlotMemory>(this.capacity);
    for (let i = 0; i < this.capacity; i++) {
      this.views[i] = arena.slotView(i);
      this.memories[i] = new SlotMemory(this, i);
    }
    this.state = new Uint8Array(this.isOwner ? this.capacity : 0);
    this.held = new Int32Array(this.isOwner ? 0 : this.capacity);
    this.free = new Int32Array(this.isOwner ? this.capacity : 0);
    if (this.isOwner) {
      // Slot 0 on top, so a fresh pool hands out slots in order.
      for (let i = 0; i < this.capacity; i++) this.free[i] = this.capacity - 1 - i;
      this.top = this.capacity;
    }
  }

  /** Creates a pool of `slotCount` slots of `slotSize` bytes; this process is the owner and
   * must close() it. */
  static create(opts: PoolOptions): BufferPool {
    const arena = Arena.create({ slotCount: opts.slotCount ?? DEFAULT_SLOT_COUNT, slotSize: opts.slotSize, align: opts.align, name: opts.name ?? "parallax-pool" });
    let efd: number;
    try {
      efd = fdpass.eventfd(0, fdpass.Efd.NONBLOCK);
    } catch (e) {
      arena.close();
      throw e;
    }
    return new BufferPool("owner", arena, efd);
  }

  /**
   * Opens, as a peer, a pool whose fds another process sent (see shareFds). Takes ownership of
   * both fds, even on failure. The caller must close() the pool.
   */
  static open(fds: PoolFds): BufferPool {
    let arena: Arena;
    try {
      arena = Arena.open(fds.memfd);
    } catch (e) {
      memfd.close(fds.eventfd);
      throw e;
    }
    return new BufferPool("peer", arena, fds.eventfd);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Owner only: a Buffer over a free slot, holding its one reference, or null when every slot
   * is out (wait with onAvailable/waitAvailable). `data` is the whole slot unless `size` asks
   * for less (then it is a subarray, which allocates a view). O(1); the caller owns the buffer.
   */
  acquire(size?: number): Buffer | null {
    if (size !== undefined && !(size >= 0 && size <= this.slotSize)) throw new RangeError(`acquire(${size}): slots hold ${this.slotSize} bytes`);
    if (this.closePending) return null;
    if (this.top === 0 && this.reclaim() === 0) {
      if (!this.isOwner) throw new Error("acquire() on a peer pool: only the process that created the pool hands out slots");
      return null;
    }
    const slot = this.free[--this.top]!;
    this.state[slot] = SLOT_OUT;
    this.generations[slot] = this.generations[slot]! + 1;
    Atomics.store(this.refcounts, slot, 1);
    const view = this.views[slot]!;
    return new Buffer(size === undefined || size === this.slotSize ? view : view.subarray(0, size), this.memories[slot]!);
  }

  /**
   * Wraps one reference to `slot` that another holder handed to this process (it called
   * `detach` and sent the slot number). The returned buffer owns that reference; its data is
   * `length` bytes from `offset` inside the slot. Throws if the slot is not in use.
   */
  adopt(slot: number, offset = 0, length = this.slotSize - offset): Buffer {
    this.assertOpen();
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.capacity) throw new RangeError(`adopt: slot ${slot} is outside 0..${this.capacity - 1}`);
    if (offset < 0 || length < 0 || offset + length > this.slotSize) throw new RangeError(`adopt: bytes ${offset}..${offset + length} are outside the ${this.slotSize}-byte slot`);
    if (Atomics.load(this.refcounts, slot) <= 0) throw new Error(`adopt: slot ${slot} is free; adopt only a slot whose reference was handed over`);
    if (!this.isOwner) this.held[slot]!++;
    const view = this.views[slot]!;
    const data = offset === 0 && length === this.slotSize ? view : view.subarray(offset, offset + length);
    return new Buffer(data, this.memories[slot]!);
  }

  /**
   * Takes `buffer`'s reference out of it without releasing it, to hand the slot to another
   * process (which adopts it). Returns the slot; `buffer.memory` becomes null and the buffer
   * must not be used again. The byte range to send is `buffer.data.byteOffset -
   * arena.slotOffset(slot)` and `buffer.data.byteLength`.
   */
  detach(buffer: Buffer): number {
    const m = buffer.memory;
    if (!(m instanceof SlotMemory) || m.pool !== this) throw new Error("detach: the buffer does not hold a slot of this pool");
    buffer.memory = null;
    if (!this.isOwner) this.held[m.slot]!--;
    return m.slot;
  }

  /** The slot behind a buffer of this pool, or -1. */
  slotOf(buffer: Buffer): number {
    const m = buffer.memory;
    return m instanceof SlotMemory && m.pool === this ? m.slot : -1;
  }

  /** How many times the owner has handed out `slot` (wraps at 2^32). */
  generation(slot: number): number {
    return this.generations[slot]!;
  }

  /** @internal SlotMemory.ref. */
  refSlot(slot: number): void {
    if (this.isClosed) return;
    Atomics.add(this.refcounts, slot, 1);
    if (!this.isOwner) this.held[slot]!++;
  }

  /** @internal SlotMemory.unref: drops one count; the last one returns the slot. */
  unrefSlot(slot: number): void {
    if (this.isClosed) return;
    const prev = Atomics.sub(this.refcounts, slot, 1);
    if (!this.isOwner) this.held[slot]!--;
    if (prev === 1) this.recycle(slot);
    else if (prev < 1) {
      Atomics.add(this.refcounts, slot, 1);
      if (!this.isOwner) this.held[slot]!++;
      throw new Error(`slot ${slot} released more often than it was referenced`);
    }
  }

  private recycle(slot: number): void {
    if (this.isOwner) {
      this.state[slot] = SLOT_FREE;
      this.free[this.top++] = slot;
      if (this.closePending && this.top === this.capacity) void this.close();
      else if (this.waiters !== null) this.queueNotify();
    } else if (this.arena.pushRelease(slot)) {
      fdpass.futexWake(this.arena.segment.address, HEADER.RELEASE_SEQ, 1);
      fdpass.eventfdWrite(this.eventFd, 1);
    }
  }

  /** Owner: moves every valid peer release from the ring onto the free stack. Returns how many. */
  private reclaim(): number {
    if (!this.isOwner || this.isClosed) return 0;
    let n = 0;
    for (let slot = this.arena.takeRelease(); slot >= 0; slot = this.arena.takeRelease()) {
      // Accept only a slot we handed out whose count really is zero (see arena.ts, Trust).
      if (slot < this.capacity && this.state[slot] === SLOT_OUT && Atomics.load(this.refcounts, slot) === 0) {
        this.state[slot] = SLOT_FREE;
        this.free[this.top++] = slot;
        n++;
      } else {
        this.rejected++;
      }
    }
    return n;
  }

  /**
   * Owner only: calls `cb` once, from a microtask, as soon as a slot is (or may be) free:
   * at once if one is free now, else after the next release here or in a peer. Use it when
   * acquire() returned null. Callbacks are dropped when the pool is closed.
   */
  onAvailable(cb: () => void): void {
    if (!this.isOwner) throw new Error("onAvailable() on a peer pool: only the owner acquires");
    this.assertOpen();
    (this.waiters ??= []).push(cb);
    if (this.top > 0 || this.reclaim() > 0) {
      this.queueNotify();
      return;
    }
    if (!this.shared) return; // only local releases can free a slot
    this.arena.setWaiting(true);
    // Re-check after raising the flag: a peer that released before it saw the flag did not wake us.
    if (this.reclaim() > 0) this.queueNotify();
    else this.startWatcher();
  }

  /**
   * Owner only: blocks the calling thread until a slot is free or `timeoutMs` passes (-1:
   * forever). Returns whether a slot is free. Only a peer's release can end the wait (this
   * thread is blocked), so use it in a Worker whose pool is shared with other processes.
   */
  waitAvailable(timeoutMs: number): boolean {
    if (!this.isOwner) throw new Error("waitAvailable() on a peer pool: only the owner acquires");
    this.assertOpen();
    const deadline = timeoutMs < 0 ? Infinity : performance.now() + timeoutMs;
    try {
      for (;;) {
        if (this.top > 0 || this.reclaim() > 0) return true;
        const seq = this.arena.releaseSeq();
        this.arena.setWaiting(true);
        if (this.reclaim() > 0) return true;
        const left = deadline - performance.now();
        if (left <= 0) return false;
        fdpass.futexWait(this.arena.segment.address, HEADER.RELEASE_SEQ, seq, left === Infinity ? -1 : Math.ceil(left));
      }
    } finally {
      this.arena.setWaiting(this.waiters !== null);
    }
  }

  /** Capacity and occupancy. Owner: reclaims peer releases first. O(capacity) on a peer. */
  stats(): PoolStats {
    let inUse: number;
    let held = 0;
    if (this.isOwner) {
      this.reclaim();
      inUse = this.capacity - this.top;
    } else {
      inUse = 0;
      if (!this.isClosed) for (let i = 0; i < this.capacity; i++) if (Atomics.load(this.refcounts, i) > 0) inUse++;
      for (let i = 0; i < this.capacity; i++) held += this.held[i]!;
    }
    return { capacity: this.capacity, slotSize: this.slotSize, inUse, available: this.capacity - inUse, held, rejected: this.rejected };
  }

  /**
   * The fds another process needs to open this pool as a peer: send both with
   * fdpass.sendMsg (the receiver gets its own copies). Borrowed: do not close them. Marks the
   * pool as shared, so the owner listens for peers' releases when it waits.
   */
  shareFds(): PoolFds {
    this.assertOpen();
    this.shared = true;
    return { memfd: this.arena.segment.fd, eventfd: this.eventFd };
  }

  /**
   * Closes the pool. Idempotent. At once: a peer first returns every reference it holds; then
   * the arena is unmapped (outstanding buffers become empty, their release() is a no-op),
   * pending onAvailable callbacks are dropped, and the fds are closed. The promise settles
   * when the eventfd watcher (if one ran) has stopped; Bun closes the duplicate of the eventfd
   * it was polling a few milliseconds later, on its own schedule.
   */
  close(): Promise<void> {
    if (this.isClosed) return this.watcherDone;
    if (!this.isOwner) {
      for (let slot = 0; slot < this.capacity; slot++) {
        while (this.held[slot]! > 0) this.unrefSlot(slot);
      }
    }
    this.isClosed = true;
    this.top = 0; // acquire() now returns null
    this.waiters = null;
    if (this.watcher !== null) {
      const cancelled = this.watcher.cancel().catch(() => {});
      this.watcherDone = Promise.all([this.watcherDone, cancelled]).then(() => {});
      this.watcher = null;
    }
    this.arena.close();
    memfd.close(this.eventFd);
    return this.watcherDone;
  }

  /**
   * Owner only: closes the pool once no slot is out any more — at once if none is, else when
   * the last buffer is released (here, or by a peer: then the owner listens for it). Until
   * then buffers still out stay valid, and acquire() returns null. For an element that stops
   * while the application still holds some of its buffers (pulled from an appsink, say).
   * A buffer the application drops without releasing does not keep the pool open for good:
   * once nothing can reach the pool's memory, the GC's finaliser unmaps it and closes its fds
   * (Segment.closeWhenUnreachable).
   */
  closeWhenIdle(): void {
    if (this.isClosed || this.closePending) return;
    if (!this.isOwner) {
      void this.close();
      return;
    }
    this.closePending = true;
    this.waiters = null;
    this.closeIfIdle();
    if (!this.isClosed) this.arena.segment.closeWhenUnreachable([this.eventFd]);
  }

  private closeIfIdle(): void {
    if (this.isClosed) return;
    this.reclaim();
    if (this.top === this.capacity) {
      void this.close();
    } else if (this.shared) {
      // Slots held by peers come back through the release ring: be woken for each one.
      this.arena.setWaiting(true);
      if (this.reclaim() > 0 && this.top === this.capacity) void this.close();
      else this.startWatcher();
    }
  }

  private assertOpen(): void {
    if (this.isClosed) throw new Error("the pool is closed");
  }

  private queueNotify(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(this.notify);
  }

  private readonly notify = (): void => {
    this.notifyQueued = false;
    const waiters = this.waiters;
    if (waiters === null) return;
    if (this.top === 0 && this.reclaim() === 0) return; // taken meanwhile; keep waiting
    this.waiters = null;
    if (!this.isClosed) this.arena.setWaiting(false);
    for (const cb of waiters) cb();
  };

  /** Starts (once) reading the eventfd on the event loop; each read means a peer released. */
  private startWatcher(): void {
    if (this.watcher !== null) return;
    // Bun reads the fd through its own duplicate, polled by the event loop (no thread blocks).
    const reader = Bun.file(this.eventFd).stream().getReader();
    this.watcher = reader;
    this.watcherDone = (async () => {
      try {
        for (;;) {
          const { done } = await reader.read();
          if (done || this.isClosed) return;
          if (this.closePending) this.closeIfIdle();
          else if (this.waiters !== null) this.queueNotify();
        }
      } catch {
        // cancelled by close()
      }
    })();
  }
}
