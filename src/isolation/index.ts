/**
 * src/isolation: execution modes (in-process, isolated, grouped), element-host processes, their
 * sandbox, the links between them, and their supervision. Most users only call
 * `pipeline.run({ isolation })`, `pipeline.runIsolated()` or `pipeline.runIsolating(patterns)`;
 * what is exported here is for tools, plugins (authority, modules) and tests.
 */
export { IsolatedRun, describePlan, formatSequences, type IsolationReport, type ProcessReport, type RestartRecord, type LostBuffers } from "./executor.ts";
export {
  normalizeOptions,
  parseIsolateFlag,
  globMatch,
  IsolationOptionsError,
  ALL_NAMESPACES,
  DEFAULT_RESTART,
  DEFAULT_HEARTBEAT,
  DEFAULT_LIMITS,
  type ExecutionMode,
  type IsolationOption,
  type IsolationOptions,
  type NamespaceName,
  type RestartPolicy,
  type HeartbeatPolicy,
  type ResourceLimits,
  type SandboxOptions,
} from "./options.ts";
export { openFile, registerAuthority, grantsFor, PermissionError, type Grant, type GrantMode } from "./authority.ts";
export { planIsolation, PINNED_FACTORIES, APP_GROUP, type Plan, type GroupPlan, type CrossLink } from "./plan.ts";
export { BASE_ALLOWLIST, namespaceSupport, verifySandbox, type SandboxReport } from "./sandbox.ts";
export { cgroupSupport } from "./cgroup.ts";
export { prewarmHosts, discardWarmHosts, warmHostCount, WARM_IDLE_MS, type PrewarmOptions } from "./warm.ts";
export { Exit, HOST_ROLE, PROTOCOL_VERSION } from "./protocol.ts";
