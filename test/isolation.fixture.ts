/**
 * Test-only elements for the isolation suites, registered when this module is imported — by
 * the test itself and, through `isolation.modules`, by every element host it starts:
 *
 *   isoprobe  (sink)       tries what a compromised element would: open a path it was not
 *                          granted, create sockets; posts what the kernel answered as the
 *                          element message "probe"; with `open-in-prepare`, opens `location`
 *                          through openFile in prepare, as a file element would.
 *   isohang   (transform)  spins forever on buffer `after` (a hung element: no heartbeats).
 *   isoslow   (transform)  spends `micros` per buffer, so the queues before it fill up.
 *   isorogue  (transform)  on buffer `after` misbehaves as `mode` says: `bad-slot` publishes a
 *                          descriptor naming a slot far outside its pool in its output ring;
 *                          `oversize` writes a control frame announcing 10 MiB on fd 3;
 *                          `garbage` writes bytes that are not the protocol on fd 3.
 */
import { writeSync } from "node:fs";
import { Buffer } from "../src/buffer.ts";
import { Flow, type FlowReturn } from "../src/flow.ts";
import { template, type ElementMeta } from "../src/graph/element.ts";
import { Type, type Static } from "../src/graph/properties.ts";
import { Sink } from "../src/graph/sink.ts";
import { Transform } from "../src/graph/transform.ts";
import { registry } from "../src/registry.ts";
import { DESC, Kind } from "../src/ipc/ring.ts";
import { openFile } from "../src/isolation/authority.ts";
import type { BoundarySink } from "../src/isolation/boundary.ts";
import { closeSync } from "node:fs";
import * as sbx from "../ffi/sandbox.ts";
import { ErrnoError } from "../ffi/errno.ts";

const ProbeProps = Type.Object({
  location: Type.String({ default: "/etc/hostname", description: "A path to try to open" }),
  openInPrepare: Type.Boolean({ default: false, description: "Open location through openFile in prepare" }),
});

function attempt(fn: () => number): string {
  try {
    const fd = fn();
    closeSync(fd);
    return "ok";
  } catch (e) {
    return (e as { code?: string }).code ?? (e instanceof ErrnoError ? e.code : String(e));
  }
}

export class IsoProbe extends Sink<Static<typeof ProbeProps>> {
  static override meta: ElementMeta = {
    name: "isoprobe",
    category: "testing",
    description: "Test element: tries to open files and make sockets, reports what happened",
    pads: [template.sink("ANY")],
    properties: ProbeProps,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none (it tries to take some, to show that it cannot)",
  };
  #reported = false;

  override prepare(): void {
    if (this.props.openInPrepare) closeSync(openFile(this.props.location));
  }

  render(_buf: Buffer): FlowReturn {
    if (!this.#reported) {
      this.#reported = true;
      this.postMessage("probe", {
        openFile: attempt(() => openFile(this.props.location)),
        rawOpen: attempt(() => sbx.probeOpen(this.props.location)),
        rawSocketInet: attempt(() => sbx.probeSocket(sbx.Af.INET, sbx.Sock.STREAM)),
        rawSocketUnix: attempt(() => sbx.probeSocket(sbx.Af.UNIX, sbx.Sock.DGRAM)),
        spawn: (() => {
          try {
            Bun.spawnSync(["/bin/true"]);
            return "ok";
          } catch (e) {
            return (e as { code?: string }).code ?? String(e);
          }
        })(),
      });
    }
    return Flow.OK;
  }
}

const HangProps = Type.Object({ after: Type.Integer({ default: 10, minimum: 0, description: "Buffers before it hangs" }) });

export class IsoHang extends Transform<Static<typeof HangProps>> {
  static override meta: ElementMeta = {
    name: "isohang",
    category: "testing",
    description: "Test element: stops responding (spins) after some buffers",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: HangProps,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };
  #n = 0;

  transform(buf: Buffer): Buffer {
    if (this.#n++ === this.props.after) for (;;) {
      // a hung element: the event loop never comes back
    }
    return buf;
  }
}

const SlowProps = Type.Object({ micros: Type.Integer({ default: 50, minimum: 0, description: "Busy time per buffer (µs)" }) });

export class IsoSlow extends Transform<Static<typeof SlowProps>> {
  static override meta: ElementMeta = {
    name: "isoslow",
    category: "testing",
    description: "Test element: spends `micros` per buffer (so queues upstream of it fill up)",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: SlowProps,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };

  transform(buf: Buffer): Buffer {
    const until = performance.now() + this.props.micros / 1000;
    while (performance.now() < until);
    return buf;
  }
}

const RogueProps = Type.Object({
  after: Type.Integer({ default: 10, minimum: 0, description: "Buffers before it misbehaves" }),
  mode: Type.Enum(["bad-slot", "oversize", "garbage"], { default: "bad-slot", description: "How it misbehaves" }),
});

export class IsoRogue extends Transform<Static<typeof RogueProps>> {
  static override meta: ElementMeta = {
    name: "isorogue",
    category: "testing",
    description: "Test element: a compromised element that breaks the protocols after some buffers",
    pads: [template.sink("ANY"), template.src("ANY")],
    properties: RogueProps,
    scheduling: { affinity: "async", rtSafe: false },
    authority: "none",
  };
  #n = 0;

  transform(buf: Buffer): Buffer | FlowReturn {
    if (this.#n++ !== this.props.after) return buf;
    if (this.props.mode === "bad-slot") {
      const sink = this.srcPad.peer?.element as BoundarySink | undefined;
      const ring = sink?.linkRing;
      if (!ring) throw new Error("isorogue bad-slot needs an isolated downstream link");
      const w = ring.nextSlot();
      ring.words[w + (DESC.KIND >> 2)] = Kind.BUFFER;
      ring.words[w + (DESC.POOL >> 2)] = 1;
      ring.words[w + (DESC.SLOT >> 2)] = 999_999;
      ring.words[w + (DESC.OFFSET >> 2)] = 0;
      ring.words[w + (DESC.LENGTH >> 2)] = 16;
      ring.words[w + (DESC.HANDLE >> 2)] = 0;
      ring.publish();
    } else {
      const frame = new Uint8Array(64);
      const dv = new DataView(frame.buffer);
      if (this.props.mode === "oversize") dv.setUint32(0, 10 * 1024 * 1024, true);
      else {
        dv.setUint32(0, 60, true);
        frame.fill(0x7b, 4); // "{{{{…": not JSON
      }
      writeSync(3, frame);
    }
    return buf;
  }
}

registry.register(IsoProbe, IsoHang, IsoRogue, IsoSlow);

/** This module's path, for `isolation.modules`. */
export const FIXTURE = import.meta.path;
