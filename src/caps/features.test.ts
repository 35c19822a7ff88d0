import { describe, expect, test } from "bun:test";
import {
  FEATURE_MEMORY_SYSTEM,
  FEATURES_ANY,
  featureNameProblem,
  featuresMatch,
  featuresSame,
  formatFeatures,
  isAnyFeatures,
  normaliseFeatures,
} from "./features.ts";

describe("caps features", () => {
  test("system memory has one canonical form: null", () => {
    expect(normaliseFeatures(null)).toBeNull();
    expect(normaliseFeatures(undefined)).toBeNull();
    expect(normaliseFeatures([])).toBeNull();
    expect(normaliseFeatures([FEATURE_MEMORY_SYSTEM])).toBeNull();
    expect(normaliseFeatures([FEATURE_MEMORY_SYSTEM, FEATURE_MEMORY_SYSTEM])).toBeNull();
  });

  test("other sets are frozen, deduplicated, ordered as given", () => {
    const f = normaliseFeatures(["memory:memfd", "meta:Overlay", "memory:memfd"]);
    expect(f).toEqual(["memory:memfd", "meta:Overlay"]);
    expect(Object.isFrozen(f)).toBe(true);
  });

  test("ANY stands alone", () => {
    expect(isAnyFeatures(normaliseFeatures([FEATURES_ANY]))).toBe(true);
    expect(() => normaliseFeatures(["ANY", "memory:memfd"])).toThrow(/cannot be combined/);
  });

  test("names follow GStreamer's rule", () => {
    expect(featureNameProblem("memory:SystemMemory")).toBeNull();
    expect(featureNameProblem("meta:GstVideoOverlayComposition")).toBeNull();
    expect(featureNameProblem("memory:D3D11Memory")).toBeNull();
    expect(featureNameProblem("memfd")).toMatch(/must look like/);
    expect(featureNameProblem("mem1:x")).toMatch(/only contain letters/);
    expect(featureNameProblem("memory:1x")).toMatch(/start with a letter/);
    expect(featureNameProblem("memory:a-b")).toMatch(/letters and digits/);
    expect(() => normaliseFeatures(["bogus"])).toThrow(TypeError);
  });

  test("matching: ANY equals everything, order does not matter", () => {
    const memfd = normaliseFeatures(["memory:memfd"]);
    const two = normaliseFeatures(["memory:memfd", "meta:Overlay"]);
    const owt = normaliseFeatures(["meta:Overlay", "memory:memfd"]);
    const any = normaliseFeatures(["ANY"]);
    expect(featuresMatch(null, null)).toBe(true);
    expect(featuresMatch(null, memfd)).toBe(false);
    expect(featuresMatch(two, owt)).toBe(true);
    expect(featuresMatch(memfd, two)).toBe(false);
    expect(featuresMatch(any, memfd)).toBe(true);
    expect(featuresMatch(null, any)).toBe(true);
    expect(featuresSame(any, memfd)).toBe(false);
    expect(featuresSame(any, normaliseFeatures(["ANY"]))).toBe(true);
  });

  test("printing", () => {
    expect(formatFeatures(null)).toBe("");
    expect(formatFeatures(normaliseFeatures(["memory:memfd", "meta:Overlay"]))).toBe("(memory:memfd, meta:Overlay)");
    expect(formatFeatures(normaliseFeatures(["ANY"]))).toBe("(ANY)");
  });
});
