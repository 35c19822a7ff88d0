import { describe, expect, test } from "bun:test";
import { AsyncSink, AsyncSource, AsyncTransform, Buffer, NO_PROPERTIES, Pipeline, PipelineError, template } from "../index.ts";

const meta = (name: string, pads: ReturnType<typeof template.src>[]) => ({
  name,
  category: "testing",
  description: `test ${name}`,
  pads,
  properties: NO_PROPERTIES,
  scheduling: { affinity: "async" as const, rtSafe: false },
  mode: "async" as const,
});

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

class SlowSource extends AsyncSource {
  static override meta = meta("slowsrc", [template.src()]);
  n = 0;
  count = 20;
  async produce(): Promise<Buffer | null> {
    await tick();
    if (this.n >= this.count) return null;
    const b = Buffer.fromString(`b${this.n}`);
    b.sequence = this.n++;
    return b;
  }
}

class SlowUpper extends AsyncTransform {
  static override meta = meta("slowupper", [template.sink(), template.src()]);
  inFlight = 0;
  maxInFlight = 0;
  failAt = -1;
  async transformAsync(buf: Buffer): Promise<Buffer | null> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await tick();
    this.inFlight--;
    if (buf.sequence === this.failAt) throw new Error(`cannot transform buffer ${buf.sequence}`);
    if (buf.sequence % 5 === 4) {
      buf.release();
      return null; // drop every fifth
    }
    return Buffer.fromString(buf.text().toUpperCase());
  }
}

class SlowCollector extends AsyncSink {
  static override meta = meta("slowsink", [template.sink()]);
  got: string[] = [];
  finished = false;
  async renderAsync(buf: Buffer): Promise<void> {
    await tick();
    this.got.push(buf.text());
  }
  protected override async finish(): Promise<void> {
    this.finished = true;
  }
}

function build() {
  const p = new Pipeline();
  const src = new SlowSource("src", {});
  const up = new SlowUpper("up", {});
  const sink = new SlowCollector("sink", {});
  p.add(src, up, sink).chain(src, up, sink);
  return { p, src, up, sink };
}

describe("async element variants", () => {
  test("async source → async transform → async sink keep order, drop what the transform drops, and end at EOS", async () => {
    const { p, up, sink } = build();
    await p.run();
    const expected = Array.from({ length: 20 }, (_, i) => i)
      .filter((i) => i % 5 !== 4)
      .map((i) => `B${i}`);
    expect(sink.got).toEqual(expected);
    expect(sink.finished).toBe(true);
    expect(up.maxInFlight).toBe(1);
  });

  test("an async transform's rejection becomes a bus error naming it and stops the run", async () => {
    const { p, up } = build();
    up.failAt = 7;
    await expect(p.run()).rejects.toThrow(PipelineError);
    await expect(
      (async () => {
        const q = build();
        q.up.failAt = 3;
        await q.p.run();
      })(),
    ).rejects.toThrow(/up: cannot transform buffer 3/);
  });
});
