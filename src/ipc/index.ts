/**
 * src/ipc: zero-copy buffer transport between two processes (or two programs using the
 * library), the machinery under `ipcsink`/`ipcsrc` and under isolated element hosts.
 *
 * - Producer (producer.ts): listens on a Unix socket path (or `attach`es to one end of a
 *   socketpair), serves one consumer at a time, sends buffers by reference and events in
 *   order, reclaims everything a consumer held when it leaves or dies.
 * - Consumer (consumer.ts): connects (retrying until the producer is there; or `attach`es to
 *   the other end of the socketpair), receives buffers over the producer's memory and events,
 *   returns each buffer when it is released.
 * - DescriptorRing (ring.ts): the shared-memory SPSC rings (descriptors one way, returned
 *   handles the other) with eventfd/futex doorbells.
 * - protocol.ts: the control messages on the socket (hand-shake, pool memfds, events, bye).
 * - Ledger (ledger.ts): the producer's per-consumer account of lent buffers.
 * - shared-slot.ts: which buffers can go by reference; the consumer's Memory.
 *
 * Control plane (connect, hand-shake, fd passing, disconnects) runs on the event loop with
 * short timers during set-up only; the data plane is two rings in one memfd and never polls.
 */
export { Producer, DEFAULT_ACCEPT_INTERVAL_MS, DEFAULT_HANDSHAKE_TIMEOUT_MS, type ProducerOptions, type SendResult, type ConnectInfo, type DisconnectInfo, type ProducerStats } from "./producer.ts";
export { Consumer, ConnectError, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_RETRY_INTERVAL_MS, type ConsumerOptions, type ConsumerStats, type Disconnected, type Received } from "./consumer.ts";
export { DescriptorRing, DEFAULT_RING_CAPACITY, DEFAULT_RETURN_CAPACITY, DESC, DESC_SIZE, Kind, RING_HEADER, RING_MAGIC, RING_VERSION, Wake, ringBytes } from "./ring.ts";
export { PROTOCOL_VERSION, ProtocolError, type ControlMessage } from "./protocol.ts";
export { Ledger } from "./ledger.ts";
export { RemoteSlotMemory, sharedSlot, type SlotRef, type ImportedPool } from "./shared-slot.ts";
export { FdWatch } from "./watch.ts";
