import { describe, expect, test } from "bun:test";
import { Buffer, Events, FakeSink, Flow, launch, Pipeline, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { flowCatalog } from "./catalog.ts";
import { StreamIdDemux } from "./streamiddemux.ts";

registry.register(...flowCatalog);

describe("streamiddemux", () => {
  test("a new stream id makes a new src pad, announced before data; known ids switch back", () => {
    const d = new StreamIdDemux("d", {});
    const h = new Harness(d);
    const added: string[] = [];
    d.onPadAdded((p) => added.push(p.name));
    h.pushEvent(Events.streamStart("cam"));
    h.push("c0");
    h.pushEvent(Events.streamStart("mic"));
    h.push("m0");
    h.pushEvent(Events.streamStart("cam"));
    h.push("c1");
    expect(added).toEqual(["src_0", "src_1"]);
    expect([...d.streams.keys()]).toEqual(["cam", "mic"]);
    const cam = h.outputOf("src_0");
    const mic = h.outputOf("src_1");
    expect(h.pullAll(cam).map((x) => x.text())).toEqual(["c0", "c1"]);
    expect(h.pullAll(mic).map((x) => x.text())).toEqual(["m0"]);
    const msgs = h.messages.flatMap((m) => (m.type === "element" && m.name === "pad-added" ? [m.data] : []));
    expect(msgs).toEqual([{ pad: "src_0", streamId: "cam" }, { pad: "src_1", streamId: "mic" }]);
    h.pushEvent(Events.eos());
    expect(h.events(cam).at(-1)?.type).toBe("eos");
    expect(h.events(mic).at(-1)?.type).toBe("eos");
    h.teardown();
  });

  test("an unlinked stream pad returns not-linked; data before stream-start is an error", () => {
    const d = new StreamIdDemux("d", {});
    const h = new Harness(d);
    expect(h.push("early")).toBe(-5);
    expect(h.errors().length).toBe(1);
    h.teardown();
    const d2 = new StreamIdDemux("d2", {});
    const bare = d2.pads[0]!;
    // No harness listener: the pad stays unlinked.
    d2.receiveEvent(bare, Events.streamStart("x"));
    expect(d2.chain(bare, Buffer.alloc(1))).toBe(Flow.NOT_LINKED);
  });

  test("pads are removed when the element stops and made again (from 0) on the next run", () => {
    const d = new StreamIdDemux("d", {});
    const h = new Harness(d);
    h.pushEvent(Events.streamStart("a"));
    expect(d.srcPads.map((p) => p.name)).toEqual(["src_0"]);
    d.stop();
    expect(d.srcPads).toEqual([]);
    d.start();
    h.pushEvent(Events.streamStart("b"));
    expect(d.srcPads.map((p) => p.name)).toEqual(["src_0"]);
    h.teardown();
  });

  test("declarative linking: funnel ! streamiddemux with d.src_N ! … links when each stream appears", async () => {
    const p = launch(
      "fakesrc num-buffers=4 sizetype=fixed sizemax=1 ! f.  fakesrc num-buffers=6 sizetype=fixed sizemax=2 ! f.  " +
        "funnel name=f ! streamiddemux name=d  d.src_0 ! fakesink name=a signal-handoffs=true  d.src_1 ! queue ! fakesink name=b signal-handoffs=true",
    );
    const got: Record<string, number[]> = { a: [], b: [] };
    for (const n of ["a", "b"]) (p.getElement(n) as FakeSink).onHandoff = (x) => got[n]!.push(x.size);
    const added: unknown[] = [];
    p.bus.on("element", (m) => m.name === "pad-added" && added.push(m.data));
    await p.run();
    // Which source's stream appears first decides src_0; each sink gets exactly one stream.
    const lens = [got.a!.length, got.b!.length].sort();
    expect(lens).toEqual([4, 6]);
    expect(new Set(got.a).size).toBe(1);
    expect(new Set(got.b).size).toBe(1);
    expect(added.length).toBe(2);
    // A second run makes the pads and links again.
    got.a = [];
    got.b = [];
    await p.run();
    expect([got.a.length, got.b.length].sort()).toEqual([4, 6]);
  });

  test("`d. ! sink` links the next stream pad that appears; an unlinked downstream pad passes the graph check", () => {
    const p = new Pipeline();
    const d = p.make("streamiddemux", {}, "d");
    const sink = p.make("fakesink", {}, "s");
    p.link(d, sink);
    expect(sink.pads[0]!.peer).toBeNull();
    const src = p.make("fakesrc", { numBuffers: 1 }, "src");
    p.link(src, d);
    p.prepare();
    p.suspend();
  });
});
