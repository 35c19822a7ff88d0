import { describe, expect, test } from "bun:test";
import { fixateDefault, fixateNearest, nearestInIntRange } from "./fixate.ts";
import { fraction } from "./fraction.ts";
import { DoubleRange, FractionRange, IntRange, ValueList } from "./value.ts";

const f = fraction;

describe("fixateDefault (gst_value_fixate)", () => {
  test("ranges take their minimum, lists their first element", () => {
    expect(fixateDefault(new IntRange(16, 4096), "int")).toEqual([16, "int"]);
    expect(fixateDefault(new IntRange(0, 100, 4), "int")).toEqual([0, "int"]);
    expect(fixateDefault(new DoubleRange(0.5, 2), "int")).toEqual([0.5, "double"]);
    expect(fixateDefault(new FractionRange(f(1, 2), f(30, 1)), "int")).toEqual([f(1, 2), "int"]);
    expect(fixateDefault(new ValueList(["NV12", "I420"]), "int")).toEqual(["NV12", "int"]);
    expect(fixateDefault(new ValueList([new IntRange(8, 16), 2]), "double")).toEqual([8, "int"]);
    expect(fixateDefault(320, "int")).toEqual([320, "int"]);
  });
});

describe("nearestInIntRange (gst_structure_fixate_field_nearest_int)", () => {
  test("clamps and rounds to the step", () => {
    const r = new IntRange(1000, 50000, 1000);
    expect(nearestInIntRange(r, 44100)).toBe(44000); // what audiotestsrc picks in GStreamer
    expect(nearestInIntRange(r, 44600)).toBe(45000);
    expect(nearestInIntRange(r, 10)).toBe(1000);
    expect(nearestInIntRange(r, 99999)).toBe(50000);
    expect(nearestInIntRange(new IntRange(16, 4096), 640)).toBe(640);
    expect(nearestInIntRange(new IntRange(16, 4096), 29.7)).toBe(30);
    expect(nearestInIntRange(new IntRange(0, 12, 4), 10)).toBe(8);
    expect(nearestInIntRange(new IntRange(0, 8, 4), 10)).toBe(8);
    expect(nearestInIntRange(new IntRange(-8, 8, 4), -5)).toBe(-4);
  });
});

describe("fixateNearest", () => {
  test("ints: in a range, in a list, first on a tie", () => {
    expect(fixateNearest(new IntRange(16, 4096), "int", 640)).toEqual([640, "int"]);
    expect(fixateNearest(new IntRange(16, 4096), "int", 8000)).toEqual([4096, "int"]);
    expect(fixateNearest(new ValueList([8000, 44100, 48000]), "int", 44000)).toEqual([44100, "int"]);
    expect(fixateNearest(new ValueList([10, 20]), "int", 15)).toEqual([10, "int"]);
    expect(fixateNearest(new ValueList([20, 10]), "int", 15)).toEqual([20, "int"]);
    // Ranges inside lists take part too (GStreamer would skip them).
    expect(fixateNearest(new ValueList([8000, new IntRange(40000, 50000)]), "int", 44100)).toEqual([44100, "int"]);
  });

  test("doubles", () => {
    expect(fixateNearest(new DoubleRange(0, 1), "double", 0.25)).toEqual([0.25, "double"]);
    expect(fixateNearest(new DoubleRange(0, 1), "double", 7)).toEqual([1, "double"]);
    expect(fixateNearest(new ValueList([0.5, 1.5]), "double", 1.2)).toEqual([1.5, "double"]);
  });

  test("fractions: range clamps, list picks the nearest exactly", () => {
    const range = new FractionRange(f(0, 1), f(60, 1));
    expect(fixateNearest(range, "int", f(30, 1))).toEqual([f(30, 1), "int"]);
    expect(fixateNearest(range, "int", f(120, 1))).toEqual([f(60, 1), "int"]);
    expect(fixateNearest(new FractionRange(f(25, 1), f(60, 1)), "int", f(1, 1))).toEqual([f(25, 1), "int"]);
    expect(fixateNearest(new ValueList([f(25, 1), f(30000, 1001), f(60, 1)]), "int", f(30, 1))).toEqual([
      f(30000, 1001),
      "int",
    ]);
    // A number target works for a fraction field.
    expect(fixateNearest(range, "int", 29.97)).toEqual([f(2997, 100), "int"]);
    // Exact tie-break between fractions whose double distances are equal.
    expect(fixateNearest(new ValueList([f(1, 3), f(2, 3)]), "int", f(1, 2))).toEqual([f(1, 3), "int"]);
  });

  test("strings and booleans: the target if listed, else no answer", () => {
    expect(fixateNearest(new ValueList(["I420", "NV12"]), "int", "NV12")).toEqual(["NV12", "int"]);
    expect(fixateNearest(new ValueList(["I420", "NV12"]), "int", "RGBA")).toBeUndefined();
    expect(fixateNearest(new ValueList([true, false]), "int", false)).toEqual([false, "int"]);
    expect(fixateNearest(new IntRange(1, 10), "int", "x")).toBeUndefined();
    expect(fixateNearest(new ValueList(["a", "b"]), "int", 5)).toBeUndefined();
  });
});
