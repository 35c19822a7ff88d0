/**
 * DescriptorRing: the shared-memory channel that carries buffer descriptors from one producer
 * process to one consumer process, and buffer references back.
 *
 * A buffer never travels itself: its bytes stay in a memfd arena both processes map (see
 * src/memory/), and what crosses is a fixed-size descriptor — which arena (a connection-local
 * pool id), which slot, the byte range in the slot, a handle, and the buffer's metadata. Two
 * single-producer/single-consumer rings live in one memfd:
 *
 *   descriptors  producer → consumer  BUFFER (a lent slot) or CONTROL (read the next message
 *                                     on the socket: an event, a new pool's memfd)
 *   returns      consumer → producer  the handle of each descriptor whose buffer the consumer
 *                                     has dropped; the producer then releases its reference
 *
 * Layout (byte offsets; each word one side writes sits on its own cache line):
 *
 *   0    MAGIC VERSION CAPACITY DESC_SIZE RETURN_CAPACITY PRODUCER_PID DESC_OFFSET RETURN_OFFSET
 *   64   TAIL        descriptors published (producer), u32 counter
 *   128  HEAD        descriptors consumed (consumer)
 *   192  DATA_WAKE   set by a consumer about to sleep; DATA_BELL (196) futex word
 *   256  RET_TAIL    returns published (consumer)
 *   320  RET_HEAD    returns consumed (producer)
 *   384  SPACE_WAKE  set by a producer about to sleep; SPACE_BELL (388) futex word
 *   512  descriptors[CAPACITY], DESC_SIZE bytes each; then returns[RETURN_CAPACITY] (i32)
 *
 * Doorbells, not polling. A side that finds nothing to do arms its wake word (with the kind of
 * wake it wants: an eventfd write for an event loop, a futex wake for a blocked thread), then
 * looks once more; the other side, after publishing, swaps the wake word to zero and, if it
 * was armed, rings. With sequentially consistent Atomics either the sleeper sees the new entry
 * or the publisher sees the armed word, so no wake-up is lost, and a streaming pair that never
 * runs dry makes no wake-up system calls at all.
 *
 * Counters are u32 and wrap; capacities are powers of two. The return ring cannot overflow:
 * the producer never has more handles lent than RETURN_CAPACITY (see ledger.ts).
 *
 * Trust: the consumer can write anything into this memory. The producer reads only HEAD,
 * RET_TAIL and return entries from it, and checks every returned handle against its ledger.
 */
import { Segment } from "../memory/segment.ts";
import * as fdpass from "../../ffi/fdpass.ts";
import * as memfd from "../../ffi/memfd.ts";

/** "PXDR", little-endian. */
export const RING_MAGIC = 0x52445850;
export const RING_VERSION = 1;
export const DESC_SIZE = 128;
/** Default descriptors in flight. */
export const DEFAULT_RING_CAPACITY = 256;
/** Default most handles lent at once (bounds the return ring). */
export const DEFAULT_RETURN_CAPACITY = 1024;

/** Header byte offsets. */
export const RING_HEADER = {
  MAGIC: 0,
  VERSION: 4,
  CAPACITY: 8,
  DESC_SIZE: 12,
  RETURN_CAPACITY: 16,
  PRODUCER_PID: 20,
  DESC_OFFSET: 24,
  RETURN_OFFSET: 28,
  TAIL: 64,
  HEAD: 128,
  DATA_WAKE: 192,
  DATA_BELL: 196,
  RET_TAIL: 256,
  RET_HEAD: 320,
  SPACE_WAKE: 384,
  SPACE_BELL: 388,
  BYTES: 512,
} as const;

/** Descriptor kinds. */
export const Kind = { BUFFER: 1, CONTROL: 2 } as const;

/** What a sleeper asks for when it arms a wake word (bits). */
export const Wake = { EVENTFD: 1, FUTEX: 2 } as const;

/** Descriptor field offsets, in bytes from the descriptor's start. */
export const DESC = {
  KIND: 0,
  POOL: 4,
  SLOT: 8,
  OFFSET: 12,
  LENGTH: 16,
  HANDLE: 20,
  FLAGS: 24,
  STREAM_ID: 28,
  CONTROL_SEQ: 32,
  PTS: 48,
  DTS: 56,
  DURATION: 64,
  MEDIA_OFFSET: 72,
  MEDIA_OFFSET_END: 80,
  SEQUENCE: 88,
} as const;

const W = (byteOffset: number) => byteOffset >> 2;
const H_TAIL = W(RING_HEADER.TAIL);
const H_HEAD = W(RING_HEADER.HEAD);
const H_DATA_WAKE = W(RING_HEADER.DATA_WAKE);
const H_DATA_BELL = W(RING_HEADER.DATA_BELL);
const H_RET_TAIL = W(RING_HEADER.RET_TAIL);
const H_RET_HEAD = W(RING_HEADER.RET_HEAD);
const H_SPACE_WAKE = W(RING_HEADER.SPACE_WAKE);
const H_SPACE_BELL = W(RING_HEADER.SPACE_BELL);
const DESC_WORDS = DESC_SIZE >> 2;
const DESC_F64 = DESC_SIZE >> 3;

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export interface RingGeometry {
  capacity: number;
  returnCapacity: number;
}

/** Byte size of a ring memfd for the given geometry. */
export function ringBytes(g: RingGeometry): number {
  return RING_HEADER.BYTES + g.capacity * DESC_SIZE + g.returnCapacity * 4;
}

/**
 * One endpoint's view of a ring. The producer creates it (`create`) and sends `segment.fd` to
 * the consumer, which maps it (`open`). Each side calls only its own half of the methods.
 * Owns its segment; does not own the doorbell fds (`close` leaves them alone).
 */
export class DescriptorRing {
  readonly segment: Segment;
  readonly capacity: number;
  readonly returnCapacity: number;
  /** Header words. */
  readonly header: Int32Array;
  /** All descriptors as 32-bit words / 64-bit floats (descriptor d starts at word d*32). */
  readonly words: Int32Array;
  readonly floats: Float64Array;
  private readonly returns: Int32Array;
  private readonly mask: number;
  private readonly returnMask: number;
  /** eventfds the sides ring: `dataBell` wakes the consumer, `spaceBell` the producer. */
  dataBell = -1;
  spaceBell = -1;

  private constructor(segment: Segment, g: RingGeometry) {
    this.segment = segment;
    this.capacity = g.capacity;
    this.returnCapacity = g.returnCapacity;
    const buf = segment.buffer;
    this.header = new Int32Array(buf, 0, RING_HEADER.BYTES >> 2);
    this.words = new Int32Array(buf, RING_HEADER.BYTES, g.capacity * DESC_WORDS);
    this.floats = new Float64Array(buf, RING_HEADER.BYTES, g.capacity * DESC_F64);
    this.returns = new Int32Array(buf, RING_HEADER.BYTES + g.capacity * DESC_SIZE, g.returnCapacity);
    this.mask = g.capacity - 1;
    this.returnMask = g.returnCapacity - 1;
  }

  /** Creates a ring (the producer's side). Capacities must be powers of two. */
  static create(g: RingGeometry, name = "parallax-ipc-ring"): DescriptorRing {
    if (!isPow2(g.capacity) || g.capacity > 1 << 16) throw new RangeError(`ring capacity must be a power of two up to 65536, got ${g.capacity}`);
    if (!isPow2(g.returnCapacity) || g.returnCapacity > 1 << 20) throw new RangeError(`return capacity must be a power of two up to 2^20, got ${g.returnCapacity}`);
    const seg = Segment.create(ringBytes(g), { name });
    const r = new DescriptorRing(seg, g);
    const h = r.header;
    h[W(RING_HEADER.VERSION)] = RING_VERSION;
    h[W(RING_HEADER.CAPACITY)] = g.capacity;
    h[W(RING_HEADER.DESC_SIZE)] = DESC_SIZE;
    h[W(RING_HEADER.RETURN_CAPACITY)] = g.returnCapacity;
    h[W(RING_HEADER.PRODUCER_PID)] = process.pid;
    h[W(RING_HEADER.DESC_OFFSET)] = RING_HEADER.BYTES;
    h[W(RING_HEADER.RETURN_OFFSET)] = RING_HEADER.BYTES + g.capacity * DESC_SIZE;
    Atomics.store(h, W(RING_HEADER.MAGIC), RING_MAGIC);
    return r;
  }

  /** Maps a ring from the memfd the producer sent (the consumer's side). Takes the fd, even on
   * failure. Throws if it is not a ring of this version or its geometry does not fit. */
  static open(fd: number): DescriptorRing {
    const seg = Segment.open(fd);
    try {
      if (seg.size < RING_HEADER.BYTES) throw new Error("the ring memfd is too small");
      const h = new Int32Array(seg.buffer, 0, RING_HEADER.BYTES >> 2);
      if (Atomics.load(h, W(RING_HEADER.MAGIC)) !== RING_MAGIC) throw new Error("the memfd is not a Parallax descriptor ring (bad magic)");
      if (h[W(RING_HEADER.VERSION)] !== RING_VERSION) throw new Error(`descriptor ring version ${h[W(RING_HEADER.VERSION)]}, this build reads version ${RING_VERSION}`);
      const g = { capacity: h[W(RING_HEADER.CAPACITY)]!, returnCapacity: h[W(RING_HEADER.RETURN_CAPACITY)]! };
      if (h[W(RING_HEADER.DESC_SIZE)] !== DESC_SIZE || !isPow2(g.capacity) || !isPow2(g.returnCapacity) || ringBytes(g) > seg.size) {
        throw new Error("the descriptor ring's geometry is inconsistent");
      }
      return new DescriptorRing(seg, g);
    } catch (e) {
      seg.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.segment.closed;
  }

  // ---- producer side ---------------------------------------------------------------------

  /** Free descriptor entries (producer). */
  space(): number {
    return this.capacity - ((this.header[H_TAIL]! - Atomics.load(this.header, H_HEAD)) | 0);
  }

  /** Word index of the entry the next publish() fills (producer; check space() first). */
  nextSlot(): number {
    return (this.header[H_TAIL]! & this.mask) * DESC_WORDS;
  }

  /** Makes the entry at nextSlot() visible and wakes the consumer if it asked (producer). */
  publish(): void {
    Atomics.store(this.header, H_TAIL, (this.header[H_TAIL]! + 1) | 0);
    if (Atomics.load(this.header, H_DATA_WAKE) !== 0) this.ring(H_DATA_WAKE, H_DATA_BELL, this.dataBell);
  }

  /** The next handle the consumer gave back, or -1 (producer). */
  takeReturn(): number {
    const head = this.header[H_RET_HEAD]!;
    if (head === Atomics.load(this.header, H_RET_TAIL)) return -1;
    const handle = this.returns[head & this.returnMask]!;
    Atomics.store(this.header, H_RET_HEAD, (head + 1) | 0);
    return handle;
  }

  /** Whether the consumer gave handles back that the producer has not taken (producer). */
  hasReturns(): boolean {
    return this.header[H_RET_HEAD] !== Atomics.load(this.header, H_RET_TAIL);
  }

  /**
   * Asks the consumer to wake this producer at its next step (a descriptor consumed or a
   * handle returned). Returns false, un-asking, if progress was already made since
   * `headSeen` (the HEAD value the caller last acted on) or a return is waiting: then act now.
   */
  armSpace(how: number, headSeen: number): boolean {
    Atomics.store(this.header, H_SPACE_WAKE, how);
    if (Atomics.load(this.header, H_HEAD) !== headSeen || this.hasReturns()) {
      Atomics.store(this.header, H_SPACE_WAKE, 0);
      return false;
    }
    return true;
  }

  /** HEAD as the producer sees it now. */
  consumedCount(): number {
    return Atomics.load(this.header, H_HEAD);
  }

  // ---- consumer side ---------------------------------------------------------------------

  /** Word index of the next unread descriptor, or -1 when none is published (consumer). */
  peek(): number {
    const head = this.header[H_HEAD]!;
    if (head === Atomics.load(this.header, H_TAIL)) return -1;
    return (head & this.mask) * DESC_WORDS;
  }

  /** Marks the descriptor from peek() consumed and wakes the producer if it asked (consumer). */
  advance(): void {
    Atomics.store(this.header, H_HEAD, (this.header[H_HEAD]! + 1) | 0);
    if (Atomics.load(this.header, H_SPACE_WAKE) !== 0) this.ring(H_SPACE_WAKE, H_SPACE_BELL, this.spaceBell);
  }

  /** Gives a handle back to the producer (consumer). Never full: see the ledger's bound. */
  pushReturn(handle: number): void {
    const tail = this.header[H_RET_TAIL]!;
    this.returns[tail & this.returnMask] = handle;
    Atomics.store(this.header, H_RET_TAIL, (tail + 1) | 0);
    if (Atomics.load(this.header, H_SPACE_WAKE) !== 0) this.ring(H_SPACE_WAKE, H_SPACE_BELL, this.spaceBell);
  }

  /** Asks the producer to wake this consumer when it publishes. Returns false, un-asking, if a
   * descriptor is already there: then read it now (consumer). */
  armData(how: number): boolean {
    Atomics.store(this.header, H_DATA_WAKE, how);
    if (Atomics.load(this.header, H_TAIL) !== this.header[H_HEAD]) {
      Atomics.store(this.header, H_DATA_WAKE, 0);
      return false;
    }
    return true;
  }

  /** Blocks the thread until the producer publishes or `timeoutMs` passes (consumer, Workers).
   * Returns whether a descriptor is there. */
  waitData(timeoutMs: number): boolean {
    const bell = Atomics.load(this.header, H_DATA_BELL);
    if (!this.armData(Wake.FUTEX)) return true;
    fdpass.futexWait(this.segment.address, RING_HEADER.DATA_BELL, bell, timeoutMs);
    Atomics.store(this.header, H_DATA_WAKE, 0);
    return this.peek() >= 0;
  }

  /** Swaps a wake word to zero and, if it was armed, rings as asked. */
  private ring(wakeWord: number, bellWord: number, eventFd: number): void {
    const how = Atomics.exchange(this.header, wakeWord, 0);
    if (how === 0) return;
    if ((how & Wake.FUTEX) !== 0) {
      Atomics.add(this.header, bellWord, 1);
      fdpass.futexWake(this.segment.address, bellWord << 2, 1);
    }
    if ((how & Wake.EVENTFD) !== 0 && eventFd >= 0) fdpass.eventfdWrite(eventFd, 1);
  }

  /** Unmaps and closes the memfd (idempotent). Views over it become empty. */
  close(): void {
    this.segment.close();
  }
}

/** Closes an fd if it is open (>= 0); returns -1 for `x = closeFd(x)`. */
export function closeFd(fd: number): number {
  if (fd >= 0) {
    try {
      memfd.close(fd);
    } catch {
      // already closed: nothing to release
    }
  }
  return -1;
}
