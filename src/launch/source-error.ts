/**
 * Source errors: an error about a span of some user-written text, printed with a caret under the
 * offending span and a hint saying what to do next.
 *
 *     unterminated quoted value
 *       filesrc location="my file.ogg ! fakesink
 *                        ^
 *     hint: add the closing " at the end of the value
 *
 * The launch parser (parse.ts) throws `LaunchSyntaxError`; later stages (the pipeline builder,
 * property and caps parsing) throw plain `SourceError`s about the same string, e.g. for an
 * unknown element or a bad property value. Because `.message` is already the rendered,
 * multi-line form, printing the error anywhere shows the caret; the unrendered parts stay
 * available as `summary`, `text`, `pos` and `hint`.
 */

import type { Pos } from "./ast.ts";

/** Widest snippet (in characters) shown before the text is windowed around the error. */
export const SNIPPET_MAX_WIDTH = 80;
/** Characters of context kept before the error when the snippet is windowed. */
export const SNIPPET_CONTEXT_BEFORE = 30;
/** Indentation of the snippet and caret lines, so they stand apart from the message. */
const INDENT = "  ";
const ELLIPSIS = "…";

/** An error about `pos` in `text`. `.message` is the full rendering of `formatSourceError`. */
export class SourceError extends Error {
  /** The one-line message, without snippet or hint. */
  readonly summary: string;
  readonly text: string;
  readonly pos: Pos;
  readonly hint?: string;

  constructor(message: string, text: string, pos: Pos, hint?: string) {
    super(formatSourceError(message, text, pos, hint));
    this.name = "SourceError";
    this.summary = message;
    this.text = text;
    this.pos = { start: pos.start, end: pos.end };
    this.hint = hint;
  }
}

/** The launch string does not follow the gst-launch grammar. Thrown by `parseLaunch`. */
export class LaunchSyntaxError extends SourceError {
  constructor(message: string, text: string, pos: Pos, hint?: string) {
    super(message, text, pos, hint);
    this.name = "LaunchSyntaxError";
  }
}

/**
 * Renders `message`, then the text on one line, then a caret line (`^~~~` under
 * pos.start..pos.end), then `hint: …` if given.
 *
 * Newlines, tabs and other control characters in the text are shown as single spaces so that
 * the caret stays aligned; columns count code points, so astral characters take one column.
 * Texts wider than `SNIPPET_MAX_WIDTH` are windowed around the position, with `…` marking the
 * cut ends; a span longer than the window is cut at the window's edge. Out-of-range positions
 * are clamped to the text.
 */
export function formatSourceError(message: string, text: string, pos: Pos, hint?: string): string {
  // Work in code points so a surrogate pair is one column.
  const chars = Array.from(text, (ch) => (ch.length === 1 && ch.charCodeAt(0) < 0x20) || ch === "\u007f" ? " " : ch);
  const n = chars.length;
  const s = codePointIndex(text, clamp(pos.start, 0, text.length));
  const e = Math.max(s, codePointIndex(text, clamp(pos.end, 0, text.length)));

  let from = 0;
  let to = n;
  if (n > SNIPPET_MAX_WIDTH) {
    from = Math.max(0, s - SNIPPET_CONTEXT_BEFORE);
    to = Math.min(n, from + SNIPPET_MAX_WIDTH);
    if (to - from < SNIPPET_MAX_WIDTH) from = Math.max(0, to - SNIPPET_MAX_WIDTH);
  }
  const prefix = from > 0 ? ELLIPSIS : "";
  const suffix = to < n ? ELLIPSIS : "";
  const line = prefix + chars.slice(from, to).join("") + suffix;

  // A point (or a span starting at the very end) still gets one caret.
  const width = e > s ? Math.min(e, to) - s : 1;
  const caret = " ".repeat(prefix.length + s - from) + "^" + "~".repeat(Math.max(0, width - 1));

  const out = [message, (INDENT + line).trimEnd(), INDENT + caret];
  if (hint !== undefined && hint !== "") out.push("hint: " + hint);
  return out.join("\n");
}

function clamp(v: number, lo: number, hi: number): number {
  if (!Number.isFinite(v)) return v > 0 ? hi : lo;
  return v < lo ? lo : v > hi ? hi : Math.floor(v);
}

/** Number of code points in text[0, offset). An offset inside a surrogate pair counts the pair. */
function codePointIndex(text: string, offset: number): number {
  let cp = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    // Count a high surrogate; skip the low surrogate that completes it.
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const prev = text.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) continue;
    }
    cp++;
  }
  return cp;
}
