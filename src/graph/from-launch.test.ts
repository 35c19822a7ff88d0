import { describe, expect, test } from "bun:test";
import { fromLaunch, SourceError } from "../index.ts";

function errorOf(text: string): SourceError {
  try {
    fromLaunch(text);
  } catch (e) {
    return e as SourceError;
  }
  throw new Error(`expected "${text}" to fail`);
}

describe("fromLaunch", () => {
  test("builds elements, names and links", () => {
    const p = fromLaunch("fakesrc name=src num-buffers=3 ! identity ! fakesink");
    expect(p.elements.map((e) => e.name)).toEqual(["src", "identity0", "fakesink0"]);
    expect(p.getElement("src")!.props).toMatchObject({ numBuffers: 3 });
    expect(p.getElement("src")!.pads[0]!.peer!.path).toBe("identity0.sink");
  });

  test("tee branches by reference get request pads src_0, src_1", () => {
    const p = fromLaunch("fakesrc ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink");
    const t = p.getElement("t")!;
    expect(t.pads.map((x) => x.name)).toEqual(["sink", "src_0", "src_1"]);
    expect(t.pad("src_1")!.peer!.element.name).toBe("queue1");
  });

  test("explicit request pad names and references to elements named later", () => {
    const p = fromLaunch("t.src_1 ! queue ! fakesink  t.src_0 ! queue ! fakesink  fakesrc ! tee name=t");
    const t = p.getElement("t")!;
    expect(t.pad("src_0")!.peer!.element.name).toBe("queue1");
    expect(t.pad("src_1")!.peer!.element.name).toBe("queue0");
  });

  test("caps filters become capsfilter elements", () => {
    const p = fromLaunch("fakesrc ! video/x-raw,width=320 ! fakesink");
    const cf = p.elements[1]!;
    expect(cf.factoryName).toBe("capsfilter");
    expect(cf.props).toMatchObject({ caps: "video/x-raw,width=320" });
  });

  test("typed values and quoted values are accepted", () => {
    const p = fromLaunch(`fakesrc num-buffers=(int)5 ! filesink location="/tmp/a file.bin"`);
    expect(p.elements[0]!.props).toMatchObject({ numBuffers: 5 });
    expect(p.elements[1]!.props).toMatchObject({ location: "/tmp/a file.bin" });
  });

  test("a misspelt element names the nearest ones and points at it", () => {
    const e = errorOf("fakesrc ! identiy ! fakesink");
    expect(e).toBeInstanceOf(SourceError);
    expect(e.message).toContain('no element "identiy"');
    expect(e.message).toContain('did you mean "identity"');
    const lines = e.message.split("\n");
    const caret = lines.find((l) => l.includes("^"))!;
    const text = lines[lines.indexOf(caret) - 1]!;
    expect(text.indexOf("identiy")).toBe(caret.indexOf("^"));
  });

  test("a bad property value says what the property expects, at the value", () => {
    const e = errorOf("fakesrc num-buffers=many ! fakesink");
    expect(e.message).toContain('property "num-buffers" of fakesrc0 expects integer in [-1, inf], got "many"');
    const lines = e.message.split("\n");
    const caret = lines.find((l) => l.includes("^"))!;
    expect(lines[lines.indexOf(caret) - 1]!.indexOf("many")).toBe(caret.indexOf("^"));
  });

  test("an unknown property lists the element's properties", () => {
    const e = errorOf("fakesrc num-bufers=3 ! fakesink");
    expect(e.message).toContain('fakesrc0 has no property "num-bufers"');
    expect(e.message).toContain("num-buffers");
  });

  test("an enum property lists its choices", () => {
    const e = errorOf("fakesrc sizetype=huge ! fakesink");
    expect(e.message).toContain("one of empty, fixed, random");
  });

  test("an unknown reference says which names exist", () => {
    const e = errorOf("fakesrc ! tee name=t  x. ! fakesink");
    expect(e.message).toContain('no element named "x"');
    expect(e.message).toContain("t");
  });

  test("an invalid caps filter points at it", () => {
    const e = errorOf("fakesrc ! video/x-raw,width=[1, ! fakesink");
    expect(e.message).toContain("invalid caps filter");
  });

  test("linking into a source fails with the pads of both sides", () => {
    const e = errorOf("fakesink ! fakesrc");
    expect(e.message).toContain("cannot link");
  });

  test("real gst-launch-1.0 strings from GStreamer's documentation parse", () => {
    const docs = [
      "fakesrc num-buffers=16 ! fakesink",
      "fakesrc ! queue ! fakesink",
      "fakesrc ! tee name=t ! queue ! fakesink t. ! queue ! fakesink",
      "filesrc location=/dev/zero num-buffers=1 ! filesink location=/dev/null",
      "fakesrc sizetype=fixed sizemax=4096 filltype=zero num-buffers=10 ! identity silent=true ! fakesink sync=false",
      "fakesrc ! queue max-size-buffers=0 max-size-time=0 max-size-bytes=0 ! fakesink",
      "fakesrc ! tee name=t  t.src_0 ! queue ! fakesink  t.src_1 ! queue ! fakesink",
      'fakesrc ! "video/x-raw, format=(string)I420, width=(int)640, height=(int)480" ! fakesink',
      "appsrc name=src ! appsink name=sink",
    ];
    for (const d of docs) expect(() => fromLaunch(d)).not.toThrow();
  });
});
