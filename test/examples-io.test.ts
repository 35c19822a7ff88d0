/** Examples 10 (file I/O) and 14 (IPC by hand) run as part of the suite; their results are checked. */
import { expect, test } from "bun:test";
import { available } from "../ffi/uring.ts";
import { main as fileIo } from "../examples/10_file_io.ts";
import { main as ipcManual } from "../examples/14_ipc_manual.ts";

test("10 file I/O: filesrc ! filesink copies byte-identical, in the kernel by default", async () => {
  const r = await fileIo(8);
  expect(r.identical).toBe(true);
  expect(r.bytes).toBe(8 * 1024 * 1024 + 1234);
  expect(r.buffers).toBe(9);
  expect(r.engine).toBe("mmap");
  expect(r.kernelCopied).toBe(r.bytes);
  const read = await fileIo(8, false);
  expect(read.identical).toBe(true);
  expect(read.engine).toBe(available() ? "io-uring" : "sync");
  expect(read.kernelCopied).toBe(0);
}, 20_000);

test("14 IPC by hand: a Producer and a Consumer in two processes, every slot back home", async () => {
  const r = await ipcManual(500);
  expect(r).toEqual({
    sent: 500,
    byReference: 500,
    copied: 0,
    consumer: { buffers: 500, bad: 0, events: ["stream-start", "caps", "segment", "eos"], end: "eos" },
    slotsInUseAfter: 0,
  });
}, 20_000);
