// Shared helpers of the benchmarks: paths, medians, timed child processes, a fresh dist/, esbuild bundles.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const root = fileURLToPath(new URL("..", import.meta.url));
/** Results, CSV logs, checkpoints, profiles: ignored by git. Never .ts files (tsc type-checks bench/). */
export const outDir = path.join(root, "bench", "out");
/** Generated TypeScript and bundles: inside node_modules so bare imports resolve and tsc does not see them. */
export const cacheDir = path.join(root, "node_modules", ".cache", "cbc-bench");

export function ensureDir(dir) {
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const CPU_PRELOAD = path.join(root, "bench", "cpu-at-exit.cjs");

/**
 * Runs `node <args>`; returns its wall time and the CPU time it reported as it
 * exited (all its threads), both in ms. Throws with its stderr if it fails.
 */
export function timeNode(args, options = {}) {
  const started = performance.now();
  // A large maxBuffer: `cbc simulate --json` on 10,000 epochs prints a few MB.
  const run = spawnSync(process.execPath, ["--require", CPU_PRELOAD, ...args], { cwd: options.cwd ?? root, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...options.env, FORCE_COLOR: "0" } });
  const wall = performance.now() - started;
  if (run.status !== 0) throw new Error(`node ${args.join(" ")} exited ${run.status}:\n${run.stderr}`);
  const cpu = /cbc-bench-cpu-ms ([\d.]+)\s*$/.exec(run.stderr);
  if (!cpu) throw new Error(`node ${args.join(" ")} reported no CPU time:\n${run.stderr}`);
  return { wall, cpu: Number(cpu[1]) };
}

/** Runs `node <args>` and resolves with the JSON object printed on its last stdout line. */
export function runJson(args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env, FORCE_COLOR: "0" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`node ${args.join(" ")} exited ${code}:\n${stderr}`));
      const last = stdout.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`node ${args.join(" ")} printed no JSON result:\n${stdout}\n${stderr}`));
      }
    });
  });
}

function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const info = statSync(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

/** What `npm run build` reads, and what it writes. */
const BUILD_INPUTS = ["src", "grammar", "generated/std", "scripts/build.mjs", "package.json", "tsconfig.build.json", "tsconfig.runtime.json", "packages/cbc-runtime/package.json"];
const BUILD_OUTPUTS = ["dist/cli.js", "dist/index.js", "dist/runtime/index.js", "packages/cbc-runtime/dist/browser.js", "packages/cbc-runtime/dist/node.js"];

/** Why dist/ must be rebuilt, or undefined when it is newer than every input. */
export function distStaleness() {
  const missing = BUILD_OUTPUTS.filter((file) => !existsSync(path.join(root, file)));
  if (missing.length > 0) return `${missing.join(", ")} missing`;
  const built = Math.min(...BUILD_OUTPUTS.map((file) => statSync(path.join(root, file)).mtimeMs));
  const changed = BUILD_INPUTS.filter((input) => newestMtime(path.join(root, input)) > built);
  return changed.length > 0 ? `${changed.join(", ")} changed since the last build` : undefined;
}

/**
 * `npm run build` when dist/ is missing or older than its inputs. When the full
 * build fails (e.g. declarations of someone's unfinished work), the CLI bundle
 * alone is enough for the cold-compile figure; the failure is reported.
 */
export function ensureBuilt(log) {
  const reason = distStaleness();
  if (reason === undefined) {
    log("dist/ is up to date");
    return { rebuilt: false };
  }
  log(`dist/ is stale (${reason}): npm run build`);
  const full = spawnSync("npm", ["run", "-s", "build"], { cwd: root, encoding: "utf8" });
  if (full.status === 0) return { rebuilt: true };
  log(`npm run build failed; building the CLI alone:\n${(full.stderr || full.stdout).trim()}`);
  const cli = spawnSync("npm", ["run", "-s", "build:cli"], { cwd: root, encoding: "utf8" });
  if (cli.status !== 0) throw new Error(`npm run build:cli failed:\n${cli.stderr || cli.stdout}`);
  return { rebuilt: true, warning: "full build failed; dist/cli.js rebuilt alone" };
}

/**
 * A private copy of the built CLI (bin/cbc.js, dist/cli.js, dist/emit-worker.js, dist/chunks/cli/),
 * laid out as in the repository: other engineers rebuild dist/ while the bench
 * runs, and a chunk deleted mid-run would fail the timing. Returns the copy's
 * bin/cbc.js after checking that it runs.
 */
export function snapshotCli() {
  const snapshot = path.join(cacheDir, "built");
  for (let attempt = 0; ; attempt += 1) {
    rmSync(snapshot, { recursive: true, force: true });
    for (const part of ["bin/cbc.js", "dist/cli.js", "dist/emit-worker.js", "dist/chunks/cli"]) {
      cpSync(path.join(root, part), path.join(snapshot, part), { recursive: true });
    }
    const bin = path.join(snapshot, "bin", "cbc.js");
    const probe = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
    if (probe.status === 0) return bin;
    if (attempt === 2) throw new Error(`the copy of the built CLI does not run:\n${probe.stderr}`);
    spawnSync("npm", ["run", "-s", "build:cli"], { cwd: root, encoding: "utf8" });
  }
}

/** Bundles a TypeScript entry to an ES module, with `cbc-runtime` and `cbc` resolved to the sources. */
export async function bundle(entry, outfile, options = {}) {
  ensureDir(path.dirname(outfile));
  await build({
    entryPoints: [path.resolve(root, entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error",
    // Dependencies stay in node_modules: one copy of tfjs shared by every bundle of a process.
    packages: "external",
    alias: { "cbc-runtime": path.join(root, "src/runtime/index.ts"), cbc: path.join(root, "src/index.ts") },
    banner: { js: 'import { createRequire as __cbcCreateRequire } from "node:module"; const require = __cbcCreateRequire(import.meta.url);' },
    absWorkingDir: root,
    minify: options.minify ?? false,
  });
  return outfile;
}

export function formatMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}
