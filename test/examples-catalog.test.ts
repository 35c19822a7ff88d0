/** The catalog I examples (issue 6) run as part of the suite, and their results are checked. */
import { expect, test } from "bun:test";
import { main as funnel } from "../examples/05_funnel_merge.ts";
import { main as appio } from "../examples/07_appsrc_appsink.ts";
import { main as backpressure } from "../examples/08_queue_backpressure.ts";
import { main as valve } from "../examples/09_valve_control.ts";

test("05 funnel merge", async () => {
  const r = await funnel(100, 60);
  expect(r.total).toBe(160);
  expect(r.perStream).toEqual({ a: 100, b: 60 });
  expect(r.switches).toBeGreaterThanOrEqual(2);
}, 10_000);

test("07 appsrc and appsink", async () => {
  expect(await appio()).toEqual(["MILK", "EGGS", "BREAD"]);
}, 10_000);

test("08 queue backpressure", async () => {
  const r = await backpressure(40);
  expect(r.consumed).toBe(40);
  expect(r.maxAhead).toBeLessThanOrEqual(r.bound);
  expect(r.maxAhead).toBeGreaterThanOrEqual(2); // the queue did fill up ahead of the consumer
}, 10_000);

test("09 valve control", async () => {
  const r = await valve();
  expect(r.received).toEqual([...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
  expect(r.dropped).toBe(10);
  expect(r.discont).toEqual([20]);
}, 10_000);
