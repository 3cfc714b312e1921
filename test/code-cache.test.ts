// The emitter thread's V8 code cache (src/cli/code-cache.ts), in fresh processes:
// modules behave as without it, cached code is used when the source is
// unchanged, the file is rewritten only when something new was compiled, and a
// broken or unwritable cache costs speed, never correctness.
import { spawnSync } from "node:child_process";
import { existsSync, promises as fs, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo } from "./support/built-cli.js";

let dir = "";
let cacheModule = "";

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-code-cache-test-"));
  cacheModule = path.join(dir, "code-cache.mjs");
  await build({ entryPoints: [path.join(repo, "src", "cli", "code-cache.ts")], outfile: cacheModule, bundle: true, format: "esm", platform: "node", logLevel: "error" });
  await fs.mkdir(path.join(dir, "lib"));
  // A module that shows what Node's loader gives it: require, require.resolve, __dirname, __filename, line numbers.
  await fs.writeFile(
    path.join(dir, "lib", "a.cjs"),
    [
      "#!/usr/bin/env node",
      "const b = require('./b.cjs');",
      "module.exports = {",
      "  value: b.value * 2,",
      "  dirname: __dirname,",
      "  filename: __filename,",
      "  resolved: require.resolve('./b.cjs'),",
      "  lookup: require.resolve.paths('x')[0],",
      "  cached: Object.keys(require.cache).filter((k) => k.endsWith('b.cjs')).length,",
      "  thisIsExports: this === module.exports,",
      "  line: new Error('here').stack.split('\\n')[1].replace(/^.*a\\.cjs:/, '').replace(/\\)$/, ''),",
      "};",
      "",
    ].join("\n"),
  );
  await fs.writeFile(path.join(dir, "lib", "b.cjs"), "exports.value = 21;\n");
  // Loads lib/a.cjs with or without the cache and prints what it saw.
  await fs.writeFile(
    path.join(dir, "run.mjs"),
    [
      "import { createRequire } from 'node:module';",
      "const [cacheFile] = process.argv.slice(2);",
      "const { installCodeCache } = await import(process.env.CACHE_MODULE);",
      "const cache = cacheFile === 'none' ? undefined : installCodeCache(cacheFile);",
      "const a = createRequire(import.meta.url)('./lib/a.cjs');",
      "cache?.save();",
      "console.log(JSON.stringify({ a, stats: cache?.stats }));",
      "",
    ].join("\n"),
  );
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

interface Outcome {
  a: Record<string, unknown>;
  stats?: { hits: number; misses: number };
}

function load(cacheFile: string): Outcome {
  const child = spawnSync(process.execPath, [path.join(dir, "run.mjs"), cacheFile], { cwd: dir, encoding: "utf8", env: { ...process.env, CACHE_MODULE: cacheModule } });
  if (child.status !== 0) throw new Error(`run.mjs failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as Outcome;
}

/** The file's identity: a rewrite (temp file + rename) gives a new inode. */
function identity(file: string): string {
  const info = statSync(file);
  return `${info.ino}:${info.mtimeMs}`;
}

describe("the code cache", () => {
  it("changes nothing a module can see, and uses cached code from the second run on", async () => {
    const cacheFile = path.join(dir, "cache", "one.bin");
    const plain = load("none").a;
    expect(plain.value).toBe(42);
    expect(plain.line).toBe("11:9"); // the hashbang line still counts

    const first = load(cacheFile);
    expect(first.a).toEqual(plain);
    expect(first.stats).toEqual({ hits: 0, misses: 2 });
    expect(existsSync(cacheFile)).toBe(true);
    const written = identity(cacheFile);

    const second = load(cacheFile);
    expect(second.a).toEqual(plain);
    expect(second.stats).toEqual({ hits: 2, misses: 0 });
    // Nothing new compiled: not rewritten.
    expect(identity(cacheFile)).toBe(written);
  });

  it("recompiles a module whose source changed, keeps the other's cached code, and rewrites the file", async () => {
    const cacheFile = path.join(dir, "cache", "two.bin");
    load(cacheFile);
    const before = identity(cacheFile);
    const b = path.join(dir, "lib", "b.cjs");
    await fs.writeFile(b, "exports.value = 50;\n");
    await fs.utimes(b, new Date(), new Date(Date.now() + 5000));
    try {
      const changed = load(cacheFile);
      expect(changed.a.value).toBe(100);
      expect(changed.stats).toEqual({ hits: 1, misses: 1 });
      expect(identity(cacheFile)).not.toBe(before);
      expect(load(cacheFile).stats).toEqual({ hits: 2, misses: 0 });
    } finally {
      await fs.writeFile(b, "exports.value = 21;\n");
    }
  });

  it.each([
    ["empty", Buffer.alloc(0)],
    ["another format", Buffer.from("v8-compile-cache\n[]\n")],
    ["a truncated index", Buffer.from('cbc-code-cache-1\n[["/x.cjs","1:2",')],
    ["an entry longer than the file", Buffer.from('cbc-code-cache-1\n[["/x.cjs","1:2",999]]\nabc')],
    ["trailing bytes", Buffer.from("cbc-code-cache-1\n[]\nxyz")],
    ["garbage code for a module", Buffer.concat([Buffer.from(`cbc-code-cache-1\n${JSON.stringify([["LIB_A", "VERSION", 64]])}\n`), Buffer.alloc(64, 7)])],
  ])("treats a cache file with %s as no cache, and replaces it", async (_name, bytes) => {
    const cacheFile = path.join(dir, "cache", `broken-${_name.replace(/\W+/g, "-")}.bin`);
    await fs.mkdir(path.dirname(cacheFile), { recursive: true });
    // The garbage entry names lib/a.cjs with its current version, so V8 is handed the bytes and must reject them.
    const a = path.join(dir, "lib", "a.cjs");
    const info = statSync(a);
    const text = bytes.toString("latin1").replace("LIB_A", a.replace(/\\/g, "\\\\")).replace("VERSION", `${info.size}:${info.mtimeMs}`);
    await fs.writeFile(cacheFile, Buffer.from(text, "latin1"));
    const outcome = load(cacheFile);
    expect(outcome.a.value).toBe(42);
    expect(outcome.stats).toEqual({ hits: 0, misses: 2 });
    expect(load(cacheFile).stats).toEqual({ hits: 2, misses: 0 });
  });

  it("runs without a cache where none can be written", async () => {
    const blocker = path.join(dir, "a-file");
    await fs.writeFile(blocker, "not a directory");
    const cacheFile = path.join(blocker, "cache.bin");
    for (let run = 0; run < 2; run += 1) {
      const outcome = load(cacheFile);
      expect(outcome.a.value).toBe(42);
      expect(outcome.stats).toEqual({ hits: 0, misses: 2 });
    }
    expect(await fs.readdir(dir)).not.toContain(expect.stringMatching(/\.tmp$/));
  });
});
