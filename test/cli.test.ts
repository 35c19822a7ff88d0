/**
 * The `parallax` command, run as a real process from source: exit codes and messages that a
 * gst-launch-1.0 user relies on.
 */
import { describe, expect, test } from "bun:test";

const BUN = process.execPath;
const CLI = new URL("../bin/parallax.ts", import.meta.url).pathname;

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([BUN, CLI, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

describe("parallax launch", () => {
  test("fakesrc num-buffers=1000 ! identity ! fakesink exits 0 at EOS", async () => {
    const r = await run("launch", "fakesrc num-buffers=1000 ! identity ! fakesink");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("Got EOS");
  }, 20000);

  test("several words are joined like gst-launch", async () => {
    const r = await run("launch", "-q", "fakesrc", "num-buffers=10", "!", "fakesink");
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
  }, 20000);

  test("--dry-run prints the graph with fixed caps for caps filters and tee branches", async () => {
    const r = await run(
      "launch",
      "--dry-run",
      "fakesrc ! video/x-raw,format=I420,width=[16,4096],height=240,framerate=30/1 ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink",
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("t.src_0 → queue0.sink: video/x-raw");
    expect(r.out).toContain("t.src_1 → queue1.sink: video/x-raw");
    expect(r.out).toContain("width=(int)16");
    expect(r.out).not.toContain("Got EOS");
  }, 20000);

  test("-v prints negotiated caps and --dot/--json write graph dumps", async () => {
    const dir = (await import("node:os")).tmpdir();
    const dot = `${dir}/px-cli-${process.pid}.dot`;
    const json = `${dir}/px-cli-${process.pid}.json`;
    const r = await run("launch", "-v", "--dot", dot, "--json", json, "fakesrc num-buffers=3 ! audio/x-raw,rate=48000,channels=2 ! fakesink");
    expect(r.code).toBe(0);
    expect(r.out).toContain("fakesrc0.src → capsfilter0.sink: audio/x-raw, rate=(int)48000, channels=(int)2");
    const dotText = await Bun.file(dot).text();
    expect(dotText).toContain('"capsfilter0" -> "fakesink0"');
    const graph = JSON.parse(await Bun.file(json).text());
    expect(graph.links.at(-1).buffers).toBe(3);
    (await import("node:fs")).rmSync(dot);
    (await import("node:fs")).rmSync(json);
  }, 20000);

  test("a misspelt element exits 2 with a caret and a suggestion", async () => {
    const r = await run("launch", "fakesrc ! fakesnk");
    expect(r.code).toBe(2);
    expect(r.err).toContain('no element "fakesnk"');
    expect(r.err).toContain("^");
    expect(r.err).toContain('"fakesink"');
  }, 20000);

  test("a bad property value exits 2 and says what it expects", async () => {
    const r = await run("launch", "fakesrc num-buffers=ten ! fakesink");
    expect(r.code).toBe(2);
    expect(r.err).toContain("expects integer");
  }, 20000);

  test("an impossible caps filter exits 2 naming both pads", async () => {
    const r = await run("launch", "fakesrc ! video/x-raw,format=I420 ! identity ! audio/x-raw ! fakesink");
    expect(r.code).toBe(2);
    expect(r.err).toContain("negotiation failed");
    expect(r.err).toContain("identity0.src");
    expect(r.err).toContain("capsfilter1.sink");
  }, 20000);

  test("a run-time error exits 1 naming the element", async () => {
    const r = await run("launch", "fakesrc ! identity name=bad error-after=3 ! fakesink");
    expect(r.code).toBe(1);
    expect(r.err).toContain("bad");
  }, 20000);

  test("SIGINT sends EOS and the process exits 0", async () => {
    const p = Bun.spawn([BUN, CLI, "launch", "fakesrc is-live=true datarate=100000 sizetype=fixed sizemax=100 ! fakesink sync=true"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    // Wait until it is really running (start-up time varies with load), then interrupt.
    const reader = p.stdout.getReader();
    let out = "";
    while (!out.includes("PLAYING")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    await new Promise((r) => setTimeout(r, 100));
    p.kill("SIGINT");
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(await p.exited).toBe(0);
    expect(out).toContain("Got EOS");
  }, 20000);

  test("the default pipeline runs with no argument", async () => {
    const r = await run("launch");
    expect(r.code).toBe(0);
    expect(r.out).toContain("default");
  }, 30000);
});

describe("parallax inspect", () => {
  test("lists elements by category", async () => {
    const r = await run("inspect");
    expect(r.code).toBe(0);
    expect(r.out).toContain("testing:");
    expect(r.out).toContain("fakesrc");
    expect(r.out).toContain("queue");
  }, 20000);

  test("shows an element's pads and properties", async () => {
    const r = await run("inspect", "queue");
    expect(r.code).toBe(0);
    expect(r.out).toContain("max-size-buffers");
    expect(r.out).toContain("Default: 200");
    expect(r.out).toContain("SINK template: 'sink'");
  }, 20000);

  test("an unknown element exits 1 with a suggestion", async () => {
    const r = await run("inspect", "queu");
    expect(r.code).toBe(1);
    expect(r.err).toContain("queue");
  }, 20000);
});
