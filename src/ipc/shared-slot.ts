/**
 * Shared slots: which buffers can cross a process boundary by reference, and the Memory a
 * consumer gives the buffers it receives.
 *
 * A buffer can travel by reference when its bytes lie in a slot of a memfd arena: a BufferPool
 * slot (src/memory/pool.ts, in the pool's owner or in a peer that opened it), or a slot of an
 * arena that this process itself received over ipc (RemoteSlotMemory below) — so a consumer
 * that forwards what it received into another ipc producer forwards it without a copy, and the
 * slot goes back to the first producer only when every process down the line has dropped it.
 * Anything else (heap memory, a view that no longer lies in its slot) has to be copied.
 *
 * RemoteSlotMemory is the consumer's Memory for a received buffer: a local count of holders in
 * this process (clone/release are plain increments on the consumer's thread); when it falls to
 * zero the consumer returns the descriptor's handle to the producer (see ledger.ts). One object
 * per handle, reused for every descriptor that carries that handle, so receiving allocates only
 * the Buffer record.
 */
import type { Buffer, Memory } from "../buffer.ts";
import type { Arena } from "../memory/arena.ts";
import { SlotMemory } from "../memory/pool.ts";

/** Where a shareable buffer's bytes are: an arena, a slot, a byte range inside the slot. */
export interface SlotRef {
  arena: Arena;
  slot: number;
  offset: number;
  length: number;
}

/** A pool the consumer mapped from a memfd the producer sent. */
export interface ImportedPool {
  readonly id: number;
  readonly arena: Arena;
  /** One whole-slot view per slot, made once (buffers of a full slot reuse it). */
  readonly views: Uint8Array[];
}

/** The consumer side's Memory for a received buffer. See the file header. */
export class RemoteSlotMemory implements Memory {
  readonly kind = "memfd";
  refs = 0;
  pool: ImportedPool | null = null;
  slot = 0;

  constructor(
    readonly handle: number,
    private readonly giveBack: (handle: number) => void,
  ) {}

  ref(): void {
    this.refs++;
  }

  unref(): void {
    if (--this.refs === 0) this.giveBack(this.handle);
    else if (this.refs < 0) {
      this.refs = 0;
      throw new Error(`ipc buffer (handle ${this.handle}) released more often than it was referenced`);
    }
  }
}

const scratch: SlotRef = { arena: null as unknown as Arena, slot: 0, offset: 0, length: 0 };

/**
 * The slot behind `buf`, if it can be sent by reference; null if it must be copied. O(1) and
 * allocation-free: the record returned is reused by the next call, so read it at once.
 */
export function sharedSlot(buf: Buffer): SlotRef | null {
  const m = buf.memory;
  let arena: Arena;
  let slot: number;
  if (m instanceof SlotMemory) {
    arena = m.pool.arena;
    slot = m.slot;
  } else if (m instanceof RemoteSlotMemory && m.pool !== null) {
    arena = m.pool.arena;
    slot = m.slot;
  } else {
    return null;
  }
  const seg = arena.segment;
  if (seg.closed || buf.data.buffer !== seg.buffer) return null;
  const offset = buf.data.byteOffset - arena.slotOffset(slot);
  const length = buf.data.byteLength;
  if (offset < 0 || offset + length > arena.slotSize) return null;
  scratch.arena = arena;
  scratch.slot = slot;
  scratch.offset = offset;
  scratch.length = length;
  return scratch;
}
