/**
 * 10 — File I/O: copy a file with `filesrc ! filesink`. filesrc maps a regular file rather than
 * reading it: each buffer is a copy-on-write view of the file, and filesink has the kernel copy
 * every buffer nothing wrote to straight from file to file (copy_file_range, as `cp` does), so
 * the bytes never pass through the process. With `use-mmap=false` filesrc reads ahead with
 * io_uring into pooled memfd buffers instead (`queue-depth` reads in flight) and filesink writes
 * from those buffers; without io_uring both fall back to pread/pwrite. Either way EOS comes only
 * once the file is complete and closed.
 *
 *   bun examples/10_file_io.ts [size-in-MiB]
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FileSink, type FileSrc, launch } from "../src/index.ts";

export type FileIoResult = { bytes: number; identical: boolean; engine: string | null; buffers: number; kernelCopied: number; mbPerSecond: number };

export async function main(sizeMiB = 16, useMmap = true): Promise<FileIoResult> {
  const dir = mkdtempSync(join(tmpdir(), "px-example-10-"));
  try {
    const input = join(dir, "input.bin");
    const output = join(dir, "output.bin");
    const data = new Uint8Array(sizeMiB * 1024 * 1024 + 1234); // a short last block
    for (let o = 0; o < data.length; o += 65536) crypto.getRandomValues(data.subarray(o, Math.min(o + 65536, data.length)));
    writeFileSync(input, data);

    const p = launch(`filesrc name=src location=${input} blocksize=1048576 queue-depth=4 use-mmap=${useMmap} ! filesink name=sink location=${output}`);
    p.prepare();
    const engine = (p.getElement("src") as FileSrc).ioEngine;
    const t0 = performance.now();
    await p.run();
    const ms = performance.now() - t0;
    const buffers = p.getElement("sink")!.pads[0]!.peer!.count;
    const kernelCopied = (p.getElement("sink") as FileSink).kernelCopiedBytes;

    const hash = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
    const identical = hash(readFileSync(output)) === hash(data);
    const mbPerSecond = Math.round(data.length / 1e6 / (ms / 1000));
    console.log(`copied ${data.length} bytes in ${buffers} buffers with ${engine} (${kernelCopied} copied by the kernel): ${identical ? "identical" : "DIFFERENT"}, ${mbPerSecond} MB/s`);
    return { bytes: data.length, identical, engine, buffers, kernelCopied, mbPerSecond };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await main(Number(process.argv[2] ?? 16), process.argv[3] !== "--read");
