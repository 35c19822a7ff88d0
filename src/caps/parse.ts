/**
 * Parsing GStreamer's caps syntax into structures, with errors that point at the column.
 *
 * The grammar is gst_caps_from_string's:
 *
 *   caps      := "ANY" | "EMPTY" | "NONE" | "" | structure (";" structure)* [";"]
 *   structure := name ["(" features ")"] ("," field)*
 *   field     := name "=" value
 *   value     := ["(" type ")"] ( "[" value "," value ["," value] "]"     range
 *                                | "{" value ("," value)* "}"             list
 *                                | '"' quoted string '"' | simple-string )
 *
 * Types are GStreamer's names and abbreviations: (int) (i) (uint) (double) (d) (float) (f)
 * (string) (str) (s) (fraction) (boolean) (bool) (b). A type in front of a range or list
 * applies to its elements; an element may carry its own. An untyped value is read as the
 * first that fits of int, double, fraction, boolean (true/false/yes/no/t/f) and string, as in
 * GStreamer; a quoted value is always a string (GStreamer 1.22+). Ints may be hex (0x1f), octal
 * (010 is 8, as with GStreamer's strtoll) or min/max; doubles may be inf (not nan). Unquoted
 * strings use letters, digits and `_-+/:.`; quoted strings take `\"`, `\\` and `\ooo` octal
 * bytes. Whitespace is allowed between all tokens.
 *
 * The parser is a single hand-written scanner over char codes (no regexes, no token array).
 * It returns plain structures; caps.ts wraps them. Every failure throws a CapsParseError that
 * carries the text, the offending position and a hint saying how to fix it.
 */

import { FEATURES_ANY, featureNameProblem, normaliseFeatures } from "./features.ts";
import { isSimpleChar } from "./format.ts";
import { type Fraction, fraction, fractionFromNumber, isFraction } from "./fraction.ts";
import { type FieldEntry, type Structure, makeStructure } from "./structure.ts";
import {
  DoubleRange,
  type FieldType,
  FractionRange,
  IntRange,
  type NumKind,
  type Value,
  ValueList,
  inferKind,
} from "./value.ts";

/** How much of a long text the error message shows around the error. */
const SNIPPET_WIDTH = 72;

export class CapsParseError extends Error {
  override readonly name = "CapsParseError";
  /** The text that failed to parse. */
  readonly text: string;
  /** 0-based offset into `text` of the offending character (text.length for "at the end"). */
  readonly position: number;
  /** What is wrong, without the snippet. */
  readonly reason: string;
  /** How to fix it, or null. */
  readonly hint: string | null;

  constructor(reason: string, text: string, position: number, hint: string | null = null) {
    super(formatMessage(reason, text, position, hint));
    this.text = text;
    this.position = position;
    this.reason = reason;
    this.hint = hint;
  }
}

function formatMessage(reason: string, text: string, position: number, hint: string | null): string {
  let start = 0;
  let end = text.length;
  if (text.length > SNIPPET_WIDTH) {
    start = Math.max(0, Math.min(position - (SNIPPET_WIDTH >> 1), text.length - SNIPPET_WIDTH));
    end = Math.min(text.length, start + SNIPPET_WIDTH);
  }
  let snippet = "";
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    snippet += c < 0x20 ? " " : text[i]; // keep the caret aligned under tabs and newlines
  }
  const lead = start > 0 ? "…" : "";
  const tail = end < text.length ? "…" : "";
  const caret = " ".repeat(lead.length + position - start) + "^";
  let msg = `invalid caps: ${reason} (column ${position + 1})\n  ${lead}${snippet}${tail}\n  ${caret}`;
  if (hint !== null) msg += `\n  hint: ${hint}`;
  return msg;
}

/** Parses caps text: "ANY", or the structures in order (an empty array for EMPTY). */
export function parseCaps(text: string): "ANY" | Structure[] {
  return new Parser(text).caps();
}

const TYPE_NAMES = new Map<string, FieldType>([
  ["int", "int"], ["i", "int"], ["uint", "int"], ["u", "int"], ["gint", "int"], ["guint", "int"],
  ["int64", "int"], ["gint64", "int"], ["uint64", "int"], ["guint64", "int"],
  ["double", "double"], ["d", "double"], ["float", "double"], ["f", "double"],
  ["gdouble", "double"], ["gfloat", "double"],
  ["string", "string"], ["str", "string"], ["s", "string"], ["gchararray", "string"],
  ["fraction", "fraction"], ["GstFraction", "fraction"],
  ["boolean", "boolean"], ["bool", "boolean"], ["b", "boolean"], ["gboolean", "boolean"],
]);

// GStreamer types that exist but have no Parallax value type (yet).
const UNSUPPORTED_TYPES = new Set([
  "bitmask", "flagset", "structure", "caps", "buffer", "sample", "taglist", "date", "datetime",
  "GstBitmask", "GstFlagSet", "GstStructure", "GstCaps", "GstBuffer", "GstSample", "GstTagList", "GDate",
  "GstDateTime", "array", "list", "GstValueArray", "GstValueList", "int64range", "GstInt64Range",
]);

const TYPE_HINT = "known types: int, double, float, string, fraction, boolean (short forms i, d, f, s, b)";
const QUOTE_HINT = 'quote values that contain other characters than letters, digits and _-+/:. like "this"';

// Which kinds of plain numbers a field's value contained while parsing.
const SAW_INT = 1;
const SAW_DOUBLE = 2;
interface NumberFlags {
  flags: number;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

class Parser {
  readonly text: string;
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  fail(reason: string, hint: string | null = null, at: number = this.pos): never {
    throw new CapsParseError(reason, this.text, at, hint);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c !== 32 && (c < 9 || c > 13)) break;
      this.pos++;
    }
  }

  /** Reads a run of simple-string characters (possibly empty). */
  simple(): string {
    const start = this.pos;
    const t = this.text;
    while (this.pos < t.length && isSimpleChar(t.charCodeAt(this.pos))) this.pos++;
    return t.slice(start, this.pos);
  }

  /** Describes the character at the position for messages. */
  here(): string {
    return this.atEnd() ? "the end of the text" : `'${this.text[this.pos]}'`;
  }

  caps(): "ANY" | Structure[] {
    this.ws();
    if (this.atEnd()) return [];
    const start = this.pos;
    const word = this.simple();
    if (word === "ANY" || word === "EMPTY" || word === "NONE") {
      this.ws();
      if (this.peek() === 59 /* ; */) {
        this.pos++;
        this.ws();
      }
      if (this.atEnd()) return word === "ANY" ? "ANY" : [];
      this.fail(`${word} must stand alone`, `${word} caps cannot be combined with structures or fields`, start);
    }
    this.pos = start;
    const out: Structure[] = [];
    for (;;) {
      out.push(this.structure());
      // structure() stops only at ';' or the end.
      if (this.atEnd()) break;
      this.pos++; // ';'
      this.ws();
      if (this.atEnd()) break;
    }
    return out;
  }

  structure(): Structure {
    const start = this.pos;
    const name = this.simple();
    if (name === "") {
      this.fail(
        `expected a media type such as video/x-raw, found ${this.here()}`,
        this.peek() === 59 ? "remove the extra ';'" : "each structure starts with a media type, e.g. audio/x-raw",
      );
    }
    const c0 = name.charCodeAt(0);
    if (!((c0 >= 97 && c0 <= 122) || (c0 >= 65 && c0 <= 90))) {
      this.fail(`media type "${name}" must start with a letter`, "media types look like video/x-raw", start);
    }
    let features: readonly string[] | null = null;
    const afterName = this.pos;
    this.ws();
    if (this.peek() === 40 /* ( */) features = this.features();
    else this.pos = afterName;

    const fields: FieldEntry[] = [];
    let last: string | null = null;
    for (;;) {
      this.ws();
      const c = this.peek();
      if (c === -1 || c === 59 /* ; */) break;
      if (c !== 44 /* , */) {
        const after = last === null ? `the media type ${name}` : `the value of field "${last}"`;
        this.fail(
          `expected ',' or ';' after ${after}, found ${this.here()}`,
          "separate fields with ',' and structures with ';'" + (isSimpleChar(c) ? "" : `; ${QUOTE_HINT}`),
        );
      }
      this.pos++;
      this.ws();
      const d = this.peek();
      if (d === -1 || d === 59) this.fail("expected a field name after ','", "remove the trailing ','");
      last = this.field(fields);
    }
    return makeStructure(name, features, Object.freeze(fields));
  }

  features(): readonly string[] | null {
    const open = this.pos;
    this.pos++; // (
    const t = this.text;
    const list: string[] = [];
    for (;;) {
      this.ws();
      const start = this.pos;
      while (this.pos < t.length) {
        const c = t.charCodeAt(this.pos);
        if (c === 44 || c === 41 || c === 32 || (c >= 9 && c <= 13)) break;
        this.pos++;
      }
      const name = t.slice(start, this.pos);
      this.ws();
      if (this.atEnd()) {
        this.fail("unterminated caps features '('", "close the features with ')', e.g. video/x-raw(memory:memfd)", open);
      }
      const c = this.peek();
      if (name === "") this.fail("expected a caps feature such as memory:SystemMemory", null, start);
      if (name !== FEATURES_ANY) {
        const problem = featureNameProblem(name);
        if (problem !== null) this.fail(problem, "features look like memory:SystemMemory or meta:SomeMeta", start);
      }
      if (c !== 41 /* ) */ && c !== 44) this.fail(`expected ',' or ')' in caps features, found ${this.here()}`);
      list.push(name);
      this.pos++;
      if (c === 41) break;
    }
    try {
      return normaliseFeatures(list);
    } catch (e) {
      return this.fail((e as Error).message, "write ANY alone: video/x-raw(ANY)", open + 1);
    }
  }

  /** Parses `name=value` into `fields`; returns the field name. */
  field(fields: FieldEntry[]): string {
    const start = this.pos;
    const name = this.simple();
    if (name === "") {
      this.fail(`expected a field name, found ${this.here()}`, "field names use letters, digits and _-+/:.");
    }
    this.ws();
    if (this.peek() !== 61 /* = */) {
      this.fail(`expected '=' after field name "${name}", found ${this.here()}`, "write fields as name=value, e.g. width=320");
    }
    for (const f of fields) {
      if (f.name === name) this.fail(`field "${name}" appears twice`, "give each field once", start);
    }
    this.pos++;
    const acc: NumberFlags = { flags: 0 };
    const value = this.value(null, acc, name);
    const kind: NumKind = acc.flags & SAW_DOUBLE ? "double" : acc.flags & SAW_INT ? "int" : inferKind(value);
    fields.push({ name, value, kind });
    return name;
  }

  value(type: FieldType | null, acc: NumberFlags, field: string): Value {
    this.ws();
    if (this.peek() === 40 /* ( */) type = this.cast();
    this.ws();
    switch (this.peek()) {
      case 91: // [
        return this.range(type, field);
      case 123: // {
        return this.list(type, acc, field);
      case 60: // <
        return this.fail("arrays '< >' are not supported", "use a list '{ a, b }' if any one of the values will do");
    }
    return this.scalar(type, acc, field);
  }

  cast(): FieldType {
    this.pos++; // (
    this.ws();
    const start = this.pos;
    const name = this.simple();
    this.ws();
    if (name === "") this.fail(`expected a type name after '(', found ${this.here()}`, TYPE_HINT);
    if (this.peek() !== 41) this.fail(`expected ')' to close the type "(${name}"`, TYPE_HINT);
    this.pos++;
    const t = TYPE_NAMES.get(name);
    if (t === undefined) {
      if (UNSUPPORTED_TYPES.has(name)) {
        this.fail(`type "(${name})" is not supported by Parallax caps`, `${TYPE_HINT}; leave the field out if the element does not need it`, start);
      }
      this.fail(`unknown type "(${name})"`, TYPE_HINT, start);
    }
    return t;
  }

  scalar(type: FieldType | null, acc: NumberFlags, field: string): Value {
    const start = this.pos;
    if (this.peek() === 34 /* " */) {
      const s = this.quoted();
      return type === null || type === "string" ? s : this.convert(s, type, acc, start);
    }
    const raw = this.simple();
    if (raw === "") {
      if (this.atEnd() || this.peek() === 44 || this.peek() === 59) {
        this.fail(`field "${field}" has no value`, `give a value after '=', e.g. ${field}=1`);
      }
      this.fail(`unexpected ${this.here()} in the value of field "${field}"`, QUOTE_HINT);
    }
    if (type !== null) return this.convert(raw, type, acc, start);
    // Untyped: the first of int, double, fraction, boolean, string that fits (GStreamer's order).
    const i = parseIntText(raw);
    if (i !== null) {
      acc.flags |= SAW_INT;
      return i;
    }
    const d = parseDoubleText(raw, true);
    if (d !== null) {
      acc.flags |= SAW_DOUBLE;
      return d;
    }
    const f = parseFractionText(raw);
    if (f !== null) return f;
    const b = parseBooleanText(raw);
    if (b !== null) return b;
    return raw;
  }

  convert(raw: string, type: FieldType, acc: NumberFlags, at: number): Value {
    switch (type) {
      case "string":
        return raw;
      case "int": {
        const n = parseIntText(raw);
        if (n === null) this.fail(`"${raw}" is not a valid int`, "(int) values are whole numbers such as 320", at);
        acc.flags |= SAW_INT;
        return n;
      }
      case "double": {
        const n = parseDoubleText(raw, true);
        if (n === null) this.fail(`"${raw}" is not a valid double`, "(double) values are numbers such as 0.5, 1e-3 or inf (nan is not allowed)", at);
        acc.flags |= SAW_DOUBLE;
        return n;
      }
      case "fraction": {
        let f = parseFractionText(raw);
        if (f === null) {
          const n = parseIntText(raw) ?? parseDoubleText(raw, false);
          if (n !== null) {
            try {
              f = fractionFromNumber(n);
            } catch {
              f = null;
            }
          }
        }
        if (f === null) this.fail(`"${raw}" is not a valid fraction`, "fractions look like 30/1 or 30000/1001", at);
        return f;
      }
      case "boolean": {
        const b = parseBooleanText(raw);
        if (b === null) this.fail(`"${raw}" is not a valid boolean`, "booleans are true or false", at);
        return b;
      }
    }
  }

  quoted(): string {
    const open = this.pos;
    const t = this.text;
    this.pos++;
    let out = "";
    let seg = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail("unterminated string", `close the string with '"'`, open);
      const c = t.charCodeAt(this.pos);
      if (c === 34) {
        out += t.slice(seg, this.pos);
        this.pos++;
        return out;
      }
      if (c !== 92 /* \ */) {
        this.pos++;
        continue;
      }
      out += t.slice(seg, this.pos);
      if (isOctalEscape(t, this.pos)) {
        // A run of \ooo escapes is a byte sequence, usually one UTF-8 character.
        const bytes: number[] = [];
        while (isOctalEscape(t, this.pos)) {
          bytes.push(
            ((t.charCodeAt(this.pos + 1) - 48) << 6) | ((t.charCodeAt(this.pos + 2) - 48) << 3) | (t.charCodeAt(this.pos + 3) - 48),
          );
          this.pos += 4;
        }
        out += new TextDecoder().decode(new Uint8Array(bytes));
      } else {
        const d = t.charCodeAt(this.pos + 1);
        if (d >= 48 && d <= 51) {
          this.fail("invalid octal escape in string", "write a byte as \\ooo with three octal digits, or a backslash as \\\\");
        }
        if (this.pos + 1 >= t.length) this.fail("unterminated string", `close the string with '"'`, open);
        out += t[this.pos + 1];
        this.pos += 2;
      }
      seg = this.pos;
    }
  }

  range(type: FieldType | null, field: string): Value {
    const open = this.pos;
    this.pos++; // [
    const items: { v: number | Fraction; kind: "int" | "double" | "fraction"; at: number }[] = [];
    for (;;) {
      this.ws();
      if (this.atEnd()) this.fail("unterminated range '['", "close the range with ']', e.g. [ 1, 10 ]", open);
      const at = this.pos;
      if (this.peek() === 93 /* ] */ || this.peek() === 44) {
        this.fail(`expected a range bound, found ${this.here()}`, "ranges look like [ min, max ] or [ min, max, step ]");
      }
      const acc: NumberFlags = { flags: 0 };
      const v = this.value(type, acc, field);
      if (typeof v === "number") items.push({ v, kind: acc.flags & SAW_DOUBLE ? "double" : "int", at });
      else if (isFraction(v)) items.push({ v, kind: "fraction", at });
      else if (typeof v === "object") this.fail("a range bound cannot be a range or a list", null, at);
      else this.fail(`range bounds must be numbers or fractions, not ${JSON.stringify(v)}`, "use a list '{ a, b }' for a set of strings", at);
      this.ws();
      const c = this.peek();
      if (c === 44) {
        this.pos++;
        continue;
      }
      if (c === 93) {
        this.pos++;
        break;
      }
      if (c === -1) this.fail("unterminated range '['", "close the range with ']', e.g. [ 1, 10 ]", open);
      this.fail(`expected ',' or ']' in range, found ${this.here()}`, "ranges look like [ min, max ] or [ min, max, step ]");
    }
    if (items.length < 2) this.fail("a range needs a minimum and a maximum", "ranges look like [ min, max ]", open);
    if (items.length > 3) this.fail("a range has at most three parts: [ min, max, step ]", null, items[3]!.at);
    const [lo, hi, step] = items as [(typeof items)[0], (typeof items)[0], (typeof items)[0] | undefined];
    try {
      if (lo.kind === "int" && hi.kind === "int" && (step === undefined || step.kind === "int")) {
        return new IntRange(lo.v as number, hi.v as number, step === undefined ? 1 : (step.v as number));
      }
      if (step !== undefined) this.fail("only int ranges can have a step", null, step.at);
      if (lo.kind === "fraction" || hi.kind === "fraction") {
        const other = lo.kind === "fraction" ? hi : lo;
        if (other.kind === "double") this.fail("a range cannot mix a fraction and a decimal number", "write both bounds as fractions, e.g. [ 0/1, 30/1 ]", other.at);
        const f = (x: (typeof items)[0]): Fraction => (x.kind === "fraction" ? (x.v as Fraction) : fraction(x.v as number, 1));
        return new FractionRange(f(lo), f(hi));
      }
      return new DoubleRange(lo.v as number, hi.v as number);
    } catch (e) {
      if (e instanceof CapsParseError) throw e;
      return this.fail((e as Error).message, null, open);
    }
  }

  list(type: FieldType | null, acc: NumberFlags, field: string): Value {
    const open = this.pos;
    this.pos++; // {
    const values: Value[] = [];
    for (;;) {
      this.ws();
      if (this.atEnd()) this.fail("unterminated list '{'", "close the list with '}', e.g. { I420, NV12 }", open);
      if (this.peek() === 125 /* } */) {
        if (values.length === 0) {
          this.fail("empty list '{ }' matches nothing", "list at least one value, or leave the field out to accept anything", open);
        }
        this.fail("expected a value after ','", "remove the trailing ','");
      }
      const v = this.value(type, acc, field);
      if (v instanceof ValueList) values.push(...v.values);
      else values.push(v);
      this.ws();
      const c = this.peek();
      if (c === 44) {
        this.pos++;
        continue;
      }
      if (c === 125) {
        this.pos++;
        break;
      }
      if (c === -1) this.fail("unterminated list '{'", "close the list with '}', e.g. { I420, NV12 }", open);
      this.fail(`expected ',' or '}' in list, found ${this.here()}`, QUOTE_HINT);
    }
    return new ValueList(values);
  }
}

function isOctalEscape(t: string, i: number): boolean {
  if (t.charCodeAt(i) !== 92 || i + 3 >= t.length) return false;
  const a = t.charCodeAt(i + 1);
  const b = t.charCodeAt(i + 2);
  const c = t.charCodeAt(i + 3);
  return a >= 48 && a <= 51 && b >= 48 && b <= 55 && c >= 48 && c <= 55;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * An integer as GStreamer reads one (strtoll base 0): decimal, 0x hex or 0-prefixed octal, with
 * optional sign, or min/max (G_MININT/G_MAXINT); null when s is not one.
 */
export function parseIntText(s: string): number | null {
  let i = 0;
  const first = s.charCodeAt(0);
  if (first === 45 || first === 43) i = 1;
  if (i >= s.length) return null;
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) === 120 || s.charCodeAt(i + 1) === 88)) {
    if (i + 2 >= s.length) return null;
    for (let j = i + 2; j < s.length; j++) if (!isHexDigit(s.charCodeAt(j))) return null;
    const n = Number.parseInt(s.slice(i + 2), 16);
    const v = first === 45 ? -n : n;
    return Number.isSafeInteger(v) ? v : null;
  }
  let allDigits = true;
  for (let j = i; j < s.length; j++) {
    if (!isDigit(s.charCodeAt(j))) {
      allDigits = false;
      break;
    }
  }
  if (!allDigits) {
    const lower = s.toLowerCase();
    if (lower === "min") return INT_MIN;
    if (lower === "max") return INT_MAX;
    return null;
  }
  let v: number;
  if (s.charCodeAt(i) === 48 && s.length > i + 1) {
    // strtoll with base 0, as GStreamer: a leading 0 means octal ("010" is 8).
    for (let j = i + 1; j < s.length; j++) if (s.charCodeAt(j) > 55) return null;
    v = Number.parseInt(s.slice(i + 1), 8);
    if (first === 45) v = -v;
  } else {
    v = Number(s);
  }
  v += 0;
  return Number.isSafeInteger(v) ? v : null;
}

/**
 * A decimal number (`1.5`, `.5`, `1.`, `1e-3`, `-2`); with `special` also inf and infinity (as
 * g_ascii_strtod reads them) and min and max. NaN is refused: it never equals itself, so a field
 * holding it could not intersect anything, not even its own caps.
 */
export function parseDoubleText(s: string, special: boolean): number | null {
  let i = 0;
  const n = s.length;
  if (s.charCodeAt(0) === 45 || s.charCodeAt(0) === 43) i = 1;
  let digits = 0;
  while (i < n && isDigit(s.charCodeAt(i))) {
    i++;
    digits++;
  }
  if (i < n && s.charCodeAt(i) === 46) {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      i++;
      digits++;
    }
  }
  if (digits > 0 && i < n && (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69)) {
    i++;
    if (i < n && (s.charCodeAt(i) === 45 || s.charCodeAt(i) === 43)) i++;
    let exp = 0;
    while (i < n && isDigit(s.charCodeAt(i))) {
      i++;
      exp++;
    }
    if (exp === 0) return null;
  }
  if (digits > 0 && i === n) return Number(s) + 0;
  if (!special) return null;
  const lower = s.toLowerCase();
  const sign = lower.startsWith("-") ? -1 : 1;
  const body = lower.startsWith("-") || lower.startsWith("+") ? lower.slice(1) : lower;
  if (body === "inf" || body === "infinity") return sign * Infinity;
  if (lower === "min") return -Number.MAX_VALUE;
  if (lower === "max") return Number.MAX_VALUE;
  return null;
}

/** `num/den` with decimal integer terms and a non-zero denominator; null otherwise. */
export function parseFractionText(s: string): Fraction | null {
  const slash = s.indexOf("/");
  if (slash <= 0 || slash === s.length - 1) return null;
  const num = parseDecimalInt(s, 0, slash);
  const den = parseDecimalInt(s, slash + 1, s.length);
  if (num === null || den === null || den === 0) return null;
  return fraction(num, den);
}

function parseDecimalInt(s: string, from: number, to: number): number | null {
  let i = from;
  const c = s.charCodeAt(i);
  if (c === 45 || c === 43) i++;
  if (i >= to) return null;
  for (let j = i; j < to; j++) if (!isDigit(s.charCodeAt(j))) return null;
  const v = Number(s.slice(from, to)) + 0;
  return Number.isSafeInteger(v) ? v : null;
}

/** GStreamer's boolean spellings, case-insensitive: true/yes/t/1 and false/no/f/0. */
export function parseBooleanText(s: string): boolean | null {
  if (s.length > 5) return null;
  switch (s.toLowerCase()) {
    case "true":
    case "yes":
    case "t":
    case "1":
      return true;
    case "false":
    case "no":
    case "f":
    case "0":
      return false;
  }
  return null;
}
