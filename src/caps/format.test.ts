import { describe, expect, test } from "bun:test";
import { formatDouble, formatString, formatTypedValue, formatValue, isSimpleString } from "./format.ts";
import { fraction } from "./fraction.ts";
import { DoubleRange, FractionRange, IntRange, ValueList } from "./value.ts";

describe("formatString", () => {
  test("simple strings print bare", () => {
    expect(formatString("I420")).toBe("I420");
    expect(formatString("video/x-raw")).toBe("video/x-raw");
    expect(formatString("a-b_c+d:e.f")).toBe("a-b_c+d:e.f");
    expect(isSimpleString("")).toBe(false);
  });

  test("everything else is quoted and escaped as gst_string_wrap does", () => {
    expect(formatString("")).toBe('""');
    expect(formatString("hello world")).toBe('"hello\\ world"');
    expect(formatString('a"b')).toBe('"a\\"b"');
    expect(formatString("a\\b")).toBe('"a\\\\b"');
    expect(formatString("Z0IA,aM4=")).toBe('"Z0IA\\,aM4\\="');
    expect(formatString("tab\tx")).toBe('"tab\\011x"');
    expect(formatString("é")).toBe('"\\303\\251"');
    expect(formatString("😀")).toBe('"\\360\\237\\230\\200"');
  });
});

describe("formatValue", () => {
  test("numbers by kind", () => {
    expect(formatValue(320, "int")).toBe("320");
    expect(formatValue(1, "double")).toBe("1");
    expect(formatValue(0.5, "double")).toBe("0.5");
    expect(formatDouble(Infinity)).toBe("inf");
    expect(formatDouble(-Infinity)).toBe("-inf");
    expect(formatDouble(1e21)).toBe("1e+21");
  });

  test("ranges, fractions and lists", () => {
    expect(formatValue(new IntRange(16, 4096), "int")).toBe("[ 16, 4096 ]");
    expect(formatValue(new IntRange(0, 100, 2), "int")).toBe("[ 0, 100, 2 ]");
    expect(formatValue(new DoubleRange(0, 1.5), "double")).toBe("[ 0, 1.5 ]");
    expect(formatValue(new FractionRange(fraction(0, 1), fraction(2147483647, 1)), "int")).toBe(
      "[ 0/1, 2147483647/1 ]",
    );
    expect(formatValue(fraction(30000, 1001), "int")).toBe("30000/1001");
    expect(formatValue(new ValueList(["I420", "NV12"]), "int")).toBe("{ I420, NV12 }");
    expect(formatValue(true, "int")).toBe("true");
  });

  test("typed values put the field type in front; odd list elements get their own", () => {
    expect(formatTypedValue(320, "int")).toBe("(int)320");
    expect(formatTypedValue(320, "double")).toBe("(double)320");
    expect(formatTypedValue(new IntRange(1, 2), "double")).toBe("(int)[ 1, 2 ]");
    expect(formatTypedValue(new ValueList(["I420", "NV12"]), "int")).toBe("(string){ I420, NV12 }");
    expect(formatTypedValue(new ValueList([1, "auto"]), "int")).toBe("(int){ 1, (string)auto }");
    expect(formatTypedValue(new ValueList([new IntRange(1, 5), 7.5]), "double")).toBe(
      "(int){ [ 1, 5 ], (double)7.5 }",
    );
    expect(formatTypedValue(fraction(30, 1), "int")).toBe("(fraction)30/1");
  });
});
