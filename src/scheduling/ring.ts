/**
 * Ring: the single-producer, single-consumer queue of fixed-size entries in a
 * SharedArrayBuffer that every bridge is built on (bridge.ts gives the entries meaning).
 *
 * Layout (bytes; pinned by test/scheduling-layout.test.ts):
 *
 *   0    header words, i32 (RING_HEADER): capacity, entry size, head, tail, wake-up words,
 *        sleeping flags, the consumer's flow result, closed flag
 *   64   statistics, i32 (RING_STATS) and one f64 (copied bytes)
 *   128  entry[capacity], RING_ENTRY_BYTES each (the bridge's descriptor, see bridge.ts)
 *
 * `head` and `tail` are free-running 32-bit positions (capacity is a power of two, so they
 * wrap cleanly): the producer alone writes `tail`, the consumer alone writes `head`. The
 * producer fills entries with plain stores and then publishes them with one Atomics.store of
 * `tail`; the consumer reads `tail` with Atomics.load, reads the entries, and frees them with
 * one Atomics.store of `head`. Sequentially consistent Atomics order the plain accesses around
 * them, so an entry is never read half-written and never overwritten while it is read.
 *
 * Waking, never spinning. A side that finds the ring empty (consumer) or full (producer) raises
 * its sleeping flag, re-checks, and then waits on a sequence word: a Worker with a futex wait
 * (futex.ts; Atomics.wait when the shim is missing) on its control block's WAKE word (one word
 * for everything that can wake it), the event loop with Atomics.waitAsync on the ring's own
 * DATA_SEQ / SPACE_SEQ. The target says how its sleeper waits, so the waker uses the matching
 * wake-up (a futex wake does not end an Atomics.wait, nor the reverse). The other side, after publishing or
 * freeing, takes the flag down and, if it was up, bumps that word and notifies — the eventcount
 * pattern: the flag is raised before the re-check, the bump happens after the publish, so
 * either the re-check sees the change or the bump ends the wait. No wake-up is lost and, while
 * both sides are busy, no notify (a futex syscall) is paid; one sleep costs one notify.
 *
 * Threads: a Ring object is a view; each thread makes its own over the same buffer. The
 * producer end is used by exactly one thread, the consumer end by exactly one other.
 */
import { futexWake } from "./futex.ts";

/** Byte offsets of the header words (all i32). */
export const RING_HEADER = {
  CAPACITY: 0,
  ENTRY_BYTES: 4,
  /** Consumer position (entries consumed so far, wrapping). */
  HEAD: 8,
  /** Producer position (entries published so far, wrapping). */
  TAIL: 12,
  /** Bumped (when CONSUMER_SLEEPING) after a publish: the event loop's consumer waits here. */
  DATA_SEQ: 16,
  /** Bumped (when PRODUCER_SLEEPING) after entries are freed: the event loop's producer waits here. */
  SPACE_SEQ: 20,
  CONSUMER_SLEEPING: 24,
  PRODUCER_SLEEPING: 28,
  /** The flow result the consumer's downstream last returned when not OK (0 = OK). */
  FLOW: 32,
  /** Set by either side at teardown; the other stops waiting. */
  CLOSED: 36,
  /** Bytes 40..63 are reserved (zero). */
  BYTES: 64,
} as const;

/** Byte offsets of the statistics (i32 counters, wrapping; one f64). Written by the producer. */
export const RING_STATS = {
  /** Buffers sent. */
  BUFFERS: 64,
  /** Buffers whose memory was a pool slot: sent by slot index, no copy. */
  BY_REFERENCE: 68,
  /** Buffers whose memory was not a pool slot: copied once into the bridge's own pool. */
  COPIED: 72,
  /** Zero-length buffers (sent without memory). */
  EMPTY: 76,
  /** Events sent. */
  EVENTS: 80,
  /** Pools made known to the consumer. */
  POOLS: 84,
  /** Times the producer had to wait for room (retries of one wait count once). */
  FULL: 88,
  /** Times the producer had to wait for the bridge's copy pool (retries count once). */
  NO_MEMORY: 92,
  /** Bytes copied into the bridge's pool (f64). */
  COPIED_BYTES: 96,
  /** Bytes 104..127 are reserved. */
  END: 128,
} as const;

/** Bytes per entry: 24 i32 words, f64 fields on 8-byte boundaries. */
export const RING_ENTRY_BYTES = 96;
/** Where entry 0 starts. */
export const RING_ENTRIES_OFFSET = RING_STATS.END;

const W_CAPACITY = RING_HEADER.CAPACITY >> 2;
const W_ENTRY_BYTES = RING_HEADER.ENTRY_BYTES >> 2;
export const W_HEAD = RING_HEADER.HEAD >> 2;
export const W_TAIL = RING_HEADER.TAIL >> 2;
export const W_DATA_SEQ = RING_HEADER.DATA_SEQ >> 2;
export const W_SPACE_SEQ = RING_HEADER.SPACE_SEQ >> 2;
export const W_CONSUMER_SLEEPING = RING_HEADER.CONSUMER_SLEEPING >> 2;
export const W_PRODUCER_SLEEPING = RING_HEADER.PRODUCER_SLEEPING >> 2;
const W_FLOW = RING_HEADER.FLOW >> 2;
const W_CLOSED = RING_HEADER.CLOSED >> 2;

/** How a sleeper waits on its sequence word (the value of a target's `modeWord`). */
export const WaitMode = { ATOMICS: 0, FUTEX: 1 } as const;
export type WaitMode = (typeof WaitMode)[keyof typeof WaitMode];

/** Bytes of SharedArrayBuffer a ring of `capacity` entries needs. */
export function ringBytes(capacity: number): number {
  return RING_ENTRIES_OFFSET + capacity * RING_ENTRY_BYTES;
}

/**
 * Where to wake the other side: bump `seqWord` and notify it, but only while `sleepWord` is
 * set. A Worker's target is its control block (WAKE, SLEEPING); the event loop's is the ring
 * (DATA_SEQ, CONSUMER_SLEEPING) or (SPACE_SEQ, PRODUCER_SLEEPING).
 */
export type WakeTarget = {
  readonly i32: Int32Array;
  readonly seqWord: number;
  readonly sleepWord: number;
  /** A word holding the sleeper's WaitMode (a Worker's control block); none: Atomics. */
  readonly modeWord?: number;
};

/**
 * Wakes a side that sleeps (or is about to). Any thread. The waker takes the flag down
 * (exchange), so one sleep costs one wake-up however many publishes follow before the sleeper
 * runs again: it looks at all of its inputs once awake, and raises the flag again before its
 * next re-check. (With a futex each extra wake is a system call: checking the flag without
 * taking it cost a syscall per buffer while the sleeper was waking, a fifth of the bridge's
 * throughput.)
 */
export function wake(t: WakeTarget): void {
  if (Atomics.load(t.i32, t.sleepWord) !== 0 && Atomics.exchange(t.i32, t.sleepWord, 0) !== 0) {
    Atomics.add(t.i32, t.seqWord, 1);
    notify(t);
  }
}

/** Wakes a side unconditionally (teardown, state changes). Any thread. */
export function wakeAlways(t: WakeTarget): void {
  Atomics.add(t.i32, t.seqWord, 1);
  notify(t);
}

/** Ends the sleeper's wait on the target's sequence word, the way it waits. */
function notify(t: WakeTarget): void {
  if (t.modeWord !== undefined && Atomics.load(t.i32, t.modeWord) === WaitMode.FUTEX) futexWake(t.i32, t.seqWord);
  else Atomics.notify(t.i32, t.seqWord);
}

export class Ring {
  readonly sab: SharedArrayBuffer;
  readonly capacity: number;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u8: Uint8Array;
  readonly #mask: number;

  /** Views an existing ring (made by `Ring.create` in any thread). */
  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    this.u8 = new Uint8Array(sab);
    this.capacity = this.i32[W_CAPACITY]!;
    if (this.capacity <= 0 || (this.capacity & (this.capacity - 1)) !== 0 || this.i32[W_ENTRY_BYTES] !== RING_ENTRY_BYTES) {
      throw new Error("not a bridge ring (bad capacity or entry size)");
    }
    if (sab.byteLength < ringBytes(this.capacity)) throw new Error("bridge ring buffer is too small for its capacity");
    this.#mask = this.capacity - 1;
  }

  /** Allocates a ring of `capacity` entries (a power of two). */
  static create(capacity: number): Ring {
    if (!Number.isInteger(capacity) || capacity < 2 || (capacity & (capacity - 1)) !== 0) {
      throw new RangeError(`ring capacity must be a power of two >= 2, got ${capacity}`);
    }
    const sab = new SharedArrayBuffer(ringBytes(capacity));
    const i32 = new Int32Array(sab);
    i32[W_CAPACITY] = capacity;
    Atomics.store(i32, W_ENTRY_BYTES, RING_ENTRY_BYTES);
    return new Ring(sab);
  }

  /** Byte offset of the entry at free-running position `pos`. */
  entryOffset(pos: number): number {
    return RING_ENTRIES_OFFSET + (pos & this.#mask) * RING_ENTRY_BYTES;
  }

  // ---- producer side (one thread) -----------------------------------------------------

  /** Producer: the consumer's position now (entries before it are free). */
  loadHead(): number {
    return Atomics.load(this.i32, W_HEAD);
  }

  /** Producer: entries free now (a lower bound: the consumer may free more meanwhile). */
  free(): number {
    return this.capacity - ((Atomics.load(this.i32, W_TAIL) - Atomics.load(this.i32, W_HEAD)) | 0);
  }

  /** Producer: the position the next entry will be written at. */
  tail(): number {
    return this.i32[W_TAIL]!;
  }

  /** Producer: makes the entries up to `tail` visible to the consumer, then wakes it. */
  publish(tail: number, consumer: WakeTarget): void {
    Atomics.store(this.i32, W_TAIL, tail | 0);
    wake(consumer);
  }

  // ---- consumer side (one thread) -----------------------------------------------------

  /** Consumer: entries published and not yet consumed. */
  available(): number {
    return (Atomics.load(this.i32, W_TAIL) - this.i32[W_HEAD]!) | 0;
  }

  /** Consumer: the position of the next entry to read. */
  head(): number {
    return this.i32[W_HEAD]!;
  }

  /**
   * Consumer: frees the entries before `head`, then wakes the producer if it sleeps and at
   * least half the ring is free (or will be: `tail` is the consumer's last view of it, never
   * ahead of the real one). The hysteresis matters: waking a full producer for every freed
   * entry would cost a futex wake per entry on both threads; it then writes half a ring at once.
   */
  release(head: number, tail: number, producer: WakeTarget): void {
    Atomics.store(this.i32, W_HEAD, head | 0);
    if (Atomics.load(producer.i32, producer.sleepWord) !== 0 && this.capacity - ((tail - head) | 0) >= this.capacity >> 1) {
      wake(producer);
    }
  }

  // ---- both sides -----------------------------------------------------------------------

  /** The consumer's last non-OK downstream flow result (0 = OK). */
  get flow(): number {
    return Atomics.load(this.i32, W_FLOW);
  }

  set flow(v: number) {
    Atomics.store(this.i32, W_FLOW, v);
  }

  /** Read without ordering (a flag checked per write; teardown also wakes the other side). */
  get closed(): boolean {
    return this.i32[W_CLOSED] !== 0;
  }

  /** Marks the ring closed and wakes whichever side waits on it. Idempotent; any thread. */
  close(): void {
    Atomics.store(this.i32, W_CLOSED, 1);
    wakeAlways(this.consumerTarget());
    wakeAlways(this.producerTarget());
  }

  /** Where the event loop's consumer sleeps (its producer wakes it here). */
  consumerTarget(): WakeTarget {
    return { i32: this.i32, seqWord: W_DATA_SEQ, sleepWord: W_CONSUMER_SLEEPING };
  }

  /** Where the event loop's producer sleeps (its consumer wakes it here). */
  producerTarget(): WakeTarget {
    return { i32: this.i32, seqWord: W_SPACE_SEQ, sleepWord: W_PRODUCER_SLEEPING };
  }
}
