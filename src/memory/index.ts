/**
 * src/memory: where buffer bytes live. A Segment is one memfd mapped once; an Arena lays a
 * shared header and fixed-size slots over a segment; a BufferPool hands the slots out as
 * Buffers and takes them back, in this process or in peers that opened the same pool.
 */
export { Segment, DEFAULT_SEALS, alignUp, type SegmentCreateOptions, type SegmentOpenOptions } from "./segment.ts";
export { Arena, ARENA_MAGIC, ARENA_VERSION, CACHE_LINE, HEADER, MAX_SLOTS, arenaLayout, type ArenaCreateOptions, type ArenaLayout } from "./arena.ts";
export { BufferPool, DEFAULT_SLOT_COUNT, SlotMemory, type PoolFds, type PoolOptions, type PoolStats } from "./pool.ts";
