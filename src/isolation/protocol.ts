/**
 * The control protocol between the supervisor (the application's process) and an element host.
 *
 * Named fds in the host (mediasoup's contract):
 *   fd 3  control   SEQPACKET, both directions: length-prefixed JSON messages (below), no fds;
 *   fd 4  fds       SEQPACKET, supervisor → host only: descriptors (SCM_RIGHTS) for the request
 *                   whose id the payload names, sent just before that request.
 *
 * A message is a u32 little-endian byte length followed by that many bytes of UTF-8 JSON, at
 * most MAX_MESSAGE_BYTES. Three kinds, each checked against a TypeBox schema on arrival (by
 * schema-check.ts, which keeps TypeBox's large Value module off the host's start-up path):
 *   request       supervisor → host   { kind, id, method, params }
 *   reply         host → supervisor   { kind, id, ok, result | error }   (id matches a request)
 *   notification  host → supervisor   { kind, event, data }
 *
 * Start-up handshake: the host's first message is the `ready` notification (pid, protocol
 * version); the supervisor then sends `configure` (elements, links, grants, sandbox), `start`,
 * and eventually `close`. A host whose control socket reaches end-of-file exits with
 * Exit.PARENT_GONE. Anything that is not this protocol — bad JSON, an unknown method or event,
 * a schema mismatch, an oversize frame — is a ProtocolError: the supervisor then cuts the host
 * off (kills it) without letting it affect anything else.
 */
import Type, { type Static, type TSchema } from "typebox";
import { schemaMismatch } from "./schema-check.ts";

export const PROTOCOL_VERSION = 1;
/** Largest control message, length prefix included. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Named fds of an element host. */
export const CONTROL_FD = 3;
export const FDS_FD = 4;
export { HOST_ROLE } from "./options.ts";

/** Exit codes of an element host, and what each means. */
export const Exit = {
  /** Closed on the supervisor's request ("closed", not "died"). */
  CLOSED: 0,
  /** The command line was wrong (not started by a supervisor). */
  USAGE: 2,
  /** The control channel ended without a close request: the supervisor is gone. */
  PARENT_GONE: 3,
  /** The supervisor sent something that is not the protocol. */
  PROTOCOL: 4,
  /** An uncaught exception in the host (a bug, or an element that threw outside its task). */
  CRASHED: 70,
} as const;

const EXIT_MEANING: Record<number, string> = {
  [Exit.CLOSED]: "closed on request",
  [Exit.USAGE]: "bad command line",
  [Exit.PARENT_GONE]: "its control channel closed",
  [Exit.PROTOCOL]: "protocol error from the supervisor",
  [Exit.CRASHED]: "uncaught exception",
};

export function exitMeaning(code: number): string {
  return EXIT_MEANING[code] ?? `exit status ${code}`;
}

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}

// ---- schemas ------------------------------------------------------------------------------

const ElementSpec = Type.Object({ name: Type.String(), factory: Type.String(), props: Type.Record(Type.String(), Type.Unknown()) });
const InternalLink = Type.Object({ from: Type.String(), to: Type.String() });
/** One end of a cross-process link, as the host sees it. `fds`: indices into the request's fds
 * (ring memfd, socket, data doorbell, space doorbell). */
const BoundarySpec = Type.Object({
  link: Type.String(),
  role: Type.Union([Type.Literal("in"), Type.Literal("out")]),
  pad: Type.String(),
  allowed: Type.String(),
  caps: Type.String(),
  peer: Type.String(),
  fds: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 4, maxItems: 4 }),
});
const GrantSpec = Type.Object({
  element: Type.String(),
  path: Type.String(),
  mode: Type.Union([Type.Literal("read"), Type.Literal("write"), Type.Literal("append")]),
  fd: Type.Integer({ minimum: 0 }),
});
const LimitsSpec = Type.Object({ openFiles: Type.Number(), coreBytes: Type.Number(), cpuSeconds: Type.Number(), fileBytes: Type.Number() });

export const ConfigureParams = Type.Object({
  group: Type.String(),
  elements: Type.Array(ElementSpec),
  links: Type.Array(InternalLink),
  boundaries: Type.Array(BoundarySpec),
  grants: Type.Array(GrantSpec),
  modules: Type.Array(Type.String()),
  sandbox: Type.Object({ seccomp: Type.Boolean(), allow: Type.Array(Type.String()), limits: LimitsSpec }),
  heartbeatMs: Type.Number({ minimum: 1 }),
  fdCount: Type.Integer({ minimum: 0 }),
});
export type ConfigureParams = Static<typeof ConfigureParams>;
export type BoundarySpec = Static<typeof BoundarySpec>;
export type GrantSpec = Static<typeof GrantSpec>;
export type ElementSpec = Static<typeof ElementSpec>;

export const RelinkParams = Type.Object({ link: Type.String(), role: Type.Union([Type.Literal("in"), Type.Literal("out")]), fds: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 4, maxItems: 4 }), fdCount: Type.Integer({ minimum: 0 }) });
export type RelinkParams = Static<typeof RelinkParams>;

const Empty = Type.Object({});

/** Requests and their parameter schemas. */
export const Requests = {
  configure: ConfigureParams,
  start: Empty,
  relink: RelinkParams,
  release: Type.Object({ link: Type.String() }),
  eos: Empty,
  close: Empty,
} as const;
export type Method = keyof typeof Requests;

/** What the sandbox step of `configure` did, as the host saw it. */
export const SandboxApplied = Type.Object({
  noNewPrivs: Type.Boolean(),
  seccomp: Type.Union([Type.Literal("filter"), Type.Literal("off"), Type.Literal("failed")]),
  allowed: Type.Integer(),
  rlimits: Type.Record(Type.String(), Type.Number()),
  errors: Type.Array(Type.String()),
});
export type SandboxApplied = Static<typeof SandboxApplied>;

/** A bus message as JSON (cause reduced to text). */
export const WireBusMessage = Type.Object({
  type: Type.Union([Type.Literal("error"), Type.Literal("warning"), Type.Literal("info"), Type.Literal("element"), Type.Literal("qos"), Type.Literal("latency"), Type.Literal("stream-start")]),
  source: Type.String(),
  domain: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  debug: Type.Optional(Type.String()),
  cause: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  data: Type.Optional(Type.Unknown()),
  dropped: Type.Optional(Type.Number()),
  lateness: Type.Optional(Type.Number()),
  latency: Type.Optional(Type.Number()),
});
export type WireBusMessage = Static<typeof WireBusMessage>;

/** What a producer end reports when its consumer's host was replaced (see boundary.ts). */
export const ProducerRelinkReport = Type.Object({
  role: Type.Literal("out"),
  /** Sequence numbers the dead consumer had taken and never handed back. */
  unreturned: Type.Array(Type.Number()),
  /** Buffers it had not taken yet, re-sent to the new consumer. */
  redelivered: Type.Integer(),
});
export const ConsumerRelinkReport = Type.Object({ role: Type.Literal("in") });
export const RelinkReport = Type.Union([ProducerRelinkReport, ConsumerRelinkReport]);
export type RelinkReport = Static<typeof RelinkReport>;

/** Notifications and their data schemas. */
export const Notifications = {
  /** bootMs: from the host process's start to this message, as the host measured it. */
  ready: Type.Object({ pid: Type.Integer(), version: Type.Integer(), group: Type.String(), bootMs: Type.Optional(Type.Number()) }),
  heartbeat: Type.Object({ seq: Type.Integer() }),
  bus: WireBusMessage,
  eos: Empty,
  violation: Type.Object({ link: Type.String(), reason: Type.String() }),
  drained: Type.Object({ link: Type.String(), lastSequence: Type.Union([Type.Number(), Type.Null()]), received: Type.Integer() }),
  released: Type.Object({ link: Type.String() }),
} as const;
export type EventName = keyof typeof Notifications;
export type NotificationData<E extends EventName> = Static<(typeof Notifications)[E]>;

const RequestMsg = Type.Object({ kind: Type.Literal("request"), id: Type.Integer({ minimum: 1 }), method: Type.String(), params: Type.Unknown() });
const ReplyMsg = Type.Object({
  kind: Type.Literal("reply"),
  id: Type.Integer({ minimum: 1 }),
  ok: Type.Boolean(),
  result: Type.Optional(Type.Unknown()),
  error: Type.Optional(Type.Object({ message: Type.String(), code: Type.Optional(Type.String()), source: Type.Optional(Type.String()) })),
});
const NotifyMsg = Type.Object({ kind: Type.Literal("notify"), event: Type.String(), data: Type.Unknown() });

/** The envelope schemas, for schema-check.test.ts. */
export const MESSAGE_SCHEMAS = { RequestMsg, ReplyMsg, NotifyMsg };

export type RequestMessage = { kind: "request"; id: number; method: Method; params: unknown };
export type ReplyMessage = Static<typeof ReplyMsg>;
export type NotifyMessage = { kind: "notify"; event: EventName; data: unknown };
export type Message = RequestMessage | ReplyMessage | NotifyMessage;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One frame: u32 length then JSON. Throws ProtocolError when it would exceed the limit. */
export function encodeMessage(msg: Message): Uint8Array {
  const json = encoder.encode(JSON.stringify(msg));
  if (json.byteLength + 4 > MAX_MESSAGE_BYTES) {
    throw new ProtocolError(`a ${msg.kind} message of ${json.byteLength} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`);
  }
  const out = new Uint8Array(json.byteLength + 4);
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  return out;
}

function check<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  const bad = schemaMismatch(schema, value);
  if (bad !== null) throw new ProtocolError(`${what} does not match its schema (${bad.path || "/"}: ${bad.message})`);
  return value as Static<T>;
}

/** Parses and checks one message body. Throws ProtocolError. */
export function decodeMessage(body: Uint8Array): Message {
  let v: unknown;
  try {
    v = JSON.parse(decoder.decode(body));
  } catch {
    throw new ProtocolError("a control message is not JSON");
  }
  const kind = (v as { kind?: unknown } | null)?.kind;
  if (kind === "request") {
    const m = check(RequestMsg, v, "a request");
    if (!(m.method in Requests)) throw new ProtocolError(`unknown request method "${m.method}"`);
    check(Requests[m.method as Method], m.params, `the parameters of ${m.method}`);
    return m as RequestMessage;
  }
  if (kind === "reply") return check(ReplyMsg, v, "a reply");
  if (kind === "notify") {
    const m = check(NotifyMsg, v, "a notification");
    if (!(m.event in Notifications)) throw new ProtocolError(`unknown notification "${m.event}"`);
    check(Notifications[m.event as EventName], m.data, `the data of ${m.event}`);
    return m as NotifyMessage;
  }
  throw new ProtocolError(`a control message of unknown kind ${JSON.stringify(kind)}`);
}

/** Splits a byte stream into frames. Throws ProtocolError on an oversize or bad frame. */
export class FrameDecoder {
  #buf = new Uint8Array(0);

  push(bytes: Uint8Array): Message[] {
    let all: Uint8Array;
    if (this.#buf.byteLength === 0) all = bytes;
    else {
      all = new Uint8Array(this.#buf.byteLength + bytes.byteLength);
      all.set(this.#buf, 0);
      all.set(bytes, this.#buf.byteLength);
    }
    const out: Message[] = [];
    const dv = new DataView(all.buffer, all.byteOffset, all.byteLength);
    let o = 0;
    while (all.byteLength - o >= 4) {
      const len = dv.getUint32(o, true);
      if (len + 4 > MAX_MESSAGE_BYTES) throw new ProtocolError(`an oversize control message (${len} bytes announced, the limit is ${MAX_MESSAGE_BYTES})`);
      if (all.byteLength - o - 4 < len) break;
      out.push(decodeMessage(all.subarray(o + 4, o + 4 + len)));
      o += 4 + len;
    }
    this.#buf = o === all.byteLength ? new Uint8Array(0) : all.slice(o);
    return out;
  }
}

/** Checks a request's parameters (the host trusts nothing either). */
export function checkParams<M extends Method>(method: M, params: unknown): Static<(typeof Requests)[M]> {
  return check(Requests[method], params, `the parameters of ${method}`) as Static<(typeof Requests)[M]>;
}

/** Checks a notification's data. */
export function checkData<E extends EventName>(event: E, data: unknown): NotificationData<E> {
  return check(Notifications[event], data, `the data of ${event}`) as NotificationData<E>;
}
