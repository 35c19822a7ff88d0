/**
 * Tests for the source-error formatter: caret placement, windowing of long strings, odd
 * characters, and the error classes other stages throw.
 */

import { describe, expect, test } from "bun:test";
import { formatSourceError, LaunchSyntaxError, SNIPPET_MAX_WIDTH, SourceError } from "./source-error.ts";

describe("formatSourceError", () => {
  test("message, text, caret under the span, hint", () => {
    const out = formatSourceError("no element 'fakesnk'", "fakesrc ! fakesnk", { start: 10, end: 17 }, "did you mean 'fakesink'?");
    expect(out).toBe(
      ["no element 'fakesnk'", "  fakesrc ! fakesnk", "            ^~~~~~~", "hint: did you mean 'fakesink'?"].join("\n"),
    );
  });

  test("no hint line when there is no hint", () => {
    const out = formatSourceError("bad", "abc", { start: 1, end: 2 });
    expect(out).toBe(["bad", "  abc", "   ^"].join("\n"));
  });

  test("an empty span gets one caret; the end of the text is a valid point", () => {
    expect(formatSourceError("m", "abc", { start: 1, end: 1 }).split("\n")[2]).toBe("   ^");
    expect(formatSourceError("m", "abc", { start: 3, end: 3 }).split("\n")[2]).toBe("     ^");
    expect(formatSourceError("m", "", { start: 0, end: 0 }).split("\n").slice(1)).toEqual(["", "  ^"]);
  });

  test("out-of-range positions are clamped", () => {
    expect(formatSourceError("m", "abc", { start: -5, end: 99 }).split("\n")[2]).toBe("  ^~~");
    expect(formatSourceError("m", "abc", { start: 7, end: 2 }).split("\n")[2]).toBe("     ^");
  });

  test("newlines and tabs print as single spaces so the caret stays aligned", () => {
    const text = "fakesrc\n\t! bad$";
    const out = formatSourceError("m", text, { start: 14, end: 15 }).split("\n");
    expect(out[1]).toBe("  fakesrc  ! bad$");
    expect(out[2]).toBe("  " + " ".repeat(14) + "^");
  });

  test("astral characters take one column", () => {
    const text = 'x text="🎬🎬" y$';
    const at = text.indexOf("$");
    const out = formatSourceError("m", text, { start: at, end: at + 1 }).split("\n");
    expect(out[2]!.indexOf("^") - 2).toBe(Array.from(text.slice(0, at)).length);
  });

  test("long strings are windowed around the position with '…' at cut ends", () => {
    const text = "a".repeat(200) + "XYZ" + "b".repeat(200);
    const out = formatSourceError("m", text, { start: 200, end: 203 }).split("\n");
    const line = out[1]!.slice(2);
    expect(line.startsWith("…")).toBe(true);
    expect(line.endsWith("…")).toBe(true);
    expect(line.length).toBe(SNIPPET_MAX_WIDTH + 2);
    const caretCol = out[2]!.indexOf("^") - 2;
    expect(line.slice(caretCol, caretCol + 3)).toBe("XYZ");
    expect(out[2]!.slice(2 + caretCol)).toBe("^~~");
  });

  test("windowing at the start and at the end of a long string", () => {
    const text = "S" + "x".repeat(300) + "E";
    const start = formatSourceError("m", text, { start: 0, end: 1 }).split("\n");
    expect(start[1]!.slice(2, 4)).toBe("Sx");
    expect(start[1]!.endsWith("…")).toBe(true);
    expect(start[2]).toBe("  ^");

    const end = formatSourceError("m", text, { start: 301, end: 302 }).split("\n");
    expect(end[1]!.startsWith("  …")).toBe(true);
    expect(end[1]!.endsWith("xE")).toBe(true);
    expect(end[2]!.indexOf("^")).toBe(end[1]!.length - 1);

    const past = formatSourceError("m", text, { start: 302, end: 302 }).split("\n");
    expect(past[2]!.indexOf("^")).toBe(past[1]!.length);
  });

  test("a span longer than the window is cut at the window's edge", () => {
    const text = "q".repeat(500);
    const out = formatSourceError("m", text, { start: 10, end: 490 }).split("\n");
    expect(out[2]!.length).toBeLessThanOrEqual(out[1]!.length);
    expect(out[2]!.trim()).toMatch(/^\^~+$/);
  });
});

describe("SourceError", () => {
  test("message is the rendered form; parts stay available", () => {
    const err = new SourceError("unknown element 'fakesnk'", "fakesrc ! fakesnk", { start: 10, end: 17 }, "check the spelling");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("SourceError");
    expect(err.summary).toBe("unknown element 'fakesnk'");
    expect(err.text).toBe("fakesrc ! fakesnk");
    expect(err.pos).toEqual({ start: 10, end: 17 });
    expect(err.hint).toBe("check the spelling");
    expect(err.message).toBe(formatSourceError(err.summary, err.text, err.pos, err.hint));
    expect(String(err)).toContain("^~~~~~~");
  });

  test("hint is absent when not given", () => {
    const err = new SourceError("m", "abc", { start: 0, end: 1 });
    expect(err.hint).toBeUndefined();
    expect(err.message.split("\n")).toHaveLength(3);
  });

  test("LaunchSyntaxError is a SourceError", () => {
    const err = new LaunchSyntaxError("m", "abc", { start: 0, end: 1 }, "h");
    expect(err).toBeInstanceOf(SourceError);
    expect(err).toBeInstanceOf(LaunchSyntaxError);
    expect(err.name).toBe("LaunchSyntaxError");
  });

  test("the stored pos is a copy", () => {
    const pos = { start: 0, end: 1 };
    const err = new SourceError("m", "abc", pos);
    pos.start = 2;
    expect(err.pos.start).toBe(0);
  });
});
