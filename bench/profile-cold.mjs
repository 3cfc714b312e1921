// Where a cold `cbc compile` spends its time: CPU profiles of an unminified copy of the CLI, summed by owner,
// for each of its two threads (the main thread parses and checks; the emitter thread loads ts-morph and emits).
//
//   node bench/profile-cold.mjs [file.rules] [--runs N]
//
// The copy is bundled like scripts/build.mjs bundles dist/cli.js (same entry,
// splitting, externals) but not minified, so esbuild's `// path` comments tell
// which source module each line came from. A sample is charged to the nearest
// frame on its stack that is not Node's own code: loading TypeScript lands on
// ts-morph (which requires its copy), running the checker lands on src/check.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { cacheDir, ensureDir, median, root } from "./lib.mjs";
import { TYPICAL_FILE } from "./compile-cold.mjs";

const cliDir = path.join(cacheDir, "cli-prof");

/** A copy of the CLI bundle, built as scripts/build.mjs builds dist/cli.js, unminified. */
async function buildCli(dir) {
  rmSync(dir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: { cli: "src/cli/main.ts", "emit-worker": "src/cli/emit-worker.ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    splitting: true,
    outdir: dir,
    chunkNames: "[name]-[hash]",
    banner: { js: 'import { createRequire as __cbcCreateRequire } from "node:module";\nconst require = __cbcCreateRequire(import.meta.url);' },
    external: ["@tensorflow/tfjs", "@tensorflow/tfjs-node", "ts-morph", "typescript"],
    logLevel: "error",
  });
}

/** For each bundle file: the source module of every line, from esbuild's `// path` comments. */
function moduleMaps() {
  const maps = new Map();
  for (const name of readdirSync(cliDir)) {
    if (!name.endsWith(".js")) continue;
    const lines = readFileSync(path.join(cliDir, name), "utf8").split("\n");
    const owners = [];
    let current = "src/cli (bundle glue)";
    for (const line of lines) {
      const marker = /^\/\/ ((?:src|grammar|node_modules|package\.json)\S*)$/.exec(line);
      if (marker) current = marker[1];
      owners.push(current);
    }
    maps.set(pathToFileURL(path.join(cliDir, name)).href, owners);
  }
  return maps;
}

/** The group a source module or package file belongs to. */
function groupOf(source) {
  if (/@ts-morph\/common\/dist\/typescript\.js/.test(source)) return "TypeScript (ts-morph's own copy)";
  if (/node_modules\/(ts-morph|@ts-morph)\//.test(source)) return "ts-morph (loading it requires its TypeScript)";
  if (/node_modules\/typescript\//.test(source)) return "typescript";
  if (/node_modules\/(chevrotain|@chevrotain|lodash-es)\//.test(source)) return "chevrotain";
  if (/node_modules\/zod\//.test(source)) return "zod";
  if (/node_modules\/commander\//.test(source)) return "commander";
  if (/node_modules\//.test(source)) return "other packages";
  if (/^(src\/syntax|grammar)\//.test(source)) return "cbc: grammar and parser";
  if (/^src\/check\//.test(source)) return "cbc: checker";
  if (/^src\/emit\//.test(source)) return "cbc: emitter";
  return "cbc: CLI, diagnostics, runtime helpers";
}

function summarize(profile, maps) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const ownerCache = new Map();
  const sourceOf = (node) => {
    const { url, lineNumber } = node.callFrame;
    if (url === "" || url.startsWith("node:")) return undefined;
    const owners = maps.get(url);
    if (owners) return owners[lineNumber] ?? owners[owners.length - 1];
    return url.replace(/^file:\/\/.*?node_modules\//, "node_modules/");
  };
  const LOADER = "Node: module loading with no JS caller (ESM linking, cjs-module-lexer)";
  /** Sources and function names on a node's stack, innermost first, Node's own frames left out. */
  const stackOf = (id) => {
    const frames = [];
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      const source = sourceOf(node);
      // The code cache's compile hook only passes through: a module's load belongs to its requirer.
      if (source === "src/cli/code-cache.ts" && node.callFrame.functionName !== "save") continue;
      if (source !== undefined) frames.push({ source, fn: node.callFrame.functionName });
    }
    return frames;
  };
  const ownerOf = (id) => {
    if (ownerCache.has(id)) return ownerCache.get(id);
    const node = byId.get(id);
    const frames = stackOf(id);
    const has = (test) => frames.some(test);
    let owner;
    if (node.callFrame.url === "" && /garbage collector/.test(node.callFrame.functionName)) owner = "garbage collection";
    else if (frames.length === 0) owner = /\((program|idle)\)/.test(node.callFrame.functionName) ? "Node: bootstrap, idle, native" : LOADER;
    else {
      owner = groupOf(frames[0].source);
      if (owner.startsWith("ts-morph") || owner.startsWith("TypeScript")) {
        owner = has((f) => f.source.startsWith("src/emit/")) ? "ts-morph + TypeScript: printing the module (emitModule)" : "ts-morph + TypeScript: loading (its TypeScript copy included)";
      } else if (owner === "chevrotain") {
        if (has((f) => f.fn === "performSelfAnalysis")) owner = "chevrotain: grammar analysis (new RulesParser: performSelfAnalysis)";
        else if (has((f) => f.fn === "tokenize" || f.source.startsWith("src/syntax/"))) owner = "chevrotain: lexing and parsing the file";
        else owner = "chevrotain: loading (module top level, lexer set-up)";
      }
    }
    ownerCache.set(id, owner);
    return owner;
  };
  const groups = new Map();
  const functions = new Map();
  const loader = new Map();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i];
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const owner = ownerOf(id);
    groups.set(owner, (groups.get(owner) ?? 0) + ms);
    const node = byId.get(id);
    const source = sourceOf(node);
    if (source !== undefined && !source.startsWith("node_modules/@ts-morph") && !source.startsWith("node_modules/ts-morph")) {
      const key = `${node.callFrame.functionName || "(top level)"}  ${source}`;
      functions.set(key, (functions.get(key) ?? 0) + ms);
    }
    if (owner === LOADER) {
      const key = `${node.callFrame.functionName || "(anonymous)"}  ${node.callFrame.url || "(native)"}`;
      loader.set(key, (loader.get(key) ?? 0) + ms);
    }
  }
  return { groups, functions, loader, wall: (profile.endTime - profile.startTime) / 1000 };
}

export async function profileCold({ file = TYPICAL_FILE, runs = 5 } = {}) {
  await buildCli(cliDir);
  const maps = moduleMaps();
  const profRoot = ensureDir(path.join(root, "bench", "out", "profiles"));
  const results = [];
  for (let run = 0; run < runs; run += 1) {
    const profDir = path.join(profRoot, `cold-${run}`);
    rmSync(profDir, { recursive: true, force: true });
    const outDir = path.join(cacheDir, "prof-out", String(run));
    rmSync(outDir, { recursive: true, force: true });
    // Node writes one profile per thread: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile.
    const child = spawnSync(process.execPath, ["--cpu-prof", "--cpu-prof-interval", "200", "--cpu-prof-dir", profDir, path.join(cliDir, "cli.js"), "compile", file, "-o", outDir], {
      cwd: root,
      encoding: "utf8",
    });
    if (child.status !== 0) throw new Error(`profiled compile failed: ${child.stderr}`);
    const perThread = new Map();
    for (const name of readdirSync(profDir)) {
      const thread = Number(name.split(".")[4]) === 0 ? "main" : "emitter";
      perThread.set(thread, summarize(JSON.parse(readFileSync(path.join(profDir, name), "utf8")), maps));
    }
    // One table per kind, each key prefixed with its thread.
    const merged = (kind) => new Map([...perThread].flatMap(([thread, summary]) => [...summary[kind]].map(([key, ms]) => [`${thread}: ${key}`, ms])));
    results.push({ wall: perThread.get("main")?.wall ?? 0, groups: merged("groups"), functions: merged("functions"), loader: merged("loader") });
  }
  const medianOf = (pick) => {
    const keys = new Set(results.flatMap((r) => [...pick(r).keys()]));
    return [...keys].map((key) => [key, median(results.map((r) => pick(r).get(key) ?? 0))]).sort((a, b) => b[1] - a[1]);
  };
  return { wall: median(results.map((r) => r.wall)), groups: medianOf((r) => r.groups), functions: medianOf((r) => r.functions).slice(0, 12), loader: medianOf((r) => r.loader).slice(0, 6), profDir: profRoot };
}

export function printProfile(profile, write = (line) => process.stdout.write(`${line}\n`)) {
  write(`CPU profiles of an unminified cbc compile, per thread (median of runs, main thread ${profile.wall.toFixed(0)} ms profiled; profiles in ${path.relative(root, profile.profDir)}/):`);
  for (const [group, ms] of profile.groups) if (ms >= 1) write(`  ${ms.toFixed(0).padStart(5)} ms  ${group}`);
  write("  inside Node's module loading with no JS caller (self time):");
  for (const [fn, ms] of profile.loader) write(`  ${ms.toFixed(1).padStart(7)} ms  ${fn}`);
  write("  heaviest functions outside ts-morph (self time):");
  for (const [fn, ms] of profile.functions) write(`  ${ms.toFixed(1).padStart(7)} ms  ${fn}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  const file = args.find((arg, i) => !arg.startsWith("--") && args[i - 1] !== "--runs") ?? TYPICAL_FILE;
  printProfile(await profileCold({ file, runs }));
}
