/**
 * Registers the `element-host` role of the parallax program (`parallax --role element-host …`),
 * so the supervisor can start hosts from the same executable, under bun or compiled. The host
 * code is loaded only when the role runs. A host ends the process itself: its channel, timers
 * and link watchers would otherwise keep the event loop alive.
 */
import { registerRole } from "../cli/roles.ts";
import { HOST_ROLE } from "./options.ts";

registerRole(HOST_ROLE, async (args) => {
  const { hostMain } = await import("./host.ts");
  const code = await hostMain(args);
  process.exit(code);
});
