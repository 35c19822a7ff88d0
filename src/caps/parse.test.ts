import { describe, expect, test } from "bun:test";
import { Caps } from "./caps.ts";
import { fraction } from "./fraction.ts";
import {
  CapsParseError,
  parseBooleanText,
  parseCaps,
  parseDoubleText,
  parseFractionText,
  parseIntText,
} from "./parse.ts";
import type { Structure } from "./structure.ts";
import { DoubleRange, FractionRange, IntRange, ValueList } from "./value.ts";

/** Caps as GStreamer prints them: our printer must give back exactly the same text. */
const canonical = [
  "video/x-raw, format=(string)I420, width=(int)320, height=(int)240, framerate=(fraction)30/1, pixel-aspect-ratio=(fraction)1/1, interlace-mode=(string)progressive, colorimetry=(string)bt601, chroma-site=(string)jpeg, multiview-mode=(string)mono",
  "video/x-raw, format=(string){ I420, YV12, YUY2, UYVY, AYUV, RGBx, BGRx, xRGB, xBGR, RGBA, BGRA, ARGB, ABGR, RGB, BGR, Y41B, Y42B, YVYU, Y444, v210, v216, NV12, NV21, GRAY8, GRAY16_BE, GRAY16_LE }, width=(int)[ 1, 2147483647 ], height=(int)[ 1, 2147483647 ], framerate=(fraction)[ 0/1, 2147483647/1 ]",
  "video/x-raw(memory:DMABuf), format=(string)DMA_DRM, drm-format=(string)NV12:0x0100000000000002, width=(int)1920, height=(int)1080",
  "video/x-raw(memory:GLMemory), format=(string)RGBA, width=(int)[ 1, 2147483647 ], height=(int)[ 1, 2147483647 ], framerate=(fraction)[ 0/1, 2147483647/1 ], texture-target=(string){ 2D, rectangle, external-oes }",
  "video/x-raw(memory:GLMemory, meta:GstVideoOverlayComposition), format=(string)RGBA",
  "video/x-raw(ANY), format=(string){ I420, NV12 }",
  "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, rate=(int)44100, channels=(int)2",
  "audio/x-raw, format=(string){ F32LE, S16LE }, rate=(int)[ 1, 2147483647 ], channels=(int)[ 1, 2147483647 ], layout=(string){ interleaved, non-interleaved }",
  "audio/x-raw, format=(string)F32LE, layout=(string)interleaved, rate=(int)48000, channels=(int)1",
  "image/jpeg, width=(int)640, height=(int)480, framerate=(fraction)30/1, sof-marker=(int)0, pixel-aspect-ratio=(fraction)1/1, parsed=(boolean)true",
  "image/jpeg, width=(int)[ 16, 65535 ], height=(int)[ 16, 65535 ], framerate=(fraction)[ 0/1, 2147483647/1 ], sof-marker=(int){ 0, 1, 2, 4, 9 }",
  'application/x-rtp, media=(string)video, clock-rate=(int)90000, encoding-name=(string)H264, packetization-mode=(string)1, profile-level-id=(string)42e01f, sprop-parameter-sets=(string)"Z0LgH9oFAe2AtwEBAaQeJEV\\,aM4xUg\\=\\=", payload=(int)96, a-framerate=(string)30',
  "application/x-rtp, media=(string)audio, clock-rate=(int)48000, encoding-name=(string)OPUS, encoding-params=(string)2, sprop-stereo=(string)1, payload=(int)111",
  "application/x-rtp, media=(string)video, payload=(int)[ 96, 127 ], clock-rate=(int)90000, encoding-name=(string)H264",
  "video/x-h264, stream-format=(string)avc, alignment=(string)au, level=(string)3.1, profile=(string)high",
  "video/x-h264, stream-format=(string)byte-stream, alignment=(string)au, profile=(string){ constrained-baseline, baseline, main, high }",
  "video/x-h265, stream-format=(string){ hvc1, hev1, byte-stream }, alignment=(string){ au, nal }",
  "audio/mpeg, mpegversion=(int)4, stream-format=(string)raw, rate=(int){ 8000, 11025, 16000, 22050, 32000, 44100, 48000 }, channels=(int)[ 1, 2 ]",
  "video/x-vp8; video/x-vp9",
  "text/x-raw, format=(string){ pango-markup, utf8 }",
  "application/x-foo, d=(double)[ 0.5, 2.25 ], b=(boolean){ true, false }, neg=(int)[ -10, -2, 2 ]",
  'application/x-foo, s=(string)"hello\\ world", q=(string)"a\\"b", e=(string)"", u=(string)"\\303\\251", t=(string)"tab\\011x"',
  "application/x-foo, w=(int)[ 0, 100, 2 ], step=(int)[ 6, 48, 6 ]",
  "application/x-foo, x=(double)inf, y=(double)-inf, z=(double)1e+21, w=(double)1",
  "ANY",
  "EMPTY",
];

/** Other spellings GStreamer accepts, with the canonical text they print as. */
const spellings: [string, string][] = [
  ["", "EMPTY"],
  ["   ", "EMPTY"],
  ["NONE", "EMPTY"],
  [" ANY ", "ANY"],
  ["ANY;", "ANY"],
  ["video/x-raw", "video/x-raw"],
  ["video/x-raw;", "video/x-raw"],
  ["video/x-raw ; audio/x-raw ;", "video/x-raw; audio/x-raw"],
  [
    "video/x-raw,format=I420,width=320,height=[16,4096],framerate=30/1",
    "video/x-raw, format=(string)I420, width=(int)320, height=(int)[ 16, 4096 ], framerate=(fraction)30/1",
  ],
  [
    "  video/x-raw (memory:memfd) ,\n\tformat = { I420 , NV12 } ,width= ( int ) 320 ",
    "video/x-raw(memory:memfd), format=(string){ I420, NV12 }, width=(int)320",
  ],
  ["video/x-raw(memory:SystemMemory), width=1", "video/x-raw, width=(int)1"],
  ["video/x-raw( memory:memfd , meta:Overlay )", "video/x-raw(memory:memfd, meta:Overlay)"],
  ["x/y, a=(i)1, b=(d)2, c=(f)2.5, d=(s)abc, e=(b)1, f=(bool)no, g=(str)x, h=(float)1", "x/y, a=(int)1, b=(double)2, c=(double)2.5, d=(string)abc, e=(boolean)true, f=(boolean)false, g=(string)x, h=(double)1"],
  ["x/y, a=(uint)3735928559, b=(gint)1, c=(int64)5, d=(gboolean)yes, e=(gchararray)z", "x/y, a=(int)3735928559, b=(int)1, c=(int)5, d=(boolean)true, e=(string)z"],
  ["x/y, a=1, b=1.5, c=30/1, d=true, e=no, f=t, g=F, h=I420, i=\"5\"", "x/y, a=(int)1, b=(double)1.5, c=(fraction)30/1, d=(boolean)true, e=(boolean)false, f=(boolean)true, g=(boolean)false, h=(string)I420, i=(string)5"],
  ["x/y, a=0x10, b=010, c=-5, d=+5, e=max, f=min, g=08", "x/y, a=(int)16, b=(int)8, c=(int)-5, d=(int)5, e=(int)2147483647, f=(int)-2147483648, g=(double)8"],
  ["x/y, a=1e5, b=.5, c=1., d=inf, e=-Infinity, f=nan, g=1/0, h=-3/6", "x/y, a=(double)100000, b=(double)0.5, c=(double)1, d=(double)inf, e=(double)-inf, f=(string)nan, g=(string)1/0, h=(fraction)-1/2"],
  ["x/y, r=(fraction)30, s=(fraction)29.97, t=(fraction)[ 0, 30 ]", "x/y, r=(fraction)30/1, s=(fraction)2997/100, t=(fraction)[ 0/1, 30/1 ]"],
  ["x/y, a=(double)[ 1, 2 ], b=[ 1, 2.5 ], c=[ 0/1, 30 ], d=[ 1.0, 3.0 ]", "x/y, a=(double)[ 1, 2 ], b=(double)[ 1, 2.5 ], c=(fraction)[ 0/1, 30/1 ], d=(double)[ 1, 3 ]"],
  ["x/y, a={ 1, 2.5 }, b={ (int)1, (string)abc }, c={ a, { b, c } }, d={ [ 1, 5 ], 10 }", "x/y, a=(double){ 1, 2.5 }, b=(int){ 1, (string)abc }, c=(string){ a, b, c }, d=(int){ [ 1, 5 ], 10 }"],
  ["x/y, a=(string){ 1, 2 }", "x/y, a=(string){ 1, 2 }"],
  ['x/y, s="a\\\\b", t="\\q", u="é", v="\\303\\251\\303\\251"', 'x/y, s=(string)"a\\\\b", t=(string)q, u=(string)"\\303\\251", v=(string)"\\303\\251\\303\\251"'],
  ["x/y, a=(int)\"5\"", "x/y, a=(int)5"],
  ["x/y, a=[ 5, 5 ]", "x/y, a=(int)[ 5, 5 ]"],
  // GStreamer prints doubles with 17 significant digits; they read back to the same double.
  ["x/y, e=(double)0.10000000000000001, f=(double)[ 0.10000000000000001, 1 ]", "x/y, e=(double)0.1, f=(double)[ 0.1, 1 ]"],
];

describe("round trip", () => {
  for (const text of canonical) {
    test(`prints back exactly: ${text.slice(0, 70)}`, () => {
      const caps = Caps.parse(text);
      expect(caps.toString()).toBe(text);
      expect(Caps.parse(caps.toString()).isEqual(caps)).toBe(true);
    });
  }
  for (const [text, printed] of spellings) {
    test(`reads ${JSON.stringify(text).slice(0, 70)}`, () => {
      const caps = Caps.parse(text);
      expect(caps.toString()).toBe(printed);
      const again = Caps.parse(caps.toString());
      expect(again.isEqual(caps)).toBe(true);
      expect(again.toString()).toBe(printed);
    });
  }
});

describe("what the parser builds", () => {
  const one = (text: string): Structure => {
    const r = parseCaps(text);
    if (r === "ANY" || r.length !== 1) throw new Error("expected one structure");
    return r[0]!;
  };

  test("values and their types", () => {
    const s = one(
      "video/x-raw, format=(string){ I420, NV12 }, width=[ 16, 4096 ], height=(int)[ 0, 100, 4 ], framerate=[ 0/1, 60/1 ], par=1/1, gain=(double)[ 0, 2 ], live=true, w=(double)320",
    );
    expect(s.name).toBe("video/x-raw");
    expect(s.features).toBeNull();
    expect((s.get("format") as ValueList).values).toEqual(["I420", "NV12"]);
    expect(s.get("width")).toBeInstanceOf(IntRange);
    expect(s.get("height")).toMatchObject({ min: 0, max: 100, step: 4 });
    expect(s.get("framerate")).toBeInstanceOf(FractionRange);
    expect(s.get("par")).toEqual(fraction(1, 1));
    expect(s.get("gain")).toBeInstanceOf(DoubleRange);
    expect(s.get("live")).toBe(true);
    expect(s.get("w")).toBe(320);
    expect(s.typeOf("w")).toBe("double");
    expect(s.typeOf("width")).toBe("int");
    expect(s.typeOf("format")).toBe("string");
    expect(s.typeOf("framerate")).toBe("fraction");
    expect(s.typeOf("live")).toBe("boolean");
  });

  test("features", () => {
    expect(one("video/x-raw(memory:memfd)").features).toEqual(["memory:memfd"]);
    expect(one("video/x-raw(ANY)").features).toEqual(["ANY"]);
    expect(one("video/x-raw(memory:SystemMemory)").features).toBeNull();
  });

  test("several structures keep their order", () => {
    const r = parseCaps("video/x-raw, format=NV12; video/x-raw(memory:memfd); audio/x-raw");
    expect(r).not.toBe("ANY");
    expect((r as Structure[]).map((s) => s.name)).toEqual(["video/x-raw", "video/x-raw", "audio/x-raw"]);
  });

  test("quoted strings decode escapes and UTF-8 octal bytes", () => {
    const s = one('x/y, a="say \\"hi\\"", b="\\303\\251t\\303\\251", c="\\,\\=", d="😀", e="\\360\\237\\230\\200"');
    expect(s.get("a")).toBe('say "hi"');
    expect(s.get("b")).toBe("été");
    expect(s.get("c")).toBe(",=");
    expect(s.get("d")).toBe("😀");
    expect(s.get("e")).toBe("😀");
  });
});

describe("scalar readers", () => {
  test("parseIntText", () => {
    expect(parseIntText("320")).toBe(320);
    expect(parseIntText("-7")).toBe(-7);
    expect(parseIntText("0x1F")).toBe(31);
    expect(parseIntText("-0x10")).toBe(-16);
    expect(parseIntText("017")).toBe(15);
    expect(parseIntText("0")).toBe(0);
    expect(parseIntText("MAX")).toBe(2147483647);
    for (const bad of ["", "-", "1.5", "0x", "12a", "08", "99999999999999999999"]) expect(parseIntText(bad)).toBeNull();
  });

  test("parseDoubleText", () => {
    expect(parseDoubleText("1.5", false)).toBe(1.5);
    expect(parseDoubleText(".5", false)).toBe(0.5);
    expect(parseDoubleText("1.", false)).toBe(1);
    expect(parseDoubleText("-2e-3", false)).toBe(-0.002);
    expect(parseDoubleText("inf", false)).toBeNull();
    expect(parseDoubleText("inf", true)).toBe(Infinity);
    expect(parseDoubleText("-INFINITY", true)).toBe(-Infinity);
    expect(parseDoubleText("nan", true)).toBeNull();
    for (const bad of ["", ".", "e5", "1e", "1.2.3", "+", "abc"]) expect(parseDoubleText(bad, true)).toBeNull();
  });

  test("parseFractionText and parseBooleanText", () => {
    expect(parseFractionText("30000/1001")).toEqual(fraction(30000, 1001));
    expect(parseFractionText("-1/2")).toEqual(fraction(-1, 2));
    for (const bad of ["1/0", "/2", "2/", "a/b", "1.5/2", "1"]) expect(parseFractionText(bad)).toBeNull();
    expect(parseBooleanText("Yes")).toBe(true);
    expect(parseBooleanText("0")).toBe(false);
    expect(parseBooleanText("maybe")).toBeNull();
  });
});

/** [text, the column the caret must point at (0-based), reason, hint]. */
const errors: [string, number, RegExp, RegExp | null][] = [
  ["video/x-raw, width=320 height=240", 23, /expected ',' or ';' after the value of field "width"/, /separate fields/],
  ["video/x-raw width=320", 12, /expected ',' or ';' after the media type video\/x-raw/, /separate fields/],
  ["video/x-raw, format={ I420, NV12", 20, /unterminated list '\{'/, /close the list/],
  ["video/x-raw, format={ I420 NV12 }", 27, /expected ',' or '\}' in list/, null],
  ["video/x-raw, format={ }", 20, /empty list/, /leave the field out/],
  ["video/x-raw, format={ I420, }", 28, /expected a value after ','/, /trailing ','/],
  ["video/x-raw, width=[ 16, 4096", 19, /unterminated range '\['/, /close the range/],
  ["video/x-raw, width=[ 16 ]", 19, /needs a minimum and a maximum/, /\[ min, max \]/],
  ["video/x-raw, width=[ 1, 2, 3, 4 ]", 30, /at most three parts/, null],
  ["video/x-raw, width=[ 10, 1 ]", 19, /min is greater than max/, null],
  ["video/x-raw, width=[ 1, 10, 2 ]", 19, /multiples of the step/, null],
  ["video/x-raw, width=[ 1.5, 10, 2 ]", 30, /only int ranges can have a step/, null],
  ["video/x-raw, width=[ a, b ]", 21, /range bounds must be numbers or fractions/, /use a list/],
  ["video/x-raw, f=[ 1/2, 2.5 ]", 22, /cannot mix a fraction and a decimal/, null],
  ["video/x-raw, width=[ {1, 2}, 3 ]", 21, /cannot be a range or a list/, null],
  ["video/x-raw, width=(int)abc", 24, /"abc" is not a valid int/, /whole numbers/],
  ["video/x-raw, width=(int)[ 1, 2.5 ]", 29, /"2.5" is not a valid int/, null],
  ["video/x-raw, g=(double)nan", 23, /"nan" is not a valid double/, /nan is not allowed/],
  ["video/x-raw, r=(fraction)1/0", 25, /"1\/0" is not a valid fraction/, /30\/1/],
  ["video/x-raw, b=(boolean)maybe", 24, /"maybe" is not a valid boolean/, /true or false/],
  ["video/x-raw, w=(integer)5", 16, /unknown type "\(integer\)"/, /known types/],
  ["audio/x-raw, channel-mask=(bitmask)0x3", 27, /\(bitmask\)" is not supported/, /leave the field out/],
  ["video/x-raw, w=(int 5", 20, /expected '\)' to close the type/, null],
  ["video/x-raw, w=()5", 16, /expected a type name after '\('/, null],
  ["video/x-raw,", 12, /expected a field name after ','/, /trailing ','/],
  ["video/x-raw, ; audio/x-raw", 13, /expected a field name after ','/, null],
  ["video/x-raw, width", 18, /expected '=' after field name "width"/, /name=value/],
  ["video/x-raw, width=", 19, /field "width" has no value/, /give a value/],
  ["video/x-raw, width=, height=1", 19, /field "width" has no value/, null],
  ["video/x-raw, =5", 13, /expected a field name, found '='/, null],
  ["video/x-raw, width=1, width=2", 22, /field "width" appears twice/, /once/],
  ["video/x-raw, name=hello world", 24, /expected ',' or ';' after the value of field "name"/, null],
  ["video/x-raw, name=a*b", 19, /expected ',' or ';' after the value of field "name", found '\*'/, /quote values/],
  ["video/x-raw, name=*", 18, /unexpected '\*' in the value of field "name"/, /quote values/],
  ['video/x-raw, name="abc', 18, /unterminated string/, /close the string/],
  ['video/x-raw, name="a\\1b"', 20, /invalid octal escape/, /three octal digits/],
  ["video/x-raw, a=< 1, 2 >", 15, /arrays '< >' are not supported/, /use a list/],
  ["video/x-raw(memory:memfd", 11, /unterminated caps features/, /close the features/],
  ["video/x-raw(memfd)", 12, /caps feature "memfd" must look like/, /memory:SystemMemory/],
  ["video/x-raw(memory:memfd,)", 25, /expected a caps feature/, null],
  ["video/x-raw(memory:memfd meta:Overlay)", 25, /expected ',' or '\)' in caps features, found 'm'/, null],
  ["video/x-raw(ANY, memory:memfd)", 12, /cannot be combined/, /ANY alone/],
  ["video/x-raw;;audio/x-raw", 12, /expected a media type such as video\/x-raw, found ';'/, /remove the extra ';'/],
  ["1video/x-raw", 0, /media type "1video\/x-raw" must start with a letter/, null],
  [", width=1", 0, /expected a media type/, null],
  ["ANY, width=1", 0, /ANY must stand alone/, /cannot be combined/],
  ["EMPTY; video/x-raw", 0, /EMPTY must stand alone/, null],
];

describe("parse errors point at the offending column", () => {
  for (const [text, position, reason, hint] of errors) {
    test(`${JSON.stringify(text)} -> column ${position + 1}`, () => {
      let error: unknown;
      try {
        Caps.parse(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CapsParseError);
      const e = error as CapsParseError;
      expect(e.reason).toMatch(reason);
      expect(e.position).toBe(position);
      expect(e.text).toBe(text);
      if (hint !== null) expect(e.hint ?? "").toMatch(hint);
      // The message shows the text and puts the caret under the offending character.
      const lines = e.message.split("\n");
      expect(lines[0]).toContain(`(column ${position + 1})`);
      expect(lines[1]).toBe(`  ${text}`);
      expect(lines[2]).toBe(`  ${" ".repeat(position)}^`);
    });
  }

  test("long texts are shown around the error with ellipses", () => {
    const text = `video/x-raw, format=(string){ ${"I420, ".repeat(30)}NV12 }, width=(int)abc, height=(int)240, framerate=(fraction)30/1`;
    let e: CapsParseError | undefined;
    try {
      Caps.parse(text);
    } catch (err) {
      e = err as CapsParseError;
    }
    expect(e).toBeInstanceOf(CapsParseError);
    const [, snippet, caret] = e!.message.split("\n");
    expect(snippet!.startsWith("  …")).toBe(true);
    expect(snippet!.endsWith("…")).toBe(true);
    // The character above the caret is the start of "abc".
    const col = caret!.indexOf("^");
    expect(snippet!.slice(col, col + 3)).toBe("abc");
  });

  test("newlines and tabs do not shift the caret", () => {
    let e: CapsParseError | undefined;
    try {
      Caps.parse("video/x-raw,\n\twidth=(int)abc");
    } catch (err) {
      e = err as CapsParseError;
    }
    const [, snippet, caret] = e!.message.split("\n");
    expect(snippet).toBe("  video/x-raw,  width=(int)abc");
    expect(caret).toBe(`  ${" ".repeat(25)}^`);
  });

  test("the error names the class and rejects non-strings", () => {
    expect(() => Caps.parse("x/y, a=")).toThrow(CapsParseError);
    try {
      Caps.parse("x/y, a=");
    } catch (e) {
      expect((e as Error).name).toBe("CapsParseError");
    }
    expect(() => Caps.parse(42 as never)).toThrow(TypeError);
  });
});
