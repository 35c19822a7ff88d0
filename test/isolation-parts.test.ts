/**
 * The parts of process isolation, each on its own: options and patterns, the control protocol
 * and its channel, the link protocol, the plan, cgroup detection (against a directory tree
 * laid out like /sys/fs/cgroup), the boundary elements over a real link inside one process
 * (data, a forged descriptor, a replaced peer), and the sandbox shim in a child process.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromLaunch, Buffer, Caps, Events } from "../src/index.ts";
import * as fdpass from "../ffi/fdpass.ts";
import * as sbx from "../ffi/sandbox.ts";
import { eventually } from "../ffi/testing.ts";
import { globMatch, normalizeOptions, parseIsolateFlag, IsolationOptionsError, DEFAULT_RESTART } from "../src/isolation/options.ts";
import { decodeMessage, encodeMessage, FrameDecoder, ProtocolError, MAX_MESSAGE_BYTES } from "../src/isolation/protocol.ts";
import { Channel } from "../src/isolation/channel.ts";
import { decodeLink, encodeLink, LinkViolation } from "../src/isolation/link-protocol.ts";
import { planIsolation } from "../src/isolation/plan.ts";
import { negotiate } from "../src/graph/negotiate.ts";
import { cgroupSupport, HostCgroup, type CgroupFs } from "../src/isolation/cgroup.ts";
import { LinkResources } from "../src/isolation/link.ts";
import { assumeNamespaceSupport, knownNamespaceSupport, namespaceSupport } from "../src/isolation/sandbox.ts";
import { Partition, type PartitionListener } from "../src/isolation/partition.ts";
import { BoundarySink } from "../src/isolation/boundary.ts";
import { DESC, Kind } from "../src/ipc/ring.ts";
import { registry } from "../src/registry.ts";
import { formatSequences } from "../src/isolation/executor.ts";
import type { FakeSink } from "../elements/testing/fakesink.ts";

describe("options", () => {
  test("forms, defaults, and refusals that say what to write", () => {
    expect(normalizeOptions("isolated").restart).toEqual(DEFAULT_RESTART);
    const g = normalizeOptions(["*dec*"]);
    expect([g.mode, g.patterns, g.sandbox.namespaces]).toEqual(["grouped", ["*dec*"], ["user", "pid", "net", "ipc", "mount"]]);
    expect(normalizeOptions({ mode: "isolated", sandbox: { namespaces: false } }).sandbox.namespaces).toEqual([]);
    expect(() => normalizeOptions({ mode: "grouped" })).toThrow(/grouped execution needs patterns/);
    expect(() => normalizeOptions({ mode: "nope" as "isolated" })).toThrow(/unknown execution mode "nope"/);
    expect(() => normalizeOptions({ mode: "isolated", heartbeat: { intervalMs: 100, timeoutMs: 50 } })).toThrow(IsolationOptionsError);
  });

  test("glob patterns and the --isolate flag", () => {
    expect(globMatch("*dec*", "avdec_h264")).toBe(true);
    expect(globMatch("filesrc*", "filesrc0")).toBe(true);
    expect(globMatch("file?rc", "filesrc")).toBe(true);
    expect(globMatch("*dec*", "identity")).toBe(false);
    expect(globMatch("a.b", "axb")).toBe(false);
    expect(parseIsolateFlag(true)).toBe("isolated");
    expect(parseIsolateFlag("*dec*, filesrc*")).toEqual(["*dec*", "filesrc*"]);
    expect(() => parseIsolateFlag(",,")).toThrow(/give patterns/);
  });
});

describe("control protocol", () => {
  test("frames round-trip, are checked against their schemas, and split across reads", () => {
    const m = { kind: "notify" as const, event: "drained" as const, data: { link: "a.src->b.sink", lastSequence: 41, received: 42 } };
    const bytes = encodeMessage(m);
    expect(decodeMessage(bytes.subarray(4))).toEqual(m);
    const d = new FrameDecoder();
    const two = new Uint8Array([...bytes, ...bytes]);
    expect(d.push(two.subarray(0, 7))).toEqual([]);
    expect(d.push(two.subarray(7))).toEqual([m, m]);
    const bad = new TextEncoder().encode(JSON.stringify({ kind: "notify", event: "drained", data: { link: 5 } }));
    expect(() => decodeMessage(bad)).toThrow(/the data of drained does not match its schema/);
    expect(() => decodeMessage(new TextEncoder().encode('{"kind":"request","id":1,"method":"format-disk","params":{}}'))).toThrow(/unknown request method "format-disk"/);
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setUint32(0, MAX_MESSAGE_BYTES * 4, true);
    expect(() => new FrameDecoder().push(huge)).toThrow(ProtocolError);
  });

  test("a channel matches replies to requests, and ends with 'protocol' when the other side sends garbage", async () => {
    const [a, b] = fdpass.socketpair();
    const sup = new Channel(a);
    const host = new Channel(b);
    host.onRequest(async (method, params) => {
      if (method === "release") return { released: (params as { link: string }).link.length };
      throw Object.assign(new Error("no such thing"), { source: "el0" });
    });
    expect(await sup.request("release", { link: "abc" })).toEqual({ released: 3 });
    const err = (await sup.request("eos", {}).catch((e) => e)) as { message: string; source?: string };
    expect(err.message).toBe("no such thing");
    expect(err.source).toBe("el0");
    const ended = new Promise((r) => sup.onEnd(r));
    fdpass.sendMsg(b, new Uint8Array([3, 0, 0, 0, 0x7b, 0x7b, 0x7b]));
    expect(await ended).toMatchObject({ reason: "protocol" });
    await sup.close();
    await host.close();
  });
});

describe("link protocol", () => {
  test("events, caps included, cross intact; anything else is a violation", () => {
    const caps = Caps.parse("video/x-raw,format=I420,width=320,height=240,framerate=30/1");
    const back = decodeLink(encodeLink({ t: "event", ev: Events.caps(caps), seq: 3 }));
    expect(back.t === "event" && back.ev.type === "caps" && back.ev.caps.isEqual(caps)).toBe(true);
    expect(decodeLink(encodeLink({ t: "event", ev: Events.segment({ start: 5 }), seq: 4 }))).toEqual({ t: "event", ev: Events.segment({ start: 5 }), seq: 4 });
    const frame = (o: unknown) => {
      const j = new TextEncoder().encode(JSON.stringify(o));
      const f = new Uint8Array(j.length + 4);
      new DataView(f.buffer).setUint32(0, j.length, true);
      f.set(j, 4);
      return f;
    };
    expect(() => decodeLink(frame({ t: "event", ev: { type: "segment", segment: { rate: "fast" } } }))).toThrow(LinkViolation);
    expect(() => decodeLink(frame({ t: "event", ev: { type: "caps", caps: "video/x-raw,width=[" } }))).toThrow(/caps event whose caps do not parse/);
    expect(() => decodeLink(frame({ t: "pool", id: 0, seq: 1 }))).toThrow(LinkViolation);
    expect(() => decodeLink(frame({ t: "flow", flow: 7 }))).toThrow(LinkViolation);
    expect(() => encodeLink({ t: "event", ev: Events.custom("big", "x".repeat(70_000)) })).toThrow(/exceeds/);
  });
});

describe("plan", () => {
  const opts = (o: Parameters<typeof normalizeOptions>[0]) => normalizeOptions(o);

  test("grouped: linked matches share a process; explicit groups come first; links cross where groups change", () => {
    const p = fromLaunch("fakesrc ! identity name=a ! queue ! identity name=b ! fakesink");
    negotiate(p.elements);
    const plan = planIsolation(p.elements, opts(["identity*", "queue*"]), registry);
    expect(plan.groups.map((g) => [g.id, g.elements.map((e) => e.name)])).toEqual([
      ["app", ["fakesrc0", "fakesink0"]],
      ["a+queue0+b", ["a", "queue0", "b"]],
    ]);
    expect(plan.links.map((l) => l.id)).toEqual(["fakesrc0.src->a.sink", "b.src->fakesink0.sink"]);
    const explicit = planIsolation(p.elements, opts({ mode: "grouped", patterns: ["identity*"], groups: { first: ["a"] } }), registry);
    expect(explicit.groups.map((g) => g.id)).toEqual(["app", "first", "b"]);
  });

  test("elements that must stay with the application are listed in isolated mode and refused by pattern", () => {
    const p = fromLaunch("appsrc ! identity ! appsink");
    negotiate(p.elements);
    const plan = planIsolation(p.elements, opts("isolated"), registry);
    expect(plan.pinned).toEqual([
      { element: "appsrc0", reason: "the application pushes buffers into it from its own process" },
      { element: "appsink0", reason: "the application pulls buffers out of it in its own process" },
    ]);
    expect(() => planIsolation(p.elements, opts(["app*"]), registry)).toThrow(/appsrc0 \(appsrc\) cannot be isolated/);
    const q = fromLaunch("fakesrc ! fakesink name=s signal-handoffs=true");
    (q.getElement("s") as FakeSink).onHandoff = () => {};
    expect(() => planIsolation(q.elements, opts(["fakesink*"]), registry)).toThrow(/it calls the application's onHandoff callback/);
    expect(() => planIsolation(q.elements, opts({ mode: "grouped", groups: { g: ["nope"] } }), registry)).toThrow(/group "g" names "nope", which is not in the pipeline/);
  });
});

describe("cgroup v2 detection", () => {
  const root = mkdtempSync(join(tmpdir(), "px-cgroup-"));
  const fs = (mountinfo: string): CgroupFs => ({ mountinfo: () => mountinfo, selfCgroup: () => "0::/app.slice\n", root });
  const MOUNT = "36 25 0:31 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";

  test("says why limits cannot be applied, or applies them", () => {
    expect(cgroupSupport(fs("22 1 0:21 / /proc rw - proc proc rw\n"))).toEqual({ ok: false, reason: "no cgroup v2 hierarchy is mounted" });
    const dir = join(root, "sys/fs/cgroup/app.slice");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "cgroup.controllers"), "cpu hugetlb\n");
    expect(cgroupSupport(fs(MOUNT))).toMatchObject({ ok: false, reason: expect.stringContaining("does not offer the memory and pids controllers") });
    writeFileSync(join(dir, "cgroup.controllers"), "cpu memory pids\n");
    writeFileSync(join(dir, "cgroup.subtree_control"), "");
    expect(cgroupSupport(fs(MOUNT))).toEqual({ ok: true, dir });
    expect(readFileSync(join(dir, "cgroup.subtree_control"), "utf8")).toBe("+memory +pids");
    const cg = HostCgroup.create({ memoryBytes: 1 << 28, pids: 64 }, fs(MOUNT));
    if (!(cg instanceof HostCgroup)) throw new Error(cg.reason);
    expect(readFileSync(join(cg.path, "memory.max"), "utf8")).toBe(String(1 << 28));
    expect(readFileSync(join(cg.path, "pids.max"), "utf8")).toBe("64");
    cg.place(12345);
    expect(readFileSync(join(cg.path, "cgroup.procs"), "utf8")).toBe("12345");
    rmSync(join(cg.path, "cgroup.procs"));
    rmSync(join(cg.path, "memory.max"));
    rmSync(join(cg.path, "pids.max"));
    cg.remove();
    expect(existsSync(cg.path)).toBe(false);
    rmSync(root, { recursive: true, force: true });
  });
});

describe("boundary elements over a real link, in one process", () => {
  type Events_ = { violations: string[]; drained: (number | null)[]; released: number; eos: number };
  function listener(ev: Events_): PartitionListener {
    return {
      bus: () => {},
      eos: () => ev.eos++,
      violation: (_l, r) => ev.violations.push(r),
      drained: (_l, s) => ev.drained.push(s),
      released: () => ev.released++,
    };
  }
  const any = Caps.any().toString();

  function pair(srcProps: Record<string, unknown>, n: string) {
    const link = LinkResources.create(n);
    const ev: Events_ = { violations: [], drained: [], released: 0, eos: 0 };
    const up = Partition.fromSpecs("up", [{ name: "src", factory: "fakesrc", props: srcProps }], [], [{ link: n, role: "out", pad: "src.src", peer: "sink.sink", allowed: any, caps: any, fds: link.dup("out") }], registry, listener(ev));
    const seen: Buffer[] = [];
    const down = Partition.fromSpecs("down", [{ name: "sink", factory: "fakesink", props: { signalHandoffs: true } }], [], [{ link: n, role: "in", pad: "sink.sink", peer: "src.src", allowed: any, caps: any, fds: link.dup("in") }], registry, listener(ev));
    (down.pipeline.getElement("sink") as FakeSink).onHandoff = (b) => seen.push(b.clone());
    return { link, up, down, ev, seen };
  }

  test("buffers cross by reference with their metadata, events in order, EOS on both sides", { timeout: 10_000 }, async () => {
    const { link, up, down, ev, seen } = pair({ numBuffers: 200, sizetype: "fixed", sizemax: 1000, filltype: "pattern-span" }, "t1");
    up.prepare();
    down.prepare();
    link.close();
    down.start();
    up.start();
    expect(await eventually(() => ev.eos === 2, 5000)).toBe(true);
    expect(seen.length).toBe(200);
    expect(seen.map((b) => b.sequence)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(seen[7]!.offset).toBe(7000);
    expect(seen[7]!.data[0]).toBe(7000 & 0xff);
    expect((up.ends.values().next().value as BoundarySink).stats.byReference).toBe(200);
    for (const b of seen) b.release();
    // Every slot went back to the source's pool once the consumer let go.
    expect(await eventually(() => (up.ends.values().next().value as BoundarySink).lent === 0, 2000)).toBe(true);
    expect(ev.violations).toEqual([]);
    await Promise.all([up.close(), down.close()]);
  });

  test("a forged descriptor is a violation, reported, not a crash", { timeout: 10_000 }, async () => {
    const { link, up, down, ev } = pair({ numBuffers: 10, sizetype: "fixed", sizemax: 64 }, "t2");
    up.prepare();
    down.prepare();
    link.close();
    down.start();
    const ring = (up.ends.values().next().value as BoundarySink).linkRing!;
    // Announce nothing, then name pool 9: the consumer must refuse it.
    const w = ring.nextSlot();
    ring.words[w + (DESC.KIND >> 2)] = Kind.BUFFER;
    ring.words[w + (DESC.POOL >> 2)] = 9;
    ring.words[w + (DESC.HANDLE >> 2)] = 0;
    ring.words[w + (DESC.LENGTH >> 2)] = 4;
    ring.publish();
    expect(await eventually(() => ev.violations.length === 1, 3000)).toBe(true);
    expect(ev.violations[0]).toBe("a descriptor names pool 9, which was never announced");
    await Promise.all([up.close(), down.close()]);
  });
});

describe("sandbox shim", () => {
  test("system call numbers come from C; a child sandboxed with the allowlist gets EPERM for open and socket", () => {
    expect(sbx.syscallNumber("openat")).toBe(257);
    expect(sbx.syscallNumber("not_a_syscall")).toBeNull();
    const script = join(tmpdir(), `px-sbx-${process.pid}.ts`);
    writeFileSync(
      script,
      `import { applySandbox } from ${JSON.stringify(join(import.meta.dir, "../src/isolation/sandbox.ts"))};
       import * as sbx from ${JSON.stringify(join(import.meta.dir, "../ffi/sandbox.ts"))};
       import { openSync } from "node:fs";
       const applied = applySandbox({ seccomp: true, allow: [], limits: { openFiles: 64, coreBytes: 0, cpuSeconds: -1, fileBytes: -1 } });
       const code = (f) => { try { f(); return "ok"; } catch (e) { return e.code; } };
       await Bun.sleep(50); // timers and threads keep working under the filter
       console.log(JSON.stringify({
         applied,
         open: code(() => openSync("/etc/hostname")),
         socket: code(() => sbx.probeSocket()),
         tiocsti: code(() => sbx.probeIoctl(1, 0x5412)),
         tcgets: code(() => sbx.probeIoctl(1, 0x5401)),
         pdeathsig: code(() => sbx.probePrctl(sbx.Pr.SET_PDEATHSIG, 0)),
         setName: code(() => sbx.probePrctl(sbx.Pr.SET_NAME, 0)),
         fork: code(() => Bun.spawnSync(["/bin/true"])),
         nofile: sbx.getRlimit("NOFILE").soft,
         mode: sbx.seccompMode(),
       }));`,
    );
    const out = Bun.spawnSync([process.execPath, script], { stdout: "pipe", stderr: "pipe", timeout: 15_000 });
    rmSync(script);
    expect(out.exitCode).toBe(0);
    const res = JSON.parse(out.stdout.toString());
    // stdout is a pipe here: an allowed terminal query answers ENOTTY, a refused one EPERM.
    expect(res).toMatchObject({ open: "EPERM", socket: "EPERM", tiocsti: "EPERM", tcgets: "ENOTTY", pdeathsig: "EPERM", fork: "EPERM", nofile: 64, mode: 2 });
    expect(res.setName).not.toBe("EPERM");
    expect(res.applied).toMatchObject({ noNewPrivs: true, seccomp: "filter", errors: [] });
  }, 20_000);

  test("native shims imported before the filter stay callable after it (applySandbox opens them first)", () => {
    const script = join(tmpdir(), `px-sbx-hold-${process.pid}.ts`);
    writeFileSync(
      script,
      `import { applySandbox } from ${JSON.stringify(join(import.meta.dir, "../src/isolation/sandbox.ts"))};
       import * as memfd from ${JSON.stringify(join(import.meta.dir, "../ffi/memfd.ts"))};
       import { videoconvertShim } from ${JSON.stringify(join(import.meta.dir, "../ffi/videoconvert.ts"))};
       const applied = applySandbox({ seccomp: true, allow: [], limits: { openFiles: 64, coreBytes: 0, cpuSeconds: -1, fileBytes: -1 } });
       // memfd_create is allowed; this is the first call into the memfd shim in this process.
       let made = "none";
       try { const fd = memfd.memfdCreate("held"); memfd.close(fd); made = "ok"; } catch (e) { made = String(e?.message ?? e); }
       // The videoconvert shim's first use, too (an isolated videoconvert keeps its native path).
       const vc = videoconvertShim() !== null;
       console.log(JSON.stringify({ seccomp: applied.seccomp, made, vc }));`,
    );
    const out = Bun.spawnSync([process.execPath, script], { stdout: "pipe", stderr: "pipe", timeout: 15_000 });
    rmSync(script);
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout.toString())).toEqual({ seccomp: "filter", made: "ok", vc: true });
  }, 20_000);

  test("namespaces are assumed usable before probing; a probe makes them known", () => {
    const wanted = ["user", "ipc"] as const;
    const assumed = assumeNamespaceSupport(wanted);
    if (assumed.unshare) expect(assumed).toMatchObject({ usable: ["user", "ipc"], probed: false });
    const probed = namespaceSupport(wanted);
    expect(probed.probed).toBe(true);
    expect(knownNamespaceSupport(["ipc", "user"])).toBe(probed);
    expect(knownNamespaceSupport(["user", "net", "ipc", "pid"])).toBeNull();
  });
});

test("formatSequences", () => {
  expect(formatSequences([1, 2, 3, 7, 9, 10])).toBe("1–3, 7, 9–10");
  expect(formatSequences([])).toBe("");
});

export { Buffer };
