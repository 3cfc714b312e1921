// cbc's share of a browser app: a generated class plus EarlyStopping and ReduceLROnPlateau,
// bundled by esbuild for the browser (minified) from the built cbc-runtime package, as an app
// would bundle it. tfjs is left external: it is the app's, not cbc's. The figure is the bytes the
// metafile credits to cbc-runtime, zod and the generated class in the minified output.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";
import { cacheDir, ensureDir, root } from "./lib.mjs";

export async function benchBrowserBundle({ cbc }) {
  const dir = ensureDir(path.join(cacheDir, "browser-bundle"));
  const compiled = spawnSync(process.execPath, [cbc, "compile", "bench/browser-class.rules", "-o", dir], { cwd: root, encoding: "utf8" });
  if (compiled.status !== 0) throw new Error(`cbc compile bench/browser-class.rules failed:\n${compiled.stderr}`);
  const entry = path.join(dir, "app.ts");
  writeFileSync(
    entry,
    [
      'import { EarlyStopping, ReduceLROnPlateau } from "cbc-runtime";',
      'import { BrowserSchedule } from "./browser-class.js";',
      "export const callbacks = [new BrowserSchedule({ hooks: { report: () => undefined } }), new EarlyStopping({ patience: 3 }), new ReduceLROnPlateau()];",
      "",
    ].join("\n"),
  );
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    minify: true,
    write: false,
    metafile: true,
    external: ["@tensorflow/tfjs"],
    // The app's own build: not the repository's tsconfig paths (which point `cbc-runtime` at src/).
    tsconfigRaw: {},
    logLevel: "silent",
  });
  const output = Object.values(result.metafile.outputs)[0];
  const parts = { runtime: 0, zod: 0, generated: 0, other: 0 };
  const nodeModules = [];
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const file = input.replaceAll("\\", "/");
    if (file.includes("cbc-runtime/dist/")) parts.runtime += bytesInOutput;
    else if (file.includes("node_modules/zod/")) parts.zod += bytesInOutput;
    else if (file.endsWith("browser-class.ts")) parts.generated += bytesInOutput;
    else parts.other += bytesInOutput;
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (match && match[1] !== ".cache" && !nodeModules.includes(match[1])) nodeModules.push(match[1]);
  }
  const externals = output.imports.filter((i) => i.external).map((i) => i.path);
  return {
    kb: (parts.runtime + parts.zod + parts.generated) / 1024,
    runtimeKb: parts.runtime / 1024,
    zodKb: parts.zod / 1024,
    generatedKb: parts.generated / 1024,
    totalKb: output.bytes / 1024,
    packages: nodeModules.sort(),
    externals: [...new Set(externals)].sort(),
  };
}
