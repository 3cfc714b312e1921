// `cbc compile` emits in a worker thread: a checked program survives the trip
// (structured clone) unchanged, and the worker's protocol holds up under
// concurrent requests, emitter errors and a thread that cannot start.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { workerEmitter } from "../../src/cli/emitter.js";
import type { CheckedProgram } from "../../src/check/program.js";
import { check } from "../../src/compiler.js";
import { emitModule } from "../../src/emit/emit.js";
import { ensureBuiltCli, repo } from "../support/built-cli.js";

async function rulesFiles(): Promise<string[]> {
  const dirs = ["src/std", "examples", "test/fixtures/golden"];
  const files: string[] = [];
  for (const dir of dirs) {
    for (const name of await fs.readdir(path.join(repo, dir))) if (name.endsWith(".rules")) files.push(path.join(repo, dir, name));
  }
  return files.sort();
}

/** Every object reachable from `root`. */
function reachable(root: unknown): Set<unknown> {
  const seen = new Set<unknown>();
  const stack = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== "object" || value === null || seen.has(value)) continue;
    seen.add(value);
    stack.push(...(value instanceof Map ? [...value.keys(), ...value.values()] : Object.values(value)));
  }
  return seen;
}

async function checked(file: string): Promise<CheckedProgram> {
  const result = check(await fs.readFile(file, "utf8"), { fileName: path.basename(file) });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.program;
}

describe("a checked program sent to another thread", () => {
  it("emits the same module after a structured clone, for every std, example and golden file", async () => {
    const files = await rulesFiles();
    expect(files.length).toBeGreaterThanOrEqual(15);
    for (const file of files) {
      const program = await checked(file);
      const copy = structuredClone(program);
      // The maps keyed by AST node must point into the copied AST, not at orphaned copies of its nodes.
      expect(copy.resolutions.size).toBe(program.resolutions.size);
      const copiedNodes = reachable(copy.callbacks);
      for (const key of copy.resolutions.keys()) expect(copiedNodes.has(key)).toBe(true);
      for (const key of copy.placeholders.keys()) expect(copiedNodes.has(key)).toBe(true);
      expect(emitModule(copy).text, path.relative(repo, file)).toBe(emitModule(program).text);
    }
  });
});

describe("the emitter thread (dist/emit-worker.js)", () => {
  const script = pathToFileURL(path.join(repo, "dist", "emit-worker.js"));
  beforeAll(() => {
    ensureBuiltCli();
  });

  it("answers concurrent requests, each with its own module, then stops when closed", async () => {
    const files = (await rulesFiles()).slice(0, 6);
    const programs = await Promise.all(files.map(checked));
    const emitter = workerEmitter(script);
    try {
      const emitted = await Promise.all(programs.map((p) => emitter.emit(p, { runtimeImport: "../runtime.js" })));
      expect(emitted.map((f) => f.text)).toEqual(programs.map((p) => emitModule(p, { runtimeImport: "../runtime.js" }).text));
    } finally {
      await emitter.close();
    }
  });

  it("rejects a request the emitter cannot handle with the emitter's message, and keeps serving", async () => {
    const good = await checked(path.join(repo, "examples", "train.rules"));
    const broken = { ...good, callbacks: [{ name: "Broken" }] } as unknown as CheckedProgram;
    const emitter = workerEmitter(script);
    try {
      await expect(emitter.emit(broken, {})).rejects.toThrow(/Cannot read properties of undefined/);
      expect((await emitter.emit(good, {})).text).toBe(emitModule(good).text);
    } finally {
      await emitter.close();
    }
  });

  it("rejects a program that cannot be sent, leaving nothing behind to reject later", async () => {
    const good = await checked(path.join(repo, "examples", "train.rules"));
    const unsendable = { ...good, extra: () => 0 } as unknown as CheckedProgram;
    const emitter = workerEmitter(script);
    await expect(emitter.emit(unsendable, {})).rejects.toThrow(/could not be cloned/);
    expect((await emitter.emit(good, {})).text).toBe(emitModule(good).text);
    // Closing settles everything: an orphaned request would surface as an unhandled rejection and fail the run.
    await emitter.close();
  });

  it("fails every request with the thread's own error when it cannot start", async () => {
    const emitter = workerEmitter(pathToFileURL(path.join(repo, "dist", "no-such-worker.js")));
    const good = await checked(path.join(repo, "examples", "train.rules"));
    await expect(emitter.emit(good, {})).rejects.toThrow(/no-such-worker\.js/);
    await expect(emitter.emit(good, {})).rejects.toThrow(/no-such-worker\.js/);
    await emitter.close();
  });

  it("stops when closed unused (a compile that found errors), and refuses work after", async () => {
    const emitter = workerEmitter(script);
    await emitter.close();
    await expect(emitter.emit(await checked(path.join(repo, "examples", "train.rules")), {})).rejects.toThrow(/^the emitter thread exited/);
  });
});
