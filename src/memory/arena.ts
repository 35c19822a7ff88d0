/**
 * Arena: the shared layout of one pool's memfd — a header that every process mapping the
 * memfd reads and updates with Atomics, followed by fixed-size slots.
 *
 *   0        fixed header words (HEADER below): magic, version, geometry, wake-up words
 *   64       refcount[slotCount]   i32  holders of the slot, in every process together
 *   …        generation[slotCount] u32  bumped by the owner on each acquire (stale-handle check)
 *   …        releaseRing[ringSize] i32  slots released to zero by other processes (slot + 1)
 *   page     slot 0, slot 1, … each `slotStride` bytes apart (64-byte or page aligned)
 *
 * One process creates the arena (the *owner*, which alone hands out free slots); others open it
 * from the memfd it sent them (*peers*). A slot's refcount word is the truth about whether it is
 * in use: clone/release anywhere is `Atomics.add/sub` on it. Whoever drops it to zero returns
 * the slot: the owner pushes it on its private free stack (src/memory/pool.ts); a peer pushes
 * it on the release ring here, which the owner drains when its free stack runs dry.
 *
 * The release ring is a bounded multi-producer, single-consumer queue of slot numbers. A
 * producer claims a position with `Atomics.add(RING_TAIL, 1)` and publishes `slot + 1` there;
 * the owner reads from its private head and takes an entry once it is non-zero, writing 0 back.
 * It cannot overflow: an entry stands for a slot that is neither free nor in use, so at most
 * slotCount entries are pending, and ringSize >= slotCount (a power of two, so the 32-bit tail
 * wraps cleanly). After publishing, a producer bumps RELEASE_SEQ and, if WAITING is set, wakes
 * the owner (futex on RELEASE_SEQ, and the pool's eventfd); with sequentially consistent Atomics
 * either the owner sees the entry when it re-checks after setting WAITING, or the producer sees
 * WAITING and wakes it, so no wake-up is lost.
 *
 * Trust: peers share the memory, not the owner's authority. The owner never reads RING_TAIL,
 * keeps its free stack and ring head private, and accepts a ring entry only for a slot it
 * handed out whose refcount is zero, so a faulty peer can corrupt slot contents (as any writer
 * of shared memory can) but not the owner's bookkeeping.
 *
 * Atomics.load/store/add/sub/compareExchange work on memfd memory (they are real locked
 * instructions across processes); Atomics.wait/notify do not (they need a SharedArrayBuffer),
 * hence the futex and eventfd.
 */
import { alignUp, Segment } from "./segment.ts";
import { PAGE_SIZE } from "../../ffi/memfd.ts";

/** "PXAR", little-endian. */
export const ARENA_MAGIC = 0x52415850;
export const ARENA_VERSION = 1;
/** Upper bound on slots per arena (keeps the header small and indices in 20 bits). */
export const MAX_SLOTS = 1 << 20;
/** Slots smaller than a page are aligned to a cache line; larger ones to a page. */
export const CACHE_LINE = 64;

/** Byte offsets of the fixed header words (all 32-bit). */
export const HEADER = {
  MAGIC: 0,
  VERSION: 4,
  /** Byte offset of slot 0. */
  SLOTS_OFFSET: 8,
  SLOT_COUNT: 12,
  SLOT_SIZE: 16,
  SLOT_STRIDE: 20,
  RING_SIZE: 24,
  OWNER_PID: 28,
  /** Non-zero while the owner wants to be woken by a remote release. */
  WAITING: 32,
  /** Futex word: bumped by every remote release. */
  RELEASE_SEQ: 36,
  /** Producers' claim counter for the release ring. */
  RING_TAIL: 40,
  /** Bytes 44..63 are reserved (zero). */
  FIXED_BYTES: 64,
} as const;

const W_MAGIC = HEADER.MAGIC >> 2;
const W_VERSION = HEADER.VERSION >> 2;
const W_SLOTS_OFFSET = HEADER.SLOTS_OFFSET >> 2;
const W_SLOT_COUNT = HEADER.SLOT_COUNT >> 2;
const W_SLOT_SIZE = HEADER.SLOT_SIZE >> 2;
const W_SLOT_STRIDE = HEADER.SLOT_STRIDE >> 2;
const W_RING_SIZE = HEADER.RING_SIZE >> 2;
const W_OWNER_PID = HEADER.OWNER_PID >> 2;
const W_WAITING = HEADER.WAITING >> 2;
const W_RELEASE_SEQ = HEADER.RELEASE_SEQ >> 2;
const W_RING_TAIL = HEADER.RING_TAIL >> 2;

/** Where everything is, in bytes from the start of the memfd. */
export interface ArenaLayout {
  slotCount: number;
  slotSize: number;
  slotStride: number;
  ringSize: number;
  refcountOffset: number;
  generationOffset: number;
  ringOffset: number;
  /** Offset of slot 0 (page aligned). */
  slotsOffset: number;
  /** Size of the memfd. */
  totalBytes: number;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Computes the layout for `slotCount` slots of `slotSize` bytes. `align` (a power of two)
 * defaults to 64 for slots under a page and to the page size otherwise. */
export function arenaLayout(slotCount: number, slotSize: number, align?: number): ArenaLayout {
  if (!Number.isInteger(slotCount) || slotCount < 1 || slotCount > MAX_SLOTS) {
    throw new RangeError(`slotCount must be 1..${MAX_SLOTS}, got ${slotCount}`);
  }
  if (!Number.isInteger(slotSize) || slotSize < 1 || slotSize > 0x7fffffff) {
    throw new RangeError(`slotSize must be a positive 31-bit integer, got ${slotSize}`);
  }
  const a = align ?? (slotSize >= PAGE_SIZE ? PAGE_SIZE : CACHE_LINE);
  if (a < 1 || (a & (a - 1)) !== 0 || a > PAGE_SIZE) throw new RangeError(`align must be a power of two up to ${PAGE_SIZE}, got ${a}`);
  const slotStride = alignUp(slotSize, a);
  const ringSize = nextPow2(slotCount);
  const refcountOffset = HEADER.FIXED_BYTES;
  const generationOffset = refcountOffset + 4 * slotCount;
  const ringOffset = generationOffset + 4 * slotCount;
  const slotsOffset = alignUp(ringOffset + 4 * ringSize, PAGE_SIZE);
  const totalBytes = alignUp(slotsOffset + slotStride * slotCount, PAGE_SIZE);
  if (!Number.isSafeInteger(totalBytes)) throw new RangeError("arena too large");
  return { slotCount, slotSize, slotStride, ringSize, refcountOffset, generationOffset, ringOffset, slotsOffset, totalBytes };
}

export interface ArenaCreateOptions {
  slotCount: number;
  slotSize: number;
  /** Slot alignment (power of two up to the page size). */
  align?: number;
  /** memfd name, shown in /proc/<pid>/maps. */
  name?: string;
}

export class Arena {
  readonly segment: Segment;
  readonly layout: ArenaLayout;
  /** The fixed header words. */
  readonly header: Int32Array;
  /** refcount[slot]: holders across all processes. 0 = free (or on the release ring). */
  readonly refcounts: Int32Array;
  /** generation[slot]: acquisitions so far (wraps). Written by the owner only. */
  readonly generations: Uint32Array;
  private readonly ring: Int32Array;
  private readonly ringMask: number;
  /** Owner only: next ring position to consume. Private to the owner's process. */
  private ringHead = 0;

  private constructor(segment: Segment, layout: ArenaLayout) {
    this.segment = segment;
    this.layout = layout;
    const buf = segment.buffer;
    this.header = new Int32Array(buf, 0, HEADER.FIXED_BYTES >> 2);
    this.refcounts = new Int32Array(buf, layout.refcountOffset, layout.slotCount);
    this.generations = new Uint32Array(buf, layout.generationOffset, layout.slotCount);
    this.ring = new Int32Array(buf, layout.ringOffset, layout.ringSize);
    this.ringMask = layout.ringSize - 1;
  }

  /** Creates an arena (this process becomes its owner). The caller must close() it. */
  static create(opts: ArenaCreateOptions): Arena {
    const layout = arenaLayout(opts.slotCount, opts.slotSize, opts.align);
    const segment = Segment.create(layout.totalBytes, { name: opts.name ?? "parallax-arena" });
    const arena = new Arena(segment, layout);
    const h = arena.header;
    h[W_VERSION] = ARENA_VERSION;
    h[W_SLOTS_OFFSET] = layout.slotsOffset;
    h[W_SLOT_COUNT] = layout.slotCount;
    h[W_SLOT_SIZE] = layout.slotSize;
    h[W_SLOT_STRIDE] = layout.slotStride;
    h[W_RING_SIZE] = layout.ringSize;
    h[W_OWNER_PID] = process.pid;
    // Magic last: a peer that sees it sees a complete header.
    Atomics.store(h, W_MAGIC, ARENA_MAGIC);
    return arena;
  }

  /**
   * Maps an arena from a memfd received from its owner and checks its header. Takes ownership
   * of `fd`, even on failure. The caller (a peer) must close() it.
   */
  static open(fd: number): Arena {
    const segment = Segment.open(fd);
    try {
      const h = new Int32Array(segment.buffer, 0, HEADER.FIXED_BYTES >> 2);
      if (segment.size < HEADER.FIXED_BYTES || Atomics.load(h, W_MAGIC) !== ARENA_MAGIC) {
        throw new Error(`fd ${fd} is not a Parallax arena (bad magic)`);
      }
      if (h[W_VERSION] !== ARENA_VERSION) throw new Error(`arena version ${h[W_VERSION]}, this build reads version ${ARENA_VERSION}`);
      const layout = arenaLayout(h[W_SLOT_COUNT]!, h[W_SLOT_SIZE]!, undefined);
      // Geometry the owner chose (alignment) is read back and checked for consistency.
      const slotStride = h[W_SLOT_STRIDE]!;
      const slotsOffset = h[W_SLOTS_OFFSET]!;
      const ringSize = h[W_RING_SIZE]!;
      if (slotStride < layout.slotSize || slotsOffset !== layout.slotsOffset || ringSize !== layout.ringSize) {
        throw new Error("arena header is inconsistent (stride, slot offset or ring size)");
      }
      const totalBytes = slotsOffset + slotStride * layout.slotCount;
      if (totalBytes > segment.size) throw new Error(`arena needs ${totalBytes} bytes, the memfd has ${segment.size}`);
      return new Arena(segment, { ...layout, slotStride, totalBytes: segment.size });
    } catch (e) {
      segment.close();
      throw e;
    }
  }

  get slotCount(): number {
    return this.layout.slotCount;
  }

  get slotSize(): number {
    return this.layout.slotSize;
  }

  /** The owner's pid, as it wrote it. */
  get ownerPid(): number {
    return this.header[W_OWNER_PID]!;
  }

  /** Byte offset of a slot from the start of the memfd (and of `segment.buffer`). */
  slotOffset(slot: number): number {
    return this.layout.slotsOffset + slot * this.layout.slotStride;
  }

  /** Address of a slot in this process's mapping. */
  slotAddress(slot: number): number {
    return this.segment.address + this.slotOffset(slot);
  }

  /** A new view of a whole slot (a typed array over the one ArrayBuffer: set-up use only). */
  slotView(slot: number): Uint8Array {
    return new Uint8Array(this.segment.buffer, this.slotOffset(slot), this.layout.slotSize);
  }

  /**
   * Any process other than the owner: hands a slot whose refcount it dropped to zero back to
   * the owner. Returns true if the owner asked to be woken (the caller then wakes it: see
   * BufferPool), false otherwise.
   */
  pushRelease(slot: number): boolean {
    const pos = Atomics.add(this.header, W_RING_TAIL, 1) & this.ringMask;
    Atomics.store(this.ring, pos, slot + 1);
    Atomics.add(this.header, W_RELEASE_SEQ, 1);
    return Atomics.load(this.header, W_WAITING) !== 0;
  }

  /** Owner only: the next slot released by a peer, or -1 if none is ready. The caller checks
   * the slot is one it handed out (see BufferPool). */
  takeRelease(): number {
    const pos = this.ringHead;
    const v = Atomics.load(this.ring, pos);
    if (v === 0) return -1;
    Atomics.store(this.ring, pos, 0);
    this.ringHead = (pos + 1) & this.ringMask;
    return v - 1;
  }

  /** Owner only: whether a peer's release is waiting on the ring. */
  hasRelease(): boolean {
    return Atomics.load(this.ring, this.ringHead) !== 0;
  }

  /** Owner only: asks peers to wake it (true) or not (false) on their next release. */
  setWaiting(on: boolean): void {
    Atomics.store(this.header, W_WAITING, on ? 1 : 0);
  }

  /** The current release sequence (futex word value), for a wait on RELEASE_SEQ. */
  releaseSeq(): number {
    return Atomics.load(this.header, W_RELEASE_SEQ);
  }

  /** Unmaps and closes. Idempotent; views over the arena become empty (see Segment). */
  close(): void {
    this.segment.close();
  }
}
