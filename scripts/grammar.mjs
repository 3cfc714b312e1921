// Writes what is generated from the grammar: docs/grammar.html (the railroad diagram) and
// grammar/cst.d.ts (the types of the concrete syntax tree); `--check` only compares.
// Usage: node scripts/grammar.mjs [--check]
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

// The grammar is TypeScript: bundle it to a temporary module, then ask it for the files.
const dir = mkdtempSync(join(tmpdir(), "cbc-grammar-"));
let files;
try {
  const bundle = join(dir, "parser.mjs");
  await build({
    entryPoints: [join(root, "grammar", "parser.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundle,
    logLevel: "warning",
  });
  const { grammarDiagramHtml, grammarCstDts } = await import(pathToFileURL(bundle).href);
  files = [
    { path: "docs/grammar.html", text: grammarDiagramHtml() },
    { path: "grammar/cst.d.ts", text: grammarCstDts() },
  ];
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const check = process.argv.includes("--check");
let stale = 0;
for (const file of files) {
  const target = join(root, file.path);
  let current;
  try {
    current = readFileSync(target, "utf8");
  } catch {
    current = undefined;
  }
  if (current === file.text) {
    console.log(`${file.path} is up to date`);
  } else if (check) {
    console.error(`${file.path} is out of date: run \`node scripts/grammar.mjs\``);
    stale++;
  } else {
    writeFileSync(target, file.text);
    console.log(`wrote ${file.path}`);
  }
}
if (stale > 0) process.exit(1);
