/**
 * Printing values in GStreamer's caps syntax, the inverse of parse.ts.
 *
 * A field prints as `name=(type)value`: the type in parentheses is the field's type (a range's
 * element type, a list's first element's type), so `(int)320`, `(double)0.5`,
 * `(string){ I420, NV12 }`, `(fraction)[ 0/1, 2147483647/1 ]`. A list element whose type
 * differs from the field's gets its own cast, `{ 1, (string)auto }`, which GStreamer's parser
 * also reads (GStreamer itself would print `(int){ 1, auto }`, which does not read back).
 * Strings made only of GStreamer's "simple" characters (letters, digits and `_-+/:.`) print
 * bare; anything else is quoted and escaped exactly as gst_string_wrap does, so printed caps
 * match gst_caps_to_string. Doubles print in the shortest form that reads back to the same
 * number (`1`, `0.5`, `1e+21`, `inf`, `nan`), where GStreamer prints 17 significant digits.
 */

import { isFraction, type Fraction } from "./fraction.ts";
import { DoubleRange, type FieldType, FractionRange, IntRange, type NumKind, type Value, ValueList } from "./value.ts";

/** GStreamer's GST_ASCII_IS_STRING: characters allowed in an unquoted string. */
export function isSimpleChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 95 || // _
    c === 45 || // -
    c === 43 || // +
    c === 47 || // /
    c === 58 || // :
    c === 46 // .
  );
}

export function isSimpleString(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isSimpleChar(s.charCodeAt(i))) return false;
  return true;
}

/**
 * A string as it appears in caps text, byte for byte what gst_string_wrap produces: bare when
 * simple, otherwise quoted, with every other printable ASCII character backslash-escaped
 * (`"hello\ world"`) and control or non-ASCII characters written as their UTF-8 bytes in
 * `\ooo` octal (`"\303\251"` for "é").
 */
export function formatString(s: string): string {
  if (isSimpleString(s)) return s;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isSimpleChar(c)) out += s[i];
    else if (c >= 0x20 && c < 0x7f) out += "\\" + s[i];
    else if (c < 0x80) out += octal(c);
    else {
      // Encode the whole code point (a surrogate pair when c is a high surrogate).
      const cp = s.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      for (const b of (encoder ??= new TextEncoder()).encode(ch)) out += octal(b);
      i += ch.length - 1;
    }
  }
  return out + '"';
}

/** Made on first use: constructing one costs ≈0.2 ms, at the start-up of every launch. */
let encoder: TextEncoder | undefined;

function octal(b: number): string {
  return "\\" + (b >> 6) + ((b >> 3) & 7) + (b & 7);
}

export function formatDouble(n: number): string {
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Number.isNaN(n)) return "nan";
  return String(n);
}

export function formatFraction(f: Fraction): string {
  return `${f.num}/${f.den}`;
}

/**
 * One value without a leading cast. List elements whose type differs from `listType` (the
 * type printed before the list) get their own cast.
 */
export function formatValue(v: Value, kind: NumKind, listType?: FieldType): string {
  switch (typeof v) {
    case "number":
      return kind === "int" ? String(v) : formatDouble(v);
    case "string":
      return formatString(v);
    case "boolean":
      return v ? "true" : "false";
  }
  if (v instanceof IntRange) {
    return v.step === 1 ? `[ ${v.min}, ${v.max} ]` : `[ ${v.min}, ${v.max}, ${v.step} ]`;
  }
  if (v instanceof DoubleRange) return `[ ${formatDouble(v.min)}, ${formatDouble(v.max)} ]`;
  if (v instanceof FractionRange) return `[ ${formatFraction(v.min)}, ${formatFraction(v.max)} ]`;
  if (v instanceof ValueList) {
    const outer = listType ?? elementType(v.values[0]!, kind);
    const parts = v.values.map((e) => {
      const t = elementType(e, kind);
      return t === outer ? formatValue(e, kind) : `(${t})${formatValue(e, kind)}`;
    });
    return `{ ${parts.join(", ")} }`;
  }
  if (isFraction(v)) return formatFraction(v);
  return String(v);
}

function elementType(e: Value, kind: NumKind): FieldType {
  switch (typeof e) {
    case "number":
      return kind;
    case "string":
      return "string";
    case "boolean":
      return "boolean";
  }
  if (e instanceof IntRange) return "int";
  if (e instanceof DoubleRange) return "double";
  return "fraction";
}

/** A value with its type cast in front, as in a structure: `(int)[ 16, 4096 ]`. */
export function formatTypedValue(v: Value, kind: NumKind): string {
  const t = v instanceof ValueList ? elementType(v.values[0]!, kind) : elementType(v, kind);
  return `(${t})${formatValue(v, kind, t)}`;
}
