/**
 * Child side of ffi/fdpass.test.ts. Runs as `bun fdpass.fixture.ts <parent-pid>` with a
 * SEQPACKET socket as fd 3. Receives a memfd, reads the parent's text from it and writes a
 * reply beside it, sends back a new eventfd with a report, blocks in a futex wait on a word of
 * the shared mapping until the parent wakes it, bumps the eventfd, reports the futex result.
 * Exit codes: 0 ok, 2 protocol error, 3 the parent went away.
 */
import { toArrayBuffer } from "bun:ffi";
import * as fdpass from "./fdpass.ts";
import * as memfd from "./memfd.ts";

const SOCK = 3;
const SIGKILL = 9;
const FUTEX_WORD = 256;
const REPLY_AT = 100;

fdpass.setPdeathsig(SIGKILL);
if (fdpass.getppid() !== Number(process.argv[2])) process.exit(3);

const buf = new Uint8Array(256);
if (fdpass.poll(SOCK, fdpass.Poll.IN, 5000) === 0) process.exit(2);
const msg = fdpass.recvMsg(SOCK, buf, 4);
if (msg === null || msg.fds.length !== 1) process.exit(2);
const fd = msg.fds[0]!;
const size = memfd.fstatSize(fd);
const addr = memfd.mmap(fd, size);
const view = new Uint8Array(toArrayBuffer(addr, 0, size));
const text = new TextDecoder().decode(view.subarray(0, view.indexOf(0)));
view.set(new TextEncoder().encode(`reply to ${text}`), REPLY_AT);

const efd = fdpass.eventfd(0, 0);
const report = { pid: fdpass.getpid(), ppid: fdpass.getppid(), text, payload: new TextDecoder().decode(buf.subarray(0, msg.bytes)) };
fdpass.sendMsg(SOCK, new TextEncoder().encode(JSON.stringify(report)), [efd]);

const futex = fdpass.futexWait(addr, FUTEX_WORD, 0, 10_000);
fdpass.eventfdWrite(efd, 7);
fdpass.sendMsg(SOCK, new TextEncoder().encode(JSON.stringify({ futex })));

view.buffer.transfer(0);
memfd.munmap(addr, size);
memfd.close(fd);
memfd.close(efd);
process.exit(0);
