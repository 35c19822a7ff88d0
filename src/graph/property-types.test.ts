import { describe, expect, test } from "bun:test";
import TypeBox from "typebox";
import Value from "typebox/value";
import { Type } from "./property-types.ts";

/** Every own property (hidden ones too) with its descriptor, recursively: what "the same object" means here. */
function shape(v: unknown): unknown {
  if (typeof v !== "object" || v === null) return typeof v === "function" ? "<fn>" : v;
  if (Array.isArray(v)) return v.map(shape);
  return Reflect.ownKeys(v).map((k) => {
    const d = Object.getOwnPropertyDescriptor(v, k)!;
    return [String(k), d.enumerable, d.writable, d.configurable, shape(d.value)];
  });
}

enum Numeric {
  A,
  B,
}
enum Named {
  X = "x",
  Y = "y",
}

/** Pairs of (ours, TypeBox's) made with the same arguments. */
const cases: [string, (t: typeof Type) => unknown][] = [
  ["Integer", (t) => t.Integer()],
  ["Integer with options", (t) => t.Integer({ default: -1, minimum: -1, maximum: 10, description: "n" })],
  ["Number", (t) => t.Number({ default: 0.5, exclusiveMinimum: 0 })],
  ["String", (t) => t.String({ default: "a", pattern: "^[a-z]+$" })],
  ["Boolean", (t) => t.Boolean({ default: true })],
  ["Null", (t) => t.Null()],
  ["Unknown", (t) => t.Unknown({ description: "any" })],
  ["Literal string", (t) => t.Literal("x")],
  ["Literal number", (t) => t.Literal(3, { description: "three" })],
  ["Literal boolean", (t) => t.Literal(false)],
  ["Enum of strings", (t) => t.Enum(["empty", "fixed", "random"], { default: "empty" })],
  ["Enum of a numeric TypeScript enum", (t) => t.Enum(Numeric)],
  ["Enum of a string TypeScript enum", (t) => t.Enum(Named, { default: Named.X })],
  ["Array", (t) => t.Array(t.Integer(), { minItems: 1, default: [1] })],
  ["Union", (t) => t.Union([t.Literal("a"), t.Literal("b")], { default: "a" })],
  ["Optional", (t) => t.Optional(t.String({ default: "s" }))],
  ["Optional of Optional", (t) => t.Optional(t.Optional(t.Integer()))],
  [
    "Object with required and optional keys",
    (t) => t.Object({ a: t.Integer({ default: 1 }), b: t.Optional(t.String()), c: t.Array(t.Boolean()) }, { additionalProperties: false }),
  ],
  ["Object with only optional keys", (t) => t.Object({ a: t.Optional(t.Integer()) })],
  ["Record (TypeBox's own)", (t) => t.Record(t.String(), t.Number())],
  ["Refine (TypeBox's own)", (t) => t.Refine(t.Integer(), (n) => n % 2 === 0)],
];

describe("property-types: TypeBox's builders without TypeBox", () => {
  for (const [name, make] of cases) {
    test(`${name} is the object TypeBox makes`, () => {
      expect(shape(make(Type))).toEqual(shape(make(TypeBox as unknown as typeof Type)));
    });
  }

  test("TypeBox's Value checks, converts and defaults our schemas as its own", () => {
    const make = (t: typeof Type) =>
      t.Object({
        numBuffers: t.Integer({ default: -1, minimum: -1 }),
        sizetype: t.Enum(["empty", "fixed"], { default: "empty" }),
        rate: t.Number({ default: 0.5 }),
        silent: t.Boolean({ default: true }),
        name: t.Optional(t.String()),
        mode: t.Union([t.Literal("a"), t.Literal("b")], { default: "a" }),
        list: t.Array(t.Integer(), { default: [] }),
      });
    const ours = make(Type);
    const theirs = make(TypeBox as unknown as typeof Type);
    const inputs: unknown[] = [
      {},
      { numBuffers: "10", sizetype: "fixed", rate: "2", silent: "false", mode: "b", list: ["1", "2"] },
      { numBuffers: -2 },
      { sizetype: "other" },
      { name: 3 },
      { mode: "c" },
    ];
    for (const input of inputs) {
      expect(Value.Check(ours, input)).toBe(Value.Check(theirs, input));
      expect(Value.Convert(ours, structuredClone(input))).toEqual(Value.Convert(theirs, structuredClone(input)));
      expect(Value.Default(ours, structuredClone(input))).toEqual(Value.Default(theirs, structuredClone(input)));
      expect([...Value.Errors(ours, input)].length).toBe([...Value.Errors(theirs, input)].length);
    }
  });

  test("a Literal of another type is refused, as TypeBox does", () => {
    expect(() => Type.Literal({} as unknown as string)).toThrow("Invalid Literal value");
    expect(() => TypeBox.Literal({} as unknown as string)).toThrow("Invalid Literal value");
  });

  test("neither this module nor properties.ts imports TypeBox at load", async () => {
    // A static import of "typebox" anywhere on the way would load all of it at start-up.
    const transpiler = new Bun.Transpiler({ loader: "ts" });
    for (const file of ["property-types.ts", "properties.ts"]) {
      const imports = transpiler.scanImports(await Bun.file(`${import.meta.dir}/${file}`).text());
      const eager = imports.filter((i) => i.kind === "import-statement" && i.path.startsWith("typebox"));
      expect({ file, eager }).toEqual({ file, eager: [] });
    }
    // The check itself sees such an import (type-only imports are erased, not seen).
    const seen = transpiler.scanImports(`import Type from "typebox";\nimport type { TSchema } from "typebox/value";\nexport const T = Type;`);
    expect(seen.map((i) => i.path)).toEqual(["typebox"]);
  });
});
