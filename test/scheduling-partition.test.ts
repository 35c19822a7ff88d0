/**
 * The partitioner, the drivers and the activation records, without Workers: which elements go
 * where and why, where bridges are cut and in which direction, node order, Worker spreading;
 * timer grid and missed ticks, manual triggers, freewheeling; PipeWire-style pending counters.
 */
import { describe, expect, test } from "bun:test";
import { launch, registry } from "../src/index.ts";
import { Activation, PartitionStatus } from "../src/scheduling/activation.ts";
import { DEFAULT_RT_CONFIG, parseRtFlag, periodNs, resolveScheduling, SchedulingConfigError, parseSchedulingMode } from "../src/scheduling/config.ts";
import { Control } from "../src/scheduling/control.ts";
import { FreewheelDriver, ManualDriver, TimerDriver, WorkerClock } from "../src/scheduling/driver.ts";
import { planPartitions } from "../src/scheduling/partition.ts";
import type { FakeSink } from "../src/index.ts";

const rt = { ...DEFAULT_RT_CONFIG, modules: [] };

function plan(desc: string, mode: "hybrid" | "realtime" | "async" = "hybrid", workers = 1) {
  const p = launch(desc);
  return { p, plan: planPartitions(p.elements, mode, { ...rt, workers }, registry) };
}

describe("partitioner", () => {
  test("RT-safe elements form one partition; async ones stay, with a reason; bridges follow the links", () => {
    const { p, plan: pl } = plan("appsrc name=in ! identity name=a ! queue name=q ! identity name=b ! appsink name=out");
    expect(pl.partitions.length).toBe(1);
    expect(pl.partitions[0]!.elements.map((e) => e.name)).toEqual(["a", "q", "b"]);
    expect(pl.placements.get(p.getElement("in")!)).toMatch(/affinity is async/);
    expect(pl.placements.get(p.getElement("out")!)).toMatch(/affinity is async/);
    expect(pl.bridges.map((b) => [b.direction, b.outside.path, b.inside.path])).toEqual([
      ["in", "in.src", "a.sink"],
      ["out", "out.sink", "b.src"],
    ]);
    expect(pl.partitions[0]!.nodes).toEqual(["bridge-in0", "a", "q", "b", "bridge-out1"]);
    expect(pl.partitions[0]!.live).toBe(false);
  });

  test("an application callback keeps an element on the event loop", () => {
    const p = launch("fakesrc ! identity ! fakesink name=s");
    (p.getElement("s") as FakeSink).onHandoff = () => {};
    const pl = planPartitions(p.elements, "hybrid", rt, registry);
    expect(pl.placements.get(p.getElement("s")!)).toMatch(/application callback \(onHandoff\)/);
    expect(pl.partitions[0]!.elements.map((e) => e.factoryName)).toEqual(["fakesrc", "identity"]);
    expect(pl.bridges.map((b) => b.direction)).toEqual(["out"]);
  });

  test("a tee's branches through the event loop make separate partitions, spread over Workers", () => {
    const { plan: pl } = plan(
      "fakesrc name=src ! tee name=t  t. ! queue name=q1 ! appsink name=a  t. ! appsink name=b  t. ! queue name=q3 ! identity name=i3 ! fakesink name=f3",
      "hybrid",
      2,
    );
    // src, t, q1, q3, i3, f3 are connected through t; appsinks are cut off.
    expect(pl.partitions.length).toBe(1);
    expect(pl.bridges.filter((b) => b.direction === "out").length).toBe(2);

    const two = plan("appsrc name=in1 ! identity name=x ! appsink name=o1  appsrc name=in2 ! queue name=y ! identity name=z ! appsink name=o2", "hybrid", 2).plan;
    expect(two.partitions.map((p) => p.elements.map((e) => e.name))).toEqual([["x"], ["y", "z"]]);
    expect(two.workers).toBe(2);
    expect(new Set(two.partitions.map((p) => p.worker))).toEqual(new Set([0, 1]));
    const one = plan("appsrc name=in1 ! identity name=x ! appsink name=o1  appsrc name=in2 ! queue name=y ! identity name=z ! appsink name=o2", "hybrid", 1).plan;
    expect(one.partitions.every((p) => p.worker === 0)).toBe(true);
  });

  test("a live source makes a live partition; async mode places nothing", () => {
    expect(plan("fakesrc is-live=true ! fakesink").plan.partitions[0]!.live).toBe(true);
    const a = plan("fakesrc ! fakesink", "async").plan;
    expect(a.partitions).toEqual([]);
    expect([...a.placements.values()].every((r) => r === "the scheduling mode is async")).toBe(true);
  });

  test("an element whose class is not registered by its factory name cannot be recreated in a Worker", () => {
    const p = launch("fakesrc ! identity name=i ! fakesink");
    const el = p.getElement("i")!;
    class NotRegistered extends (el.constructor as typeof import("../src/index.ts").Identity) {}
    Object.setPrototypeOf(el, NotRegistered.prototype);
    const pl = planPartitions(p.elements, "hybrid", rt, registry);
    expect(pl.placements.get(el)).toMatch(/not registered as "identity"/);
    expect(pl.partitions.length).toBe(2); // fakesrc and fakesink, cut apart by i
  });
});

describe("config", () => {
  test("defaults, checks and the period of a quantum", () => {
    const r = resolveScheduling("hybrid");
    expect(r.mode).toBe("hybrid");
    expect(r.rt).toMatchObject({ quantum: 1024, rate: 48000, workers: 1, bridgeCapacity: 256, priority: 0, driver: "auto" });
    expect(periodNs({ quantum: 1024, rate: 48000, framerate: 0 })).toBe(21_333_333);
    expect(periodNs({ quantum: 1024, rate: 48000, framerate: 100 })).toBe(10_000_000);
    expect(() => resolveScheduling({ mode: "hybrid", rt: { bridgeCapacity: 100 } })).toThrow(/power of two/);
    expect(() => resolveScheduling({ mode: "hybrid", rt: { priority: 100 } })).toThrow(SchedulingConfigError);
    expect(() => resolveScheduling("fast" as never)).toThrow(/unknown scheduling mode "fast"/);
    expect(parseSchedulingMode("HYBRID")).toBe("hybrid");
    expect(parseSchedulingMode("rt")).toBe("realtime");
  });

  test("--rt: key=value pairs become RtConfig fields, checked by resolveScheduling", () => {
    const rt = parseRtFlag("quantum=256, rate=44100,workers=2,capacity=512,priority=auto,driver=timer,framerate=0");
    expect(rt).toEqual({ quantum: 256, rate: 44100, workers: 2, bridgeCapacity: 512, priority: "auto", driver: "timer", framerate: 0 });
    expect(resolveScheduling({ mode: "hybrid", rt }).rt).toMatchObject(rt);
    expect(parseRtFlag("priority=10").priority).toBe(10);
    expect(() => parseRtFlag("quantm=256")).toThrow(/unknown real-time option "quantm" in --rt: use quantum/);
    expect(() => parseRtFlag("quantum")).toThrow(/needs a value/);
    expect(() => parseRtFlag("workers=two")).toThrow(/expected a number/);
    expect(() => resolveScheduling({ mode: "hybrid", rt: parseRtFlag("capacity=100") })).toThrow(/power of two/);
    expect(() => resolveScheduling({ mode: "hybrid", rt: parseRtFlag("driver=fast") })).toThrow(/rt.driver must be one of/);
  });
});

describe("drivers", () => {
  test("timer: an absolute grid; an overrun skips the ticks it missed and counts them", () => {
    const d = new TimerDriver(10);
    const missed: number[] = [];
    d.onMissed = (n) => missed.push(n);
    d.start(100);
    expect(d.due(100)).toBe(true);
    d.done(103, true);
    expect(d.nextDeadline()).toBe(110);
    expect(d.due(109)).toBe(false);
    expect(d.due(110)).toBe(true);
    d.done(145, true); // the cycle due at 110 ended at 145: ticks 120, 130, 140 were missed
    expect(missed).toEqual([3]);
    expect(d.nextDeadline()).toBe(150);
    expect(d.missed).toBe(3);
  });

  test("timer: the grid is anchored at the base time (running time 0, 1, 2 … periods)", () => {
    const d = new TimerDriver(10);
    d.start(1003, 1000);
    expect(d.nextDeadline()).toBe(1010);
    d.start(1000, 1000);
    expect(d.nextDeadline()).toBe(1000);
  });

  test("manual: one cycle per trigger", () => {
    const c = new Control();
    const d = new ManualDriver(1000, c.i32);
    expect(d.due(0)).toBe(false);
    c.trigger(2);
    expect(d.due(0)).toBe(true);
    d.done(0, false);
    expect(d.due(0)).toBe(true);
    d.done(0, false);
    expect(d.due(0)).toBe(false);
    expect(d.nextDeadline()).toBe(Infinity);
  });

  test("freewheel: again while cycles make progress, then only when poked", () => {
    const d = new FreewheelDriver(1000);
    d.start(0);
    expect(d.due(0)).toBe(true);
    d.done(1, true);
    expect(d.due(1)).toBe(true);
    d.done(2, false);
    expect(d.due(2)).toBe(false);
    d.poke();
    expect(d.due(3)).toBe(true);
  });

  test("the Worker clock runs callbacks in time order and shares the event loop's time base", () => {
    const c = new WorkerClock(performance.timeOrigin);
    expect(Math.abs(c.now() - Math.round(performance.now() * 1e6))).toBeLessThan(1e6);
    const order: number[] = [];
    c.schedule(30, () => order.push(30));
    c.schedule(10, () => order.push(10));
    const cancel = c.schedule(20, () => order.push(20));
    cancel();
    expect(c.nextDue()).toBe(10);
    expect(c.fireDue(25)).toBe(1);
    expect(c.fireDue(100)).toBe(1);
    expect(order).toEqual([10, 30]);
    expect(c.nextDue()).toBe(Infinity);
  });
});

describe("activation records", () => {
  test("pending counters release a node when its last input finishes", () => {
    // 0 → 2, 1 → 2, 2 → 3
    const a = Activation.create(4);
    a.setRequired(2, 2);
    a.setRequired(3, 1);
    a.begin(0);
    expect([0, 1, 2, 3].map((n) => a.pending(n))).toEqual([0, 0, 2, 1]);
    expect(a.decrement(2)).toBe(false);
    expect(a.decrement(2)).toBe(true);
    expect(a.decrement(3)).toBe(true);
    a.end(100, true);
    expect(a.cycles).toBe(1);
    a.begin(200); // a new cycle resets pending from required
    expect(a.pending(2)).toBe(2);
    a.setStatus(PartitionStatus.HALTED);
    expect(a.stats().status).toBe(PartitionStatus.HALTED);
    expect(a.stats().busyCycles).toBe(1);
  });
});
