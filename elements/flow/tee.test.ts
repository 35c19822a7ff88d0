import { describe, expect, test } from "bun:test";
import { Buffer, Flow } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { Tee } from "./tee.ts";

describe("tee", () => {
  test("every branch gets every buffer, sharing memory (O(1) clone)", () => {
    const t = new Tee("t", {});
    const h = new Harness(t); // requests src_0
    t.requestPad("src_%u"); // src_1, linked to nothing
    expect(t.pads.map((p) => p.name)).toEqual(["sink", "src_0", "src_1"]);
    h.setCaps("ANY");
    const b = Buffer.fromString("x");
    // src_1 is not linked: src_0 still gets the data and the combined flow is OK.
    expect(h.push(b)).toBe(Flow.OK);
    const out = h.pull()!;
    expect(out.data.buffer).toBe(b.data.buffer);
    h.teardown();
  });

  test("with no branch, not-linked unless allow-not-linked", () => {
    const lone = new Tee("t", {});
    const h = new Harness(lone);
    // The harness requested src_0 and linked it; a fresh tee has no branches at all:
    const bare = new Tee("bare", {});
    expect(bare.chain(bare.pads[0]!, Buffer.alloc(1))).toBe(Flow.NOT_LINKED);
    const allowed = new Tee("ok", { allowNotLinked: true });
    expect(allowed.chain(allowed.pads[0]!, Buffer.alloc(1))).toBe(Flow.OK);
    h.teardown();
  });
});
