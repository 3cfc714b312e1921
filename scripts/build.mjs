// Builds dist/: the bundled CLI (dist/cli.js), the library entry points
// (dist/index.js, dist/runtime/index.js) and their .d.ts files.
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
const require = createRequire(import.meta.url);

/** Dependencies the user's app must share with generated code: never bundled. */
const RUNTIME_EXTERNALS = ["@tensorflow/tfjs", "@tensorflow/tfjs-node", "zod", "protobufjs", "@aws-crypto/crc32c", "cli-progress"];
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

async function buildLibrary() {
  const entries = { index: "src/index.ts", "runtime/index": "src/runtime/index.ts" };
  for (const source of Object.values(entries)) {
    if (!existsSync(path.join(root, source))) throw new Error(`library entry point ${source} does not exist`);
  }
  await fs.rm(path.join(dist, "chunks", "lib"), { recursive: true, force: true });
  // One build with splitting: a module both entry points use lands in one shared
  // chunk, so `cbc` and `cbc/runtime` never hold two copies of a runtime class.
  const result = await build({
    ...shared,
    entryPoints: entries,
    chunkNames: "chunks/lib/[name]-[hash]",
    external: [...RUNTIME_EXTERNALS, ...COMPILER_EXTERNALS],
    // generated/std imports `cbc/runtime`: inside the package that is the runtime chunk itself.
    alias: { "cbc/runtime": "./src/runtime/index.ts" },
  });
  assertNotBundled(result.metafile, [...RUNTIME_EXTERNALS, ...COMPILER_EXTERNALS]);
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
  const seen = new Set();
  const pending = [...entries];
  while (pending.length > 0) {
    const output = pending.pop();
    if (seen.has(output)) continue;
    seen.add(output);
    const info = metafile.outputs[output];
    if (info === undefined) throw new Error(`no output ${output} in the build`);
    for (const imported of info.imports) {
      if (packages.some((name) => imported.path === name || imported.path.startsWith(`${name}/`))) {
        throw new Error(`${output} imports ${imported.path} statically; checking and compiling must not load TensorFlow`);
      }
      if (imported.kind === "import-statement" && !imported.external) pending.push(imported.path);
    }
  }
}

/**
 * tsc writes declarations for the entry points and everything they import into
 * dist/types/ (keeping the repository layout, since src/ imports grammar/); each
 * dist/<entry>.d.ts re-exports its part of that tree.
 */
async function buildDeclarations(entries) {
  const typesDir = path.join(dist, "types");
  await fs.rm(typesDir, { recursive: true, force: true });
  const tsc = path.join(path.dirname(require.resolve("typescript/package.json")), "bin", "tsc");
  const run = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error("tsc could not write the declarations (errors above)");
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
  if (!cliOnly) reports.push(sizeReport(await buildLibrary()));
  process.stdout.write(`${reports.join("\n")}\nbuilt in ${Math.round(performance.now() - started)} ms\n`);
}

main().catch((error) => {
  process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
