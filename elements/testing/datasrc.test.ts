import { describe, expect, test } from "bun:test";
import { AppSink, Buffer, launch, PropertyError, registry, Pipeline } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { testingCatalog } from "./catalog.ts";
import { DataSrc } from "./datasrc.ts";

registry.register(...testingCatalog);

function texts(el: DataSrc): string[] {
  const h = new Harness(el);
  h.crank();
  const out = h.pullAll().map((b) => b.text());
  expect(h.events().at(-1)?.type).toBe("eos");
  h.teardown();
  return out;
}

describe("datasrc", () => {
  test("data= in utf8, hex or base64; blocksize cuts it", () => {
    expect(texts(new DataSrc("d", { data: "hello world", blocksize: 4 }))).toEqual(["hell", "o wo", "rld"]);
    expect(texts(new DataSrc("d", { data: "48 69", encoding: "hex" }))).toEqual(["Hi"]);
    expect(texts(new DataSrc("d", { data: "SGk=", encoding: "base64" }))).toEqual(["Hi"]);
    expect(texts(new DataSrc("d", {}))).toEqual([]);
    expect(() => new DataSrc("d", { data: "4", encoding: "hex" }).configure()).toThrow(PropertyError);
  });

  test("chunks from TypeScript become one buffer each; repeat sends them again", () => {
    const d = new DataSrc("d", { chunks: ["a", new Uint8Array([98]), Buffer.fromString("c")], repeat: 2 });
    expect(texts(d)).toEqual(["a", "b", "c", "a", "b", "c"]);
    expect(() => new DataSrc("d", { chunks: "nope" })).toThrow(/must be an array/);
  });

  test("buffers are copies: changing one in place leaves the source's bytes alone", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const h = new Harness(new DataSrc("d", { chunks: [bytes] }));
    h.crank();
    const b = h.pull()!;
    b.data[0] = 99;
    expect(bytes[0]).toBe(1);
    h.teardown();
  });

  test("caps announce the format downstream", async () => {
    const p = new Pipeline();
    const src = new DataSrc("d", { caps: "text/x-raw", chunks: ["x"] });
    const sink = new AppSink("out", {});
    p.add(src, sink).chain(src, sink);
    const done = p.run();
    const first = await sink.pull();
    expect(first?.text()).toBe("x");
    expect(sink.caps?.toString()).toBe("text/x-raw");
    await done;
    const q = launch('datasrc data="a,b" ! fakesink');
    await q.run();
  });
});
