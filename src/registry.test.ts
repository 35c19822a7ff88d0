/**
 * The registry: eager registration, lazy definition with loaders, and what each lookup does
 * before and after `load`.
 */
import { describe, expect, test } from "bun:test";
import { FakeSink, FakeSrc, Identity } from "./index.ts";
import { ElementLoadError, ElementNotLoadedError, Registry, UnknownElementError, type ElementLoader } from "./registry.ts";
import type { ElementClass } from "./graph/element.ts";

/** A loader that counts its calls and resolves on the next tick, as a dynamic import does. */
function counted(cls: ElementClass): ElementLoader & { calls: number } {
  const loader = Object.assign(
    async () => {
      loader.calls++;
      await Promise.resolve();
      return cls;
    },
    { calls: 0 },
  );
  return loader;
}

describe("Registry", () => {
  test("register: get, has, list and make see the class at once", () => {
    const reg = new Registry();
    reg.register(FakeSrc, FakeSink);
    reg.register(FakeSrc); // the same class again is a no-op
    expect(reg.get("fakesrc")).toBe(FakeSrc);
    expect(reg.has("fakesink")).toBe(true);
    expect(reg.list().map((c) => c.meta.name)).toEqual(["fakesink", "fakesrc"]);
    expect(reg.make("fakesink", "s").name).toBe("s");
    expect(() => reg.register(Object.assign(class extends FakeSrc {}, { meta: FakeSrc.meta }))).toThrow(/already registered/);
  });

  test("define: the name is known, the module is not imported until load", async () => {
    const reg = new Registry();
    const loader = counted(Identity);
    reg.define("identity", loader);
    expect(loader.calls).toBe(0);
    expect(reg.has("identity")).toBe(true);
    expect(reg.isLoaded("identity")).toBe(false);
    expect(reg.names()).toEqual(["identity"]);
    expect(reg.suggest("identiti")).toEqual(["identity"]);
    expect(() => reg.get("identity")).toThrow(ElementNotLoadedError);
    expect(() => reg.make("identity", "i")).toThrow(/registry.load\(\["identity"\]\)/);
    expect(() => reg.list()).toThrow(ElementNotLoadedError);

    await reg.load(["identity", "nosuchelement"]); // unknown names are left to the caller
    expect(loader.calls).toBe(1);
    expect(reg.isLoaded("identity")).toBe(true);
    expect(reg.get("identity")).toBe(Identity);
    expect(reg.list()).toEqual([Identity]);
    await reg.load(["identity"]);
    expect(loader.calls).toBe(1);
  });

  test("load() without names loads every defined factory; concurrent loads import once", async () => {
    const reg = new Registry();
    const a = counted(FakeSrc);
    const b = counted(FakeSink);
    reg.define("fakesrc", a);
    reg.define("fakesink", b);
    await Promise.all([reg.load(), reg.load(["fakesrc"]), reg.load()]);
    expect([a.calls, b.calls]).toEqual([1, 1]);
    expect(reg.list().map((c) => c.meta.name)).toEqual(["fakesink", "fakesrc"]);
  });

  test("a registered class wins over a definition, in either order", async () => {
    const reg = new Registry();
    const loader = counted(FakeSrc);
    reg.register(FakeSrc);
    reg.define("fakesrc", loader);
    reg.define("identity", counted(Identity));
    reg.register(Identity);
    await reg.load();
    expect(loader.calls).toBe(0);
    expect(reg.list()).toEqual([FakeSrc, Identity]);
    reg.define("other", counted(Identity));
    expect(() => reg.define("other", counted(Identity))).toThrow(/already defined/);
  });

  test("a loader that fails, or gives another element's class, rejects with ElementLoadError", async () => {
    const reg = new Registry();
    reg.define("broken", async () => {
      throw new Error("cannot load the memfd shim");
    });
    reg.define("wrong", async () => FakeSink);
    const broken = await reg.load(["broken"]).catch((e) => e);
    expect(broken).toBeInstanceOf(ElementLoadError);
    expect(broken.message).toBe('cannot load element "broken": cannot load the memfd shim');
    const wrong = await reg.load(["wrong"]).catch((e) => e);
    expect(wrong.message).toBe('cannot load element "wrong": its module gave the class of "fakesink"');
    expect(reg.isLoaded("wrong")).toBe(false);
    expect(reg.has("fakesink")).toBe(false);
  });

  test("an unknown factory: get gives undefined, make throws UnknownElementError with suggestions", () => {
    const reg = new Registry();
    reg.register(FakeSink);
    reg.define("fakesrc", counted(FakeSrc));
    expect(reg.get("fakesnk")).toBeUndefined();
    const e = (() => {
      try {
        reg.make("fakesnk", "x");
      } catch (err) {
        return err as UnknownElementError;
      }
    })()!;
    expect(e).toBeInstanceOf(UnknownElementError);
    expect(e.suggestions).toEqual(["fakesink", "fakesrc"]);
  });
});
