import { describe, expect, test } from "bun:test";
import { AppSink, AppSrc, Buffer, FakeSink, FakeSrc, Identity, launch, Pipeline, PipelineError, Queue } from "../index.ts";

describe("Pipeline", () => {
  test("runs fakesrc ! identity ! fakesink to EOS and counts every buffer", async () => {
    const p = launch("fakesrc num-buffers=1000 ! identity ! fakesink name=s signal-handoffs=true");
    const s = p.getElement("s") as FakeSink;
    const seqs: number[] = [];
    s.onHandoff = (b) => seqs.push(b.sequence);
    const messages: string[] = [];
    p.bus.on("*", (m) => messages.push(m.type));
    await p.run();
    expect(seqs.length).toBe(1000);
    expect(seqs[999]).toBe(999);
    expect(seqs.every((v, i) => v === i)).toBe(true);
    expect(messages).toContain("eos");
    expect(p.state).toBe("suspended");
  });

  test("states go suspended → idle → running → idle → suspended and are posted", async () => {
    const p = launch("fakesrc num-buffers=10 ! fakesink");
    const seen: string[] = [];
    p.bus.on("state-changed", (m) => seen.push(`${m.old}->${m.current}`));
    p.prepare();
    expect(p.state).toBe("idle");
    p.activate();
    expect(p.state).toBe("running");
    p.pause();
    expect(p.state).toBe("idle");
    p.suspend();
    expect(p.state).toBe("suspended");
    expect(seen).toEqual(["suspended->idle", "idle->running", "running->idle", "idle->suspended"]);
  });

  test("an element error rejects run() with the element's name and reaches the bus", async () => {
    const p = launch("fakesrc ! identity name=broken error-after=5 ! fakesink");
    const errors: string[] = [];
    p.bus.on("error", (m) => errors.push(`${m.source}: ${m.message}`));
    const err = await p.run().then(
      () => null,
      (e) => e,
    );
    expect(err).toBeInstanceOf(PipelineError);
    expect((err as PipelineError).source).toBe("broken");
    expect(errors[0]).toContain("broken");
    expect(p.state).toBe("suspended");
  });

  test("cycles are rejected with the loop spelled out", () => {
    const p = new Pipeline();
    const a = new Identity("a", {});
    const b = new Identity("b", {});
    p.add(a, b);
    p.link(a, b);
    p.link(b, a);
    expect(() => p.prepare()).toThrow(/cycle: (a → b → a|b → a → b)/);
  });

  test("an unlinked always pad is reported with what to do", () => {
    const p = new Pipeline();
    p.add(new FakeSrc("src", {}), new Identity("id", {}));
    p.link(p.getElement("src")!, p.getElement("id")!);
    expect(() => p.prepare()).toThrow(/id\.src is not linked/);
  });

  test("queue applies backpressure: a slow consumer keeps the queue bounded", async () => {
    const p = launch("fakesrc num-buffers=2000 sizetype=fixed sizemax=16 ! queue name=q max-size-buffers=10 ! appsink name=out max-buffers=4");
    const q = p.getElement("q") as Queue;
    const out = p.getElement("out") as AppSink;
    const done = p.run();
    let maxLevel = 0;
    let n = 0;
    for await (const b of out) {
      maxLevel = Math.max(maxLevel, q.level.buffers);
      n++;
      b.release();
      if (n % 100 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await done;
    expect(n).toBe(2000);
    expect(maxLevel).toBeLessThanOrEqual(10);
    expect(maxLevel).toBeGreaterThan(0);
  });

  test("leaky=downstream queue drops old buffers instead of blocking", async () => {
    const p = launch("fakesrc num-buffers=500 ! queue name=q max-size-buffers=5 leaky=downstream ! appsink name=out max-buffers=1 drop=true");
    await p.run();
    const q = p.getElement("q") as Queue;
    const out = p.getElement("out") as AppSink;
    expect(q.dropped + out.dropped).toBeGreaterThan(0);
  });

  test("appsrc feeds, appsink collects, in order, with backpressure on write()", async () => {
    const p = new Pipeline();
    const src = new AppSrc("in", { maxBuffers: 2 });
    const sink = new AppSink("out", { maxBuffers: 2 });
    p.add(src, sink).chain(src, sink);
    const done = p.run();
    const writer = (async () => {
      for (let i = 0; i < 50; i++) await src.write(Buffer.fromString(`m${i}`));
      src.endOfStream();
    })();
    const got: string[] = [];
    for await (const b of sink) got.push(b.text());
    await writer;
    await done;
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
  });

  test("appsrc.push returns false when full and keeps the buffer with the caller", () => {
    const src = new AppSrc("in", { maxBuffers: 1 });
    expect(src.push(Buffer.fromString("a"))).toBe(true);
    expect(src.push(Buffer.fromString("b"))).toBe(false);
    expect(src.queued).toBe(1);
  });

  test("sendEos() ends a live, endless source cleanly", async () => {
    const p = launch("fakesrc is-live=true datarate=1000 sizetype=fixed sizemax=10 ! fakesink name=s sync=true");
    const done = p.run();
    await new Promise((r) => setTimeout(r, 60));
    p.sendEos();
    await done;
    const s = p.getElement("s") as FakeSink;
    // 1000 bytes/s in 10-byte buffers = 100 buffers/s: ~6 in 60 ms, paced by the clock.
    expect(s.rendered).toBeGreaterThan(0);
    expect(s.rendered).toBeLessThan(30);
  });

  test("an abort signal sends EOS", async () => {
    const p = launch("fakesrc is-live=true ! fakesink");
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    await p.run({ signal: ac.signal });
    expect(p.state).toBe("suspended");
  });

  test("pause() holds data; activate() resumes to the end", async () => {
    const p = launch("fakesrc num-buffers=200000 ! fakesink name=s");
    const s = p.getElement("s") as FakeSink;
    const done = p.run();
    await new Promise((r) => setTimeout(r, 5));
    p.pause();
    const at = s.rendered;
    await new Promise((r) => setTimeout(r, 20));
    expect(s.rendered).toBe(at);
    p.activate();
    await done;
    expect(s.rendered).toBe(200000);
  });

  test("a pipeline can run twice", async () => {
    const p = launch("fakesrc num-buffers=10 ! fakesink name=s");
    await p.run();
    await p.run();
    expect((p.getElement("s") as FakeSink).rendered).toBe(10);
  });
});
