/**
 * Launch lexer: cuts a launch string into tokens, each with its source span.
 *
 * Like GStreamer's parse.l, the lexer is context-sensitive rather than a plain character
 * classifier, because the gst-launch language is:
 *
 * - `key=value` is one token (`assign`). Whitespace may surround `=`. An unquoted value runs to
 *   the next whitespace or `!`, with `\x` standing for `x`; a value starting with `"` or `'` runs
 *   to the matching quote, with `\x` standing for `x` inside.
 * - After a `!`, a word followed by `/` (`video/x-raw…`) or a quoted string starts a caps filter.
 *   As in GStreamer, unquoted caps run to the next `!` (so `video/x-raw, width=320` with a space
 *   is fine) and are trimmed; `!` inside a double-quoted part of the caps does not end them.
 * - `name.` and `name.pad` are references (`ref`); a bare word is a factory name (`word`).
 * - `#` at the start of a token comments out the rest of the line (GStreamer ≥ 1.24 does too).
 *
 * The parser (parse.ts) turns the tokens into the AST and checks their order. The lexer throws
 * `LaunchSyntaxError` for text that can never form a token: stray characters, unterminated
 * quotes, a property with no value. It never backtracks: every character is looked at a bounded
 * number of times, so lexing is linear in the length of the string.
 */

import type { Pos } from "./ast.ts";
import { LaunchSyntaxError } from "./source-error.ts";

export type Token =
  | { kind: "link"; pos: Pos }
  | { kind: "word"; name: string; pos: Pos }
  | { kind: "ref"; element: string; pad?: string; pos: Pos }
  | { kind: "assign"; key: string; value: string; quoted: boolean; pos: Pos; valuePos: Pos }
  | { kind: "caps"; text: string; pos: Pos }
  | { kind: "end"; pos: Pos };

const BANG = 0x21; // !
const DQUOTE = 0x22; // "
const HASH = 0x23; // #
const PERCENT = 0x25; // %
const SQUOTE = 0x27; // '
const MINUS = 0x2d; // -
const DOT = 0x2e; // .
const SLASH = 0x2f; // /
const COLON = 0x3a; // :
const EQUALS = 0x3d; // =
const BACKSLASH = 0x5c; // \
const UNDERSCORE = 0x5f; // _
const NEWLINE = 0x0a;

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** First character of a factory name, element name, property key or pad name. */
function isWordStart(c: number): boolean {
  return isAlnum(c) || c === UNDERSCORE;
}

/** Later characters of a factory name or element name (`avdec_h264`, `audio-convert`). */
function isWordChar(c: number): boolean {
  return isAlnum(c) || c === UNDERSCORE || c === MINUS;
}

/** Later characters of a property key: also `:` for child properties (`child::prop`). */
function isKeyChar(c: number): boolean {
  return isWordChar(c) || c === COLON;
}

/** Later characters of a pad name: also `%` for request-pad templates (`src_%u`). */
function isPadChar(c: number): boolean {
  return isWordChar(c) || c === PERCENT;
}

/** Where a token may end: whitespace, `!`, a comment or the end of the text. */
function isBoundary(c: number): boolean {
  return Number.isNaN(c) || isSpace(c) || c === BANG || c === HASH;
}

export class Lexer {
  private i = 0;
  /** Whether the previous token was `!`: only then does quoted text or `type/subtype` start caps. */
  private afterLink = false;

  constructor(readonly text: string) {}

  /** Returns the next token; after the end, keeps returning `end`. */
  next(): Token {
    this.skipSpaceAndComments();
    const text = this.text;
    const start = this.i;
    if (start >= text.length) return { kind: "end", pos: { start, end: start } };

    const c = text.charCodeAt(start);
    if (c === BANG) {
      this.i++;
      this.afterLink = true;
      return { kind: "link", pos: { start, end: start + 1 } };
    }
    const afterLink = this.afterLink;
    this.afterLink = false;

    if (c === DQUOTE || c === SQUOTE) {
      if (afterLink) return this.quotedCaps(start);
      throw this.error(
        "unexpected quoted text",
        { start, end: start + 1 },
        `quotes go around a property value (key="…") or a caps filter between two '!'`,
      );
    }
    if (!isWordStart(c)) throw this.unexpected(start);

    let j = start + 1;
    while (j < text.length && isWordChar(text.charCodeAt(j))) j++;
    const after = text.charCodeAt(j);

    if (after === SLASH) return this.unquotedCaps(start);
    if (after === DOT) return this.ref(start, j);
    if (after === COLON && text.startsWith("://", j)) {
      throw this.error(
        "URIs cannot be used as elements",
        { start, end: this.skipValue(start) },
        `use an element that takes a URI property, e.g. 'uridecodebin uri=${text.slice(start, this.skipValue(start))}'`,
      );
    }

    // A property key may continue with ':' (child::prop); a factory name may not.
    let k = j;
    while (k < text.length && isKeyChar(text.charCodeAt(k))) k++;
    let eq = k;
    while (eq < text.length && isSpace(text.charCodeAt(eq))) eq++;
    if (text.charCodeAt(eq) === EQUALS) return this.assign(start, k, eq);
    if (k > j) {
      throw this.error(
        "unexpected ':'",
        { start: j, end: j + 1 },
        "':' only appears in property names such as 'child::property=value'; link elements with '!'",
      );
    }

    this.i = j;
    return { kind: "word", name: text.slice(start, j), pos: { start, end: j } };
  }

  private skipSpaceAndComments(): void {
    const text = this.text;
    let i = this.i;
    for (;;) {
      while (i < text.length && isSpace(text.charCodeAt(i))) i++;
      if (text.charCodeAt(i) !== HASH) break;
      while (i < text.length && text.charCodeAt(i) !== NEWLINE) i++;
    }
    this.i = i;
  }

  /** `name.` or `name.pad`; `dot` is the index of the '.'. */
  private ref(start: number, dot: number): Token {
    const text = this.text;
    const element = text.slice(start, dot);
    let j = dot + 1;
    let pad: string | undefined;
    if (isWordStart(text.charCodeAt(j))) {
      while (j < text.length && isPadChar(text.charCodeAt(j))) j++;
      pad = text.slice(dot + 1, j);
    }
    if (!isBoundary(text.charCodeAt(j))) {
      throw this.error(
        `unexpected ${describeChar(text, j)} in reference '${text.slice(start, j)}'`,
        { start: j, end: j + charLength(text, j) },
        "a reference is an element name, a dot and optionally a pad name, e.g. 't.' or 't.src_0'",
      );
    }
    this.i = j;
    const pos = { start, end: j };
    return pad === undefined ? { kind: "ref", element, pos } : { kind: "ref", element, pad, pos };
  }

  /** `key = value`; `keyEnd` is the end of the key, `eq` the index of the '='. */
  private assign(start: number, keyEnd: number, eq: number): Token {
    const text = this.text;
    const key = text.slice(start, keyEnd);
    let v = eq + 1;
    while (v < text.length && isSpace(text.charCodeAt(v))) v++;
    const c = text.charCodeAt(v);
    if (v >= text.length || c === BANG) {
      throw this.error(
        `property '${key}' has no value`,
        { start, end: eq + 1 },
        `write a value right after '=' (put it in quotes if it contains spaces or '!'), or ${key}="" for an empty string`,
      );
    }
    let value: string;
    let quoted = false;
    let end: number;
    if (c === DQUOTE || c === SQUOTE) {
      const q = this.quoted(v, "value");
      value = q.value;
      end = q.end;
      quoted = true;
    } else {
      const u = this.unquoted(v);
      value = u.value;
      end = u.end;
    }
    this.i = end;
    return { kind: "assign", key, value, quoted, pos: { start, end }, valuePos: { start: v, end } };
  }

  /** The end of an unquoted value starting at `start` (used only to quote it in hints). */
  private skipValue(start: number): number {
    const text = this.text;
    let j = start;
    while (j < text.length && !isSpace(text.charCodeAt(j)) && text.charCodeAt(j) !== BANG) j++;
    return j;
  }

  /** An unquoted value: up to whitespace or '!', `\x` meaning `x`. */
  private unquoted(start: number): { value: string; end: number } {
    const text = this.text;
    let j = start;
    let value = "";
    let run = start; // start of the current stretch without escapes
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (isSpace(c) || c === BANG) break;
      if (c === BACKSLASH) {
        if (j + 1 >= text.length) {
          throw this.error(
            "a backslash at the end escapes nothing",
            { start: j, end: j + 1 },
            "remove it, or write '\\\\' for a literal backslash",
          );
        }
        value += text.slice(run, j);
        const n = charLength(text, j + 1);
        value += text.slice(j + 1, j + 1 + n);
        j += 1 + n;
        run = j;
        continue;
      }
      j++;
    }
    value += text.slice(run, j);
    return { value, end: j };
  }

  /**
   * A quoted string starting at the quote `start`; `\x` inside means `x`. The closing quote must
   * be followed by whitespace, '!', a comment or the end.
   */
  private quoted(start: number, what: "value" | "caps filter"): { value: string; end: number } {
    const text = this.text;
    const quote = text.charCodeAt(start);
    let j = start + 1;
    let value = "";
    let run = j;
    for (;;) {
      if (j >= text.length) {
        const q = quote === DQUOTE ? '"' : "'";
        throw this.error(
          `unterminated quoted ${what}`,
          { start, end: start + 1 },
          `add the closing ${q} at the end of the ${what}, or escape a literal quote as \\${q}`,
        );
      }
      const c = text.charCodeAt(j);
      if (c === quote) break;
      if (c === BACKSLASH && j + 1 < text.length) {
        value += text.slice(run, j);
        const n = charLength(text, j + 1);
        value += text.slice(j + 1, j + 1 + n);
        j += 1 + n;
        run = j;
        continue;
      }
      j++;
    }
    value += text.slice(run, j);
    const end = j + 1;
    if (!isBoundary(text.charCodeAt(end))) {
      throw this.error(
        "unexpected text right after the closing quote",
        { start: end, end: end + charLength(text, end) },
        "put a space after the closing quote, or move the text inside the quotes",
      );
    }
    return { value, end };
  }

  private quotedCaps(start: number): Token {
    const { value, end } = this.quoted(start, "caps filter");
    this.i = end;
    return { kind: "caps", text: value, pos: { start, end } };
  }

  /**
   * Unquoted caps: from `type/subtype` up to the next '!' (or the end), trimmed. A `\x` is kept
   * as written (caps have their own escaping) but never ends the caps; a double-quoted part may
   * contain '!'.
   */
  private unquotedCaps(start: number): Token {
    const text = this.text;
    let j = start;
    let inQuote = -1; // index of the opening quote while inside one
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === BACKSLASH) {
        j += 2;
        continue;
      }
      if (c === DQUOTE) inQuote = inQuote < 0 ? j : -1;
      else if (c === BANG && inQuote < 0) break;
      j++;
    }
    if (inQuote >= 0) {
      throw this.error(
        "unterminated quote in caps filter",
        { start: inQuote, end: inQuote + 1 },
        'add the closing " inside the caps, or escape a literal quote as \\"',
      );
    }
    if (j > text.length) j = text.length;
    this.i = j;
    let end = j;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    return { kind: "caps", text: text.slice(start, end), pos: { start, end } };
  }

  private unexpected(at: number): LaunchSyntaxError {
    const c = this.text.charCodeAt(at);
    const pos = { start: at, end: at + charLength(this.text, at) };
    const what = `unexpected ${describeChar(this.text, at)}`;
    switch (c) {
      case 0x28: // (
      case 0x29: // )
      case 0x7b: // {
      case 0x7d: // }
        return this.error(what, pos, "bins in parentheses are not supported; write the elements without ( )");
      case 0x40: // @
        return this.error(what, pos, "presets (@preset=…) are not supported; set the properties one by one");
      case EQUALS:
        return this.error(what, pos, "a property needs a name before '=', e.g. 'num-buffers=10'");
      case DOT:
        return this.error(
          what,
          pos,
          "a reference needs the element name right before the dot, with no space: 'mux.' or 'mux.sink_0'",
        );
      case SLASH:
        return this.error(what, pos, "a file path goes in a property value, e.g. 'filesrc location=/path/to/file'");
      case 0x7c: // |
      case COLON:
        return this.error(what, pos, "link elements with '!'");
      case BACKSLASH:
        return this.error(what, pos, "a backslash escapes a character only inside a property value");
      default:
        return this.error(
          what,
          pos,
          "element names use letters, digits, '-' and '_'; put other characters in a quoted property value",
        );
    }
  }

  private error(message: string, pos: Pos, hint: string): LaunchSyntaxError {
    return new LaunchSyntaxError(message, this.text, pos, hint);
  }
}

/** Length in code units of the character at `i` (2 for a surrogate pair, 0 at the end). */
function charLength(text: string, i: number): number {
  if (i >= text.length) return 0;
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

/** `'x'` for a printable character, `U+0007` for others, `end of text` past the end. */
function describeChar(text: string, i: number): string {
  if (i >= text.length) return "end of text";
  const cp = text.codePointAt(i) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return `character U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  return `'${String.fromCodePoint(cp)}'`;
}
