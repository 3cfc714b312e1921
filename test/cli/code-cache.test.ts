// The emitter thread's V8 code cache (src/cli/code-cache.ts), in fresh processes:
// modules behave as without it (those it takes and those it leaves to Node),
// cached code is used only when the source is unchanged, the file is rewritten
// only when something new was compiled, and a broken, unwritable or untrusted
// cache costs speed, never correctness.
import { spawnSync } from "node:child_process";
import { existsSync, promises as fs, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo } from "../support/built-cli.js";

let dir = "";
let cacheModule = "";

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-code-cache-test-"));
  cacheModule = path.join(dir, "code-cache.mjs");
  await build({ entryPoints: [path.join(repo, "src", "cli", "code-cache.ts")], outfile: cacheModule, bundle: true, format: "esm", platform: "node", logLevel: "error" });
  await fs.mkdir(path.join(dir, "lib"));
  await fs.mkdir(path.join(dir, "esm-pkg"));
  // A module that shows what Node's loader gives it: require, require.resolve, __dirname, __filename, line numbers.
  await fs.writeFile(
    path.join(dir, "lib", "a.cjs"),
    [
      "'use strict';",
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
      "  strict: (function () { return this === undefined; })(),",
      "  bin: require('./bin.cjs'),",
      "  esm: require('../esm-pkg/e.js').kind,",
      "  later: typeof require('./dynamic.cjs').load,",
      "};",
      "",
    ].join("\n"),
  );
  await fs.writeFile(path.join(dir, "lib", "b.cjs"), "exports.value = 21;\n");
  // Chosen for the cache but not plain CommonJS: Node's loader takes it.
  await fs.writeFile(path.join(dir, "lib", "bin.cjs"), "#!/usr/bin/env node\nmodule.exports = 'hashbang';\n");
  // Not chosen: an ES module loaded with require(), and a module that imports later.
  await fs.writeFile(path.join(dir, "esm-pkg", "package.json"), '{ "type": "module" }\n');
  await fs.writeFile(path.join(dir, "esm-pkg", "e.js"), "export const kind = 'esm';\n");
  await fs.writeFile(path.join(dir, "lib", "dynamic.cjs"), "exports.load = () => import('node:os');\n");
  // Loads lib/a.cjs with or without the cache (only lib/*.cjs chosen) and prints what it saw.
  await fs.writeFile(
    path.join(dir, "run.mjs"),
    [
      "import { createRequire } from 'node:module';",
      "const [cacheFile] = process.argv.slice(2);",
      "const { installCodeCache } = await import(process.env.CACHE_MODULE);",
      "const include = (file) => /lib.(a|b|bin)\\.cjs$/.test(file);",
      "const cache = cacheFile === 'none' ? undefined : installCodeCache(cacheFile, { include });",
      "const a = createRequire(import.meta.url)('./lib/a.cjs');",
      "const os = await createRequire(import.meta.url)('./lib/dynamic.cjs').load();",
      "cache?.save();",
      "console.log(JSON.stringify({ a, imported: typeof os.cpus, stats: cache?.stats }));",
      "",
    ].join("\n"),
  );
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

interface Outcome {
  a: Record<string, unknown>;
  /** `typeof` what a module's `import()` gave. */
  imported: string;
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
    const plain = load("none");
    expect(plain.a).toMatchObject({ value: 42, line: "11:9", strict: true, thisIsExports: true, cached: 1, bin: "hashbang", esm: "esm", later: "function" });
    expect(plain.imported).toBe("function");

    const first = load(cacheFile);
    expect(first.a).toEqual(plain.a);
    expect(first.imported).toBe("function");
    // a.cjs and b.cjs; bin.cjs (a hashbang: not plain CommonJS) went to Node's loader.
    expect(first.stats).toEqual({ hits: 0, misses: 2 });
    expect(existsSync(cacheFile)).toBe(true);
    const written = identity(cacheFile);

    const second = load(cacheFile);
    expect(second.a).toEqual(plain.a);
    expect(second.stats).toEqual({ hits: 2, misses: 0 });
    // Nothing new compiled: not rewritten.
    expect(identity(cacheFile)).toBe(written);
  });

  it("recompiles a module whose source changed, even with the same size and mtime, and rewrites the file", async () => {
    const cacheFile = path.join(dir, "cache", "two.bin");
    const b = path.join(dir, "lib", "b.cjs");
    const { mtime } = statSync(b);
    load(cacheFile);
    const before = identity(cacheFile);
    // Same length, same mtime: only the contents tell.
    await fs.writeFile(b, "exports.value = 50;\n");
    await fs.utimes(b, mtime, mtime);
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
  ])("treats a cache file with %s as no cache, and replaces it", async (name, bytes) => {
    const cacheFile = path.join(dir, "cache", `broken-${name.replace(/\W+/g, "-")}.bin`);
    await fs.mkdir(path.dirname(cacheFile), { recursive: true });
    await fs.writeFile(cacheFile, bytes);
    const outcome = load(cacheFile);
    expect(outcome.a.value).toBe(42);
    expect(outcome.stats).toEqual({ hits: 0, misses: 2 });
    expect(load(cacheFile).stats).toEqual({ hits: 2, misses: 0 });
  });

  it("hands V8 garbage for a module whose version matches, and V8 refuses it", async () => {
    const cacheFile = path.join(dir, "cache", "garbage.bin");
    // A real cache, then every entry's code overwritten with garbage of the same length.
    load(cacheFile);
    const bytes = await fs.readFile(cacheFile);
    const indexEnd = bytes.indexOf(10, bytes.indexOf(10) + 1) + 1;
    bytes.fill(7, indexEnd);
    await fs.writeFile(cacheFile, bytes);
    const outcome = load(cacheFile);
    expect(outcome.a.value).toBe(42);
    expect(outcome.stats).toEqual({ hits: 0, misses: 2 });
    expect(load(cacheFile).stats).toEqual({ hits: 2, misses: 0 });
  });

  it.skipIf(typeof process.getuid !== "function")("neither reads nor writes a cache in a directory others can write", async () => {
    const shared = path.join(dir, "shared");
    await fs.mkdir(shared);
    await fs.chmod(shared, 0o777);
    const cacheFile = path.join(shared, "cache.bin");
    // A good cache placed there (as anyone could) is not used.
    const good = path.join(dir, "cache", "to-plant.bin");
    load(good);
    await fs.copyFile(good, cacheFile);
    for (let run = 0; run < 2; run += 1) {
      const outcome = load(cacheFile);
      expect(outcome.a.value).toBe(42);
      expect(outcome.stats).toEqual({ hits: 0, misses: 2 });
    }
    expect(await fs.readdir(shared)).toEqual(["cache.bin"]);
  });

  it("makes its directory private, and leaves no temp file when the cache cannot be put in place", async () => {
    const cacheDir = path.join(dir, "fresh", "cache");
    load(path.join(cacheDir, "ok.bin"));
    if (typeof process.getuid === "function") expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    // The cache's path is taken by a directory: the temp file is written, the rename fails.
    const blocked = path.join(cacheDir, "blocked.bin");
    await fs.mkdir(blocked);
    for (let run = 0; run < 2; run += 1) expect(load(blocked).stats).toEqual({ hits: 0, misses: 2 });
    expect((await fs.readdir(cacheDir)).sort()).toEqual(["blocked.bin", "ok.bin"]);
  });

  it("runs without a cache where its directory cannot be made", async () => {
    const blocker = path.join(dir, "a-file");
    await fs.writeFile(blocker, "not a directory");
    for (let run = 0; run < 2; run += 1) expect(load(path.join(blocker, "cache.bin")).stats).toEqual({ hits: 0, misses: 2 });
  });

  it("clears temp files a killed save left behind, and only those", async () => {
    const cacheFile = path.join(dir, "cache", "temps.bin");
    const abandoned = `${cacheFile}.0123456789ab.tmp`;
    const inProgress = `${cacheFile}.ba9876543210.tmp`;
    await fs.writeFile(abandoned, "half a cache");
    await fs.writeFile(inProgress, "a save happening now");
    const hourAgo = new Date(Date.now() - 3600_000);
    await fs.utimes(abandoned, hourAgo, hourAgo);
    load(cacheFile);
    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(inProgress)).toBe(true);
  });
});
