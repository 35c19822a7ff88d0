/**
 * Bridge: carries buffers and events, in order, from one thread to another over a Ring of
 * buffer descriptors. Bridges join the event loop and a Worker partition (both directions).
 *
 * The bytes never travel through the ring. A buffer whose memory is a slot of a memfd
 * BufferPool (src/memory/) crosses *by reference*: its reference is detached from the buffer
 * and the descriptor names the pool and the slot; the other side adopts the reference from
 * its own mapping of the same pool (zero copy; clone and release keep working across threads
 * through the slot's shared refcount). Before the first buffer of a pool, a POOL entry hands
 * the consumer duplicates of the pool's memfd and eventfd (the same process: the fd numbers
 * are valid in every thread), which it opens as a peer. Any other buffer (heap memory) is
 * *copied once* into a memfd pool that the bridge's producer owns, then sent by reference
 * like the others. Zero-length buffers carry no memory. The ring's statistics count each kind
 * (RING_STATS: by reference, copied, copied bytes, empty), so a pipeline that copies shows it.
 *
 * Descriptor (one ring entry, RING_ENTRY_BYTES; pinned by test/scheduling-layout.test.ts):
 *
 *   0  kind i32        BUFFER, EVENT, EVENT_DATA (payload continuation) or POOL
 *   4  pool i32        bridge pool id, -1 for a buffer without memory
 *   8  slot i32        (POOL: memfd)
 *   12 offset i32      bytes from the start of the slot (POOL: eventfd)
 *   16 length i32      buffer bytes (EVENT: bytes of the JSON payload that follows)
 *   20 flags i32, 24 streamId i32
 *   32 pts, 40 dts, 48 duration, 56 offset, 64 offsetEnd, 72 sequence   (f64)
 *
 * Events (stream-start, caps, segment, EOS, flushes, gap, custom) travel in the same ring, in
 * order with the buffers: an EVENT entry followed by EVENT_DATA entries holding its JSON
 * (caps as their string form; custom event data must be JSON). Buffer `meta` is not carried.
 *
 * Backpressure: a write that finds the ring full, or the copy pool exhausted, takes nothing and
 * says so (WriteResult.FULL / NO_MEMORY); the caller waits (a Worker blocks, the event loop
 * blocks its task) and writes again. The consumer's downstream flow result (EOS, error,
 * flushing) comes back through the ring header and is returned to the producer's pushes.
 *
 * Threads: a BridgeWriter belongs to the producing thread, a BridgeReader to the consuming one.
 */
import { Buffer } from "../buffer.ts";
import { Caps } from "../caps/index.ts";
import { type Event, Events } from "../events.ts";
import { Flow, type FlowReturn } from "../flow.ts";
import { BufferPool, SlotMemory } from "../memory/pool.ts";
import * as memfd from "../../ffi/memfd.ts";
import { RING_ENTRY_BYTES, RING_STATS, Ring, W_HEAD, W_TAIL, type WakeTarget } from "./ring.ts";

/** Entry kinds. */
export const EntryKind = { BUFFER: 1, EVENT: 2, EVENT_DATA: 3, POOL: 4 } as const;

/** Byte offsets inside an entry. */
export const ENTRY = {
  KIND: 0,
  POOL: 4,
  SLOT: 8,
  OFFSET: 12,
  LENGTH: 16,
  FLAGS: 20,
  STREAM_ID: 24,
  PTS: 32,
  DTS: 40,
  DURATION: 48,
  MEDIA_OFFSET: 56,
  MEDIA_OFFSET_END: 64,
  SEQUENCE: 72,
  /** POOL entries: the memfd and eventfd the consumer takes ownership of. */
  POOL_MEMFD: 8,
  POOL_EVENTFD: 12,
} as const;

export const WriteResult = {
  /** Taken: the bridge owns the buffer now. */
  OK: 0,
  /** Not taken: the ring is full; wait for the consumer. */
  FULL: 1,
  /** Not taken: the bridge's copy pool is exhausted; wait for `starved` to free a slot. */
  NO_MEMORY: 2,
} as const;
export type WriteResult = (typeof WriteResult)[keyof typeof WriteResult];

/** Smallest slot of a bridge's copy pool. */
export const COPY_SLOT_MIN = 4096;
/** Upper bound on the bytes of one copy pool (slots are fewer for big buffers). */
export const COPY_POOL_MAX_BYTES = 64 * 1024 * 1024;
/** Fewest slots of a copy pool. */
export const COPY_POOL_MIN_SLOTS = 4;

const I = (byteOffset: number) => byteOffset >> 2;
const S_BUFFERS = I(RING_STATS.BUFFERS);
const S_BY_REFERENCE = I(RING_STATS.BY_REFERENCE);
const S_COPIED = I(RING_STATS.COPIED);
const S_EMPTY = I(RING_STATS.EMPTY);
const S_EVENTS = I(RING_STATS.EVENTS);
const S_POOLS = I(RING_STATS.POOLS);
const S_FULL = I(RING_STATS.FULL);
const S_NO_MEMORY = I(RING_STATS.NO_MEMORY);
const S_COPIED_BYTES = RING_STATS.COPIED_BYTES >> 3;

export type BridgeStats = {
  buffers: number;
  byReference: number;
  copied: number;
  copiedBytes: number;
  empty: number;
  events: number;
  pools: number;
  full: number;
  noMemory: number;
};

/** Reads a ring's statistics. Any thread (the counters are the producer's). */
export function bridgeStats(ring: Ring): BridgeStats {
  const i = ring.i32;
  return {
    buffers: i[S_BUFFERS]! >>> 0,
    byReference: i[S_BY_REFERENCE]! >>> 0,
    copied: i[S_COPIED]! >>> 0,
    copiedBytes: ring.f64[S_COPIED_BYTES]!,
    empty: i[S_EMPTY]! >>> 0,
    events: i[S_EVENTS]! >>> 0,
    pools: i[S_POOLS]! >>> 0,
    full: i[S_FULL]! >>> 0,
    noMemory: i[S_NO_MEMORY]! >>> 0,
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY_BYTES = new Uint8Array(0);

/** An event as JSON text (caps as their string form). Throws on data JSON cannot carry. */
export function encodeEvent(ev: Event): string {
  if (ev.type === "caps") return JSON.stringify({ type: "caps", caps: ev.caps.toString() });
  return JSON.stringify(ev);
}

export function decodeEvent(text: string): Event {
  const o = JSON.parse(text) as { type: string; caps?: string };
  if (o.type === "caps") return Events.caps(Caps.parse(o.caps!));
  if (o.type === "eos") return Events.eos();
  return o as Event;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The producing end. One thread. */
export class BridgeWriter {
  readonly ring: Ring;
  readonly name: string;
  readonly #consumer: WakeTarget;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #pools = new Map<BufferPool, number>();
  readonly #copyPools: BufferPool[] = [];
  readonly #copySlots: number;
  #nextPoolId = 0;
  /** The consumer's position as last seen; reloaded only when it does not leave room. */
  #head = 0;
  /** The last refusal, so that a wait is counted once however often it is retried. */
  #waiting: WriteResult = WriteResult.OK;
  /** After FULL: how many free entries the refused write needed. */
  needed = 1;
  /** After NO_MEMORY: the pool to wait on (onAvailable on the event loop, waitAvailable in a Worker). */
  starved: BufferPool | null = null;
  #closed = false;

  /**
   * @param consumer where to wake the consumer after publishing.
   * @param copySlots slots of the copy pool (the ring's capacity plus what the consumer may hold).
   */
  constructor(ring: Ring, consumer: WakeTarget, name: string, copySlots = ring.capacity * 2) {
    this.ring = ring;
    this.name = name;
    this.#consumer = consumer;
    this.#i32 = ring.i32;
    this.#f64 = ring.f64;
    this.#copySlots = copySlots;
    this.#head = ring.head();
  }

  /** Free entries, reloading the consumer's position only when `n` do not seem free. */
  #free(n: number): number {
    const ring = this.ring;
    let free = ring.capacity - ((ring.tail() - this.#head) | 0);
    if (free < n) {
      this.#head = ring.loadHead();
      free = ring.capacity - ((ring.tail() - this.#head) | 0);
    }
    return free;
  }

  /** The downstream flow result reported by the consumer (Flow.OK while all is well). */
  get flow(): FlowReturn {
    return this.ring.flow as FlowReturn;
  }

  /**
   * Sends a buffer. On OK the bridge took it (even its reference); on FULL or NO_MEMORY it took
   * nothing and the caller still owns the buffer. Runs on the producing thread; never blocks.
   */
  writeBuffer(buf: Buffer): WriteResult {
    if (this.#closed || this.ring.closed) {
      buf.release();
      return WriteResult.OK;
    }
    const free = this.#free(2);
    if (free < 1) return this.#full(1);
    const len = buf.data.byteLength;
    const mem = buf.memory;
    let pool: BufferPool | null = null;
    let copied = false;
    if (len > 0) {
      if (mem instanceof SlotMemory && !mem.pool.closed) pool = mem.pool;
      else {
        pool = this.#copyPool(len);
        copied = true;
      }
    }
    let id = -1;
    if (pool !== null) {
      const known = this.#pools.get(pool);
      if (known === undefined && free < 2) return this.#full(2);
      let b = buf;
      if (copied) {
        const c = pool.acquire(len);
        if (c === null) {
          this.starved = pool;
          if (this.#waiting !== WriteResult.NO_MEMORY) this.#i32[S_NO_MEMORY]!++;
          this.#waiting = WriteResult.NO_MEMORY;
          return WriteResult.NO_MEMORY;
        }
        c.data.set(buf.data);
        b = c;
      }
      id = known ?? this.#register(pool);
      const slot = pool.slotOf(b);
      const offset = b.data.byteOffset - pool.arena.slotOffset(slot);
      pool.detach(b);
      this.#writeEntry(id, slot, offset, len, buf);
      if (copied) {
        this.#i32[S_COPIED]!++;
        this.#f64[S_COPIED_BYTES]! += len;
        buf.release();
      } else {
        this.#i32[S_BY_REFERENCE]!++;
      }
    } else {
      this.#writeEntry(-1, 0, 0, 0, buf);
      this.#i32[S_EMPTY]!++;
      buf.release();
    }
    this.#i32[S_BUFFERS]!++;
    this.#waiting = WriteResult.OK;
    return WriteResult.OK;
  }

  /** Sends an event, in order after what was written before. FULL: not sent, try again.
   * Producing thread; never blocks. Throws if the event's JSON cannot fit the ring. */
  writeEvent(ev: Event): WriteResult {
    if (this.#closed || this.ring.closed) return WriteResult.OK;
    const bytes = encoder.encode(encodeEvent(ev));
    const n = 1 + Math.ceil(bytes.length / RING_ENTRY_BYTES);
    const ring = this.ring;
    if (n > ring.capacity) {
      throw new Error(`${this.name}: a ${ev.type} event of ${bytes.length} bytes does not fit a bridge of ${ring.capacity} entries`);
    }
    if (this.#free(n) < n) return this.#full(n);
    if (ev.type === "flush-stop" || ev.type === "stream-start") ring.flow = Flow.OK;
    let pos = ring.tail();
    const o = ring.entryOffset(pos);
    const i32 = this.#i32;
    i32[(o + ENTRY.KIND) >> 2] = EntryKind.EVENT;
    i32[(o + ENTRY.LENGTH) >> 2] = bytes.length;
    pos++;
    for (let at = 0; at < bytes.length; at += RING_ENTRY_BYTES, pos++) {
      const e = ring.entryOffset(pos);
      ring.u8.set(bytes.subarray(at, Math.min(at + RING_ENTRY_BYTES, bytes.length)), e);
    }
    ring.publish(pos, this.#consumer);
    i32[S_EVENTS]!++;
    this.#waiting = WriteResult.OK;
    return WriteResult.OK;
  }

  #full(needed: number): WriteResult {
    this.needed = needed;
    if (this.#waiting !== WriteResult.FULL) this.#i32[S_FULL]!++;
    this.#waiting = WriteResult.FULL;
    return WriteResult.FULL;
  }

  #writeEntry(pool: number, slot: number, offset: number, length: number, buf: Buffer): void {
    const ring = this.ring;
    const pos = ring.tail();
    const o = ring.entryOffset(pos);
    const i32 = this.#i32;
    const f64 = this.#f64;
    const w = o >> 2;
    const d = o >> 3;
    i32[w] = EntryKind.BUFFER;
    i32[w + 1] = pool;
    i32[w + 2] = slot;
    i32[w + 3] = offset;
    i32[w + 4] = length;
    i32[w + 5] = buf.flags;
    i32[w + 6] = buf.streamId;
    f64[d + 4] = buf.pts;
    f64[d + 5] = buf.dts;
    f64[d + 6] = buf.duration;
    f64[d + 7] = buf.offset;
    f64[d + 8] = buf.offsetEnd;
    f64[d + 9] = buf.sequence;
    ring.publish(pos + 1, this.#consumer);
  }

  /** Makes a pool known to the consumer: a POOL entry with duplicates of its fds. */
  #register(pool: BufferPool): number {
    const fds = pool.shareFds();
    const mfd = memfd.dup(fds.memfd);
    let efd: number;
    try {
      efd = memfd.dup(fds.eventfd);
    } catch (e) {
      memfd.close(mfd);
      throw e;
    }
    const id = this.#nextPoolId++;
    this.#pools.set(pool, id);
    const ring = this.ring;
    const pos = ring.tail();
    const o = ring.entryOffset(pos);
    this.#i32[(o + ENTRY.KIND) >> 2] = EntryKind.POOL;
    this.#i32[(o + ENTRY.POOL) >> 2] = id;
    this.#i32[(o + ENTRY.POOL_MEMFD) >> 2] = mfd;
    this.#i32[(o + ENTRY.POOL_EVENTFD) >> 2] = efd;
    ring.publish(pos + 1, this.#consumer);
    this.#i32[S_POOLS]!++;
    return id;
  }

  /** The copy pool for a buffer of `len` bytes, made (bigger) when needed. */
  #copyPool(len: number): BufferPool {
    const cur = this.#copyPools[this.#copyPools.length - 1];
    if (cur !== undefined && cur.slotSize >= len) return cur;
    const slotSize = Math.max(COPY_SLOT_MIN, nextPow2(len));
    const slotCount = Math.max(COPY_POOL_MIN_SLOTS, Math.min(this.#copySlots, Math.floor(COPY_POOL_MAX_BYTES / slotSize)));
    const pool = BufferPool.create({ slotSize, slotCount, name: `parallax-bridge-${this.name}` });
    this.#copyPools.push(pool);
    return pool;
  }

  /**
   * After the consumer has stopped for good: takes back what it never read (slot references
   * return to their pools, pool fds are closed). Producing thread.
   */
  reclaimUnread(): number {
    const ring = this.ring;
    const byId = new Map<number, BufferPool>();
    for (const [p, id] of this.#pools) byId.set(id, p);
    let n = 0;
    let head = ring.head();
    const tail = ring.tail();
    while (head !== tail) {
      const o = ring.entryOffset(head);
      const kind = this.#i32[(o + ENTRY.KIND) >> 2];
      if (kind === EntryKind.BUFFER) {
        const p = byId.get(this.#i32[(o + ENTRY.POOL) >> 2]!);
        if (p !== undefined && !p.closed) p.adopt(this.#i32[(o + ENTRY.SLOT) >> 2]!).release();
        n++;
        head = (head + 1) | 0;
      } else if (kind === EntryKind.EVENT) {
        head = (head + 1 + Math.ceil(this.#i32[(o + ENTRY.LENGTH) >> 2]! / RING_ENTRY_BYTES)) | 0;
        n++;
      } else if (kind === EntryKind.POOL) {
        closeQuietly(this.#i32[(o + ENTRY.POOL_MEMFD) >> 2]!);
        closeQuietly(this.#i32[(o + ENTRY.POOL_EVENTFD) >> 2]!);
        head = (head + 1) | 0;
      } else {
        head = (head + 1) | 0;
      }
    }
    Atomics.store(ring.i32, W_HEAD, tail);
    return n;
  }

  /** Closes the pools this writer owns (buffers the consumer still holds stay valid there).
   * Producing thread, after the consumer has stopped. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const closing = this.#copyPools.map((p) => p.close());
    this.#copyPools.length = 0;
    this.#pools.clear();
    return Promise.all(closing).then(() => {});
  }
}

function closeQuietly(fd: number): void {
  try {
    memfd.close(fd);
  } catch {
    // already closed: nothing to give back
  }
}

/** The consuming end. One thread. */
export class BridgeReader {
  readonly ring: Ring;
  readonly name: string;
  readonly #producer: WakeTarget;
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #pools: (BufferPool | undefined)[] = [];
  #tail = 0;
  #closed = false;

  /** @param producer where to wake the producer after freeing entries. */
  constructor(ring: Ring, producer: WakeTarget, name: string) {
    this.ring = ring;
    this.name = name;
    this.#producer = producer;
    this.#i32 = ring.i32;
    this.#f64 = ring.f64;
    this.#tail = ring.head();
  }

  /** Entries waiting (any kind). */
  available(): number {
    return this.ring.available();
  }

  /**
   * The next buffer (the caller owns it and its reference) or event, or null when nothing is
   * published. Consuming thread; never blocks.
   */
  read(): Buffer | Event | null {
    const ring = this.ring;
    const i32 = this.#i32;
    for (;;) {
      const head = ring.head();
      if (head === this.#tail) {
        this.#tail = Atomics.load(i32, W_TAIL);
        if (head === this.#tail) return null;
      }
      const o = ring.entryOffset(head);
      const w = o >> 2;
      const kind = i32[w];
      if (kind === EntryKind.BUFFER) {
        const id = i32[w + 1]!;
        let buf: Buffer;
        if (id < 0) buf = new Buffer(EMPTY_BYTES);
        else {
          const pool = this.#pools[id];
          if (pool === undefined) throw new Error(`${this.name}: buffer from unknown bridge pool ${id}`);
          buf = pool.adopt(i32[w + 2]!, i32[w + 3]!, i32[w + 4]!);
        }
        const f64 = this.#f64;
        const d = o >> 3;
        buf.flags = i32[w + 5]!;
        buf.streamId = i32[w + 6]!;
        buf.pts = f64[d + 4]!;
        buf.dts = f64[d + 5]!;
        buf.duration = f64[d + 6]!;
        buf.offset = f64[d + 7]!;
        buf.offsetEnd = f64[d + 8]!;
        buf.sequence = f64[d + 9]!;
        ring.release(head + 1, this.#tail, this.#producer);
        return buf;
      }
      if (kind === EntryKind.EVENT) {
        const len = i32[w + 4]!;
        const bytes = new Uint8Array(len);
        let pos = head + 1;
        for (let at = 0; at < len; at += RING_ENTRY_BYTES, pos++) {
          const e = ring.entryOffset(pos);
          const n = Math.min(RING_ENTRY_BYTES, len - at);
          bytes.set(ring.u8.subarray(e, e + n), at);
        }
        ring.release(pos, this.#tail, this.#producer);
        return decodeEvent(decoder.decode(bytes));
      }
      if (kind === EntryKind.POOL) {
        const id = i32[w + 1]!;
        const mfd = i32[w + 2]!;
        const efd = i32[w + 3]!;
        ring.release(head + 1, this.#tail, this.#producer);
        if (this.#closed) {
          closeQuietly(mfd);
          closeQuietly(efd);
        } else {
          this.#pools[id] = BufferPool.open({ memfd: mfd, eventfd: efd });
        }
        continue;
      }
      throw new Error(`${this.name}: corrupt bridge entry (kind ${kind})`);
    }
  }

  /** Reports the downstream flow result to the producer (non-OK: EOS, flushing, error).
   * Consuming thread. */
  setFlow(flow: FlowReturn): void {
    if (this.ring.flow !== flow) this.ring.flow = flow;
  }

  /** Reads and drops everything published (buffers released, pools opened then closed).
   * Consuming thread. */
  drain(): number {
    let n = 0;
    for (let x = this.read(); x !== null; x = this.read()) {
      if (x instanceof Buffer) x.release();
      n++;
    }
    return n;
  }

  /**
   * Drains, then closes the peer pools (giving back every reference this thread still holds:
   * buffers from the bridge that are still out become empty). Idempotent. Consuming thread,
   * after the producer has stopped (the event loop closes its readers once the Worker ended).
   */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.drain();
    this.#closed = true;
    const closing = this.#pools.filter((p): p is BufferPool => p !== undefined).map((p) => p.close());
    this.#pools.length = 0;
    return Promise.all(closing).then(() => {});
  }
}
