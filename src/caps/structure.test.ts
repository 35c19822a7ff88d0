import { describe, expect, test } from "bun:test";
import { fraction } from "./fraction.ts";
import { parseCaps } from "./parse.ts";
import { Structure, mergeStructures, splitOnFirstList } from "./structure.ts";
import { DoubleRange, FractionRange, IntRange, ValueList } from "./value.ts";

const s = (text: string): Structure => {
  const r = parseCaps(text);
  if (r === "ANY" || r.length !== 1) throw new Error(`expected one structure: ${text}`);
  return r[0]!;
};

describe("building structures", () => {
  test("Structure.of infers ints and doubles", () => {
    const st = Structure.of("audio/x-raw", {
      format: "F32LE",
      rate: 48000,
      volume: 0.5,
      channels: new IntRange(1, 8),
      framerate: fraction(30, 1),
      live: true,
    });
    expect(st.toString()).toBe(
      "audio/x-raw, format=(string)F32LE, rate=(int)48000, volume=(double)0.5, channels=(int)[ 1, 8 ], framerate=(fraction)30/1, live=(boolean)true",
    );
    expect(st.size).toBe(6);
    expect([...st.fields()].map(([k]) => k)).toEqual(["format", "rate", "volume", "channels", "framerate", "live"]);
    expect(st.has("rate")).toBe(true);
    expect(st.has("layout")).toBe(false);
    expect(st.get("layout")).toBeUndefined();
    expect(st.typeOf("layout")).toBeUndefined();
  });

  test("with and without return new structures and keep field positions", () => {
    const a = Structure.of("video/x-raw", { format: "I420", width: 320 });
    const b = a.with("format", "NV12");
    const c = b.with("height", 240);
    const d = c.without("format");
    expect(a.toString()).toBe("video/x-raw, format=(string)I420, width=(int)320");
    expect(b.toString()).toBe("video/x-raw, format=(string)NV12, width=(int)320");
    expect(c.toString()).toBe("video/x-raw, format=(string)NV12, width=(int)320, height=(int)240");
    expect(d.toString()).toBe("video/x-raw, width=(int)320, height=(int)240");
    expect(d.without("nope")).toBe(d);
  });

  test("a declared type is kept and checked", () => {
    const st = new Structure("audio/x-raw").with("volume", 1, "double").with("rate", 44100, "int");
    expect(st.toString()).toBe("audio/x-raw, volume=(double)1, rate=(int)44100");
    expect(st.typeOf("volume")).toBe("double");
    expect(st.with("r", 30, "fraction").get("r")).toEqual(fraction(30, 1));
    expect(st.with("r", new ValueList([25, 29.97]), "fraction").toString()).toContain("r=(fraction){ 25/1, 2997/100 }");
    expect(() => st.with("rate", 1.5, "int")).toThrow(/1.5 is not a valid \(int\) value/);
    expect(() => st.with("gain", new IntRange(0, 2), "double")).toThrow(/use DoubleRange/);
    expect(() => st.with("format", 5, "string")).toThrow(/string fields take strings/);
    expect(() => st.with("live", "yes", "boolean")).toThrow(/true or false/);
    expect(() => st.with("r", "30/1", "fraction")).toThrow(/fraction\(n, d\)/);
    expect(() => st.with("x", 1, "bogus" as never)).toThrow(/unknown type/);
  });

  test("names, features and values are validated at the boundary", () => {
    expect(() => new Structure("")).toThrow(/invalid media type/);
    expect(() => new Structure("video x-raw")).toThrow(/must start with a letter and contain only/);
    expect(() => Structure.of("1abc")).toThrow(/invalid media type/);
    expect(() => Structure.of("x/y", { "bad name": 1 })).toThrow(/invalid field name/);
    expect(() => Structure.of("x/y", { a: Number.NaN })).toThrow(/NaN/);
    expect(() => new Structure("x/y", ["nonsense"])).toThrow(/must look like/);
    expect(() => new Structure("x/y", null, [{ name: "a", value: 1, kind: "int" }, { name: "a", value: 2, kind: "int" }])).toThrow(
      /given twice/,
    );
    expect(new Structure("x/y", null, [{ name: "a", value: 1, kind: "double" }]).toString()).toBe("x/y, a=(double)1");
  });

  test("features", () => {
    const st = Structure.of("video/x-raw", { format: "NV12" }, ["memory:memfd"]);
    expect(st.features).toEqual(["memory:memfd"]);
    expect(st.toString()).toBe("video/x-raw(memory:memfd), format=(string)NV12");
    expect(st.withFeatures(null).toString()).toBe("video/x-raw, format=(string)NV12");
    expect(st.withFeatures(["memory:SystemMemory"]).features).toBeNull();
  });

  test("isFixed", () => {
    expect(s("video/x-raw, format=I420, width=320, framerate=30/1").isFixed()).toBe(true);
    expect(s("video/x-raw").isFixed()).toBe(true);
    expect(s("video/x-raw, width=[ 1, 2 ]").isFixed()).toBe(false);
    expect(s("video/x-raw, format={ I420 }").isFixed()).toBe(false);
    expect(s("video/x-raw(ANY), width=1").isFixed()).toBe(false);
  });
});

describe("intersect", () => {
  test("fields on one side are kept: this's fields first, then the other's", () => {
    const a = s("video/x-raw, format={ I420, NV12 }, width=[ 16, 4096 ]");
    const b = s("video/x-raw, height=480, width=640, format=NV12");
    expect(a.intersect(b)!.toString()).toBe(
      "video/x-raw, format=(string)NV12, width=(int)640, height=(int)480",
    );
  });

  test("one empty field makes the pair empty", () => {
    expect(s("video/x-raw, format=I420, width=320").intersect(s("video/x-raw, format=NV12, width=320"))).toBeNull();
    expect(s("video/x-raw").intersect(s("audio/x-raw"))).toBeNull();
    expect(s("x/y, w=(int)320").intersect(s("x/y, w=(double)320"))).toBeNull();
    expect(s("x/y, r=30").intersect(s("x/y, r=30/1"))).toBeNull();
  });

  test("features must match; ANY takes the other side's", () => {
    const memfd = s("video/x-raw(memory:memfd), width=320");
    expect(memfd.intersect(s("video/x-raw, width=320"))).toBeNull();
    expect(memfd.intersect(s("video/x-raw(memory:memfd), width=[ 1, 1000 ]"))!.toString()).toBe(
      "video/x-raw(memory:memfd), width=(int)320",
    );
    expect(s("video/x-raw(ANY), width=[ 1, 1000 ]").intersect(memfd)!.toString()).toBe(
      "video/x-raw(memory:memfd), width=(int)320",
    );
    expect(memfd.intersect(s("video/x-raw(ANY)"))!.features).toEqual(["memory:memfd"]);
    expect(s("video/x-raw(ANY)").intersect(s("video/x-raw"))!.features).toBeNull();
    expect(memfd.canIntersect(s("video/x-raw"))).toBe(false);
  });

  test("the same structure intersects to itself", () => {
    const a = s("video/x-raw, width=[ 1, 2 ]");
    expect(a.intersect(a)).toBe(a);
    expect(a.canIntersect(a)).toBe(true);
  });
});

describe("isSubset and isEqual", () => {
  test("the superset's fields must all be present and contain", () => {
    const fixed = s("video/x-raw, format=I420, width=320, height=240");
    expect(fixed.isSubset(s("video/x-raw, format={ I420, NV12 }, width=[ 16, 4096 ]"))).toBe(true);
    expect(fixed.isSubset(s("video/x-raw"))).toBe(true);
    expect(fixed.isSubset(s("video/x-raw, framerate=[ 0/1, 30/1 ]"))).toBe(false);
    expect(fixed.isSubset(s("video/x-raw, width=[ 400, 4096 ]"))).toBe(false);
    expect(fixed.isSubset(s("audio/x-raw"))).toBe(false);
  });

  test("ANY features are only inside ANY features", () => {
    expect(s("video/x-raw(memory:memfd)").isSubset(s("video/x-raw(ANY)"))).toBe(true);
    expect(s("video/x-raw(ANY)").isSubset(s("video/x-raw(memory:memfd)"))).toBe(false);
    expect(s("video/x-raw(ANY)").isSubset(s("video/x-raw(ANY)"))).toBe(true);
    expect(s("video/x-raw(memory:memfd)").isSubset(s("video/x-raw"))).toBe(false);
  });

  test("isEqual compares sets, ignoring field order and list order", () => {
    expect(s("x/y, a={ 1, 2, 3 }, b=c").isEqual(s("x/y, b=c, a=[ 1, 3 ]"))).toBe(true);
    expect(s("x/y, a=1").isEqual(s("x/y, a=1, b=2"))).toBe(false);
    expect(s("x/y, a=(int)1").isEqual(s("x/y, a=(double)1"))).toBe(false);
    expect(s("x/y(memory:memfd)").isEqual(s("x/y"))).toBe(false);
    expect(s("x/y(ANY)").isEqual(s("x/y"))).toBe(false);
  });
});

describe("fixate", () => {
  test("defaults: range minimum, first list element; fixed fields untouched", () => {
    const st = s(
      "video/x-raw, format={ NV12, I420 }, width=[ 16, 4096 ], height=(int)[ 0, 100, 4 ], framerate=[ 0/1, 60/1 ], gain=(double)[ 0.5, 2 ], par=1/1",
    );
    expect(st.fixate().toString()).toBe(
      "video/x-raw, format=(string)NV12, width=(int)16, height=(int)0, framerate=(fraction)0/1, gain=(double)0.5, par=(fraction)1/1",
    );
    expect(st.fixate().isFixed()).toBe(true);
  });

  test("preferred values pick the nearest setting", () => {
    const st = s("video/x-raw, format={ NV12, I420 }, width=[ 16, 4096 ], height=[ 16, 4096, 16 ], framerate=[ 0/1, 60/1 ], rate={ 8000, 44100, 48000 }");
    // 1080 sits halfway between 1072 and 1088; GStreamer rounds such ties down.
    const fixed = st.fixate({ format: "I420", width: 1920, height: 1080, framerate: fraction(30000, 1001), rate: 44000 });
    expect(fixed.toString()).toBe(
      "video/x-raw, format=(string)I420, width=(int)1920, height=(int)1072, framerate=(fraction)30000/1001, rate=(int)44100",
    );
    expect(st.fixate({ width: 99999, framerate: fraction(120, 1) }).toString()).toContain("width=(int)4096");
    expect(st.fixate({ framerate: fraction(120, 1) }).get("framerate")).toEqual(fraction(60, 1));
    expect(st.fixate({ framerate: 25 }).get("framerate")).toEqual(fraction(25, 1));
  });

  test("a preference that does not apply falls back to the default", () => {
    const st = s("x/y, format={ NV12, I420 }, width=[ 16, 4096 ]");
    expect(st.fixate({ format: "RGBA", width: "wide", other: 5 }).toString()).toBe(
      "x/y, format=(string)NV12, width=(int)16",
    );
  });

  test("a range or list as preference is a mistake", () => {
    const st = s("x/y, width=[ 16, 4096 ]");
    expect(() => st.fixate({ width: new IntRange(1, 2) })).toThrow(/single setting/);
    expect(() => st.fixate({ width: new ValueList([1]) })).toThrow(/single setting/);
  });

  test("number kinds follow the chosen element", () => {
    const st = s("x/y, a={ [ 1, 5 ], (double)7.5 }");
    expect(st.fixate().toString()).toBe("x/y, a=(int)1");
    expect(st.fixate({ a: 7 }).toString()).toBe("x/y, a=(double)7.5");
    expect(s("x/y, g=(double)[ 1, 2 ]").fixate().toString()).toBe("x/y, g=(double)1");
  });

  test("ANY features become system memory; fixed structures come back as is", () => {
    expect(s("video/x-raw(ANY), width=320").fixate().toString()).toBe("video/x-raw, width=(int)320");
    const fixed = s("video/x-raw, width=320");
    expect(fixed.fixate()).toBe(fixed);
  });
});

describe("explainMismatch", () => {
  test("names the first field with nothing in common", () => {
    expect(s("video/x-raw, format=I420").explainMismatch(s("video/x-raw, format={ RGBA, BGRA }"))).toBe(
      'field "format": I420 vs { RGBA, BGRA }',
    );
    expect(s("video/x-raw, format=I420, width=[ 1, 100 ]").explainMismatch(s("video/x-raw, width=[ 200, 300 ], format=I420"))).toBe(
      'field "width": [ 1, 100 ] vs [ 200, 300 ]',
    );
    expect(s("x/y, name=\"a b\"").explainMismatch(s("x/y, name=c"))).toBe('field "name": "a\\ b" vs c');
  });

  test("shows types when the types are what differs", () => {
    expect(s("x/y, framerate=30").explainMismatch(s("x/y, framerate=30/1"))).toBe(
      'field "framerate": (int)30 vs (fraction)30/1',
    );
    expect(s("x/y, w=(int)320").explainMismatch(s("x/y, w=(double)320"))).toBe('field "w": (int)320 vs (double)320');
  });

  test("media types and features", () => {
    expect(s("video/x-raw").explainMismatch(s("audio/x-raw"))).toBe("media type video/x-raw vs audio/x-raw");
    expect(s("video/x-raw(memory:memfd)").explainMismatch(s("video/x-raw"))).toBe(
      "caps features (memory:memfd) vs (memory:SystemMemory)",
    );
    expect(s("video/x-raw, width=1").explainMismatch(s("video/x-raw, width=[ 1, 2 ]"))).toBeNull();
  });
});

describe("mergeStructures", () => {
  test("merges structures that differ in one field", () => {
    const m = mergeStructures(s("x/y, format=I420, width=320"), s("x/y, format=NV12, width=320"));
    expect(m!.toString()).toBe("x/y, format=(string){ I420, NV12 }, width=(int)320");
    const r = mergeStructures(s("x/y, w=[ 1, 10 ], h=5"), s("x/y, h=5, w=[ 11, 20 ]"));
    expect(r!.toString()).toBe("x/y, w=(int)[ 1, 20 ], h=(int)5");
  });

  test("refuses anything else", () => {
    expect(mergeStructures(s("x/y, a=1, b=1"), s("x/y, a=2, b=2"))).toBeNull();
    expect(mergeStructures(s("x/y, a=1"), s("x/y, a=1, b=2"))).toBeNull();
    expect(mergeStructures(s("x/y, a=1"), s("z/w, a=2"))).toBeNull();
    expect(mergeStructures(s("x/y(memory:memfd), a=1"), s("x/y, a=2"))).toBeNull();
    expect(mergeStructures(s("x/y, a=(int)1"), s("x/y, a=(double)2"))).toBeNull();
  });
});

describe("splitOnFirstList", () => {
  test("one structure per element of the first list field", () => {
    const parts = splitOnFirstList(s("x/y(memory:memfd), w=1, f={ a, [ 1, 2 ] }, g={ c, d }"));
    expect(parts!.map(String)).toEqual([
      "x/y(memory:memfd), w=(int)1, f=(string)a, g=(string){ c, d }",
      "x/y(memory:memfd), w=(int)1, f=(int)[ 1, 2 ], g=(string){ c, d }",
    ]);
    expect(splitOnFirstList(s("x/y, w=[ 1, 2 ]"))).toBeNull();
  });
});

test("values read back are the ones stored", () => {
  const st = s("x/y, a=(double)[ 0, 1 ], b=(fraction)[ 1/2, 2/1 ]");
  expect(st.get("a")).toBeInstanceOf(DoubleRange);
  expect(st.get("b")).toBeInstanceOf(FractionRange);
  expect(st.toString()).toBe(st.toString());
});
