// Builds the two packages:
// - packages/cbc-runtime/dist/: the runtime generated code imports, with the standard
//   classes (generated/std), as two entries: browser.js (no Node host; nothing of Node,
//   protobufjs, crc32c or cli-progress is reachable from it) and node.js (installs the
//   Node host). Runtime chunks carry no `createRequire` banner: they bundle no CommonJS.
// - dist/: the compiler: the bundled CLI (dist/cli.js), the library entry (dist/index.js,
//   which re-exports the standard classes from cbc-runtime), dist/runtime/index.js
//   (`cbc/runtime`, kept for code generated before cbc-runtime existed) and the .d.ts files.
//
//   node scripts/build.mjs          everything (fails if a library entry point is missing)
//   node scripts/build.mjs --cli    only the CLI bundle (what the CLI tests need)
//
// The CLI bundles chevrotain (and its lodash-es files), commander, picocolors and
// tinyglobby into a few files; ts-morph and typescript stay external and load only
// in `cbc compile`'s emitter thread (dist/emit-worker.js), never for `cbc check`.
// The library keeps tfjs and the other runtime dependencies external so the app
// and the generated code share one copy of @tensorflow/tfjs.
import { spawnSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = path.join(root, "dist");
const runtimePackage = path.join(root, "packages", "cbc-runtime");
const runtimeDist = path.join(runtimePackage, "dist");
const require = createRequire(import.meta.url);

/** Dependencies the user's app must share with generated code: never bundled. */
const RUNTIME_EXTERNALS = ["@tensorflow/tfjs", "@tensorflow/tfjs-node", "zod", "protobufjs", "@aws-crypto/crc32c", "cli-progress"];
/** What the browser entry of cbc-runtime must never import, directly or through a chunk. */
const NOT_IN_BROWSER = ["protobufjs", "@aws-crypto/crc32c", "cli-progress", "picocolors", "@tensorflow/tfjs-node"];
const TFJS = ["@tensorflow/tfjs", "@tensorflow/tfjs-node"];
/** Heavy and only needed to emit, or to draw (`cbc simulate --plot`, `cbc plot`): loaded from node_modules on demand. */
const COMPILER_EXTERNALS = ["ts-morph", "typescript", "vega", "vega-lite", "@resvg/resvg-js"];

// commander is CommonJS and calls require("node:events") etc.; an ESM bundle has no `require` of its own.
const REQUIRE_BANNER =
  'import { createRequire as __cbcCreateRequire } from "node:module";\nconst require = __cbcCreateRequire(import.meta.url);';

const shared = {
  absWorkingDir: root,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  splitting: true,
  outdir: dist,
  banner: { js: REQUIRE_BANNER },
  legalComments: "none",
  logLevel: "warning",
  metafile: true,
};

/**
 * In the CLI, `@tensorflow/tfjs` resolves to scripts/tfjs-require.cjs, which
 * requires the real one (external): the same module, without Node's scan of
 * its CommonJS for export names that an ES import makes.
 */
const tfjsThroughRequire = {
  name: "tfjs-through-require",
  setup(builder) {
    const shim = path.join(root, "scripts", "tfjs-require.cjs");
    builder.onResolve({ filter: /^@tensorflow\/tfjs$/ }, (args) => (args.importer === shim ? { path: args.path, external: true } : { path: shim }));
  },
};

async function buildCli() {
  await fs.rm(path.join(dist, "chunks", "cli"), { recursive: true, force: true });
  const result = await build({
    ...shared,
    // `cbc compile` emits in a worker thread (src/cli/emitter.ts), whose code is its own entry beside cli.js.
    entryPoints: { cli: "src/cli/main.ts", "emit-worker": "src/cli/emit-worker.ts" },
    // Less for V8 to parse at every start: measured ~20 ms of a ~200 ms `cbc check`.
    minify: true,
    chunkNames: "chunks/cli/[name]-[hash]",
    // zod (used by the checker) is bundled: the CLI shares no objects with user code.
    external: [...TFJS, ...COMPILER_EXTERNALS],
    plugins: [tfjsThroughRequire],
  });
  assertNotBundled(result.metafile, COMPILER_EXTERNALS);
  assertNotImported(result.metafile, TFJS, ["dist/cli.js", "dist/emit-worker.js"]);
  return result.metafile;
}

/**
 * cbc-runtime: one build of both entries with splitting, so the engine and the
 * standard classes are one module each whichever entry an app loads. Inside it
 * generated/std's `cbc-runtime` import is the platform-neutral core.
 */
async function buildRuntime() {
  await fs.rm(runtimeDist, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { browser: "src/runtime/package-browser.ts", node: "src/runtime/package-node.ts" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    splitting: true,
    outdir: runtimeDist,
    chunkNames: "chunks/[name]-[hash]",
    external: [...RUNTIME_EXTERNALS, "node:*"],
    alias: { "cbc-runtime": "./src/runtime/core.ts" },
    legalComments: "none",
    logLevel: "warning",
    metafile: true,
  });
  assertNotBundled(result.metafile, RUNTIME_EXTERNALS);
  assertBrowserClean(result.metafile, path.relative(root, path.join(runtimeDist, "browser.js")));
  await buildRuntimeDeclarations();
  return result.metafile;
}

/**
 * Calls `check(output, imported)` for every import of the outputs `entries` reach: through every
 * import, or with `staticOnly` through import statements only (a dynamic import is a later choice).
 */
function forEachReachedImport(metafile, entries, { staticOnly }, check) {
  const seen = new Set();
  const pending = [...entries];
  while (pending.length > 0) {
    const output = pending.pop();
    if (seen.has(output)) continue;
    seen.add(output);
    const info = metafile.outputs[output];
    if (info === undefined) throw new Error(`no output ${output} in the build`);
    for (const imported of info.imports) {
      check(output, imported);
      if (!imported.external && (!staticOnly || imported.kind === "import-statement")) pending.push(imported.path);
    }
  }
}

const importsPackage = (imported, names) => names.some((name) => imported.path === name || imported.path.startsWith(`${name}/`));

/** The browser entry and every chunk it imports: no Node module, no Node-only library, no require banner. */
function assertBrowserClean(metafile, entry) {
  forEachReachedImport(metafile, [entry], { staticOnly: false }, (output, imported) => {
    if (imported.path.startsWith("node:") || importsPackage(imported, NOT_IN_BROWSER)) {
      throw new Error(`${output} imports ${imported.path}: the browser entry of cbc-runtime must not reach it`);
    }
  });
}

/** The runtime's .d.ts: tsc writes them into dist/types/; dist/browser.d.ts and dist/node.d.ts re-export the entries. */
async function buildRuntimeDeclarations() {
  const typesDir = path.join(runtimeDist, "types");
  runTsc(path.join(root, "tsconfig.runtime.json"), typesDir);
  for (const [stub, source] of [
    ["browser", "package-browser"],
    ["node", "package-node"],
  ]) {
    await fs.writeFile(path.join(runtimeDist, `${stub}.d.ts`), `export * from "./types/src/runtime/${source}.js";\n`);
  }
  // The declarations must hold for an app without @types/node (a browser app): no NodeJS namespace in them.
  for (const file of await listFiles(typesDir)) {
    const text = await fs.readFile(file, "utf8");
    if (/\bNodeJS\./.test(text)) throw new Error(`${path.relative(root, file)} names the NodeJS namespace: an app without @types/node could not compile against it`);
  }
}

async function listFiles(dir) {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
}

/**
 * In the compiler's library, the runtime's own modules are the cbc-runtime package: one copy of each
 * class in an app. Its `./node` entry, by name: cbc runs on Node only, and a TypeScript app with
 * `moduleResolution: "bundler"` (no `node` condition) must still see the Node entry's types.
 */
const RUNTIME_PACKAGE_FOR_NODE = "cbc-runtime/node";
const RUNTIME_AS_PACKAGE = ["src/runtime/index.ts", "src/runtime/std-node.ts", "src/runtime/package-node.ts"].map((file) => path.join(root, file));
const runtimeAsPackage = {
  name: "runtime-as-package",
  setup(builder) {
    builder.onResolve({ filter: /runtime\/(index|std-node|package-node)\.js$/ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path.replace(/\.js$/, ".ts"));
      return RUNTIME_AS_PACKAGE.includes(resolved) ? { path: RUNTIME_PACKAGE_FOR_NODE, external: true } : undefined;
    });
  },
};

async function buildLibrary() {
  const entries = { index: "src/index.ts" };
  for (const source of Object.values(entries)) {
    if (!existsSync(path.join(root, source))) throw new Error(`library entry point ${source} does not exist`);
  }
  await fs.rm(path.join(dist, "chunks", "lib"), { recursive: true, force: true });
  await fs.rm(path.join(dist, "runtime"), { recursive: true, force: true });
  const result = await build({
    ...shared,
    entryPoints: entries,
    chunkNames: "chunks/lib/[name]-[hash]",
    external: [...RUNTIME_EXTERNALS, ...COMPILER_EXTERNALS, "cbc-runtime"],
    plugins: [runtimeAsPackage],
  });
  assertNotBundled(result.metafile, [...RUNTIME_EXTERNALS, ...COMPILER_EXTERNALS]);
  for (const input of Object.keys(result.metafile.inputs)) {
    if (/^(src\/runtime\/(engine|std)\.ts|generated\/std\/)/.test(input)) throw new Error(`${input} was bundled into cbc: it belongs to cbc-runtime`);
  }
  // `cbc/runtime`, what cbc < 0.2 generated code imports: the runtime package itself.
  await fs.mkdir(path.join(dist, "runtime"), { recursive: true });
  await fs.writeFile(path.join(dist, "runtime", "index.js"), 'export * from "cbc-runtime";\n');
  await fs.writeFile(path.join(dist, "runtime", "index.d.ts"), 'export * from "cbc-runtime";\n');
  await buildDeclarations(Object.keys(entries));
  return result.metafile;
}

/** An external that slipped into a bundle (e.g. through a deep import path) would be a second copy. */
function assertNotBundled(metafile, packages) {
  for (const input of Object.keys(metafile.inputs)) {
    for (const name of packages) {
      if (input.includes(`node_modules/${name}/`)) throw new Error(`${input} was bundled; ${name} must stay external`);
    }
  }
}

/**
 * Checking and compiling must not load TensorFlow: no module the entries load
 * statically may import it. `simulate` and `plot` run the engine, and reach it
 * (and tfjs, the user's copy) through a dynamic import only they make.
 */
function assertNotImported(metafile, packages, entries) {
  forEachReachedImport(metafile, entries, { staticOnly: true }, (output, imported) => {
    if (importsPackage(imported, packages)) {
      throw new Error(`${output} imports ${imported.path} statically; checking and compiling must not load TensorFlow`);
    }
  });
}

/**
 * tsc writes declarations for the entry points and everything they import into
 * dist/types/ (keeping the repository layout, since src/ imports grammar/); each
 * dist/<entry>.d.ts re-exports its part of that tree.
 */
function runTsc(project, outDir) {
  const tsc = path.join(path.dirname(require.resolve("typescript/package.json")), "bin", "tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", project, "--outDir", outDir], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error("tsc could not write the declarations (errors above)");
  }
}

async function buildDeclarations(entries) {
  const typesDir = path.join(dist, "types");
  await fs.rm(typesDir, { recursive: true, force: true });
  runTsc(path.join(root, "tsconfig.build.json"), typesDir);
  // As in the JavaScript: the runtime's types are cbc-runtime's, so a class from `cbc` is the one from `cbc-runtime`.
  for (const file of await listFiles(path.join(typesDir, "src"))) {
    if (file.startsWith(path.join(typesDir, "src", "runtime") + path.sep)) continue;
    const text = await fs.readFile(file, "utf8");
    const rewritten = text.replace(/(from |import\()"(?:\.\.?\/)+runtime\/(?:index|std-node|package-node)\.js"/g, `$1"${RUNTIME_PACKAGE_FOR_NODE}"`);
    if (rewritten !== text) await fs.writeFile(file, rewritten);
  }
  for (const entry of entries) {
    const emitted = path.join(typesDir, "src", `${entry}.d.ts`);
    const text = await fs.readFile(emitted, "utf8");
    const stub = path.join(dist, `${entry}.d.ts`);
    const relative = path.relative(path.dirname(stub), emitted).split(path.sep).join("/").replace(/\.d\.ts$/, ".js");
    const target = relative.startsWith("../") ? relative : `./${relative}`;
    const lines = [`export * from ${JSON.stringify(target)};`];
    if (/^export default |^export \{[^}]*\bdefault\b/m.test(text)) lines.push(`export { default } from ${JSON.stringify(target)};`);
    await fs.writeFile(stub, `${lines.join("\n")}\n`);
  }
}

function sizeReport(metafile) {
  return Object.entries(metafile.outputs)
    .filter(([file]) => file.endsWith(".js"))
    .map(([file, info]) => `  ${file.padEnd(44)} ${(info.bytes / 1024).toFixed(0).padStart(6)} KiB`)
    .join("\n");
}

async function main() {
  const cliOnly = process.argv.includes("--cli");
  const started = performance.now();
  const reports = [sizeReport(await buildCli())];
  if (!cliOnly) {
    reports.push(sizeReport(await buildRuntime()));
    reports.push(sizeReport(await buildLibrary()));
  }
  process.stdout.write(`${reports.join("\n")}\nbuilt in ${Math.round(performance.now() - started)} ms\n`);
}

main().catch((error) => {
  process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
