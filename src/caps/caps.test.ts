import { describe, expect, test } from "bun:test";
import { Caps, CapsParseError, DoubleRange, IntRange, Structure, ValueList, fraction } from "./index.ts";

const c = Caps.parse;

describe("construction", () => {
  test("ANY and EMPTY", () => {
    expect(Caps.any().isAny()).toBe(true);
    expect(Caps.any().isEmpty()).toBe(false);
    expect(Caps.empty().isEmpty()).toBe(true);
    expect(Caps.empty().isAny()).toBe(false);
    expect(Caps.any().toString()).toBe("ANY");
    expect(Caps.empty().toString()).toBe("EMPTY");
    expect(c("ANY")).toBe(Caps.any());
    expect(c("")).toBe(Caps.empty());
    expect(Caps.any().structures).toEqual([]);
    expect(Caps.any().isFixed()).toBe(false);
    expect(Caps.empty().isFixed()).toBe(false);
  });

  test("ANY, EMPTY and NONE give the same caps with or without the parser's fast path", () => {
    // Exact "ANY", "EMPTY" and "" skip the parser; other spellings go through it.
    expect(c("EMPTY")).toBe(Caps.empty());
    expect(c(" ANY ")).toBe(Caps.any());
    expect(c(" EMPTY")).toBe(Caps.empty());
    expect(c("NONE")).toBe(Caps.empty());
    expect(c("any").isAny()).toBe(false); // a media type, as in GStreamer
  });

  test("Caps.of and Caps.from", () => {
    const a = Caps.of("audio/x-raw", { format: "S16LE", rate: 48000, channels: new IntRange(1, 2) });
    expect(a.toString()).toBe("audio/x-raw, format=(string)S16LE, rate=(int)48000, channels=(int)[ 1, 2 ]");
    expect(Caps.of("video/x-vp8").toString()).toBe("video/x-vp8");
    const b = Caps.from([Structure.of("video/x-raw", {}, ["memory:memfd"]), Structure.of("video/x-raw")]);
    expect(b.toString()).toBe("video/x-raw(memory:memfd); video/x-raw");
    expect(Caps.from([])).toBe(Caps.empty());
    expect(() => Caps.from([{} as Structure])).toThrow(/Structure objects/);
    expect(Object.isFrozen(b.structures)).toBe(true);
  });

  test("parse memoises: the same text gives the same immutable caps", () => {
    const text = "video/x-raw, format=(string){ I420, NV12 }, width=(int)[ 16, 4096 ]";
    expect(c(text)).toBe(c(text));
  });

  test("parse errors are CapsParseError", () => {
    expect(() => c("video/x-raw, width=")).toThrow(CapsParseError);
  });

  test("isFixed", () => {
    expect(c("video/x-raw, format=I420, width=320").isFixed()).toBe(true);
    expect(c("video/x-raw, format=I420; video/x-raw, format=NV12").isFixed()).toBe(false);
    expect(c("video/x-raw, format={ I420 }").isFixed()).toBe(false);
    expect(c("video/x-raw(ANY)").isFixed()).toBe(false);
  });
});

/** [a, b, a ∩ b printed, in the default ("first") order]. */
const intersections: [string, string, string][] = [
  [
    "video/x-raw, format={ I420, NV12, RGBA }, width=[ 16, 4096 ], framerate=[ 0/1, 60/1 ]",
    "video/x-raw, format={ RGBA, NV12 }, width=640, height=480",
    "video/x-raw, format=(string){ NV12, RGBA }, width=(int)640, framerate=(fraction)[ 0/1, 60/1 ], height=(int)480",
  ],
  ["video/x-raw, format=I420", "video/x-raw, format=NV12", "EMPTY"],
  ["video/x-raw", "audio/x-raw", "EMPTY"],
  ["video/x-raw, width=320", "ANY", "video/x-raw, width=(int)320"],
  ["ANY", "video/x-raw, width=320", "video/x-raw, width=(int)320"],
  ["ANY", "ANY", "ANY"],
  ["EMPTY", "ANY", "EMPTY"],
  ["video/x-raw", "EMPTY", "EMPTY"],
  [
    "audio/x-raw, format=(string){ S16LE, F32LE }, layout=interleaved, rate=[ 1, 2147483647 ], channels=[ 1, 8 ]",
    "audio/x-raw, format=F32LE, rate={ 44100, 48000 }, channels=2, layout={ interleaved, non-interleaved }",
    "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, rate=(int){ 44100, 48000 }, channels=(int)2",
  ],
  [
    "video/x-h264, stream-format={ avc, byte-stream }, alignment={ au, nal }",
    "video/x-h264, stream-format=byte-stream, alignment=au, profile=high",
    "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au, profile=(string)high",
  ],
  [
    "application/x-rtp, media=video, payload=[ 96, 127 ], clock-rate=90000, encoding-name=H264",
    "application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)H264, packetization-mode=(string)1, payload=(int)96",
    "application/x-rtp, media=(string)video, payload=(int)96, clock-rate=(int)90000, encoding-name=(string)H264, packetization-mode=(string)1",
  ],
  ["application/x-rtp, media=audio", "application/x-rtp, media=video", "EMPTY"],
  ["image/jpeg, width=[ 16, 65535 ], framerate=[ 0/1, 2147483647/1 ]", "image/jpeg, width=1280, framerate=30000/1001", "image/jpeg, width=(int)1280, framerate=(fraction)30000/1001"],
  // Every structure pair is tried; results follow this's order.
  [
    "video/x-raw, format=NV12; video/x-raw, format=I420; video/x-raw, format=RGBA",
    "video/x-raw, format={ RGBA, I420 }",
    "video/x-raw, format=(string)I420; video/x-raw, format=(string)RGBA",
  ],
  // A result covered by an earlier one is skipped.
  [
    "video/x-raw, width=[ 1, 100 ]; video/x-raw, width=[ 10, 20 ]",
    "video/x-raw",
    "video/x-raw, width=(int)[ 1, 100 ]",
  ],
  // Features.
  ["video/x-raw(memory:memfd), width=320; video/x-raw, width=320", "video/x-raw, width=[ 1, 1000 ]", "video/x-raw, width=(int)320"],
  ["video/x-raw(ANY), format=NV12", "video/x-raw(memory:memfd); video/x-raw", "video/x-raw(memory:memfd), format=(string)NV12; video/x-raw, format=(string)NV12"],
  // Types.
  ["x/y, framerate=30", "x/y, framerate=30/1", "EMPTY"],
  ["x/y, w=(double)[ 0, 1 ]", "x/y, w=(double)0.5", "x/y, w=(double)0.5"],
  ["x/y, w=(int)[ 0, 100, 2 ]", "x/y, w=(int)[ 3, 51, 3 ]", "x/y, w=(int)[ 6, 48, 6 ]"],
];

describe("intersect", () => {
  for (const [a, b, want] of intersections) {
    test(`${a.slice(0, 50)} ∩ ${b.slice(0, 50)}`, () => {
      const ca = c(a);
      const cb = c(b);
      const got = ca.intersect(cb);
      expect(got.toString()).toBe(want);
      expect(ca.canIntersect(cb)).toBe(!got.isEmpty());
      // Symmetric as sets, and inside both sides.
      expect(cb.intersect(ca).isEqual(got)).toBe(true);
      expect(got.isSubset(ca)).toBe(true);
      expect(got.isSubset(cb)).toBe(true);
    });
  }

  test("order follows this by default; zig-zag interleaves like gst_caps_intersect", () => {
    const a = c("x/y, f=a; x/y, f=b; x/y, f=c");
    const b = c("x/y, f={ c, b, a }, s=1; x/y, f={ c, b, a }, s=2");
    expect(a.intersect(b).toString()).toBe(
      "x/y, f=(string)a, s=(int)1; x/y, f=(string)a, s=(int)2; x/y, f=(string)b, s=(int)1; x/y, f=(string)b, s=(int)2; x/y, f=(string)c, s=(int)1; x/y, f=(string)c, s=(int)2",
    );
    // Diagonals: (a0,b0) (a1,b0) (a0,b1) (a2,b0) (a1,b1) (a2,b1)
    expect(a.intersect(b, "zig-zag").toString()).toBe(
      "x/y, f=(string)a, s=(int)1; x/y, f=(string)b, s=(int)1; x/y, f=(string)a, s=(int)2; x/y, f=(string)c, s=(int)1; x/y, f=(string)b, s=(int)2; x/y, f=(string)c, s=(int)2",
    );
  });

  test("a list's order in the result is this's preference", () => {
    const src = c("video/x-raw, format={ NV12, YUY2, I420 }");
    const sink = c("video/x-raw, format={ I420, NV12 }");
    expect(src.intersect(sink).toString()).toBe("video/x-raw, format=(string){ NV12, I420 }");
    expect(sink.intersect(src).toString()).toBe("video/x-raw, format=(string){ I420, NV12 }");
  });
});

/** [subset, superset, subset ⊆ superset]. */
const subsets: [string, string, boolean][] = [
  ["video/x-raw, format=I420, width=320", "video/x-raw, format={ I420, NV12 }, width=[ 16, 4096 ]", true],
  ["video/x-raw, format={ I420, NV12 }, width=[ 16, 4096 ]", "video/x-raw, format=I420, width=320", false],
  ["video/x-raw, format=I420", "video/x-raw, format=I420, width=[ 1, 2 ]", false],
  ["video/x-raw, format=I420, width=320", "video/x-raw", true],
  ["video/x-raw; audio/x-raw", "audio/x-raw; video/x-raw", true],
  ["video/x-raw; audio/x-raw", "video/x-raw", false],
  ["EMPTY", "video/x-raw", true],
  ["EMPTY", "EMPTY", true],
  ["video/x-raw", "EMPTY", false],
  ["video/x-raw", "ANY", true],
  ["ANY", "ANY", true],
  ["ANY", "video/x-raw", false],
  ["video/x-raw(memory:memfd)", "video/x-raw", false],
  ["video/x-raw(memory:memfd)", "video/x-raw(ANY)", true],
  ["video/x-raw(ANY)", "video/x-raw(memory:memfd)", false],
  ["x/y, w=(int)1", "x/y, w=(double)[ 0, 2 ]", false],
  // Covered only by the union of two structures: not detected, as in GStreamer.
  ["x/y, w=[ 1, 10 ]", "x/y, w=[ 1, 5 ]; x/y, w=[ 6, 10 ]", false],
  // Covered by a list within one structure: detected.
  ["x/y, w=[ 1, 10 ]", "x/y, w={ [ 1, 5 ], [ 6, 10 ] }", true],
  // A list covered element by element by several structures: detected (GStreamer misses it).
  ["x/y, f={ a, b }, g={ c, d }", "x/y, f=a; x/y, f=b, g=c; x/y, f=b, g=d", true],
  ["x/y, f={ a, b }, g={ c, d }", "x/y, f=a; x/y, f=b, g=c", false],
];

describe("isSubset", () => {
  for (const [a, b, want] of subsets) {
    test(`${a} ⊆ ${b}: ${want}`, () => expect(c(a).isSubset(c(b))).toBe(want));
  }
});

describe("isEqual", () => {
  const equal: [string, string, boolean][] = [
    ["video/x-raw, format={ I420, NV12 }", "video/x-raw, format={ NV12, I420 }", true],
    ["video/x-raw, format={ I420, NV12 }", "video/x-raw, format=I420; video/x-raw, format=NV12", true],
    ["x/y, w=[ 1, 3 ]", "x/y, w={ 1, 2, 3 }", true],
    ["x/y, w=[ 1, 3 ]", "x/y, w=[ 1, 4 ]", false],
    ["ANY", "ANY", true],
    ["ANY", "EMPTY", false],
    ["EMPTY", "", true],
    ["video/x-raw", "ANY", false],
    ["video/x-raw(memory:SystemMemory)", "video/x-raw", true],
    ["x/y, r=30/1", "x/y, r=60/2", true],
  ];
  for (const [a, b, want] of equal) {
    test(`${a} = ${b}: ${want}`, () => {
      expect(c(a).isEqual(c(b))).toBe(want);
      expect(c(b).isEqual(c(a))).toBe(want);
    });
  }
});

describe("fixate", () => {
  test("keeps the first structure and narrows every field", () => {
    const caps = c(
      "video/x-raw, format={ NV12, I420 }, width=[ 16, 4096 ], height=[ 16, 4096 ], framerate=[ 0/1, 2147483647/1 ]; video/x-raw, format=RGBA",
    );
    const fixed = caps.fixate();
    expect(fixed.toString()).toBe(
      "video/x-raw, format=(string)NV12, width=(int)16, height=(int)16, framerate=(fraction)0/1",
    );
    expect(fixed.isFixed()).toBe(true);
    expect(fixed.isSubset(caps)).toBe(true);
  });

  test("preferred values: nearest in range, nearest fraction, preferred string if listed", () => {
    const caps = c(
      "video/x-raw, format={ NV12, I420 }, width=[ 16, 1280 ], height=[ 16, 4096 ], framerate=[ 0/1, 30/1 ], pixel-aspect-ratio=1/1",
    );
    expect(caps.fixate({ format: "I420", width: 1920, height: 1080, framerate: fraction(60, 1) }).toString()).toBe(
      "video/x-raw, format=(string)I420, width=(int)1280, height=(int)1080, framerate=(fraction)30/1, pixel-aspect-ratio=(fraction)1/1",
    );
    expect(caps.fixate({ framerate: fraction(25, 1) }).structures[0]!.get("framerate")).toEqual(fraction(25, 1));
    expect(c("x/y, r={ 24/1, 25/1, 30000/1001, 60/1 }").fixate({ r: fraction(30, 1) }).toString()).toBe(
      "x/y, r=(fraction)30000/1001",
    );
  });

  test("already fixed caps come back as they are; EMPTY stays EMPTY; ANY cannot be fixated", () => {
    const fixed = c("audio/x-raw, rate=48000, channels=2");
    expect(fixed.fixate()).toBe(fixed);
    expect(Caps.empty().fixate()).toBe(Caps.empty());
    expect(() => Caps.any().fixate()).toThrow(/cannot fixate ANY caps: intersect them/);
  });

  test("truncate keeps the most preferred structure", () => {
    expect(c("a/b; c/d").truncate().toString()).toBe("a/b");
    const one = c("a/b");
    expect(one.truncate()).toBe(one);
  });
});

describe("union", () => {
  test("appends the other's structures that are not already covered", () => {
    expect(c("video/x-raw, format=I420").union(c("video/x-raw, format=NV12")).toString()).toBe(
      "video/x-raw, format=(string)I420; video/x-raw, format=(string)NV12",
    );
    expect(c("video/x-raw, width=[ 1, 100 ]").union(c("video/x-raw, width=50; audio/x-raw")).toString()).toBe(
      "video/x-raw, width=(int)[ 1, 100 ]; audio/x-raw",
    );
    const a = c("video/x-raw");
    expect(a.union(c("video/x-raw, width=1"))).toBe(a);
  });

  test("ANY absorbs, EMPTY is neutral", () => {
    expect(c("video/x-raw").union(Caps.any()).isAny()).toBe(true);
    expect(Caps.any().union(Caps.empty()).isAny()).toBe(true);
    const a = c("video/x-raw");
    expect(a.union(Caps.empty())).toBe(a);
    expect(Caps.empty().union(a)).toBe(a);
  });
});

describe("simplify", () => {
  test("drops covered structures and merges one-field differences, keeping the order", () => {
    const caps = c(
      "video/x-raw, format=NV12, width=320; video/x-raw, format=I420, width=320; video/x-raw, format=NV12, width=320; audio/x-raw, rate=44100; audio/x-raw",
    );
    const simple = caps.simplify();
    expect(simple.toString()).toBe("video/x-raw, format=(string){ NV12, I420 }, width=(int)320; audio/x-raw");
    expect(simple.isEqual(caps)).toBe(true);
  });

  test("merges ranges into one", () => {
    const caps = c("x/y, w=[ 1, 10 ]; x/y, w=[ 5, 20 ]; x/y, w=21");
    expect(caps.simplify().toString()).toBe("x/y, w=(int)[ 1, 21 ]");
  });

  test("does not merge structures that differ in two fields or in features", () => {
    const caps = c("x/y, a=1, b=1; x/y, a=2, b=2; x/y(memory:memfd), a=1, b=1");
    expect(caps.simplify()).toBe(caps);
  });

  test("single structures, ANY and EMPTY are already simple", () => {
    const one = c("x/y, a={ 1, 2 }");
    expect(one.simplify()).toBe(one);
    expect(Caps.any().simplify()).toBe(Caps.any());
    expect(Caps.empty().simplify()).toBe(Caps.empty());
  });
});

describe("explainMismatch", () => {
  test("one structure each: the reason alone", () => {
    expect(c("video/x-raw, format=I420").explainMismatch(c("video/x-raw, format={ RGBA, BGRA }"))).toBe(
      'field "format": I420 vs { RGBA, BGRA }',
    );
    expect(c("video/x-raw, format=I420").explainMismatch(c("audio/x-raw, format=S16LE"))).toBe(
      "media type video/x-raw vs audio/x-raw",
    );
    expect(c("video/x-raw(memory:memfd)").explainMismatch(c("video/x-raw"))).toBe(
      "caps features (memory:memfd) vs (memory:SystemMemory)",
    );
    expect(c("audio/x-raw, rate=44100, channels=2").explainMismatch(c("audio/x-raw, channels=[ 1, 8 ], rate=48000"))).toBe(
      'field "rate": 44100 vs 48000',
    );
  });

  test("null when they intersect, including ANY", () => {
    expect(c("video/x-raw, format=I420").explainMismatch(c("video/x-raw"))).toBeNull();
    expect(c("video/x-raw").explainMismatch(Caps.any())).toBeNull();
    expect(Caps.any().explainMismatch(c("audio/x-raw"))).toBeNull();
  });

  test("EMPTY is named as the reason", () => {
    expect(Caps.empty().explainMismatch(c("video/x-raw"))).toMatch(/these caps are EMPTY/);
    expect(c("video/x-raw").explainMismatch(Caps.empty())).toMatch(/the other caps are EMPTY/);
  });

  test("several structures: same media type first, prefixed with it, without repeats", () => {
    const offer = c("video/x-raw, format=I420, width=320");
    const accept = c("audio/x-raw; video/x-raw, format={ RGBA, BGRA }; image/jpeg; audio/x-raw, rate=8000");
    expect(offer.explainMismatch(accept)).toBe(
      'video/x-raw: field "format": I420 vs { RGBA, BGRA }; media type video/x-raw vs audio/x-raw; media type video/x-raw vs image/jpeg',
    );
  });

  test("long explanations are cut with a count", () => {
    const many = Array.from({ length: 10 }, (_, i) => `x/y, f=v${i}`).join("; ");
    const r = c("x/y, f=none").explainMismatch(c(many))!;
    expect(r).toMatch(/; and 4 more$/);
    expect(r.split("; ").length).toBe(7);
  });
});

describe("laws over a corpus of real caps", () => {
  const corpus = [
    "ANY",
    "EMPTY",
    "video/x-raw, format=(string){ I420, YV12, NV12, RGBA, BGRA }, width=(int)[ 1, 2147483647 ], height=(int)[ 1, 2147483647 ], framerate=(fraction)[ 0/1, 2147483647/1 ]",
    "video/x-raw, format=(string)I420, width=(int)320, height=(int)240, framerate=(fraction)30/1",
    "video/x-raw, format=(string){ RGBA, BGRA }, width=(int)[ 16, 4096, 16 ], height=(int)[ 16, 4096 ]",
    "video/x-raw(memory:memfd), format=(string){ NV12, I420 }, width=(int)[ 1, 8192 ]; video/x-raw, format=(string)NV12",
    "video/x-raw(ANY), framerate=(fraction){ 25/1, 30000/1001, 60/1 }",
    "audio/x-raw, format=(string){ S16LE, F32LE }, layout=(string)interleaved, rate=(int)[ 1, 2147483647 ], channels=(int)[ 1, 8 ]",
    "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, rate=(int){ 44100, 48000 }, channels=(int)2",
    "audio/x-raw, volume=(double)[ 0, 10 ], rate=(int)48000",
    "image/jpeg, width=(int)[ 16, 65535 ], height=(int)[ 16, 65535 ], framerate=(fraction)[ 0/1, 2147483647/1 ], sof-marker=(int){ 0, 1, 2, 4, 9 }",
    "application/x-rtp, media=(string)video, payload=(int)[ 96, 127 ], clock-rate=(int)90000, encoding-name=(string)H264",
    "video/x-h264, stream-format=(string){ avc, byte-stream }, alignment=(string){ au, nal }; video/x-h265, stream-format=(string)byte-stream",
  ].map((t) => c(t));

  test("round trip, intersection, subset, union, simplify and fixation agree", () => {
    for (const a of corpus) {
      expect(c(a.toString()).isEqual(a)).toBe(true);
      expect(a.isSubset(a)).toBe(true);
      expect(a.intersect(a).isEqual(a)).toBe(true);
      expect(a.simplify().isEqual(a)).toBe(true);
      if (!a.isAny() && !a.isEmpty()) {
        const fixed = a.fixate();
        expect(fixed.isFixed()).toBe(true);
        expect(fixed.isSubset(a) || a.structures[0]!.features?.[0] === "ANY").toBe(true);
        expect(c(fixed.toString()).isEqual(fixed)).toBe(true);
      }
      for (const b of corpus) {
        const ab = a.intersect(b);
        expect(ab.isSubset(a)).toBe(true);
        expect(ab.isSubset(b)).toBe(true);
        expect(ab.isEqual(b.intersect(a))).toBe(true);
        expect(ab.isEqual(a.intersect(b, "zig-zag"))).toBe(true);
        expect(a.canIntersect(b)).toBe(!ab.isEmpty());
        expect(a.explainMismatch(b) === null).toBe(!ab.isEmpty());
        const u = a.union(b);
        expect(a.isSubset(u)).toBe(true);
        expect(b.isSubset(u)).toBe(true);
        if (a.isSubset(b)) expect(ab.isEqual(a)).toBe(true);
      }
    }
  });

  test("values built in code behave like parsed ones", () => {
    const built = Caps.from([
      Structure.of("video/x-raw", {
        format: new ValueList(["I420", "NV12"]),
        width: new IntRange(16, 4096),
        gain: new DoubleRange(0, 1),
        framerate: fraction(30, 1),
      }),
    ]);
    const parsed = c("video/x-raw, format={ I420, NV12 }, width=[ 16, 4096 ], gain=(double)[ 0, 1 ], framerate=30/1");
    expect(built.isEqual(parsed)).toBe(true);
    expect(built.toString()).toBe(parsed.toString());
  });
});
