import { describe, expect, test } from "bun:test";
import {
  Buffer,
  Caps,
  Element,
  Events,
  NegotiationError,
  Pipeline,
  Source,
  template,
  Transform,
  Type,
  type Static,
  FakeSink,
  CapsFilter,
  AppSink,
} from "../index.ts";

const VideoProps = Type.Object({ numBuffers: Type.Integer({ default: 2 }) });

/** A source that can make I420 or RGBA at any size; prefers 320x240 when free. */
class TestVideoSrc extends Source<Static<typeof VideoProps>> {
  static override meta = {
    name: "testvideosrc",
    category: "testing",
    description: "test",
    pads: [template.src("video/x-raw,format={I420,RGBA},width=[1,4096],height=[1,4096],framerate=[0/1,1000/1]")],
    properties: VideoProps,
    scheduling: { affinity: "auto" as const, rtSafe: true },
  };
  n = 0;
  switchTo: Caps | null = null;
  override fixateCaps(_pad: unknown, caps: Caps): Caps {
    return caps.fixate({ width: 320, height: 240, framerate: { num: 30, den: 1 } });
  }
  override start() {
    super.start();
    this.n = 0;
  }
  create() {
    if (this.n >= this.props.numBuffers) return null;
    if (this.n === 1 && this.switchTo) this.setOutputCaps(this.switchTo);
    this.n++;
    return Buffer.alloc(4);
  }
}

/** A converter that can change format but keeps everything else. */
class TestConvert extends Transform {
  static override meta = {
    name: "testconvert",
    category: "testing",
    description: "test",
    pads: [template.sink("video/x-raw,format={I420,RGBA,NV12}"), template.src("video/x-raw,format={I420,RGBA,NV12}")],
    properties: Type.Object({}),
    scheduling: { affinity: "auto" as const, rtSafe: true },
  };
  override transformCaps(_from: "src" | "sink", caps: Caps): Caps {
    return Caps.from(caps.structures.map((s) => s.without("format"))).intersect(this.meta.pads[0]!.caps);
  }
  transform(b: Buffer) {
    return b;
  }
}

function build(filter: string, withConvert = false) {
  const p = new Pipeline();
  const src = new TestVideoSrc("src", {});
  const cf = new CapsFilter("filter", { caps: filter });
  const sink = new AppSink("sink", {});
  if (withConvert) {
    const conv = new TestConvert("conv", {});
    p.add(src, conv, cf, sink).chain(src, conv, cf, sink);
  } else {
    p.add(src, cf, sink).chain(src, cf, sink);
  }
  return { p, src, cf, sink };
}

describe("negotiation", () => {
  test("fixes every link, using the source's preference where the graph leaves a choice", () => {
    const { p, src, sink } = build("video/x-raw,format=RGBA");
    p.prepare();
    const c = src.srcPad.caps!;
    expect(c.isFixed()).toBe(true);
    expect(c.structures[0]!.get("format")).toBe("RGBA");
    expect(c.structures[0]!.get("width")).toBe(320);
    expect(sink.sinkPad.caps!.isEqual(c)).toBe(true);
    p.suspend();
  });

  test("downstream constraints reach the source through pass-through elements", () => {
    const { p, src } = build("video/x-raw,width=640,height=480");
    p.prepare();
    expect(src.srcPad.caps!.structures[0]!.get("width")).toBe(640);
    p.suspend();
  });

  test("an impossible filter fails before data flows, naming both pads and both offers", () => {
    const { p } = build("video/x-raw,format=NV12");
    let err: NegotiationError | null = null;
    try {
      p.prepare();
    } catch (e) {
      err = e as NegotiationError;
    }
    expect(err).toBeInstanceOf(NegotiationError);
    expect(err!.upstream).toBe("src.src");
    expect(err!.downstream).toBe("filter.sink");
    expect(err!.message).toContain("I420");
    expect(err!.message).toContain("NV12");
    expect(err!.message).toContain("format");
    expect(err!.message).toContain("videoconvert");
    expect(p.state).toBe("suspended");
  });

  test("a converter in between makes the same filter work", () => {
    const { p, src, sink } = build("video/x-raw,format=NV12", true);
    p.prepare();
    expect(sink.sinkPad.caps!.structures[0]!.get("format")).toBe("NV12");
    expect(["I420", "RGBA"]).toContain(src.srcPad.caps!.structures[0]!.get("format") as string);
    expect(sink.sinkPad.caps!.structures[0]!.get("width")).toBe(320);
    p.suspend();
  });

  test("caps reach the sink as a caps event in order: stream-start, caps, segment", async () => {
    const { p, sink } = build("video/x-raw,format=I420");
    const seen: string[] = [];
    const orig = sink.receiveEvent.bind(sink);
    sink.receiveEvent = (pad, ev) => {
      seen.push(ev.type);
      return orig(pad, ev);
    };
    const done = p.run();
    for await (const b of sink) b.release();
    await done;
    expect(seen.slice(0, 3)).toEqual(["stream-start", "caps", "segment"]);
    expect(seen.at(-1)).toBe("eos");
  });

  test("renegotiation mid-stream: new caps inside the filter pass downstream", async () => {
    const { p, src, sink } = build("video/x-raw,format=I420");
    src.switchTo = Caps.parse("video/x-raw,format=I420,width=64,height=48,framerate=30/1");
    const done = p.run();
    for await (const b of sink) b.release();
    await done;
    expect(sink.sinkPad.caps!.structures[0]!.get("width")).toBe(64);
  });

  test("renegotiation to caps the filter refuses fails with a stream error", async () => {
    const { p, src, sink } = build("video/x-raw,format=I420");
    src.switchTo = Caps.parse("video/x-raw,format=RGBA,width=64,height=48,framerate=30/1");
    const done = p.run();
    const drain = (async () => {
      for await (const b of sink) b.release();
    })();
    await expect(done).rejects.toThrow(/filter.sink cannot accept caps/);
    await drain;
  });

  test("ANY on both ends stays ANY (untyped bytes) and runs", async () => {
    const p = new Pipeline();
    const src = new TestVideoSrc("src", {});
    const sink = new FakeSink("s", {});
    p.add(src, sink).chain(src, sink);
    p.prepare();
    expect(src.srcPad.caps!.isFixed()).toBe(true);
    p.suspend();
  });
});

export { Element, Events };
