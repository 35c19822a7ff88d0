/**
 * schema-check.ts against TypeBox's Value.Check, on every schema of the control and link
 * protocols: valid messages, and each one mutated at every place (wrong types, out-of-range
 * numbers, missing fields, extra fields) — the two must agree on every case.
 */
import { describe, expect, test } from "bun:test";
import Value from "typebox/value";
import { LINK_SCHEMAS } from "./link-protocol.ts";
import { MESSAGE_SCHEMAS, Notifications, Requests } from "./protocol.ts";
import { schemaMismatch } from "./schema-check.ts";

const configure = {
  group: "identity0",
  elements: [{ name: "identity0", factory: "identity", props: { silent: true, n: 3 } }],
  links: [{ from: "a.src", to: "b.sink" }],
  boundaries: [{ link: "a.src->b.sink", role: "in", pad: "identity0.sink", allowed: "ANY", caps: "ANY", peer: "fakesrc0.src", fds: [0, 1, 2, 3] }],
  grants: [{ element: "filesrc0", path: "/tmp/x", mode: "read", fd: 4 }],
  modules: ["/x.ts"],
  sandbox: { seccomp: true, allow: ["uname"], limits: { openFiles: 256, coreBytes: 0, cpuSeconds: -1, fileBytes: -1 } },
  heartbeatMs: 100,
  fdCount: 5,
};

const CASES: [string, object, unknown[]][] = [
  ["configure", Requests.configure, [configure]],
  ["relink", Requests.relink, [{ link: "l", role: "out", fds: [0, 1, 2, 3], fdCount: 4 }]],
  ["release", Requests.release, [{ link: "l" }]],
  ["start", Requests.start, [{}]],
  ["ready", Notifications.ready, [{ pid: 7, version: 1, group: "g" }, { pid: 7, version: 1, group: "g", bootMs: 31.5 }]],
  ["heartbeat", Notifications.heartbeat, [{ seq: 3 }]],
  ["bus", Notifications.bus, [{ type: "error", source: "x", domain: "core", message: "m", debug: "d", cause: "c" }, { type: "element", source: "x", name: "probe", data: { a: [1, "b"] } }, { type: "qos", source: "x", dropped: 1, lateness: 2.5 }]],
  ["violation", Notifications.violation, [{ link: "l", reason: "r" }]],
  ["drained", Notifications.drained, [{ link: "l", lastSequence: 5, received: 3 }, { link: "l", lastSequence: null, received: 0 }]],
  ["request", MESSAGE_SCHEMAS.RequestMsg, [{ kind: "request", id: 1, method: "start", params: {} }]],
  ["reply", MESSAGE_SCHEMAS.ReplyMsg, [{ kind: "reply", id: 2, ok: true, result: { x: 1 } }, { kind: "reply", id: 2, ok: false, error: { message: "m", code: "EPERM", source: "s" } }]],
  ["notify", MESSAGE_SCHEMAS.NotifyMsg, [{ kind: "notify", event: "eos", data: {} }]],
  [
    "link",
    LINK_SCHEMAS.LinkMessage,
    [
      { t: "pool", id: 1, seq: 0 },
      { t: "flow", flow: -2 },
      { t: "event", ev: { type: "stream-start", streamId: "s", groupId: 1 }, seq: 3 },
      { t: "event", ev: { type: "caps", caps: "ANY" } },
      { t: "event", ev: { type: "segment", segment: { rate: 1, start: 0, stop: -1, base: 0, format: "time" } }, seq: 1 },
      { t: "event", ev: { type: "flush-stop", resetTime: true }, seq: 1 },
      { t: "event", ev: { type: "gap", timestamp: 1, duration: 2 }, seq: 1 },
      { t: "event", ev: { type: "custom", name: "n", data: null, serialized: false }, seq: 1 },
      { t: "event", ev: { type: "eos" }, seq: 9 },
    ],
  ],
];

const REPLACEMENTS: unknown[] = ["text", "", 0, -1, 1.5, 2 ** 40, -6, null, true, [], [0, 1, 2], [0, 1, 2, 3, 4], {}, { type: "eos" }];

/** Every variant of `v` with one place changed: replaced, removed, or an extra key added. */
function* mutations(v: unknown): Generator<unknown> {
  for (const r of REPLACEMENTS) yield r;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) for (const m of mutations(v[i])) yield v.map((x, j) => (j === i ? m : x));
    yield v.slice(1);
  } else if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      for (const m of mutations(o[k])) yield { ...o, [k]: m };
      const { [k]: _, ...rest } = o;
      yield rest;
    }
    yield { ...o, extra: 1 };
  }
}

describe("schema-check agrees with TypeBox's Value.Check", () => {
  for (const [name, schema, valid] of CASES) {
    test(name, () => {
      let compared = 0;
      let rejected = 0;
      for (const v of valid) {
        expect(schemaMismatch(schema, v)).toBeNull();
        expect(Value.Check(schema as never, v)).toBe(true);
        for (const m of mutations(v)) {
          const ours = schemaMismatch(schema, m) === null;
          if (ours !== Value.Check(schema as never, m)) throw new Error(`${name}: disagree on ${JSON.stringify(m)} (schema-check says ${ours ? "valid" : "invalid"})`);
          compared++;
          if (!ours) rejected++;
        }
      }
      // The mutations really exercise both answers.
      expect(rejected).toBeGreaterThan(0);
      expect(compared).toBeGreaterThan(rejected);
    });
  }

  test("a mismatch says where and what", () => {
    expect(schemaMismatch(Requests.relink, { link: "l", role: "out", fds: [0, 1, "2", 3], fdCount: 4 })).toEqual({ path: "/fds/2", message: "must be integer" });
    expect(schemaMismatch(Requests.relink, { role: "out", fds: [0, 1, 2, 3], fdCount: 4 })).toEqual({ path: "/link", message: "is required" });
  });

  test("a schema with a keyword it does not implement is refused, not half-checked", () => {
    expect(() => schemaMismatch({ type: "string", pattern: "^a" }, "b")).toThrow(/keyword "pattern" is not supported/);
  });
});
