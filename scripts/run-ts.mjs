// Run a TypeScript example on Node 20 (no type stripping there): bundle it
// with esbuild, with `cbc` and `cbc-runtime` resolved to the sources, then import it.
import { mkdirSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
// --bundle-only: print the bundle's path instead of running it (a test that starts it many times).
const bundleOnly = process.argv[2] === "--bundle-only";
const entry = process.argv[bundleOnly ? 3 : 2];
if (!entry) {
  process.stderr.write("usage: node scripts/run-ts.mjs [--bundle-only] <file.ts>\n");
  process.exit(2);
}
// Inside the project, so the bundle's bare imports resolve to its node_modules.
const outDir = path.join(root, "node_modules", ".cache", "cbc-run");
mkdirSync(outDir, { recursive: true });
const outfile = path.join(outDir, `${path.basename(entry, ".ts")}.mjs`);
{
  await build({
    entryPoints: [path.resolve(entry)],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error",
    // Dependencies stay in node_modules: one copy of tfjs for the app and cbc.
    packages: "external",
    alias: { "cbc-runtime": path.join(root, "src/runtime/index.ts"), cbc: path.join(root, "src/index.ts") },
    banner: { js: 'import { createRequire as __cbcCreateRequire } from "node:module"; const require = __cbcCreateRequire(import.meta.url);' },
    absWorkingDir: root,
  });
  if (bundleOnly) {
    process.stdout.write(`${outfile}\n`);
  } else {
    process.chdir(root);
    await import(pathToFileURL(outfile).href);
  }
}
