import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Buffer, Events, MSECOND } from "../../src/index.ts";
import { Harness } from "../../src/testing/harness.ts";
import { ConsoleSink } from "./consolesink.ts";

const dir = mkdtempSync(join(tmpdir(), "parallax-console-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a consolesink writing to a temporary file and returns what it printed. */
function printed(props: Record<string, unknown>, feed: (h: Harness) => void): string {
  const path = join(dir, `out-${Math.random().toString(36).slice(2)}.txt`);
  const fd = openSync(path, "w");
  try {
    const h = new Harness(new ConsoleSink("con", { ...props, fd }));
    feed(h);
    h.teardown();
  } finally {
    closeSync(fd);
  }
  return readFileSync(path, "utf8");
}

describe("consolesink", () => {
  test("metadata: one line per buffer with timestamps and metadata fields, one per event", () => {
    const out = printed({}, (h) => {
      h.setCaps("text/x-raw");
      const b = Buffer.fromString("hi");
      b.pts = 40 * MSECOND;
      b.meta = { zone: 3 };
      h.push(b);
      h.pushEvent(Events.eos());
    });
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toBe("con: event stream-start (harness)");
    expect(lines[1]).toBe("con: event caps text/x-raw");
    expect(lines[3]).toContain("con: buffer (2 bytes, pts: 0:00:00.040000000");
    expect(lines[3]).toEndWith('meta {"zone":3}');
    expect(lines[4]).toBe("con: event eos");
  });

  test("hex: a dump of the first max-bytes bytes", () => {
    const out = printed({ mode: "hex", maxBytes: 4, events: false }, (h) => h.push("ABCDEFGH"));
    expect(out).toContain("00000000  41 42 43 44");
    expect(out).toContain("… 4 more bytes");
    expect(out).not.toContain("event");
  });

  test("text: the bytes as text, a newline added when missing, no prefix with prefix=false", () => {
    const out = printed({ mode: "text", prefix: false }, (h) => {
      h.setCaps("ANY");
      h.push("line one\n");
      h.push("line two");
    });
    expect(out).toBe("line one\nline two\n");
  });
});
