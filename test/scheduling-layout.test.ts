/**
 * Pins the layout of every struct that the event loop and the data Workers share: the bridge
 * ring (header, statistics, descriptor), the activation records and the Worker control block.
 * Both threads index these with hard-coded offsets; a change here must be deliberate (and both
 * sides change together, since they are the same modules). Also checks that no two fields
 * overlap, that f64 fields are 8-byte aligned, and that a descriptor written through one view
 * reads back through another view of the same SharedArrayBuffer.
 */
import { describe, expect, test } from "bun:test";
import { ACTIVATION_HEADER, ACTIVATION_NODE, Activation, activationBytes } from "../src/scheduling/activation.ts";
import { ENTRY, EntryKind } from "../src/scheduling/bridge.ts";
import { CONTROL, Control } from "../src/scheduling/control.ts";
import { RING_ENTRIES_OFFSET, RING_ENTRY_BYTES, RING_HEADER, RING_STATS, Ring, ringBytes } from "../src/scheduling/ring.ts";

type Field = [name: string, offset: number, size: number];

/** Asserts fields lie inside [0, end), do not overlap and are aligned to their size. */
function checkFields(fields: Field[], end: number): void {
  const sorted = [...fields].sort((a, b) => a[1] - b[1]);
  for (let i = 0; i < sorted.length; i++) {
    const [name, off, size] = sorted[i]!;
    expect({ name, aligned: off % size === 0 }).toEqual({ name, aligned: true });
    expect(off + size).toBeLessThanOrEqual(end);
    if (i > 0) {
      const [prev, poff, psize] = sorted[i - 1]!;
      expect({ between: `${prev}/${name}`, ok: poff + psize <= off }).toEqual({ between: `${prev}/${name}`, ok: true });
    }
  }
}

describe("bridge ring", () => {
  test("header words", () => {
    expect(RING_HEADER).toEqual({
      CAPACITY: 0,
      ENTRY_BYTES: 4,
      HEAD: 8,
      TAIL: 12,
      DATA_SEQ: 16,
      SPACE_SEQ: 20,
      CONSUMER_SLEEPING: 24,
      PRODUCER_SLEEPING: 28,
      FLOW: 32,
      CLOSED: 36,
      BYTES: 64,
    });
    const { BYTES, ...words } = RING_HEADER;
    checkFields(Object.entries(words).map(([k, v]) => [k, v, 4] as Field), BYTES);
  });

  test("statistics", () => {
    expect(RING_STATS).toEqual({
      BUFFERS: 64,
      BY_REFERENCE: 68,
      COPIED: 72,
      EMPTY: 76,
      EVENTS: 80,
      POOLS: 84,
      FULL: 88,
      NO_MEMORY: 92,
      COPIED_BYTES: 96,
      END: 128,
    });
    const { END, COPIED_BYTES, ...counters } = RING_STATS;
    checkFields([...Object.entries(counters).map(([k, v]) => [k, v, 4] as Field), ["COPIED_BYTES", COPIED_BYTES, 8]], END);
    expect(RING_ENTRIES_OFFSET).toBe(128);
    expect(RING_ENTRY_BYTES).toBe(96);
    expect(ringBytes(256)).toBe(128 + 256 * 96);
  });

  test("descriptor", () => {
    expect(ENTRY).toEqual({
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
      POOL_MEMFD: 8,
      POOL_EVENTFD: 12,
    });
    expect(EntryKind).toEqual({ BUFFER: 1, EVENT: 2, EVENT_DATA: 3, POOL: 4 });
    const i32 = ["KIND", "POOL", "SLOT", "OFFSET", "LENGTH", "FLAGS", "STREAM_ID"] as const;
    const f64 = ["PTS", "DTS", "DURATION", "MEDIA_OFFSET", "MEDIA_OFFSET_END", "SEQUENCE"] as const;
    checkFields([...i32.map((k) => [k, ENTRY[k], 4] as Field), ...f64.map((k) => [k, ENTRY[k], 8] as Field)], RING_ENTRY_BYTES);
    // Entries stay 8-byte aligned one after another, so every f64 field is aligned in every entry.
    expect(RING_ENTRY_BYTES % 8).toBe(0);
    expect(RING_ENTRIES_OFFSET % 8).toBe(0);
  });

  test("a second view of the same buffer reads what the first wrote", () => {
    const a = Ring.create(16);
    const b = new Ring(a.sab);
    expect(b.capacity).toBe(16);
    const o = a.entryOffset(17); // wraps to entry 1
    expect(o).toBe(RING_ENTRIES_OFFSET + RING_ENTRY_BYTES);
    a.i32[(o + ENTRY.KIND) >> 2] = EntryKind.BUFFER;
    a.f64[(o + ENTRY.PTS) >> 3] = 2 ** 53 - 1;
    expect(b.i32[(o + ENTRY.KIND) >> 2]).toBe(EntryKind.BUFFER);
    expect(b.f64[(o + ENTRY.PTS) >> 3]).toBe(2 ** 53 - 1);
    expect(() => new Ring(new SharedArrayBuffer(256))).toThrow(/not a bridge ring/);
  });
});

describe("activation records", () => {
  test("header and node record", () => {
    expect(ACTIVATION_HEADER).toEqual({
      NODE_COUNT: 0,
      CYCLES: 4,
      XRUNS: 8,
      STATUS: 12,
      MISSED: 16,
      BUSY_CYCLES: 20,
      CYCLE_WAITERS: 24,
      LAST_CYCLE_NS: 64,
      MAX_CYCLE_NS: 72,
      CYCLE_START_NS: 80,
      BYTES: 128,
    });
    expect(ACTIVATION_NODE).toEqual({
      STATUS: 0,
      PENDING: 4,
      REQUIRED: 8,
      XRUNS: 12,
      RUNS: 16,
      SIGNAL_NS: 32,
      AWAKE_NS: 40,
      FINISH_NS: 48,
      MAX_NS: 56,
      BYTES: 64,
    });
    const { BYTES: HB, LAST_CYCLE_NS, MAX_CYCLE_NS, CYCLE_START_NS, ...hw } = ACTIVATION_HEADER;
    checkFields(
      [...Object.entries(hw).map(([k, v]) => [k, v, 4] as Field), ["LAST", LAST_CYCLE_NS, 8], ["MAX", MAX_CYCLE_NS, 8], ["START", CYCLE_START_NS, 8]],
      HB,
    );
    const { BYTES: NB, SIGNAL_NS, AWAKE_NS, FINISH_NS, MAX_NS, ...nw } = ACTIVATION_NODE;
    checkFields(
      [...Object.entries(nw).map(([k, v]) => [k, v, 4] as Field), ["SIGNAL", SIGNAL_NS, 8], ["AWAKE", AWAKE_NS, 8], ["FINISH", FINISH_NS, 8], ["MAX", MAX_NS, 8]],
      NB,
    );
    expect(activationBytes(3)).toBe(128 + 3 * 64);
  });

  test("records written through one view are read at the pinned offsets", () => {
    const a = Activation.create(3);
    a.setRequired(2, 2);
    a.begin(0);
    const i32 = new Int32Array(a.sab);
    const node2 = (ACTIVATION_HEADER.BYTES + 2 * ACTIVATION_NODE.BYTES) >> 2;
    expect(i32[ACTIVATION_HEADER.NODE_COUNT >> 2]).toBe(3);
    expect(i32[node2 + (ACTIVATION_NODE.REQUIRED >> 2)]).toBe(2);
    expect(i32[node2 + (ACTIVATION_NODE.PENDING >> 2)]).toBe(2);
    expect(a.finish(2, 10, 5_000, 1_000)).toBe(true);
    expect(i32[node2 + (ACTIVATION_NODE.XRUNS >> 2)]).toBe(1);
    expect(i32[ACTIVATION_HEADER.XRUNS >> 2]).toBe(1);
    expect(new Float64Array(a.sab)[(ACTIVATION_HEADER.BYTES + 2 * ACTIVATION_NODE.BYTES + ACTIVATION_NODE.MAX_NS) >> 3]).toBe(5_000);
  });
});

describe("worker control block", () => {
  test("layout", () => {
    expect(CONTROL).toEqual({ STATE: 0, WAKE: 4, SLEEPING: 8, TRIGGER: 12, EOS_REQUEST: 16, PRIORITY: 20, ALIVE: 24, WAIT_MODE: 28, BASE_TIME: 32, BYTES: 64 });
    const { BYTES, BASE_TIME, ...words } = CONTROL;
    checkFields([...Object.entries(words).map(([k, v]) => [k, v, 4] as Field), ["BASE_TIME", BASE_TIME, 8]], BYTES);
    const c = new Control();
    expect(c.sab.byteLength).toBe(CONTROL.BYTES);
    c.baseTime = 123456789.5;
    c.trigger(3);
    expect(new Float64Array(c.sab)[CONTROL.BASE_TIME >> 3]).toBe(123456789.5);
    expect(new Int32Array(c.sab)[CONTROL.TRIGGER >> 2]).toBe(3);
    expect(new Int32Array(c.sab)[CONTROL.WAKE >> 2]).toBe(1);
  });
});
