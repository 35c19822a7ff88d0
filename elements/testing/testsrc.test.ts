import { describe, expect, test } from "bun:test";
import { FakeSink, launch, MSECOND, registry } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { testingCatalog } from "./catalog.ts";
import { TestSrc } from "./testsrc.ts";

registry.register(...testingCatalog);

/** Runs a testsrc in the harness and returns copies of the bytes of its buffers. */
function produce(props: Record<string, unknown>): Uint8Array[] {
  const h = new Harness(new TestSrc("t", props));
  h.crank();
  const out = h.pullAll().map((b) => b.data.slice());
  h.teardown();
  return out;
}

describe("testsrc", () => {
  test("zero, ones, alternating", () => {
    expect([...produce({ pattern: "zero", blocksize: 4, numBuffers: 1 })[0]!]).toEqual([0, 0, 0, 0]);
    expect([...produce({ pattern: "ones", blocksize: 3, numBuffers: 1 })[0]!]).toEqual([255, 255, 255]);
    const alt = produce({ pattern: "alternating", blocksize: 3, numBuffers: 2 });
    expect(alt.map((b) => [...b])).toEqual([[0x55, 0xaa, 0x55], [0xaa, 0x55, 0xaa]]);
  });

  test("counter continues across buffers (byte k of the stream is k mod 256)", () => {
    const bufs = produce({ pattern: "counter", blocksize: 300, numBuffers: 2 });
    const all = [...bufs[0]!, ...bufs[1]!];
    expect(all.every((v, k) => v === (k & 0xff))).toBe(true);
  });

  test("sequence repeats each buffer's number as u32 LE", () => {
    const bufs = produce({ pattern: "sequence", blocksize: 10, numBuffers: 3 });
    expect([...bufs[2]!]).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 2, 0]);
  });

  test("random is the same for the same seed, different for another", () => {
    const a = produce({ pattern: "random", blocksize: 1001, numBuffers: 2, seed: 7 });
    const b = produce({ pattern: "random", blocksize: 1001, numBuffers: 2, seed: 7 });
    const c = produce({ pattern: "random", blocksize: 1001, numBuffers: 2, seed: 8 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a[0]).not.toEqual(a[1]); // the stream continues across buffers
    const hist = new Uint32Array(256);
    for (const v of a[0]!) hist[v]!++;
    expect(Math.max(...hist)).toBeLessThan(20); // no byte dominates
  });

  test("rate gives timestamps; is-live paces to the clock", () => {
    const h = new Harness(new TestSrc("t", { rate: 25, isLive: true, blocksize: 1, numBuffers: 3 }));
    h.crank();
    expect(h.pullAll().map((b) => b.pts)).toEqual([0]);
    h.advance(39 * MSECOND);
    expect(h.pullAll()).toEqual([]);
    h.advance(1 * MSECOND);
    const b = h.pullAll();
    expect(b.map((x) => [x.pts / MSECOND, x.duration / MSECOND])).toEqual([[40, 40]]);
    expect(h.events().at(-1)?.type).not.toBe("eos");
    h.advance(40 * MSECOND);
    expect(h.pullAll().length).toBe(1);
    expect(h.events().at(-1)?.type).toBe("eos"); // num-buffers reached
    h.teardown();
  });

  test("in a pipeline: num-buffers of blocksize bytes, then EOS", async () => {
    const p = launch("testsrc pattern=counter blocksize=100 num-buffers=20 ! fakesink name=s signal-handoffs=true");
    let bytes = 0;
    let ok = true;
    (p.getElement("s") as FakeSink).onHandoff = (b) => {
      for (let i = 0; i < b.size; i++) if (b.data[i] !== ((b.offset + i) & 0xff)) ok = false;
      bytes += b.size;
    };
    await p.run();
    expect([bytes, ok]).toEqual([2000, true]);
  });
});
