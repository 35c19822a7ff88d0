import { expect, test } from "bun:test";
import { Bus, launch, type Message } from "./index.ts";

test("the bus is async-iterable and ends when closed", async () => {
  const bus = new Bus();
  const seen: string[] = [];
  const reader = (async () => {
    for await (const m of bus) seen.push(m.type);
  })();
  bus.post({ type: "info", source: "a", message: "x" });
  bus.post({ type: "eos", source: "a" });
  await Promise.resolve();
  bus.close();
  await reader;
  expect(seen).toEqual(["info", "eos"]);
});

test("a pipeline's messages arrive in order on the iterator", async () => {
  const p = launch("fakesrc num-buffers=5 ! fakesink");
  const got: Message[] = [];
  const reader = (async () => {
    for await (const m of p.bus) {
      got.push(m);
      if (m.type === "eos") break;
    }
  })();
  await p.run();
  await reader;
  expect(got.map((m) => m.type)).toEqual(["state-changed", "state-changed", "eos"]);
});

test("typed listeners get only their type; errors carry element and domain", async () => {
  const p = launch("fakesrc ! identity name=boom error-after=1 ! fakesink");
  const errors: { source: string; domain: string }[] = [];
  p.bus.on("error", (m) => errors.push({ source: m.source, domain: m.domain }));
  await expect(p.run()).rejects.toThrow(/boom/);
  expect(errors).toEqual([{ source: "boom", domain: "core" }]);
});
