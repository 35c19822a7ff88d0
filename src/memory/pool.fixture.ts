/**
 * Peer side of pool.test.ts: a child process that opens a BufferPool from fds sent over fd 3
 * (a SEQPACKET socket) and obeys JSON commands, one message each:
 *   {cmd:"adopt", slot, offset, length, reply, delayMs}  adopt the slot's reference, report its
 *       text, write `reply` at byte 512 of the slot, wait delayMs, release
 *   {cmd:"hold", slot}   adopt and clone the slot, keep both references
 *   {cmd:"close"}        close the pool (returning held references) and exit
 * Replies are JSON. Exit codes: 0 ok, 2 protocol error or timeout.
 */
import * as fdpass from "../../ffi/fdpass.ts";
import type { Buffer } from "../buffer.ts";
import { BufferPool } from "./pool.ts";

const SOCK = 3;
const REPLY_AT = 512;
const enc = new TextEncoder();
const dec = new TextDecoder();
const buf = new Uint8Array(1024);

function receive(): { msg: Record<string, unknown>; fds: number[] } {
  if (fdpass.poll(SOCK, fdpass.Poll.IN, 10_000) === 0) process.exit(2);
  const r = fdpass.recvMsg(SOCK, buf, 2);
  if (r === null) process.exit(2);
  if (r.bytes === 0) process.exit(0); // the parent hung up
  return { msg: JSON.parse(dec.decode(buf.subarray(0, r.bytes))), fds: r.fds };
}

function send(msg: unknown): void {
  fdpass.sendMsg(SOCK, enc.encode(JSON.stringify(msg)));
}

fdpass.setPdeathsig(9);
const first = receive();
if (first.msg.cmd !== "open" || first.fds.length !== 2) process.exit(2);
const pool = BufferPool.open({ memfd: first.fds[0]!, eventfd: first.fds[1]! });
send({ opened: pool.capacity, slotSize: pool.slotSize });
const kept: Buffer[] = [];

for (;;) {
  const { msg } = receive();
  if (msg.cmd === "adopt") {
    const b = pool.adopt(msg.slot as number, msg.offset as number, msg.length as number);
    const text = dec.decode(b.data);
    const whole = pool.arena.slotView(msg.slot as number);
    whole.set(enc.encode(msg.reply as string), REPLY_AT);
    send({ text, held: pool.stats().held });
    if ((msg.delayMs as number) > 0) Bun.sleepSync(msg.delayMs as number);
    b.release();
  } else if (msg.cmd === "hold") {
    const b = pool.adopt(msg.slot as number);
    kept.push(b, b.clone());
    send({ held: pool.stats().held });
  } else if (msg.cmd === "close") {
    await pool.close();
    send({ held: pool.stats().held, closed: pool.closed });
    process.exit(0);
  } else {
    process.exit(2);
  }
}
