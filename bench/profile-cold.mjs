// Where a cold `cbc compile` spends its time: CPU profiles of an unminified copy of the CLI, summed by owner.
//
//   node bench/profile-cold.mjs [file.rules] [--runs N]
//   node bench/profile-cold.mjs --try-fixes [--rounds N]
//
// The copy is bundled like scripts/build.mjs bundles dist/cli.js (same entry,
// splitting, externals) but not minified, so esbuild's `// path` comments tell
// which source module each line came from. A sample is charged to the nearest
// frame on its stack that is not Node's own code: loading TypeScript lands on
// ts-morph (which requires its copy), running the checker lands on src/check.
//
// --try-fixes builds minified copies of the CLI with candidate fixes applied at
// bundle time (the sources stay as they are) and times them, alternated with
// the TypeScript floor: the measured effect of each recommendation.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";
import { build } from "esbuild";
import { cacheDir, ensureDir, median, root, timeNode } from "./lib.mjs";
import { TYPICAL_FILE } from "./compile-cold.mjs";

const cliDir = path.join(cacheDir, "cli-prof");

/** A copy of the CLI bundle, built as scripts/build.mjs builds dist/cli.js, with optional bundle-time changes. */
async function buildCli(dir, { minify = false, plugins = [] } = {}) {
  rmSync(dir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    minify,
    plugins,
    entryPoints: { cli: "src/cli/main.ts" },
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
  const profDir = ensureDir(path.join(root, "bench", "out", "profiles"));
  const results = [];
  for (let run = 0; run < runs; run += 1) {
    rmSync(path.join(profDir, `cold-${run}.cpuprofile`), { force: true });
    const outDir = path.join(cacheDir, "prof-out", String(run));
    rmSync(outDir, { recursive: true, force: true });
    const child = spawnSync(
      process.execPath,
      ["--cpu-prof", "--cpu-prof-interval", "200", "--cpu-prof-dir", profDir, "--cpu-prof-name", `cold-${run}.cpuprofile`, path.join(cliDir, "cli.js"), "compile", file, "-o", outDir],
      { cwd: root, encoding: "utf8" },
    );
    if (child.status !== 0) throw new Error(`profiled compile failed: ${child.stderr}`);
    results.push(summarize(JSON.parse(readFileSync(path.join(profDir, `cold-${run}.cpuprofile`), "utf8")), maps));
  }
  const medianOf = (pick) => {
    const keys = new Set(results.flatMap((r) => [...pick(r).keys()]));
    return [...keys].map((key) => [key, median(results.map((r) => pick(r).get(key) ?? 0))]).sort((a, b) => b[1] - a[1]);
  };
  return { wall: median(results.map((r) => r.wall)), groups: medianOf((r) => r.groups), functions: medianOf((r) => r.functions).slice(0, 12), loader: medianOf((r) => r.loader).slice(0, 6), profDir };
}

export function printProfile(profile, write = (line) => process.stdout.write(`${line}\n`)) {
  write(`CPU profile of an unminified cbc compile (median of runs, ${profile.wall.toFixed(0)} ms profiled; profiles in ${path.relative(root, profile.profDir)}/):`);
  for (const [group, ms] of profile.groups) if (ms >= 1) write(`  ${ms.toFixed(0).padStart(5)} ms  ${group}`);
  write("  inside Node's module loading with no JS caller (self time):");
  for (const [fn, ms] of profile.loader) write(`  ${ms.toFixed(1).padStart(7)} ms  ${fn}`);
  write("  heaviest functions outside ts-morph (self time):");
  for (const [fn, ms] of profile.functions) write(`  ${ms.toFixed(1).padStart(7)} ms  ${fn}`);
}

// ------------------------------------------------------------ candidate fixes, measured

/** The emitter's `import ... from "ts-morph"` becomes a require(): Node then skips lexing ts-morph's CommonJS for ESM exports. */
const tsMorphThroughRequire = {
  name: "ts-morph-through-require",
  setup(b) {
    b.onResolve({ filter: /^ts-morph$/ }, (args) => (args.namespace === "cbc-shim" ? { path: "ts-morph", external: true } : { path: "ts-morph", namespace: "cbc-shim" }));
    b.onLoad({ filter: /.*/, namespace: "cbc-shim" }, () => ({ contents: 'module.exports = require("ts-morph");', loader: "js", resolveDir: root }));
  },
};

/** Chevrotain's grammar validations (for grammar authors) skipped at parser and lexer construction. */
function chevrotainSkipValidations(applied) {
  const edits = [
    { file: "grammar/parser.ts", from: "maxLookahead: 3,", to: "maxLookahead: 3, skipValidations: true," },
    { file: "grammar/tokens.ts", from: "ensureOptimizations: true,", to: "ensureOptimizations: false, skipValidations: true," },
  ];
  return {
    name: "chevrotain-skip-validations",
    setup(b) {
      b.onLoad({ filter: /grammar[\\/](parser|tokens)\.ts$/ }, (args) => {
        const edit = edits.find((e) => args.path.endsWith(e.file));
        const text = readFileSync(args.path, "utf8");
        if (edit && text.includes(edit.from)) applied.add(edit.file);
        return { contents: edit ? text.replace(edit.from, edit.to) : text, loader: "ts" };
      });
    },
  };
}

export async function tryFixes({ file = TYPICAL_FILE, rounds = 9 } = {}) {
  const applied = new Set();
  const variants = [
    { key: "asBuilt", label: "as built (minified, like dist/cli.js)", plugins: [] },
    { key: "require", label: "ts-morph loaded with require()", plugins: [tsMorphThroughRequire] },
    { key: "requireSkip", label: "... and chevrotain skipValidations", plugins: [tsMorphThroughRequire, chevrotainSkipValidations(applied)] },
  ];
  for (const v of variants) await buildCli(path.join(cacheDir, `cli-${v.key}`), { minify: true, plugins: v.plugins });
  const samples = new Map();
  const add = (key, ms) => samples.set(key, [...(samples.get(key) ?? []), ms]);
  for (let round = 0; round < rounds; round += 1) {
    const ms = timeNode(["-e", "require('typescript')"]).wall;
    if (round > 0) add("typescript", ms);
    for (const v of variants) {
      const out = path.join(cacheDir, "fix-out", `${v.key}-${round}`);
      const t = timeNode([path.join(cacheDir, `cli-${v.key}`, "cli.js"), "compile", file, "-o", out]).wall;
      if (round > 0) add(v.key, t);
    }
    const check = timeNode([path.join(cacheDir, "cli-requireSkip", "cli.js"), "check", file]).wall;
    if (round > 0) add("checkOnly", check);
  }
  rmSync(path.join(cacheDir, "fix-out"), { recursive: true, force: true });
  const typescript = median(samples.get("typescript"));
  const rows = [
    ...variants.map((v) => ({ label: v.label, ms: median(samples.get(v.key)) })),
    { label: "... and no TypeScript at all (its cbc check)", ms: median(samples.get("checkOnly")) },
  ].map((row) => ({ ...row, ratio: row.ms / typescript }));
  return { typescript, rows, skipValidationsApplied: [...applied], rounds: rounds - 1 };
}

export function printFixes(fixes, write = (line) => process.stdout.write(`${line}\n`)) {
  write(`Candidate fixes for a cold cbc compile (median of ${fixes.rounds}, alternated; TypeScript floor ${fixes.typescript.toFixed(0)} ms):`);
  for (const row of fixes.rows) write(`  ${row.label.padEnd(48)} ${row.ms.toFixed(0).padStart(5)} ms  ${row.ratio.toFixed(2)}x`);
  if (fixes.skipValidationsApplied.length < 2) write(`  (skipValidations applied only to: ${fixes.skipValidationsApplied.join(", ") || "nothing"}; the grammar sources changed)`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args.includes("--try-fixes")) {
    const roundsAt = args.indexOf("--rounds");
    printFixes(await tryFixes({ rounds: roundsAt >= 0 ? Number(args[roundsAt + 1]) : 9 }));
    process.exit(0);
  }
  const runsAt = args.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  const file = args.find((arg, i) => !arg.startsWith("--") && args[i - 1] !== "--runs") ?? TYPICAL_FILE;
  printProfile(await profileCold({ file, runs }));
}
