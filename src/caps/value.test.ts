import { describe, expect, test } from "bun:test";
import { fraction } from "./fraction.ts";
import {
  DoubleRange,
  FractionRange,
  IntRange,
  type NumKind,
  type Value,
  ValueList,
  checkValue,
  inferKind,
  intersectValues,
  isFixedValue,
  isValueSubset,
  sameValue,
  typeOfValue,
  unionValues,
  valuesEqual,
  valuesIntersect,
} from "./value.ts";

const list = (...v: Value[]) => new ValueList(v);
const f = fraction;

describe("value classes", () => {
  test("IntRange validates bounds and GStreamer's step rule", () => {
    expect(new IntRange(1, 10)).toMatchObject({ min: 1, max: 10, step: 1 });
    expect(new IntRange(0, 100, 2)).toMatchObject({ min: 0, max: 100, step: 2 });
    expect(new IntRange(5, 5).min).toBe(5);
    expect(() => new IntRange(10, 1)).toThrow(/swap the bounds/);
    expect(() => new IntRange(1.5, 3)).toThrow(/DoubleRange/);
    expect(() => new IntRange(0, 10, 0)).toThrow(/positive integer/);
    expect(() => new IntRange(1, 10, 2)).toThrow(/did you mean \[ 2, 10, 2 \]/);
    expect(Object.is(new IntRange(-0, 4).min, 0)).toBe(true);
  });

  test("IntRange.has respects the step", () => {
    const r = new IntRange(0, 100, 4);
    expect(r.has(8)).toBe(true);
    expect(r.has(10)).toBe(false);
    expect(r.has(104)).toBe(false);
    expect(new IntRange(-8, 8, 4).has(-4)).toBe(true);
  });

  test("DoubleRange and FractionRange validate", () => {
    expect(() => new DoubleRange(2, 1)).toThrow(/swap/);
    expect(() => new DoubleRange(Number.NaN, 1)).toThrow(TypeError);
    const fr = new FractionRange({ num: 0, den: 5 }, { num: 60, den: 2 });
    expect(fr.min).toEqual({ num: 0, den: 1 });
    expect(fr.max).toEqual({ num: 30, den: 1 });
    expect(() => new FractionRange(f(2, 1), f(1, 1))).toThrow(/swap/);
    expect(() => new FractionRange(1 as never, f(1, 1))).toThrow(/fraction\(30, 1\)/);
  });

  test("ValueList flattens, normalises and refuses to be empty", () => {
    const l = list("a", list("b", "c"), { num: 2, den: 4 });
    expect(l.values).toEqual(["a", "b", "c", { num: 1, den: 2 }]);
    expect(Object.isFrozen(l.values)).toBe(true);
    expect(() => new ValueList([])).toThrow(/at least one value/);
  });

  test("checkValue refuses what caps cannot hold", () => {
    expect(() => checkValue(Number.NaN)).toThrow(/NaN/);
    expect(() => checkValue(null as never)).toThrow(/unsupported caps value/);
    expect(() => checkValue([1, 2] as never)).toThrow(/ValueList/);
    expect(checkValue({ num: 4, den: 2 })).toEqual({ num: 2, den: 1 });
  });

  test("isFixedValue: lists and ranges are not fixed, even a one-element list", () => {
    expect(isFixedValue(1)).toBe(true);
    expect(isFixedValue("I420")).toBe(true);
    expect(isFixedValue(f(30, 1))).toBe(true);
    expect(isFixedValue(new IntRange(1, 2))).toBe(false);
    expect(isFixedValue(new FractionRange(f(0, 1), f(1, 1)))).toBe(false);
    expect(isFixedValue(list("I420"))).toBe(false);
  });

  test("typeOfValue and inferKind", () => {
    expect(typeOfValue(320, "int")).toBe("int");
    expect(typeOfValue(320, "double")).toBe("double");
    expect(typeOfValue(new DoubleRange(0, 1), "int")).toBe("double");
    expect(typeOfValue(list("a", 1), "int")).toBe("string");
    expect(typeOfValue(new FractionRange(f(0, 1), f(1, 1)), "int")).toBe("fraction");
    expect(inferKind(1)).toBe("int");
    expect(inferKind(1.5)).toBe("double");
    expect(inferKind(new DoubleRange(0, 1))).toBe("double");
    expect(inferKind(list(1, 2.5))).toBe("double");
    expect(inferKind(list(new DoubleRange(0, 1), "x"))).toBe("double");
    expect(inferKind(list(new IntRange(0, 1), 3))).toBe("int");
    expect(inferKind("x")).toBe("int");
  });
});

// [a, ka, b, kb, expected] where undefined means "no intersection".
const intersections: [string, Value, NumKind, Value, NumKind, Value | undefined][] = [
  ["int = int", 320, "int", 320, "int", 320],
  ["int ≠ int", 320, "int", 240, "int", undefined],
  ["int vs double of the same number", 320, "int", 320, "double", undefined],
  ["string", "I420", "int", "I420", "int", "I420"],
  ["string ≠", "I420", "int", "NV12", "int", undefined],
  ["boolean", true, "int", true, "int", true],
  ["boolean ≠", true, "int", false, "int", undefined],
  ["string vs int", "30", "int", 30, "int", undefined],
  ["int in range", 320, "int", new IntRange(16, 4096), "int", 320],
  ["range ∩ int", new IntRange(16, 4096), "int", 320, "int", 320],
  ["int outside range", 8, "int", new IntRange(16, 4096), "int", undefined],
  ["int off the step", 5, "int", new IntRange(0, 10, 2), "int", undefined],
  ["int on the step", 6, "int", new IntRange(0, 10, 2), "int", 6],
  ["double int vs int range", 5, "double", new IntRange(0, 10), "int", undefined],
  ["int ranges overlap", new IntRange(1, 10), "int", new IntRange(5, 20), "int", new IntRange(5, 10)],
  ["int ranges touch", new IntRange(1, 10), "int", new IntRange(10, 20), "int", 10],
  ["int ranges apart", new IntRange(1, 10), "int", new IntRange(11, 20), "int", undefined],
  ["stepped ranges use the lcm", new IntRange(0, 100, 2), "int", new IntRange(3, 51, 3), "int", new IntRange(6, 48, 6)],
  ["stepped range ∩ plain range", new IntRange(0, 100, 4), "int", new IntRange(10, 30), "int", new IntRange(12, 28, 4)],
  ["stepped ranges meet in one point", new IntRange(0, 10, 2), "int", new IntRange(6, 9, 3), "int", 6],
  ["double in range", 0.5, "double", new DoubleRange(0, 1), "double", 0.5],
  ["double at range edge", 1, "double", new DoubleRange(0, 1), "double", 1],
  ["int vs double range", 1, "int", new DoubleRange(0, 2), "double", undefined],
  ["double ranges", new DoubleRange(0, 1), "double", new DoubleRange(0.5, 2), "double", new DoubleRange(0.5, 1)],
  ["double ranges touch", new DoubleRange(0, 1), "double", new DoubleRange(1, 2), "double", 1],
  ["double ranges apart", new DoubleRange(0, 1), "double", new DoubleRange(1.5, 2), "double", undefined],
  ["fraction = fraction", f(30, 1), "int", f(60, 2), "int", f(30, 1)],
  ["fraction ≠ fraction", f(30, 1), "int", f(25, 1), "int", undefined],
  ["fraction in range", f(30000, 1001), "int", new FractionRange(f(0, 1), f(60, 1)), "int", f(30000, 1001)],
  ["range ∩ fraction", new FractionRange(f(0, 1), f(60, 1)), "int", f(25, 1), "int", f(25, 1)],
  ["fraction outside range", f(120, 1), "int", new FractionRange(f(0, 1), f(60, 1)), "int", undefined],
  ["fraction ranges", new FractionRange(f(1, 2), f(30, 1)), "int", new FractionRange(f(25, 1), f(60, 1)), "int", new FractionRange(f(25, 1), f(30, 1))],
  ["fraction ranges touch", new FractionRange(f(0, 1), f(30, 1)), "int", new FractionRange(f(30, 1), f(60, 1)), "int", f(30, 1)],
  ["fraction vs int", f(30, 1), "int", 30, "int", undefined],
  ["fraction range vs int range", new FractionRange(f(0, 1), f(30, 1)), "int", new IntRange(0, 30), "int", undefined],
  ["scalar ∩ list", "NV12", "int", list("I420", "NV12"), "int", "NV12"],
  ["list ∩ scalar", list("I420", "NV12"), "int", "NV12", "int", "NV12"],
  ["scalar not in list", "RGBA", "int", list("I420", "NV12"), "int", undefined],
  ["list ∩ list keeps the first list's order", list("I420", "NV12", "RGBA"), "int", list("RGBA", "I420"), "int", list("I420", "RGBA")],
  ["list ∩ list, one in common collapses", list("I420", "NV12"), "int", list("NV12", "YV12"), "int", "NV12"],
  ["list ∩ list, none in common", list("I420", "NV12"), "int", list("RGBA", "BGRA"), "int", undefined],
  ["int list ∩ range", list(1, 5, 10, 20), "int", new IntRange(4, 12), "int", list(5, 10)],
  ["range ∩ list of ranges", new IntRange(0, 100), "int", list(new IntRange(10, 20), new IntRange(50, 200)), "int", list(new IntRange(10, 20), new IntRange(50, 100))],
  ["list ∩ list drops duplicates", list(1, 2, 3), "int", list(new IntRange(1, 2), new IntRange(2, 3)), "int", list(1, 2, 3)],
  ["mixed list ∩ int", list("auto", 5), "int", 5, "int", 5],
];

describe("intersectValues", () => {
  for (const [name, a, ka, b, kb, want] of intersections) {
    test(name, () => {
      const got = intersectValues(a, ka, b, kb);
      if (want === undefined) expect(got).toBeUndefined();
      else {
        expect(got).toBeDefined();
        expect(sameValue(got!, want)).toBe(true);
      }
      expect(valuesIntersect(a, ka, b, kb)).toBe(want !== undefined);
      // Intersection is symmetric as a set (the representation may differ in list order).
      const back = intersectValues(b, kb, a, ka);
      if (want === undefined) expect(back).toBeUndefined();
      else expect(valuesEqual(back!, kb === ka ? ka : inferKind(back!), want, ka)).toBe(true);
    });
  }
});

// [a, ka, b, kb, a ⊆ b]
const subsets: [string, Value, NumKind, Value, NumKind, boolean][] = [
  ["int ⊆ same int", 1, "int", 1, "int", true],
  ["int ⊆ range", 5, "int", new IntRange(1, 10), "int", true],
  ["range ⊄ int", new IntRange(1, 10), "int", 5, "int", false],
  ["one-point range ⊆ int", new IntRange(5, 5), "int", 5, "int", true],
  ["range ⊆ wider range", new IntRange(2, 8), "int", new IntRange(1, 10), "int", true],
  ["range ⊄ narrower range", new IntRange(1, 10), "int", new IntRange(2, 8), "int", false],
  ["step 4 ⊆ step 2", new IntRange(0, 40, 4), "int", new IntRange(0, 100, 2), "int", true],
  ["step 2 ⊄ step 4", new IntRange(0, 40, 2), "int", new IntRange(0, 100, 4), "int", false],
  ["plain range ⊄ stepped range", new IntRange(0, 10), "int", new IntRange(0, 10, 2), "int", false],
  ["stepped range ⊆ plain range", new IntRange(0, 10, 2), "int", new IntRange(0, 10), "int", true],
  ["range ⊆ union of list ranges", new IntRange(1, 10), "int", list(new IntRange(1, 5), new IntRange(6, 10)), "int", true],
  ["range ⊄ list with a gap", new IntRange(1, 10), "int", list(new IntRange(1, 4), new IntRange(6, 10)), "int", false],
  ["range ⊆ list of ints", new IntRange(1, 3), "int", list(3, 1, 2), "int", true],
  ["range ⊄ list missing one int", new IntRange(1, 3), "int", list(1, 3), "int", false],
  ["stepped range ⊆ list of its points", new IntRange(0, 6, 2), "int", list(0, 2, 4, 6), "int", true],
  ["double range ⊆ closed union", new DoubleRange(0, 2), "double", list(new DoubleRange(0, 1), new DoubleRange(1, 2)), "double", true],
  ["double range ⊄ union with gap", new DoubleRange(0, 2), "double", list(new DoubleRange(0, 1), new DoubleRange(1.1, 2)), "double", false],
  ["fraction range ⊆ union", new FractionRange(f(0, 1), f(60, 1)), "int", list(new FractionRange(f(0, 1), f(30, 1)), new FractionRange(f(30, 1), f(120, 1))), "int", true],
  ["fraction range ⊄ fraction", new FractionRange(f(0, 1), f(60, 1)), "int", f(30, 1), "int", false],
  ["list ⊆ list", list("I420", "NV12"), "int", list("NV12", "I420", "RGBA"), "int", true],
  ["list ⊄ list", list("I420", "BGRA"), "int", list("NV12", "I420", "RGBA"), "int", false],
  ["list ⊆ range", list(2, 4), "int", new IntRange(0, 10, 2), "int", true],
  ["scalar ⊆ list", "NV12", "int", list("I420", "NV12"), "int", true],
  ["int ⊄ double", 1, "int", 1, "double", false],
  ["double range ⊄ int range", new DoubleRange(1, 2), "double", new IntRange(0, 10), "int", false],
];

describe("isValueSubset", () => {
  for (const [name, a, ka, b, kb, want] of subsets) {
    test(name, () => expect(isValueSubset(a, ka, b, kb)).toBe(want));
  }
});

describe("valuesEqual", () => {
  test("set equality, not representation equality", () => {
    expect(valuesEqual(list(1, 2, 3), "int", new IntRange(1, 3), "int")).toBe(true);
    expect(valuesEqual(list("a", "b"), "int", list("b", "a"), "int")).toBe(true);
    expect(valuesEqual(list("a"), "int", "a", "int")).toBe(true);
    expect(valuesEqual(1, "int", 1, "double")).toBe(false);
    expect(valuesEqual(f(1, 2), "int", f(2, 4), "int")).toBe(true);
    expect(valuesEqual(new IntRange(0, 10, 2), "int", new IntRange(0, 10), "int")).toBe(false);
  });
});

describe("unionValues", () => {
  const cases: [string, Value, Value, NumKind, Value][] = [
    ["subset gives the superset", 5, new IntRange(1, 10), "int", new IntRange(1, 10)],
    ["overlapping int ranges merge", new IntRange(1, 5), new IntRange(4, 10), "int", new IntRange(1, 10)],
    ["adjacent int ranges merge", new IntRange(1, 5), new IntRange(6, 10), "int", new IntRange(1, 10)],
    ["int next to a range extends it", new IntRange(1, 5), 6, "int", new IntRange(1, 6)],
    ["apart ranges make a list", new IntRange(1, 5), new IntRange(8, 10), "int", list(new IntRange(1, 5), new IntRange(8, 10))],
    ["strings make a list", "I420", "NV12", "int", list("I420", "NV12")],
    ["lists merge without duplicates", list("I420", "NV12"), list("NV12", "RGBA"), "int", list("I420", "NV12", "RGBA")],
    ["double ranges merge", new DoubleRange(0, 1), new DoubleRange(0.5, 2), "double", new DoubleRange(0, 2)],
    ["fraction ranges merge", new FractionRange(f(0, 1), f(30, 1)), new FractionRange(f(25, 1), f(60, 1)), "int", new FractionRange(f(0, 1), f(60, 1))],
  ];
  for (const [name, a, b, kind, want] of cases) {
    test(name, () => {
      const got = unionValues(a, b, kind);
      expect(sameValue(got, want)).toBe(true);
      expect(isValueSubset(a, kind, got, kind)).toBe(true);
      expect(isValueSubset(b, kind, got, kind)).toBe(true);
    });
  }
});
