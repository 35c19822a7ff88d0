/**
 * Property changes on elements that run in a real-time partition (hybrid scheduling): `set()`
 * or an assignment to `props` on the event-loop copy reaches the element in the data Worker
 * through the control channel, between cycles and in order, and reading the property back
 * gives the new value. Driven by the manual driver, so that which cycle saw which value is
 * exact: the buffers' sequence numbers at the event-loop sink say what the Worker's element
 * did. Every test has an explicit timeout and awaits its pipeline.
 */
import { describe, expect, test } from "bun:test";
import { BufferFlag, type FakeSink, launch, type Pipeline } from "../src/index.ts";
import type { Message } from "../src/bus.ts";
import { PropertyError } from "../src/graph/properties.ts";
import { schedulingOf } from "../src/scheduling/index.ts";
import { eventually } from "../ffi/testing.ts";

const T = 15_000;
const MANUAL = { mode: "hybrid", rt: { driver: "manual" } } as const;

type Seen = { seq: number; flags: number };

function watch(p: Pipeline, sink = "out"): Seen[] {
  const seen: Seen[] = [];
  (p.getElement(sink) as FakeSink).onHandoff = (b) => seen.push({ seq: b.sequence, flags: b.flags });
  return seen;
}

/** Runs `n` more manual cycles of partition 0 and waits until they are done. */
async function cycles(p: Pipeline, total: number, n: number): Promise<number> {
  const ex = schedulingOf(p)!;
  ex.trigger(n);
  expect(await ex.waitCycles(0, total + n, 5000)).toBe(true);
  return total + n;
}

describe("property changes reach the element in the data Worker", () => {
  test(
    "valve drop=true set on the event loop closes the Worker's valve from the next cycle",
    async () => {
      const p = launch("fakesrc num-buffers=20 sizetype=fixed sizemax=4 ! valve name=v ! fakesink name=out signal-handoffs=true", { scheduling: MANUAL });
      const seen = watch(p);
      const done = p.run();
      const ex = schedulingOf(p)!;
      await ex.ready();
      const placed = ex.stats().placements.find((x) => x.element === "v")!;
      expect(placed.partition).toBe(0); // the valve runs in the Worker, not on the event loop
      expect(ex.stats().sleep).toEqual([{ worker: 0, mode: "futex" }]); // the sched shim is built

      const v = p.getElement("v")!;
      let n = await cycles(p, 0, 3);
      expect(await eventually(() => seen.length === 3, 3000)).toBe(true);

      v.set("drop", true);
      expect(v.get("drop" as never)).toBe(true); // read back on the event loop: the new value
      n = await cycles(p, n, 4); // sequences 3..6 reach the closed valve

      (v.props as { drop: boolean }).drop = false; // a plain assignment is forwarded too
      expect(v.get("drop" as never)).toBe(false);
      n = await cycles(p, n, 1);
      expect(await eventually(() => seen.length === 4, 3000)).toBe(true);
      expect(seen.map((s) => s.seq)).toEqual([0, 1, 2, 7]);
      // The reopened valve marks the first buffer after the gap, as on the event loop.
      expect(seen[3]!.flags & BufferFlag.DISCONT).toBe(BufferFlag.DISCONT);

      ex.trigger(30);
      await done;
      expect(seen.map((s) => s.seq)).toEqual([0, 1, 2, ...Array.from({ length: 13 }, (_, i) => 7 + i)]);
    },
    T,
  );

  test(
    "changes are applied in order: the last of several sets before a cycle wins",
    async () => {
      const p = launch("fakesrc num-buffers=6 sizetype=fixed sizemax=4 ! valve name=v ! fakesink name=out signal-handoffs=true", { scheduling: MANUAL });
      const seen = watch(p);
      const done = p.run();
      await schedulingOf(p)!.ready();
      const v = p.getElement("v")!;
      for (let i = 0; i < 9; i++) v.set("drop", i % 2 === 0); // ends with drop=true
      let n = await cycles(p, 0, 2);
      v.set("drop", false);
      v.set("drop", true);
      v.set("drop", false); // ends open
      n = await cycles(p, n, 1);
      expect(await eventually(() => seen.length === 1, 3000)).toBe(true);
      expect(seen[0]!.seq).toBe(2);
      schedulingOf(p)!.trigger(10);
      await done;
      expect(seen.map((s) => s.seq)).toEqual([2, 3, 4, 5]);
    },
    T,
  );

  test(
    "while running only mutable properties change; paused, any does, and the Worker's copy follows",
    async () => {
      const p = launch("fakesrc num-buffers=8 sizetype=fixed sizemax=4 ! identity name=i ! valve name=v ! fakesink name=out signal-handoffs=true", {
        scheduling: MANUAL,
      });
      const seen = watch(p);
      const warnings: Message[] = [];
      p.bus.on("warning", (m) => warnings.push(m));
      const done = p.run();
      const ex = schedulingOf(p)!;
      await ex.ready();
      const id = p.getElement("i")!;
      const v = p.getElement("v")!;
      // Refused at the boundary, exactly as on the event loop; nothing is forwarded.
      expect(() => id.set("drop-probability", 1)).toThrow(PropertyError);
      expect(() => {
        (id.props as { dropProbability: number }).dropProbability = 1;
      }).toThrow(PropertyError);
      expect(() => v.set("drop-mode", "sideways")).toThrow(PropertyError);
      expect(id.get("dropProbability" as never)).toBe(0);
      expect(v.get("dropMode" as never)).toBe("drop-all");

      let n = await cycles(p, 0, 2);
      expect(await eventually(() => seen.length === 2, 3000)).toBe(true);
      p.pause();
      id.set("drop-probability", 1); // not mutable, but the pipeline is paused
      expect(id.get("dropProbability" as never)).toBe(1);
      p.activate();
      n = await cycles(p, n, 3);
      expect(() => id.set("drop-probability", 0)).toThrow(PropertyError); // running again
      ex.trigger(10);
      await done;
      expect(seen.map((s) => s.seq)).toEqual([0, 1]); // identity dropped every buffer after the change
      expect(warnings.filter((w) => "message" in w && /refused|no element/.test(w.message))).toEqual([]);
    },
    T,
  );

  test(
    "after the pipeline stops, the element is an ordinary one again and keeps the value",
    async () => {
      const p = launch("fakesrc num-buffers=3 ! valve name=v ! fakesink", { scheduling: "hybrid" });
      const v = p.getElement("v")!;
      const ownSet = v.set;
      const props = v.props;
      const done = p.run();
      await schedulingOf(p)!.ready();
      v.set("drop-mode", "forward-sticky-events");
      await done;
      expect(v.set).toBe(ownSet);
      expect(v.props).toBe(props); // the plain object is back, not the forwarding proxy
      expect(v.get("dropMode" as never)).toBe("forward-sticky-events");
      v.set("drop", true); // no Worker any more: a plain change
      expect(v.get("drop" as never)).toBe(true);
    },
    T,
  );
});
