/** Every example runs as part of the suite, and its result is checked. */
import { expect, test } from "bun:test";
import { main as hello } from "../examples/01_hello_pipeline.ts";
import { main as counting } from "../examples/02_counting_source.ts";
import { main as transform } from "../examples/03_transform_element.ts";
import { main as tee } from "../examples/04_tee_fanout.ts";

test("01 hello pipeline", async () => {
  const r = await hello();
  expect(r.buffers).toBe(1000);
  expect(r.states).toEqual(["idle", "running", "idle", "suspended"]);
});

test("02 counting source", async () => {
  expect(await counting()).toEqual([0, 1, 2, 3, 4]);
});

test("03 transform element", async () => {
  expect(await transform(["abc", "Hello"])).toEqual(["ABC", "HELLO"]);
});

test("04 tee fan-out", async () => {
  const r = await tee(300);
  expect(r).toEqual({ a: 300, b: 300, sameMemory: true });
});
