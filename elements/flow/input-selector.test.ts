import { describe, expect, test } from "bun:test";
import { Buffer, BufferFlag, Events, FakeSink, Flow, launch, MSECOND, PropertyError, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { flowCatalog } from "./catalog.ts";
import { InputSelector } from "./input-selector.ts";

registry.register(...flowCatalog);

function timed(text: string, ms: number): Buffer {
  const b = Buffer.fromString(text);
  b.pts = ms * MSECOND;
  b.duration = 10 * MSECOND;
  return b;
}

const streamIds = (h: Harness) => h.events().flatMap((e) => (e.type === "stream-start" ? [e.streamId] : []));

describe("input-selector", () => {
  test("forwards the first input by default and drops the others with OK", () => {
    const sel = new InputSelector("sel", { syncStreams: false });
    const h = new Harness(sel);
    const b = h.addInput();
    h.setCaps("ANY", 0);
    h.setCaps("ANY", b);
    expect(h.push("a", 0)).toBe(Flow.OK);
    expect(h.push("b", b)).toBe(Flow.OK);
    expect(h.pullAll().map((x) => x.text())).toEqual(["a"]);
    expect(streamIds(h)).toEqual(["harness"]); // the inactive input's events are only stored
    expect(sel.activePad?.name).toBe("sink_0");
    expect(sel.nPads).toBe(2);
    h.teardown();
  });

  test("switching at run time resends the new input's sticky events and marks DISCONT", () => {
    const sel = new InputSelector("sel", { syncStreams: false });
    const h = new Harness(sel);
    const b = h.addInput();
    h.setCaps("text/x-raw,lang=en", 0);
    h.setCaps("text/x-raw,lang=fr", b);
    h.push("hello", 0);
    sel.running = true;
    sel.set("activePad", "sink_1");
    expect(h.push("ignored", 0)).toBe(Flow.OK);
    h.push("bonjour", b);
    const out = h.pullAll();
    expect(out.map((x) => x.text())).toEqual(["hello", "bonjour"]);
    expect(out[1]!.hasFlag(BufferFlag.DISCONT)).toBe(true);
    expect(out[0]!.hasFlag(BufferFlag.DISCONT)).toBe(false);
    expect(streamIds(h)).toEqual(["harness", "harness/1"]);
    const caps = h.events().flatMap((e) => (e.type === "caps" ? [e.caps.toString()] : []));
    expect(caps).toEqual(["text/x-raw, lang=(string)en", "text/x-raw, lang=(string)fr"]);
    expect(h.messages.some((m) => m.type === "element" && m.name === "active-pad-changed")).toBe(true);
    h.teardown();
  });

  test("active-pad is changeable while running; an unknown pad is refused with the inputs named", () => {
    const sel = new InputSelector("sel", {});
    const h = new Harness(sel);
    h.addInput();
    sel.running = true;
    expect(() => sel.set("activePad", "sink_7")).toThrow(PropertyError);
    expect(() => sel.set("activePad", "sink_7")).toThrow(/no input "sink_7"/);
    expect(() => sel.set("syncStreams", false)).toThrow(/cannot change while the pipeline runs/);
    h.teardown();
  });

  test("EOS: the active input's goes out; an inactive input's waits until it is selected", () => {
    const sel = new InputSelector("sel", { syncStreams: false });
    const h = new Harness(sel);
    const b = h.addInput();
    h.setCaps("ANY", 0);
    h.setCaps("ANY", b);
    h.pushEvent(Events.eos(), b);
    expect(h.events().some((e) => e.type === "eos")).toBe(false);
    sel.set("activePad", "sink_1");
    expect(h.events().at(-1)?.type).toBe("eos");
    expect(streamIds(h)).toEqual(["harness", "harness/1"]);
    h.teardown();
  });

  test("sync-streams holds an inactive input back until the active one reaches its time", () => {
    const sel = new InputSelector("sel", {});
    const h = new Harness(sel);
    const b = h.addInput();
    h.setCaps("ANY", 0);
    h.setCaps("ANY", b);
    h.push(timed("a0", 0), 0); // active reaches 10 ms
    h.push(timed("b0", 0), b); // behind: dropped at once
    expect(h.blockedInput(b)).toBe(false);
    h.push(timed("b1", 20), b); // ahead of the active input: held back
    expect(h.blockedInput(b)).toBe(true);
    h.push(timed("a1", 10), 0); // active reaches 20 ms: not yet past b1's end (30 ms)
    expect(h.blockedInput(b)).toBe(true);
    h.push(timed("a2", 20), 0); // 30 ms: b1 is dropped and its task goes on
    expect(h.blockedInput(b)).toBe(false);
    expect(h.pullAll().map((x) => x.text())).toEqual(["a0", "a1", "a2"]);
    h.teardown();
  });

  test("a held-back input that becomes active sends its kept buffer first", () => {
    const sel = new InputSelector("sel", {});
    const h = new Harness(sel);
    const b = h.addInput();
    h.setCaps("ANY", 0);
    h.setCaps("ANY", b);
    h.push(timed("a0", 0), 0);
    h.push(timed("b1", 10), b);
    expect(h.blockedInput(b)).toBe(true);
    sel.set("activePad", "sink_1");
    expect(h.blockedInput(b)).toBe(false);
    h.push(timed("b2", 20), b);
    const out = h.pullAll();
    expect(out.map((x) => x.text())).toEqual(["a0", "b1", "b2"]);
    expect(out[1]!.hasFlag(BufferFlag.DISCONT)).toBe(true);
    h.teardown();
  });

  test("in a launch string: active-pad picks the input, the pipeline ends with the active one", async () => {
    const p = launch(
      "input-selector name=s active-pad=sink_1 ! fakesink name=out signal-handoffs=true " +
        "fakesrc num-buffers=5 sizetype=fixed sizemax=1 ! s.sink_0  fakesrc num-buffers=7 sizetype=fixed sizemax=2 ! s.sink_1",
    );
    const sizes: number[] = [];
    (p.getElement("out") as FakeSink).onHandoff = (b) => sizes.push(b.size);
    await p.run();
    expect(sizes).toEqual([2, 2, 2, 2, 2, 2, 2]);
  });
});
