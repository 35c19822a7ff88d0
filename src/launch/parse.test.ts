/**
 * Tests for the launch parser: real pipelines from the GStreamer documentation and the
 * gst-launch-1.0 man page, with exact AST shapes and positions, and every syntax error with the
 * column its caret points at.
 */

import { describe, expect, test } from "bun:test";
import type { CapsAst, ElementAst, LaunchAst, NodeAst, Pos, PropertyAst, RefAst } from "./ast.ts";
import { parseLaunch } from "./parse.ts";
import { LaunchSyntaxError, SourceError } from "./source-error.ts";

/** Span of the `nth` occurrence of `needle` in `text` (found independently of the parser). */
function at(text: string, needle: string, nth = 0): Pos {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`test bug: '${needle}' #${nth} not in '${text}'`);
  }
  return { start: i, end: i + needle.length };
}

/** Span from the start of `a` to the end of `b` (each the first occurrence at or after `from`). */
function span(text: string, a: string, b: string, from = 0): Pos {
  const start = text.indexOf(a, from);
  const end = text.indexOf(b, start) + b.length;
  if (start < 0 || end < b.length) throw new Error(`test bug: span '${a}'..'${b}' not in '${text}'`);
  return { start, end };
}

function el(factory: string, pos: Pos, props: PropertyAst[] = [], name?: { name: string; pos: Pos }): ElementAst {
  const e: ElementAst = { kind: "element", factory, props, pos };
  if (name) {
    e.name = name.name;
    e.namePos = name.pos;
  }
  return e;
}

function prop(key: string, value: string, pos: Pos, valuePos: Pos, quoted = false): PropertyAst {
  return { key, value, quoted, pos, valuePos };
}

function ref(element: string, pos: Pos, pad?: string): RefAst {
  return pad === undefined ? { kind: "ref", element, pos } : { kind: "ref", element, pad, pos };
}

function caps(text: string, pos: Pos): CapsAst {
  return { kind: "caps", text, pos };
}

/** A compact, position-free rendering of the graph, for tests about shape only. */
function shape(ast: LaunchAst): string[] {
  const label = (n: NodeAst): string =>
    n.kind === "element"
      ? n.factory + (n.name !== undefined ? `#${n.name}` : "")
      : n.kind === "ref"
        ? `${n.element}.${n.pad ?? ""}`
        : `[${n.text}]`;
  return ast.links.map((l) => `${label(l.from)} -> ${label(l.to)}`);
}

function elements(ast: LaunchAst): ElementAst[] {
  return ast.nodes.filter((n): n is ElementAst => n.kind === "element");
}

/** Parses `text` expecting a LaunchSyntaxError; checks message, span, hint and the caret line. */
function expectSyntaxError(
  text: string,
  want: { message: string | RegExp; pos: Pos; hint: string | RegExp },
): LaunchSyntaxError {
  let caught: unknown;
  try {
    parseLaunch(text);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(LaunchSyntaxError);
  const err = caught as LaunchSyntaxError;
  expect(err).toBeInstanceOf(SourceError);
  if (typeof want.message === "string") expect(err.summary).toBe(want.message);
  else expect(err.summary).toMatch(want.message);
  expect(err.pos).toEqual(want.pos);
  expect(err.text).toBe(text);
  if (typeof want.hint === "string") expect(err.hint).toBe(want.hint);
  else expect(err.hint ?? "").toMatch(want.hint);
  // The rendered message: summary, snippet, caret under the column, hint.
  const lines = err.message.split("\n");
  expect(lines[0]).toBe(err.summary);
  const caretLine = lines[2] ?? "";
  const width = Math.max(1, want.pos.end - want.pos.start);
  expect(caretLine).toBe("  " + " ".repeat(want.pos.start) + "^" + "~".repeat(width - 1));
  expect(lines[3]).toBe(`hint: ${err.hint}`);
  return err;
}

describe("simple chains", () => {
  test("three elements linked in a row", () => {
    const text = "videotestsrc ! videoconvert ! autovideosink";
    const ast = parseLaunch(text);
    const a = el("videotestsrc", { start: 0, end: 12 });
    const b = el("videoconvert", { start: 15, end: 27 });
    const c = el("autovideosink", { start: 30, end: 43 });
    expect(ast).toEqual({
      text,
      nodes: [a, b, c],
      links: [
        { from: a, to: b, pos: { start: 13, end: 14 } },
        { from: b, to: c, pos: { start: 28, end: 29 } },
      ],
    });
    // Links refer to the very node objects listed in `nodes`.
    expect(ast.links[0]!.from).toBe(ast.nodes[0]!);
    expect(ast.links[1]!.from).toBe(ast.links[0]!.to);
  });

  test("a single element is a chain with no links", () => {
    expect(parseLaunch("fakesrc")).toEqual({
      text: "fakesrc",
      nodes: [el("fakesrc", { start: 0, end: 7 })],
      links: [],
    });
  });

  test("leading, trailing and repeated whitespace (tabs, newlines) is ignored", () => {
    const text = " \t\n fakesrc \n\t!   fakesink \n ";
    const ast = parseLaunch(text);
    const a = el("fakesrc", at(text, "fakesrc"));
    const b = el("fakesink", at(text, "fakesink"));
    expect(ast.nodes).toEqual([a, b]);
    expect(ast.links).toEqual([{ from: a, to: b, pos: at(text, "!") }]);
  });

  test("no whitespace around '!' is needed", () => {
    const text = "fakesrc!identity!fakesink";
    const ast = parseLaunch(text);
    expect(shape(ast)).toEqual(["fakesrc -> identity", "identity -> fakesink"]);
    expect(ast.links.map((l) => l.pos.start)).toEqual([7, 16]);
    expect(ast.nodes.map((n) => n.pos)).toEqual([
      { start: 0, end: 7 },
      { start: 8, end: 16 },
      { start: 17, end: 25 },
    ]);
  });

  test("factory names with digits, '_' and '-'", () => {
    const text = "v4l2src ! avdec_h264 ! x264enc ! rtph264pay ! udpsink";
    expect(elements(parseLaunch(text)).map((e) => e.factory)).toEqual([
      "v4l2src",
      "avdec_h264",
      "x264enc",
      "rtph264pay",
      "udpsink",
    ]);
    expect(elements(parseLaunch("my-element_2 ! fakesink"))[0]!.factory).toBe("my-element_2");
  });

  test("mp3 playback pipeline from the gst-launch-1.0 man page", () => {
    const text =
      "filesrc location=music.mp3 ! mpegaudioparse ! mpg123audiodec ! audioconvert ! audioresample ! autoaudiosink";
    const ast = parseLaunch(text);
    const src = el("filesrc", span(text, "filesrc", "music.mp3"), [
      prop("location", "music.mp3", at(text, "location=music.mp3"), at(text, "music.mp3")),
    ]);
    expect(ast.nodes[0]).toEqual(src);
    expect(ast.nodes.map((n) => (n as ElementAst).factory)).toEqual([
      "filesrc",
      "mpegaudioparse",
      "mpg123audiodec",
      "audioconvert",
      "audioresample",
      "autoaudiosink",
    ]);
    expect(ast.links).toHaveLength(5);
    expect(ast.links.map((l) => l.pos)).toEqual([0, 1, 2, 3, 4].map((k) => at(text, "!", k)));
  });

  test("ogg playback: a demuxer links on to a decoder in one chain", () => {
    const text =
      "filesrc location=music.ogg ! oggdemux ! vorbisdec ! audioconvert ! audioresample ! autoaudiosink";
    expect(shape(parseLaunch(text))).toEqual([
      "filesrc -> oggdemux",
      "oggdemux -> vorbisdec",
      "vorbisdec -> audioconvert",
      "audioconvert -> audioresample",
      "audioresample -> autoaudiosink",
    ]);
  });
});

describe("properties", () => {
  test("several properties; element pos spans the factory and all properties", () => {
    const text = "videotestsrc pattern=ball num-buffers=100 is-live=true ! fakesink sync=false";
    const ast = parseLaunch(text);
    expect(ast.nodes[0]).toEqual(
      el("videotestsrc", span(text, "videotestsrc", "is-live=true"), [
        prop("pattern", "ball", at(text, "pattern=ball"), at(text, "ball")),
        prop("num-buffers", "100", at(text, "num-buffers=100"), at(text, "100")),
        prop("is-live", "true", at(text, "is-live=true"), at(text, "true")),
      ]),
    );
    expect(ast.nodes[1]).toEqual(
      el("fakesink", span(text, "fakesink", "sync=false"), [
        prop("sync", "false", at(text, "sync=false"), at(text, "false")),
      ]),
    );
  });

  test("unquoted values keep '=', ',', '/', ':' and run to whitespace", () => {
    const text = "filesrc location=/tmp/a.bin ! capsfilter caps=video/x-raw,width=320 ! udpsink host=127.0.0.1:5000";
    const props = elements(parseLaunch(text)).flatMap((e) => e.props.map((p) => [p.key, p.value, p.quoted]));
    expect(props).toEqual([
      ["location", "/tmp/a.bin", false],
      ["caps", "video/x-raw,width=320", false],
      ["host", "127.0.0.1:5000", false],
    ]);
  });

  test("an unquoted value ends at '!' even without whitespace", () => {
    const text = "fakesrc num-buffers=5!fakesink";
    const ast = parseLaunch(text);
    expect(ast.nodes[0]).toEqual(
      el("fakesrc", { start: 0, end: 21 }, [prop("num-buffers", "5", { start: 8, end: 21 }, { start: 20, end: 21 })]),
    );
    expect(ast.links[0]!.pos).toEqual({ start: 21, end: 22 });
  });

  test("double-quoted value with spaces (the man page's 'my file.ogg')", () => {
    const text = 'filesrc location="my file.ogg" ! fakesink';
    const ast = parseLaunch(text);
    expect(ast.nodes[0]).toEqual(
      el("filesrc", { start: 0, end: 30 }, [
        prop("location", "my file.ogg", { start: 8, end: 30 }, { start: 17, end: 30 }, true),
      ]),
    );
    expect(ast.links[0]!.pos).toEqual({ start: 31, end: 32 });
  });

  test("single-quoted value", () => {
    const text = "textoverlay text='Hello, world!' ! fakesink";
    const p = elements(parseLaunch(text))[0]!.props[0]!;
    expect(p).toEqual(prop("text", "Hello, world!", at(text, "text='Hello, world!'"), at(text, "'Hello, world!'"), true));
  });

  test("quoted caps value with '!' and spaces inside", () => {
    const text = 'capsfilter caps="video/x-raw, format=(string)I420, width=320" ! fakesink';
    const p = elements(parseLaunch(text))[0]!.props[0]!;
    expect(p.value).toBe("video/x-raw, format=(string)I420, width=320");
    expect(p.quoted).toBe(true);
    expect(p.valuePos).toEqual(span(text, '"video', '320"'));
  });

  test("escapes inside double quotes: \\\" and \\\\", () => {
    const text = String.raw`fakesrc a="say \"hi\"" b="back\\slash" ! fakesink`;
    const props = elements(parseLaunch(text))[0]!.props;
    expect(props.map((p) => p.value)).toEqual(['say "hi"', "back\\slash"]);
    expect(props[0]!.valuePos).toEqual(span(text, '"say', String.raw`\""`));
  });

  test("escapes inside single quotes: \\' ", () => {
    const text = String.raw`textoverlay text='don\'t panic' ! fakesink`;
    expect(elements(parseLaunch(text))[0]!.props[0]!.value).toBe("don't panic");
  });

  test("the other quote character is literal inside quotes", () => {
    const text = `textoverlay text="don't" font-desc='Sans "Bold"' ! fakesink`;
    expect(elements(parseLaunch(text))[0]!.props.map((p) => p.value)).toEqual(["don't", 'Sans "Bold"']);
  });

  test("escaped space, escaped '!' and escaped backslash in unquoted values", () => {
    const text = String.raw`filesrc location=my\ file.ogg ! filesink location=a\!b\\c`;
    const ast = parseLaunch(text);
    const [src, sink] = elements(ast);
    expect(src!.props[0]).toEqual(
      prop("location", "my file.ogg", at(text, String.raw`location=my\ file.ogg`), at(text, String.raw`my\ file.ogg`)),
    );
    expect(sink!.props[0]!.value).toBe("a!b\\c");
    expect(shape(ast)).toEqual(["filesrc -> filesink"]);
  });

  test("a quote inside an unquoted value is an ordinary character", () => {
    const text = `textoverlay text=Don't ! fakesink`;
    expect(elements(parseLaunch(text))[0]!.props[0]!.value).toBe("Don't");
  });

  test("typed values keep their type prefix for the caller", () => {
    const text = "fakesrc num-buffers=(int)5 sizetype=(string)fixed ! fakesink";
    const props = elements(parseLaunch(text))[0]!.props;
    expect(props.map((p) => p.value)).toEqual(["(int)5", "(string)fixed"]);
  });

  test("empty quoted value", () => {
    const text = 'fakesink name="" ! fakesink';
    // An empty *name* is rejected (see errors); an empty ordinary value is fine.
    expect(() => parseLaunch(text)).toThrow(LaunchSyntaxError);
    const ok = parseLaunch('appsrc caps="" ! fakesink');
    expect(elements(ok)[0]!.props[0]).toEqual(prop("caps", "", { start: 7, end: 14 }, { start: 12, end: 14 }, true));
  });

  test("whitespace around '=' is allowed, as in GStreamer", () => {
    const text = "fakesrc num-buffers = 10 ! fakesink";
    const p = elements(parseLaunch(text))[0]!.props[0]!;
    expect(p).toEqual(prop("num-buffers", "10", span(text, "num-buffers", "10"), at(text, "10")));
  });

  test("child-proxy property keys with '::'", () => {
    const text = "playbin uri=file:///tmp/a.mkv video-sink::sync=false";
    const props = elements(parseLaunch(text))[0]!.props;
    expect(props.map((p) => [p.key, p.value])).toEqual([
      ["uri", "file:///tmp/a.mkv"],
      ["video-sink::sync", "false"],
    ]);
  });

  test("duplicate ordinary properties are kept in order (the caller decides)", () => {
    const props = elements(parseLaunch("fakesrc num-buffers=1 num-buffers=2"))[0]!.props;
    expect(props.map((p) => p.value)).toEqual(["1", "2"]);
  });

  test("non-ASCII text in values", () => {
    const text = 'textoverlay text="héllo 🎬" ! fakesink';
    const p = elements(parseLaunch(text))[0]!.props[0]!;
    expect(p.value).toBe("héllo 🎬");
    expect(p.valuePos).toEqual(span(text, '"h', '🎬"'));
  });
});

describe("element names", () => {
  test("name= is pulled out of props into name, with namePos", () => {
    const text = "fakesrc num-buffers=3 name=src is-live=true ! fakesink name=sink";
    const [src, sink] = elements(parseLaunch(text));
    expect(src).toEqual(
      el(
        "fakesrc",
        span(text, "fakesrc", "is-live=true"),
        [
          prop("num-buffers", "3", at(text, "num-buffers=3"), at(text, "3")),
          prop("is-live", "true", at(text, "is-live=true"), at(text, "true")),
        ],
        { name: "src", pos: at(text, "name=src") },
      ),
    );
    expect(sink).toEqual(el("fakesink", span(text, "fakesink", "name=sink"), [], { name: "sink", pos: at(text, "name=sink") }));
  });

  test("a quoted name", () => {
    const text = 'fakesrc name="my src" ! fakesink';
    const src = elements(parseLaunch(text))[0]!;
    expect(src.name).toBe("my src");
    expect(src.namePos).toEqual(at(text, 'name="my src"'));
    expect(src.props).toEqual([]);
  });

  test("elements without name= have neither name nor namePos", () => {
    const src = elements(parseLaunch("fakesrc ! fakesink"))[0]!;
    expect("name" in src).toBe(false);
    expect("namePos" in src).toBe(false);
  });
});

describe("several chains", () => {
  test("two independent chains separated by whitespace", () => {
    const text = "fakesrc ! fakesink  fakesrc ! fakesink";
    const ast = parseLaunch(text);
    expect(ast.nodes.map((n) => n.pos)).toEqual([
      at(text, "fakesrc", 0),
      at(text, "fakesink", 0),
      at(text, "fakesrc", 1),
      at(text, "fakesink", 1),
    ]);
    expect(ast.links.map((l) => [ast.nodes.indexOf(l.from), ast.nodes.indexOf(l.to)])).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  test("an element followed by another element without '!' is not linked", () => {
    const ast = parseLaunch("fakesrc fakesink");
    expect(ast.nodes.map((n) => (n as ElementAst).factory)).toEqual(["fakesrc", "fakesink"]);
    expect(ast.links).toEqual([]);
  });

  test("properties bind to the element before them, then a bare word starts a new chain", () => {
    const text = "fakesrc num-buffers=1 fakesink sync=false";
    const ast = parseLaunch(text);
    expect(elements(ast).map((e) => [e.factory, e.props.map((p) => p.key)])).toEqual([
      ["fakesrc", ["num-buffers"]],
      ["fakesink", ["sync"]],
    ]);
    expect(ast.links).toEqual([]);
  });

  test("a '!' after whitespace (even a newline) continues the chain", () => {
    expect(shape(parseLaunch("fakesrc ! identity\n  ! fakesink"))).toEqual(["fakesrc -> identity", "identity -> fakesink"]);
  });

  test("chains on separate lines (as in shell scripts with line continuations removed)", () => {
    const text = "audiotestsrc ! autoaudiosink\nvideotestsrc ! autovideosink\n";
    expect(shape(parseLaunch(text))).toEqual(["audiotestsrc -> autoaudiosink", "videotestsrc -> autovideosink"]);
  });
});

describe("references", () => {
  test("tee branches: t. starts a chain", () => {
    const text = "videotestsrc ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink";
    const ast = parseLaunch(text);
    expect(shape(ast)).toEqual([
      "videotestsrc -> tee#t",
      "t. -> queue",
      "queue -> fakesink",
      "t. -> queue",
      "queue -> fakesink",
    ]);
    const refs = ast.nodes.filter((n) => n.kind === "ref");
    expect(refs).toEqual([ref("t", at(text, "t.", 0)), ref("t", at(text, "t.", 1))]);
    // Each occurrence is its own node.
    expect(refs[0]).not.toBe(refs[1]);
    const tee = elements(ast)[1]!;
    expect(tee).toEqual(el("tee", span(text, "tee", "name=t"), [], { name: "t", pos: at(text, "name=t") }));
  });

  test("explicit request pads: t.src_0 and t.src_1", () => {
    const text = "fakesrc ! tee name=t  t.src_0 ! queue ! fakesink  t.src_1 ! queue ! fakesink";
    const ast = parseLaunch(text);
    expect(ast.nodes.filter((n) => n.kind === "ref")).toEqual([
      ref("t", at(text, "t.src_0"), "src_0"),
      ref("t", at(text, "t.src_1"), "src_1"),
    ]);
    expect(shape(ast)).toEqual([
      "fakesrc -> tee#t",
      "t.src_0 -> queue",
      "queue -> fakesink",
      "t.src_1 -> queue",
      "queue -> fakesink",
    ]);
    expect(ast.links.map((l) => l.pos)).toEqual([0, 1, 2, 3, 4].map((k) => at(text, "!", k)));
  });

  test("request-pad templates keep '%'", () => {
    const text = "audiotestsrc ! mux.sink_%u  oggmux name=mux ! fakesink";
    expect(parseLaunch(text).nodes[1]).toEqual(ref("mux", at(text, "mux.sink_%u"), "sink_%u"));
  });

  test("muxing: chains end in a reference to a muxer defined later", () => {
    const text =
      "videotestsrc num-buffers=30 ! x264enc ! mux.  audiotestsrc num-buffers=30 ! lamemp3enc ! mux.  matroskamux name=mux ! filesink location=x.mkv";
    const ast = parseLaunch(text);
    expect(shape(ast)).toEqual([
      "videotestsrc -> x264enc",
      "x264enc -> mux.",
      "audiotestsrc -> lamemp3enc",
      "lamemp3enc -> mux.",
      "matroskamux#mux -> filesink",
    ]);
    expect(ast.nodes[2]).toEqual(ref("mux", at(text, "mux.", 0)));
    expect(ast.nodes[5]).toEqual(ref("mux", at(text, "mux.", 1)));
    expect(elements(ast).at(-1)!.props).toEqual([
      prop("location", "x.mkv", at(text, "location=x.mkv"), at(text, "x.mkv")),
    ]);
  });

  test("a link between two references", () => {
    const text = "a. ! b.sink  fakesrc name=a  fakesink name=b";
    const ast = parseLaunch(text);
    const a = ref("a", { start: 0, end: 2 });
    const b = ref("b", { start: 5, end: 11 }, "sink");
    expect(ast.nodes.slice(0, 2)).toEqual([a, b]);
    expect(ast.links).toEqual([{ from: a, to: b, pos: { start: 3, end: 4 } }]);
  });

  test("a reference in the middle of a chain", () => {
    expect(shape(parseLaunch("fakesrc ! t. ! fakesink  identity name=t"))).toEqual(["fakesrc -> t.", "t. -> fakesink"]);
  });

  test("demuxer pads by name (dvddemux example from the docs)", () => {
    const text =
      "filesrc location=redpill.vob ! dvddemux name=demux demux.audio_00 ! queue ! a52dec ! audioconvert ! audioresample ! osssink demux.video_00 ! queue ! mpeg2dec ! videoconvert ! xvimagesink";
    const ast = parseLaunch(text);
    expect(ast.nodes.filter((n) => n.kind === "ref")).toEqual([
      ref("demux", at(text, "demux.audio_00"), "audio_00"),
      ref("demux", at(text, "demux.video_00"), "video_00"),
    ]);
    expect(ast.links).toHaveLength(10);
  });

  test("sink pads by name (textoverlay subtitle example from the man page)", () => {
    const text =
      "textoverlay name=overlay ! videoconvert ! videoscale ! autovideosink filesrc location=movie.avi ! decodebin3 ! videoconvert ! overlay.video_sink filesrc location=movie.srt ! subparse ! overlay.text_sink";
    const ast = parseLaunch(text);
    expect(shape(ast)).toEqual([
      "textoverlay#overlay -> videoconvert",
      "videoconvert -> videoscale",
      "videoscale -> autovideosink",
      "filesrc -> decodebin3",
      "decodebin3 -> videoconvert",
      "videoconvert -> overlay.video_sink",
      "filesrc -> subparse",
      "subparse -> overlay.text_sink",
    ]);
  });

  test("a reference right after an element's properties starts a new chain", () => {
    const text = "tee name=t t.";
    // ... but a reference alone is an error; with a link it is fine:
    expect(() => parseLaunch(text)).toThrow(LaunchSyntaxError);
    expect(shape(parseLaunch("tee name=t t. ! fakesink"))).toEqual(["t. -> fakesink"]);
  });
});

describe("caps filters", () => {
  test("unquoted caps between two links", () => {
    const text = "videotestsrc ! video/x-raw,format=I420,width=640,height=480,framerate=30/1 ! fakesink";
    const ast = parseLaunch(text);
    const src = el("videotestsrc", { start: 0, end: 12 });
    const c = caps("video/x-raw,format=I420,width=640,height=480,framerate=30/1", { start: 15, end: 74 });
    const sink = el("fakesink", { start: 77, end: 85 });
    expect(ast).toEqual({
      text,
      nodes: [src, c, sink],
      links: [
        { from: src, to: c, pos: { start: 13, end: 14 } },
        { from: c, to: sink, pos: { start: 75, end: 76 } },
      ],
    });
  });

  test("caps with width and height", () => {
    const text = "videotestsrc ! video/x-raw,width=320,height=240 ! autovideosink";
    expect(parseLaunch(text).nodes[1]).toEqual(caps("video/x-raw,width=320,height=240", at(text, "video/x-raw,width=320,height=240")));
  });

  test("audio caps", () => {
    const text = "audiotestsrc ! audio/x-raw,rate=48000 ! audioconvert ! autoaudiosink";
    expect(shape(parseLaunch(text))).toEqual([
      "audiotestsrc -> [audio/x-raw,rate=48000]",
      "[audio/x-raw,rate=48000] -> audioconvert",
      "audioconvert -> autoaudiosink",
    ]);
  });

  test("caps features in parentheses", () => {
    const text = "videotestsrc ! video/x-raw(memory:memfd),format=RGBA ! fakesink";
    expect(parseLaunch(text).nodes[1]).toEqual(
      caps("video/x-raw(memory:memfd),format=RGBA", at(text, "video/x-raw(memory:memfd),format=RGBA")),
    );
  });

  test("lists and ranges in caps", () => {
    const text = "videotestsrc ! video/x-raw,format={I420,NV12},width=[16,4096] ! fakesink";
    expect(parseLaunch(text).nodes[1]).toEqual(
      caps("video/x-raw,format={I420,NV12},width=[16,4096]", at(text, "video/x-raw,format={I420,NV12},width=[16,4096]")),
    );
  });

  test("unquoted caps run to the next '!' like in GStreamer, so spaces are allowed; the text is trimmed", () => {
    const text = "videotestsrc !  video/x-raw, format={ I420, NV12 }, width=[ 16, 4096 ]   ! fakesink";
    const want = "video/x-raw, format={ I420, NV12 }, width=[ 16, 4096 ]";
    expect(parseLaunch(text).nodes[1]).toEqual(caps(want, at(text, want)));
  });

  test("quoted caps: the quotes are removed, pos includes them", () => {
    const text = 'videotestsrc ! "video/x-raw, format=(string)I420" ! fakesink';
    expect(parseLaunch(text).nodes[1]).toEqual(
      caps("video/x-raw, format=(string)I420", at(text, '"video/x-raw, format=(string)I420"')),
    );
  });

  test("single-quoted caps with escaped inner quotes", () => {
    const text = String.raw`appsrc ! 'application/x-custom,name=\'a b\'' ! fakesink`;
    expect((parseLaunch(text).nodes[1] as CapsAst).text).toBe("application/x-custom,name='a b'");
  });

  test("double-quoted strings inside unquoted caps may contain '!'", () => {
    const text = 'appsrc ! application/x-custom,greeting="hi!" ! fakesink';
    const want = 'application/x-custom,greeting="hi!"';
    expect(parseLaunch(text).nodes[1]).toEqual(caps(want, at(text, want)));
  });

  test("backslash escapes in unquoted caps are kept verbatim for the caps parser", () => {
    const text = String.raw`appsrc ! application/x-custom,s=a\!b ! fakesink`;
    expect((parseLaunch(text).nodes[1] as CapsAst).text).toBe(String.raw`application/x-custom,s=a\!b`);
  });

  test("caps with several structures separated by ';'", () => {
    const text = "videotestsrc ! video/x-raw,format=I420; video/x-raw,format=NV12 ! fakesink";
    expect((parseLaunch(text).nodes[1] as CapsAst).text).toBe("video/x-raw,format=I420; video/x-raw,format=NV12");
  });

  test("caps between references", () => {
    const text = "t. ! audio/x-raw,channels=2 ! mux.sink_0";
    expect(shape(parseLaunch(text))).toEqual(["t. -> [audio/x-raw,channels=2]", "[audio/x-raw,channels=2] -> mux.sink_0"]);
  });

  test("a word without '/' after '!' is an element, not caps", () => {
    expect(parseLaunch("fakesrc ! capsfilter caps=video/x-raw ! fakesink").nodes.map((n) => n.kind)).toEqual([
      "element",
      "element",
      "element",
    ]);
  });

  test("caps then elements with properties (rtp streaming example)", () => {
    const text =
      "videotestsrc ! video/x-raw,width=640,height=480 ! x264enc tune=zerolatency bitrate=500 ! rtph264pay ! udpsink host=127.0.0.1 port=5000";
    const ast = parseLaunch(text);
    expect(shape(ast)).toEqual([
      "videotestsrc -> [video/x-raw,width=640,height=480]",
      "[video/x-raw,width=640,height=480] -> x264enc",
      "x264enc -> rtph264pay",
      "rtph264pay -> udpsink",
    ]);
    expect(elements(ast).at(-1)!.props.map((p) => [p.key, p.value])).toEqual([
      ["host", "127.0.0.1"],
      ["port", "5000"],
    ]);
  });
});

describe("comments", () => {
  test("'#' at a token boundary comments out the rest of the line", () => {
    const text = "videotestsrc # the source\n ! fakesink # the sink";
    expect(shape(parseLaunch(text))).toEqual(["videotestsrc -> fakesink"]);
  });

  test("'#' inside a value is part of the value", () => {
    const text = "fakesrc name=a#b ! fakesink";
    expect(elements(parseLaunch(text))[0]!.name).toBe("a#b");
  });
});

describe("syntax errors", () => {
  test("empty string", () => {
    expectSyntaxError("", { message: "the pipeline is empty", pos: { start: 0, end: 0 }, hint: /at least one element/ });
  });

  test("whitespace and comments only", () => {
    expectSyntaxError("   # nothing\n", { message: "the pipeline is empty", pos: { start: 0, end: 0 }, hint: /at least one element/ });
  });

  test("'!' at the start", () => {
    expectSyntaxError("! fakesink", {
      message: "a link needs an element on both sides",
      pos: { start: 0, end: 1 },
      hint: "add an element before the '!', or remove the '!'",
    });
  });

  test("'!' at the start after leading whitespace", () => {
    expectSyntaxError("   ! fakesink", {
      message: "a link needs an element on both sides",
      pos: { start: 3, end: 4 },
      hint: /before the '!'/,
    });
  });

  test("'!' at the end", () => {
    expectSyntaxError("fakesrc ! ", {
      message: "a link needs an element on both sides",
      pos: { start: 8, end: 9 },
      hint: "add an element after the '!', or remove the '!'",
    });
  });

  test("'! !'", () => {
    expectSyntaxError("fakesrc ! ! fakesink", {
      message: "a link needs an element on both sides",
      pos: { start: 10, end: 11 },
      hint: "remove the extra '!'",
    });
  });

  test("'!!'", () => {
    expectSyntaxError("fakesrc !! fakesink", {
      message: "a link needs an element on both sides",
      pos: { start: 9, end: 10 },
      hint: "remove the extra '!'",
    });
  });

  test("unterminated double quote points at the opening quote", () => {
    expectSyntaxError('filesrc location="my file.ogg ! fakesink', {
      message: "unterminated quoted value",
      pos: { start: 17, end: 18 },
      hint: /add the closing " .*\\"/,
    });
  });

  test("unterminated single quote", () => {
    expectSyntaxError("textoverlay text='hello ! fakesink", {
      message: "unterminated quoted value",
      pos: { start: 17, end: 18 },
      hint: /closing '/,
    });
  });

  test("an escaped closing quote does not close", () => {
    expectSyntaxError(String.raw`fakesrc a="x\" ! fakesink`, {
      message: "unterminated quoted value",
      pos: { start: 10, end: 11 },
      hint: /closing "/,
    });
  });

  test("unterminated quoted caps", () => {
    expectSyntaxError('fakesrc ! "video/x-raw ! fakesink', {
      message: "unterminated quoted caps filter",
      pos: { start: 10, end: 11 },
      hint: /closing "/,
    });
  });

  test("unterminated quote inside unquoted caps", () => {
    expectSyntaxError('appsrc ! application/x-custom,s="abc ! fakesink', {
      message: "unterminated quote in caps filter",
      pos: { start: 32, end: 33 },
      hint: /closing "/,
    });
  });

  test("text glued to a closing quote", () => {
    expectSyntaxError('filesrc location="a"b ! fakesink', {
      message: "unexpected text right after the closing quote",
      pos: { start: 20, end: 21 },
      hint: /space after the closing quote/,
    });
  });

  test("key= with no value at the end", () => {
    expectSyntaxError("filesrc location=", {
      message: "property 'location' has no value",
      pos: { start: 8, end: 17 },
      hint: /put it in quotes/,
    });
  });

  test("key= with no value before '!'", () => {
    expectSyntaxError("filesrc location= ! fakesink", {
      message: "property 'location' has no value",
      pos: { start: 8, end: 17 },
      hint: /location=""/,
    });
  });

  test("a property before any element", () => {
    expectSyntaxError("location=music.mp3 ! fakesink", {
      message: "property 'location' has no element",
      pos: { start: 0, end: 18 },
      hint: "put the element's factory name before its properties, e.g. 'filesrc location=…'",
    });
  });

  test("a property right after '!'", () => {
    expectSyntaxError("fakesrc ! sync=false", {
      message: "property 'sync' has no element",
      pos: { start: 10, end: 20 },
      hint: /factory name before/,
    });
  });

  test("a reference with properties", () => {
    expectSyntaxError("tee name=t t. num-buffers=1 ! fakesink", {
      message: "a reference cannot have properties",
      pos: { start: 14, end: 27 },
      hint: /next to its name=t/,
    });
  });

  test("a reference on its own links nothing", () => {
    expectSyntaxError("fakesrc ! tee name=t t.", {
      message: "reference 't.' is not linked to anything",
      pos: { start: 21, end: 23 },
      hint: "link it with '!', e.g. 't. ! queue ! fakesink', or remove it",
    });
  });

  test("a reference with a pad on its own", () => {
    expectSyntaxError("t.src_0", {
      message: "reference 't.src_0' is not linked to anything",
      pos: { start: 0, end: 7 },
      hint: /'t.src_0 ! queue/,
    });
  });

  test("caps at the start of a chain", () => {
    expectSyntaxError("video/x-raw,width=320 ! fakesink", {
      message: "a caps filter needs an element before it",
      pos: { start: 0, end: 21 },
      hint: /between two elements/,
    });
  });

  test("caps at the end of a chain", () => {
    expectSyntaxError("videotestsrc ! video/x-raw,width=320", {
      message: "a caps filter needs an element after it",
      pos: { start: 15, end: 36 },
      hint: /add '! <element>' after the caps/,
    });
  });

  test("quoted caps followed by an element without '!'", () => {
    expectSyntaxError('videotestsrc ! "video/x-raw" fakesink', {
      message: "a caps filter needs an element after it",
      pos: { start: 15, end: 28 },
      hint: "add '!' between the caps and the next element",
    });
  });

  test("two caps filters in a row", () => {
    expectSyntaxError("videotestsrc ! video/x-raw ! video/x-raw,width=320 ! fakesink", {
      message: "two caps filters in a row",
      pos: { start: 29, end: 50 },
      hint: /merge them/,
    });
  });

  test("quoted text where an element should be", () => {
    expectSyntaxError('"fakesrc" ! fakesink', {
      message: "unexpected quoted text",
      pos: { start: 0, end: 1 },
      hint: /quotes go around a property value/,
    });
  });

  test("a pad-only reference '.sink' is not supported", () => {
    expectSyntaxError("fakesrc ! .sink", {
      message: "unexpected '.'",
      pos: { start: 10, end: 11 },
      hint: /element name right before the dot/,
    });
  });

  test("space before the dot of a reference", () => {
    expectSyntaxError("t . ! fakesink", { message: "unexpected '.'", pos: { start: 2, end: 3 }, hint: /no space/ });
  });

  test("bad character inside a reference", () => {
    expectSyntaxError("t.src_0, ! fakesink", {
      message: "unexpected ',' in reference 't.src_0'",
      pos: { start: 7, end: 8 },
      hint: /'t.src_0'/,
    });
  });

  test("bins in parentheses are not supported", () => {
    expectSyntaxError("( fakesrc ! fakesink )", { message: "unexpected '('", pos: { start: 0, end: 1 }, hint: /bins/ });
    expectSyntaxError("bin.( fakesrc )", {
      message: "unexpected '(' in reference 'bin.'",
      pos: { start: 4, end: 5 },
      hint: /reference/,
    });
  });

  test("presets are not supported", () => {
    expectSyntaxError("x264enc @preset=fast ! fakesink", { message: "unexpected '@'", pos: { start: 8, end: 9 }, hint: /presets/ });
  });

  test("'=' without a key", () => {
    expectSyntaxError("=5 ! fakesink", { message: "unexpected '='", pos: { start: 0, end: 1 }, hint: /name before '='/ });
    expectSyntaxError("fakesrc num-buffers=1 =5", {
      message: "unexpected '='",
      pos: { start: 22, end: 23 },
      hint: /name before '='/,
    });
  });

  test("'element =value' reads as a property with no element, and the hint says why", () => {
    expectSyntaxError("fakesrc =5 ! fakesink", {
      message: "property 'fakesrc' has no element",
      pos: { start: 0, end: 10 },
      hint: /remove the space before '='/,
    });
  });

  test("a shell pipe instead of '!'", () => {
    expectSyntaxError("fakesrc | fakesink", { message: "unexpected '|'", pos: { start: 8, end: 9 }, hint: "link elements with '!'" });
  });

  test("a stray ':' (link-all is not supported)", () => {
    expectSyntaxError("fakesrc : fakesink", { message: "unexpected ':'", pos: { start: 8, end: 9 }, hint: "link elements with '!'" });
    expectSyntaxError("fakesrc: fakesink", { message: "unexpected ':'", pos: { start: 7, end: 8 }, hint: /'child::property=value'/ });
  });

  test("a bare file path where an element should be", () => {
    expectSyntaxError("/tmp/a.mp4 ! decodebin", { message: "unexpected '/'", pos: { start: 0, end: 1 }, hint: /location=/ });
  });

  test("a URI where an element should be", () => {
    expectSyntaxError("file:///tmp/a.mp4 ! decodebin ! fakesink", {
      message: "URIs cannot be used as elements",
      pos: { start: 0, end: 17 },
      hint: "use an element that takes a URI property, e.g. 'uridecodebin uri=file:///tmp/a.mp4'",
    });
  });

  test("a backslash at the end of a value", () => {
    expectSyntaxError("filesrc location=abc\\", {
      message: "a backslash at the end escapes nothing",
      pos: { start: 20, end: 21 },
      hint: /'\\\\'/,
    });
  });

  test("stray backslash where an element should be", () => {
    expectSyntaxError("fakesrc \\ fakesink", { message: "unexpected '\\'", pos: { start: 8, end: 9 }, hint: /backslash/ });
  });

  test("non-ASCII factory name: the caret covers the whole character", () => {
    expectSyntaxError("fakesrc ! é", { message: "unexpected 'é'", pos: { start: 10, end: 11 }, hint: /letters, digits/ });
  });

  test("control characters are named, not printed", () => {
    const err = expectSyntaxError("fakesrc \u0007 fakesink", {
      message: "unexpected character U+0007",
      pos: { start: 8, end: 9 },
      hint: /letters, digits/,
    });
    expect(err.message.split("\n")[1]).toBe("  fakesrc   fakesink");
  });

  test("the same name twice on one element", () => {
    expectSyntaxError("fakesrc name=a name=b ! fakesink", {
      message: "element 'fakesrc' is named twice",
      pos: { start: 15, end: 21 },
      hint: /name=a/,
    });
  });

  test("an empty name", () => {
    expectSyntaxError('fakesrc name="" ! fakesink', {
      message: "an element name cannot be empty",
      pos: { start: 8, end: 15 },
      hint: /give the element a name/,
    });
  });

  test("the error message prints the caret and hint (printing err.message is enough)", () => {
    try {
      parseLaunch("fakesrc ! ! fakesink");
      throw new Error("expected a syntax error");
    } catch (e) {
      expect((e as Error).message).toBe(
        ["a link needs an element on both sides", "  fakesrc ! ! fakesink", "            ^", "hint: remove the extra '!'"].join(
          "\n",
        ),
      );
      expect((e as Error).name).toBe("LaunchSyntaxError");
    }
  });

  test("non-string input is a TypeError at the API boundary", () => {
    expect(() => parseLaunch(undefined as unknown as string)).toThrow(TypeError);
  });
});

describe("pathological input", () => {
  // Parse speed is measured in bench/micro.ts (launch-string parse), not asserted here; this
  // test only has to finish: a backtracking parser would run into the test's timeout.
  test("large repetitive input parses without backtracking", () => {
    const inputs = [
      "a ! " + "video/x-raw,".repeat(5000) + " ! b",
      "fakesrc " + "k=v ".repeat(5000),
      'fakesrc k="' + "\\\\".repeat(5000) + '"',
      "a b ".repeat(5000),
    ];
    for (const text of inputs) expect(parseLaunch(text).nodes.length).toBeGreaterThan(0);
  }, 2000);
});
