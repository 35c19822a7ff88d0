/**
 * Property conversion, checking and defaults: the scalar path in properties.ts must agree with
 * TypeBox's Value (which it replaces so that start-up need not load Value) on every property of
 * every built-in element, and anything it does not cover must still go to Value.
 */
import { describe, expect, test } from "bun:test";
import Value from "typebox/value";
import { registry, Type } from "../index.ts";
import { coerceProperty, PropertyError, scalarKind, withDefaults, type PropertySchema, type TSchema } from "./properties.ts";

/** Launch-string texts that probe TypeBox's conversion rules. */
const TEXTS = ["", "0", "1", "-1", "-0", "1.5", "-2.7", " 7 ", "0x10", "1e3", "abc", "true", "TRUE", "false", "yes", "Off", "123n", "-9007199254740993n", "Infinity", "NaN", "2147483648", "-2147483649", "4294967295"];

/** What coerceProperty did before the scalar path: Value.Convert, then Value.Check. */
function reference(schema: TSchema, raw: string): { ok: true; value: unknown } | { ok: false } {
  const s = schema as { type?: string };
  const value = s.type === "boolean" && /^(yes|no|on|off|1|0)$/i.test(raw) ? /^(yes|on|1)$/i.test(raw) : Value.Convert(schema, raw);
  return Value.Check(schema, value) ? { ok: true, value } : { ok: false };
}

function actual(props: PropertySchema, key: string, raw: unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: coerceProperty("el", props, key, raw).value };
  } catch (e) {
    if (e instanceof PropertyError) return { ok: false };
    throw e;
  }
}

describe("element properties", () => {
  const elements = registry.list();

  test("every built-in property is a scalar the fast path handles (so start-up never loads TypeBox's Value)", () => {
    const others: string[] = [];
    for (const cls of elements) {
      for (const [key, schema] of Object.entries(cls.meta.properties.properties as Record<string, TSchema>)) {
        if (scalarKind(schema) === null) others.push(`${cls.meta.name}.${key}`);
      }
    }
    // A property outside the scalar subset still works (through Value), at a start-up cost:
    // extend scalarKind, or accept the cost and list it here.
    expect(others).toEqual([]);
  });

  test("conversion and checking of launch-string text agree with Value.Convert + Value.Check", () => {
    let compared = 0;
    for (const cls of elements) {
      const props = cls.meta.properties;
      for (const [key, schema] of Object.entries(props.properties as Record<string, TSchema>)) {
        const s = schema as { enum?: string[]; default?: unknown };
        const texts = [...TEXTS, ...(s.enum ?? []), ...(s.enum ?? []).map((v) => v.toUpperCase()), String(s.default)];
        for (const raw of texts) {
          const want = reference(schema, raw);
          const got = actual(props, key, raw);
          if (!Object.is(got.ok, want.ok) || (got.ok && want.ok && !Object.is(got.value, want.value))) {
            throw new Error(`${cls.meta.name}.${key} = ${JSON.stringify(raw)}: got ${JSON.stringify(got)}, Value gives ${JSON.stringify(want)}`);
          }
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  test("checking values from the TypeScript API agrees with Value.Check", () => {
    const values: unknown[] = [0, -1, 1.5, 2 ** 31, -(2 ** 31) - 1, NaN, Infinity, true, "x", null, undefined, {}, [], 10n];
    for (const cls of elements) {
      const props = cls.meta.properties;
      for (const [key, schema] of Object.entries(props.properties as Record<string, TSchema>)) {
        const s = schema as { enum?: string[] };
        for (const v of [...values, ...(s.enum ?? [])]) {
          const got = actual(props, key, v);
          expect(`${cls.meta.name}.${key}=${String(v)} ${got.ok}`).toBe(`${cls.meta.name}.${key}=${String(v)} ${Value.Check(schema, v)}`);
        }
      }
    }
  });

  test("defaults agree with Value.Default, and given values (even falsy ones) win", () => {
    for (const cls of elements) {
      const props = cls.meta.properties;
      expect(withDefaults(props, {})).toEqual(Value.Default(props, {}) as Record<string, unknown>);
      const first = Object.keys(props.properties)[0];
      if (first) {
        const given = { [first]: 0 };
        expect(withDefaults(props, given)).toEqual(Value.Default(props, { ...given }) as Record<string, unknown>);
        expect(given).toEqual({ [first]: 0 }); // not mutated
      }
    }
  });
});

describe("schemas outside the scalar subset go to Value", () => {
  const props = Type.Object({
    code: Type.String({ pattern: "^[a-z]+$", default: "abc" }),
    size: Type.Union([Type.Literal(1), Type.Literal(2)], { default: 1 }),
    even: Type.Refine(Type.Integer({ default: 2 }), (n) => n % 2 === 0),
    tags: Type.Array(Type.String(), { default: ["a"] }),
    shape: Type.Object({ w: Type.Integer({ default: 4 }) }, { default: {} }),
  });

  test("scalarKind refuses them", () => {
    for (const s of Object.values(props.properties)) expect(scalarKind(s)).toBeNull();
    expect(scalarKind(Type.Integer({ minimum: 0 }))).toBe("integer");
    expect(scalarKind(Type.Enum(["a", "b"]))).toBe("enum");
    expect(scalarKind(Type.Enum([1, 2]))).toBeNull();
    expect(scalarKind({ type: "integer" } as TSchema)).toBeNull(); // not built by TypeBox: Value would not convert it
  });

  test("conversion, checking and defaults behave as Value's", () => {
    expect(coerceProperty("el", props, "code", "xyz").value).toBe("xyz");
    expect(() => coerceProperty("el", props, "code", "XYZ")).toThrow(PropertyError);
    expect(coerceProperty("el", props, "size", "2").value).toBe(2);
    expect(() => coerceProperty("el", props, "size", "3")).toThrow(PropertyError);
    expect(coerceProperty("el", props, "even", "4").value).toBe(4);
    expect(() => coerceProperty("el", props, "even", "3")).toThrow(PropertyError);
    expect(withDefaults(props, {})).toEqual({ code: "abc", size: 1, even: 2, tags: ["a"], shape: { w: 4 } });
    expect(withDefaults(props, {})).toEqual(Value.Default(props, {}) as Record<string, unknown>);
  });
});
