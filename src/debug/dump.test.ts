import { expect, test } from "bun:test";
import { launch } from "../index.ts";
import { toDot, toJson, toText } from "./dump.ts";

test("graph dumps carry the negotiated caps of every link", () => {
  const p = launch("fakesrc ! video/x-raw,format=I420,width=320,height=240 ! tee name=t t. ! queue ! fakesink t. ! fakesink");
  p.prepare();
  const json = toJson(p);
  expect(json.elements.map((e) => e.factory)).toEqual(["fakesrc", "capsfilter", "tee", "queue", "fakesink", "fakesink"]);
  const l = json.links.find((x) => x.from === "t.src_1")!;
  expect(l.to).toBe("fakesink1.sink");
  expect(l.caps).toBe("video/x-raw, format=(string)I420, width=(int)320, height=(int)240");
  const dot = toDot(p);
  expect(dot.startsWith('digraph "pipeline0" {')).toBe(true);
  expect(dot).toContain('"t" -> "queue0"');
  expect(dot).toContain("format=(string)I420");
  expect(toText(p)).toContain("t.src_0 → queue0.sink: video/x-raw");
  p.suspend();
});
