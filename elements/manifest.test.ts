/**
 * The built-in element manifest (elements/manifest.ts) against the eager catalog
 * (elements/index.ts): the same factories with the same classes, and a `parallax` command that
 * really imports only the elements it uses while `inspect` and `registry.list()` still see all.
 */
import { describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { registry } from "../src/index.ts";
import { Registry } from "../src/registry.ts";
import { builtinLoaders } from "./manifest.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = `${ROOT}bin/parallax.ts`;
const FIXTURE = `${ROOT}elements/manifest.fixture.ts`;

/** The module of each built-in element, as the manifest's loaders name them ("elements/…"). */
const ELEMENT_MODULES = new Set(
  [...(await Bun.file(`${ROOT}elements/manifest.ts`).text()).matchAll(/import\("\.\/([^"]+)"\)/g)].map((m) => `elements/${m[1]}`),
);
/** The element modules among those a run loaded, sorted. */
const elementModules = (modules: string[]) => modules.filter((m) => ELEMENT_MODULES.has(m)).sort();

/** Runs the command from source in a fresh process; returns its output and the modules it loaded. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string; modules: string[] }> {
  const p = Bun.spawn([process.execPath, "--preload", FIXTURE, CLI, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const line = err.split("\n").find((l) => l.startsWith("@@modules "));
  const modules = line ? (JSON.parse(line.slice("@@modules ".length)) as string[]).map((m) => m.replace(ROOT, "")) : [];
  return { code, out, err: err.replace(/^@@modules .*\n?/m, ""), modules };
}

describe("element manifest", () => {
  test("names every element the eager catalog registers, each loading the same class", async () => {
    expect(ELEMENT_MODULES.size).toBe(Object.keys(builtinLoaders).length);
    // The default registry holds the eager catalog (src/index.ts imports elements/index.ts).
    const eager = new Map(registry.list().map((c) => [c.meta.name, c]));
    expect(Object.keys(builtinLoaders).sort()).toEqual([...eager.keys()].sort());
    const lazy = new Registry();
    for (const [name, loader] of Object.entries(builtinLoaders)) lazy.define(name, loader);
    await lazy.load();
    for (const cls of lazy.list()) expect(cls).toBe(eager.get(cls.meta.name)!);
    expect(lazy.list().length).toBe(eager.size);
  });

  test("a fakesrc ! fakesink launch imports those two elements and no other element, media or dump code", async () => {
    const r = await run("launch", "-q", "fakesrc num-buffers=1 ! fakesink");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.modules).toContain("elements/testing/fakesrc.ts");
    expect(r.modules).toContain("elements/testing/fakesink.ts");
    const loaded = (prefix: string) => r.modules.filter((m) => m.startsWith(prefix) || m.includes(`/${prefix}`));
    expect(elementModules(r.modules)).toEqual(["elements/testing/fakesink.ts", "elements/testing/fakesrc.ts"]);
    expect(loaded("elements/video/")).toEqual([]);
    expect(loaded("elements/audio/")).toEqual([]);
    expect(loaded("src/media/")).toEqual([]);
    expect(loaded("typebox/build/value/")).toEqual([]);
    expect(r.modules).not.toContain("elements/index.ts");
    expect(r.modules).not.toContain("src/index.ts");
    expect(r.modules).not.toContain("src/debug/dump.ts");
    expect(r.modules).not.toContain("src/isolation/executor.ts");
    // Only ANY caps: the caps parser and structure code stay unloaded (src/caps/caps.ts).
    expect(r.modules).not.toContain("src/caps/parse.ts");
    expect(r.modules).not.toContain("src/caps/structure.ts");
  }, 20000);

  test("a videotestsrc launch imports the video source and the caps filter, not the other video elements", async () => {
    const r = await run("launch", "-q", "videotestsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! fakesink");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(elementModules(r.modules)).toEqual(["elements/flow/capsfilter.ts", "elements/testing/fakesink.ts", "elements/video/videotestsrc.ts"]);
    expect(r.modules).not.toContain("elements/audio/audiotestsrc.ts");
    // A caps filter loads the caps parser on demand.
    expect(r.modules).toContain("src/caps/parse.ts");
  }, 20000);

  test("inspect without an argument loads and lists every element", async () => {
    const r = await run("inspect");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`\n${registry.list().length} elements`);
    for (const cls of registry.list()) expect(r.out).toContain(`  ${cls.meta.name.padEnd(20)} `);
  }, 20000);

  test("inspect of one element loads that element only", async () => {
    const r = await run("inspect", "videoscale");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Name:         videoscale");
    expect(elementModules(r.modules)).toEqual(["elements/video/videoscale.ts"]);
  }, 20000);
});
