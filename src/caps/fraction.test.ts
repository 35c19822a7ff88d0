import { describe, expect, test } from "bun:test";
import {
  compareDistance,
  compareFractions,
  fraction,
  fractionFromNumber,
  fractionsEqual,
  gcd,
  isFraction,
  lcm,
} from "./fraction.ts";

describe("fraction", () => {
  test("normalises sign, reduces and writes zero as 0/1", () => {
    expect(fraction(60, 2)).toEqual({ num: 30, den: 1 });
    expect(fraction(30000, 1001)).toEqual({ num: 30000, den: 1001 });
    expect(fraction(1, -2)).toEqual({ num: -1, den: 2 });
    expect(fraction(-4, -8)).toEqual({ num: 1, den: 2 });
    expect(fraction(0, 7)).toEqual({ num: 0, den: 1 });
    expect(fraction(0, -7)).toEqual({ num: 0, den: 1 });
  });

  test("rejects zero denominators and non-integers with a way out", () => {
    expect(() => fraction(1, 0)).toThrow(/denominator must not be zero/);
    expect(() => fraction(29.97, 1)).toThrow(/fractionFromNumber/);
    expect(() => fraction(Number.NaN, 1)).toThrow(TypeError);
  });

  test("isFraction recognises { num, den } only", () => {
    expect(isFraction({ num: 1, den: 2 })).toBe(true);
    expect(isFraction(1)).toBe(false);
    expect(isFraction(null)).toBe(false);
    expect(isFraction({ min: 1, max: 2 })).toBe(false);
  });

  test("gcd and lcm", () => {
    expect(gcd(12, 18)).toBe(6);
    expect(gcd(-12, 18)).toBe(6);
    expect(gcd(0, 5)).toBe(5);
    expect(lcm(4, 6)).toBe(12);
    expect(lcm(2, 3)).toBe(6);
  });
});

describe("compareFractions", () => {
  test("orders fractions", () => {
    expect(compareFractions(fraction(1, 2), fraction(2, 3))).toBe(-1);
    expect(compareFractions(fraction(2, 3), fraction(1, 2))).toBe(1);
    expect(compareFractions(fraction(2, 4), fraction(1, 2))).toBe(0);
    expect(compareFractions(fraction(-1, 2), fraction(0, 1))).toBe(-1);
  });

  test("stays exact where cross products exceed 2^53", () => {
    const a = fraction(2147483647, 2147483646);
    const b = fraction(2147483646, 2147483645);
    // a = 1 + 1/2147483646 < b = 1 + 1/2147483645; doubles cannot tell the products apart.
    expect(compareFractions(a, b)).toBe(-1);
    expect(compareFractions(b, a)).toBe(1);
    expect(compareFractions(a, a)).toBe(0);
    expect(compareFractions(fraction(2147483647, 1), fraction(2147483646, 1))).toBe(1);
  });

  test("fractionsEqual compares normalised fields", () => {
    expect(fractionsEqual(fraction(2, 4), fraction(1, 2))).toBe(true);
    expect(fractionsEqual(fraction(1, 3), fraction(1, 2))).toBe(false);
  });
});

describe("fractionFromNumber", () => {
  test("finds the simple fraction behind common rates", () => {
    expect(fractionFromNumber(30)).toEqual({ num: 30, den: 1 });
    expect(fractionFromNumber(0.5)).toEqual({ num: 1, den: 2 });
    expect(fractionFromNumber(29.97)).toEqual({ num: 2997, den: 100 });
    expect(fractionFromNumber(30000 / 1001)).toEqual({ num: 30000, den: 1001 });
    expect(fractionFromNumber(24000 / 1001)).toEqual({ num: 24000, den: 1001 });
    expect(fractionFromNumber(-2.5)).toEqual({ num: -5, den: 2 });
    expect(fractionFromNumber(1 / 3)).toEqual({ num: 1, den: 3 });
  });

  test("rejects what has no fraction", () => {
    expect(() => fractionFromNumber(Infinity)).toThrow(/not a finite number/);
    expect(() => fractionFromNumber(Number.NaN)).toThrow(RangeError);
    expect(() => fractionFromNumber(1e12)).toThrow(/exceeds/);
  });
});

describe("compareDistance", () => {
  test("tells which of two fractions is nearer a target, exactly", () => {
    const t = fraction(30, 1);
    expect(compareDistance(fraction(25, 1), fraction(60, 1), t)).toBeLessThan(0);
    expect(compareDistance(fraction(60, 1), fraction(25, 1), t)).toBeGreaterThan(0);
    expect(compareDistance(fraction(29, 1), fraction(31, 1), t)).toBe(0);
    expect(compareDistance(fraction(30000, 1001), fraction(2997, 100), t)).toBeLessThan(0);
  });
});
