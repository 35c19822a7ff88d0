/**
 * `parallax launch` with the ipc elements registered, for tests and bench/ to spawn while the
 * elements are not yet in the built-in catalog (registering again is harmless once they are).
 *
 *   bun elements/ipc/launch.fixture.ts launch "fakesrc ! ipcsink path=/tmp/x.sock"
 */
import { registry } from "../../src/index.ts";
import { ipcElements } from "./index.ts";

registry.register(...ipcElements);
await import("../../bin/parallax.ts");
