/**
 * Buffer: a view on memory plus the metadata that travels with it.
 *
 * A Buffer is the unit that flows between elements. Its bytes are a Uint8Array view (`data`),
 * usually a subarray of one long-lived view over a memfd arena slot (see src/memory/), so that
 * creating a buffer never creates a new ArrayBuffer. The backing store is reached only through
 * the `Memory` interface, so the store can be swapped (heap, memfd pool slot, a slot received
 * from another process) without elements noticing.
 *
 * Ownership: whoever holds a Buffer owns one reference. `clone()` is O(1): it shares the same
 * memory and takes another reference. `release()` gives the reference back; when the last one
 * is released the memory returns to its pool. A sink releases what it renders; a transform that
 * outputs a new buffer releases its input. Heap-backed buffers (memory === null) are simply
 * collected by the GC, so forgetting to release one is harmless; forgetting a pooled one
 * starves the pool (which then applies backpressure, never grows without bound).
 */

/** Timestamps and durations are in nanoseconds, as JS numbers (exact up to ~104 days). */
export const TIME_NONE = -1;
export const SECOND = 1_000_000_000;
export const MSECOND = 1_000_000;
export const USECOND = 1_000;

/** Buffer flags, as a bit set (values follow GStreamer's meaning, not its bit positions). */
export const BufferFlag = {
  NONE: 0,
  /** The buffer can be decoded on its own (a key frame). Cleared means DELTA_UNIT. */
  KEYFRAME: 1 << 0,
  /** There is a discontinuity before this buffer (data lost, seek, restart). */
  DISCONT: 1 << 1,
  /** The buffer holds no meaningful data: it fills a gap in the stream. */
  GAP: 1 << 2,
  /** The buffer can be dropped without harm. */
  DROPPABLE: 1 << 3,
  /** The buffer's content differs from what was announced before (a header, a resync point). */
  HEADER: 1 << 4,
  /** The data is corrupt (decoders may mark this instead of failing). */
  CORRUPTED: 1 << 5,
  /** Marker bit (end of a frame in RTP, say). */
  MARKER: 1 << 6,
  /** Live data: dropped if late rather than queued forever. */
  LIVE: 1 << 7,
} as const;

/**
 * The backing store of a buffer. `ref`/`unref` count holders across clones; the pool (or the
 * remote arena) gets the memory back when the count reaches zero.
 */
export interface Memory {
  /** What kind of memory this is, as negotiated in caps features ("system", "memfd"). */
  readonly kind: string;
  ref(): void;
  unref(): void;
}

export class Buffer {
  /** The bytes. Never replace the view's ArrayBuffer on the hot path: use subarray. */
  data: Uint8Array;
  /** Presentation timestamp in ns, TIME_NONE if unknown. */
  pts = TIME_NONE;
  /** Decode timestamp in ns, TIME_NONE if unknown. */
  dts = TIME_NONE;
  /** Duration in ns, TIME_NONE if unknown. */
  duration = TIME_NONE;
  /** Media-specific offset (byte offset, frame number, sample number). */
  offset = TIME_NONE;
  /** Media-specific end offset. */
  offsetEnd = TIME_NONE;
  /** Position in its stream, set by the producer (0, 1, 2, …). */
  sequence = 0;
  /** Which stream this buffer belongs to (see StreamStart events). */
  streamId = 0;
  /** BufferFlag bits. */
  flags = 0;
  /** Backing store, or null for plain heap memory owned by `data`. */
  memory: Memory | null;
  /** Optional user metadata; kept null unless used, so the hot path does not allocate. */
  meta: Record<string, unknown> | null = null;

  constructor(data: Uint8Array, memory: Memory | null = null) {
    this.data = data;
    this.memory = memory;
  }

  /** A new heap buffer of `size` zeroed bytes. For tests and API use; sources use pools. */
  static alloc(size: number): Buffer {
    return new Buffer(new Uint8Array(size));
  }

  /** A buffer over bytes the caller gives up (no copy). */
  static wrap(data: Uint8Array): Buffer {
    return new Buffer(data);
  }

  /** A heap buffer holding a copy of the UTF-8 text. */
  static fromString(text: string): Buffer {
    return new Buffer(new TextEncoder().encode(text));
  }

  get size(): number {
    return this.data.byteLength;
  }

  hasFlag(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  setFlag(flag: number, on = true): void {
    this.flags = on ? this.flags | flag : this.flags & ~flag;
  }

  /** O(1): shares the memory, copies the metadata, takes a reference for the new holder. */
  clone(): Buffer {
    const b = new Buffer(this.data, this.memory);
    b.pts = this.pts;
    b.dts = this.dts;
    b.duration = this.duration;
    b.offset = this.offset;
    b.offsetEnd = this.offsetEnd;
    b.sequence = this.sequence;
    b.streamId = this.streamId;
    b.flags = this.flags;
    b.meta = this.meta;
    this.memory?.ref();
    return b;
  }

  /** Copies metadata (not data) from another buffer. */
  copyMetadataFrom(src: Buffer): void {
    this.pts = src.pts;
    this.dts = src.dts;
    this.duration = src.duration;
    this.offset = src.offset;
    this.offsetEnd = src.offsetEnd;
    this.sequence = src.sequence;
    this.streamId = src.streamId;
    this.flags = src.flags;
    this.meta = src.meta;
  }

  /** A new buffer sharing a byte range of this one's memory (O(1), takes a reference). */
  slice(start: number, end = this.data.byteLength): Buffer {
    const b = this.clone();
    b.data = this.data.subarray(start, end);
    return b;
  }

  /** Gives this holder's reference back. Safe to call on heap buffers. */
  release(): void {
    const m = this.memory;
    if (m !== null) {
      this.memory = null;
      m.unref();
    }
  }

  /** The bytes as text (UTF-8). Copies; not for the hot path. */
  text(): string {
    return new TextDecoder().decode(this.data);
  }
}
