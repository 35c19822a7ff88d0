import { describe, expect, test } from "bun:test";
import { Buffer, BufferFlag, Events, MSECOND, TIME_NONE } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { Sequence } from "./sequence.ts";
import { Timestamper } from "./timestamper.ts";

const withSeq = (n: number) => {
  const b = Buffer.alloc(1);
  b.sequence = n;
  return b;
};

describe("sequence / timestamper", () => {
  test("mode=set numbers buffers from start; a new stream restarts", () => {
    const h = new Harness(new Sequence("s", { start: 10 }));
    h.push(withSeq(99));
    h.push(withSeq(99));
    h.pushEvent(Events.streamStart("again"));
    h.push(withSeq(99));
    expect(h.pullAll().map((b) => b.sequence)).toEqual([10, 11, 10]);
    h.teardown();
  });

  test("mode=check finds gaps (DISCONT, lost count, message) and reordering", () => {
    const s = new Sequence("s", { mode: "check" });
    const h = new Harness(s);
    for (const n of [5, 6, 9, 7, 10]) h.push(withSeq(n));
    const out = h.pullAll();
    expect(out.map((b) => b.hasFlag(BufferFlag.DISCONT))).toEqual([false, false, true, false, false]);
    expect([s.lost, s.reordered]).toEqual([2, 1]);
    const names = h.messages.flatMap((m) => (m.type === "element" ? [`${m.name}:${JSON.stringify(m.data)}`] : []));
    expect(names).toEqual(['sequence-gap:{"expected":7,"got":9}', 'sequence-reorder:{"expected":10,"got":7}']);
    h.teardown();
  });

  test("timestamper mode=clock stamps with the pipeline clock's running time", () => {
    const h = new Harness(new Timestamper("t", { offset: 1000 }));
    h.push(Buffer.alloc(1));
    h.advance(5 * MSECOND);
    h.push(Buffer.alloc(1));
    expect(h.pullAll().map((b) => b.pts)).toEqual([1000, 5 * MSECOND + 1000]);
    h.teardown();
  });

  test("timestamper mode=interval sets pts and duration at a fixed rate; overwrite=false keeps pts", () => {
    const h = new Harness(new Timestamper("t", { mode: "interval", interval: 40 * MSECOND }));
    for (let i = 0; i < 3; i++) h.push(Buffer.alloc(1));
    expect(h.pullAll().map((b) => [b.pts / MSECOND, b.duration / MSECOND])).toEqual([[0, 40], [40, 40], [80, 40]]);
    h.teardown();
    const k = new Harness(new Timestamper("t", { mode: "interval", interval: 10, overwrite: false }));
    const has = Buffer.alloc(1);
    has.pts = 7;
    k.push(has);
    k.push(Buffer.alloc(1));
    expect(k.pullAll().map((b) => b.pts)).toEqual([7, 10]);
    k.teardown();
  });

  test("timestamper mode=shift moves pts and dts, clamping at 0, leaving untimed buffers alone", () => {
    const h = new Harness(new Timestamper("t", { mode: "shift", offset: -5 }));
    const a = Buffer.alloc(1);
    a.pts = 10;
    a.dts = 3;
    h.push(a);
    h.push(Buffer.alloc(1));
    expect(h.pullAll().map((b) => [b.pts, b.dts])).toEqual([[5, 0], [TIME_NONE, TIME_NONE]]);
    h.teardown();
  });
});
