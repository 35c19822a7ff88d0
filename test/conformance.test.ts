/**
 * Element conformance: every registered element runs the same checks, automatically (a new
 * element gets them by being registered). Schema present with defaults and descriptions,
 * inspect renders, bad property values rejected with a clear error, EOS and flush handled.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { Buffer, Caps, Events, registry, Source, Sink, type ElementClass } from "../src/index.ts";
import { inspectElement } from "../src/cli/inspect.ts";
import { Harness } from "../src/testing/harness.ts";
import type { TSchema } from "typebox";

/** An fd of /dev/null for the fd elements (fdsrc would otherwise read stdin, fdsink write stdout). */
const DEV_NULL_FD = openSync("/dev/null", "r+");
afterAll(() => closeSync(DEV_NULL_FD));

/** Properties an element cannot start without (a file to open), per factory. */
const REQUIRED: Record<string, Record<string, unknown>> = {
  filesrc: { location: "/dev/zero", numBuffers: 2 },
  filesink: { location: "/dev/null" },
  fdsrc: { fd: DEV_NULL_FD },
  fdsink: { fd: DEV_NULL_FD },
  consolesink: { fd: DEV_NULL_FD },
  // API elements: the function comes from TypeScript (launch strings cannot carry one).
  map: { fn: (b: unknown) => b },
  filter: { fn: () => true },
  "filter-map": { fn: (b: unknown) => b },
  "flat-map": { fn: (b: unknown) => [b] },
  // No consumer connects: the sink drops (and ends at once); the source waits, then is stopped.
  ipcsink: { path: `/tmp/px-conformance-${process.pid}.sock`, onDisconnect: "drop" },
  ipcsrc: { path: `/tmp/px-conformance-${process.pid}-none.sock`, timeout: 1000 },
};

/**
 * Caps fed to elements whose sink pads take only raw media (they refuse ANY), per factory.
 * Each describes exactly the 8-byte buffer the suite pushes (RGBA 2x1; two stereo S16 frames).
 */
const CAPS: Record<string, string> = {
  videoconvert: "video/x-raw,format=RGBA,width=2,height=1,framerate=30/1",
  videoscale: "video/x-raw,format=RGBA,width=2,height=1,framerate=30/1",
  videorate: "video/x-raw,format=RGBA,width=2,height=1,framerate=30/1",
  audioconvert: "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2",
  audioresample: "audio/x-raw,format=S16LE,layout=interleaved,rate=48000,channels=2",
};

function bogusFor(schema: TSchema & { type?: string; enum?: unknown[] }): unknown {
  if (schema.type === "integer" || schema.type === "number") return "not-a-number";
  if (schema.type === "boolean") return "maybe";
  if (Array.isArray(schema.enum)) return "no-such-choice";
  return undefined;
}

for (const cls of registry.list() as ElementClass[]) {
  const m = cls.meta;
  describe(`conformance: ${m.name}`, () => {
    test("has a complete definition", () => {
      expect(m.name).toMatch(/^[a-z0-9-]+$/);
      expect(m.category.length).toBeGreaterThan(0);
      expect(m.description.length).toBeGreaterThan(5);
      expect(m.pads.length).toBeGreaterThan(0);
      expect(["async", "realtime", "auto"]).toContain(m.scheduling.affinity);
      for (const [k, s] of Object.entries(m.properties.properties as Record<string, TSchema & { default?: unknown; description?: string }>)) {
        expect(s.default, `${m.name}.${k} has a default`).not.toBeUndefined();
        expect((s.description ?? "").length, `${m.name}.${k} has a description`).toBeGreaterThan(0);
      }
    });

    test("inspect renders pads and properties", () => {
      const text = inspectElement(cls);
      expect(text).toContain(m.name);
      for (const t of m.pads) expect(text).toContain(`'${t.name}'`);
      for (const k of Object.keys(m.properties.properties)) {
        expect(text).toContain(k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase()));
      }
    });

    test("rejects bad property values with a message naming the property", () => {
      let checked = 0;
      for (const [k, s] of Object.entries(m.properties.properties as Record<string, TSchema>)) {
        const bad = bogusFor(s as never);
        if (bad === undefined) continue;
        checked++;
        expect(() => new cls("x", { ...REQUIRED[m.name], [k]: bad }).configure()).toThrow(new RegExp(`"${k.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}"`));
      }
      expect(() => new cls("x", { noSuchProperty: 1 })).toThrow(/has no property "noSuchProperty"/);
      expect(checked).toBeGreaterThanOrEqual(0);
    });

    test("handles EOS and flush", () => {
      const el = new cls("el", REQUIRED[m.name] ?? {});
      const h = new Harness(el);
      try {
        if (el instanceof Source) {
          // A source sends its header and, once ended (or stopped), EOS downstream.
          h.crank(50);
          (el as Source).stop();
          h.collectors[0]!.pads[0]!.peer!.pushEvent(Events.eos());
          const types = h.events().map((e) => e.type);
          expect(types).toContain("eos");
          return;
        }
        h.setCaps(CAPS[m.name] ?? Caps.any());
        h.push(Buffer.alloc(8));
        expect(h.pushEvent(Events.flushStart())).toBeDefined();
        h.pushEvent(Events.flushStop());
        // Outputs a demuxer adds later (a new stream's sometimes pad) never saw the flush.
        const flushed = h.collectors.length;
        h.pushEvent(Events.streamStart("again"));
        h.pushEvent(Events.segment());
        h.pushEvent(Events.eos());
        h.crank();
        if (el instanceof Sink) {
          expect(h.eos).toBe(true);
        } else {
          for (let i = 0; i < h.collectors.length; i++) {
            const types = h.events(i).map((e) => e.type);
            if (i < flushed) {
              expect(types).toContain("flush-start");
              expect(types).toContain("flush-stop");
            }
            expect(types.at(-1)).toBe("eos");
          }
        }
        expect(h.errors()).toEqual([]);
      } finally {
        h.teardown();
      }
    });
  });
}
