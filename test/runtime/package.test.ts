// The two packages as an app installs them: cbc-runtime's manifest (its dependencies, tfjs as a
// peer, tfjs-node an optional one, the browser/node entries), its built entries (the browser one
// reaches nothing of Node), and its .d.ts, which an app compiles without @types/node (`types: []`).
// Reads the build (packages/cbc-runtime/dist), which `npm ci` makes through `prepare`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const runtimeDir = path.join(root, "packages/cbc-runtime");
const dist = path.join(runtimeDir, "dist");
type Manifest = {
  name: string;
  version: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  workspaces?: string[];
};
const read = (file: string): Manifest => JSON.parse(readFileSync(file, "utf8")) as Manifest;

function requireBuild(): void {
  if (!existsSync(path.join(dist, "browser.js"))) throw new Error("packages/cbc-runtime is not built: run `npm run build` (npm ci does it through prepare)");
}

describe("manifests", () => {
  const runtime = read(path.join(runtimeDir, "package.json"));
  const cbc = read(path.join(root, "package.json"));

  it("cbc-runtime depends on zod and the writers' libraries only, with tfjs a peer and tfjs-node an optional peer", () => {
    expect(runtime.name).toBe("cbc-runtime");
    expect(Object.keys(runtime.dependencies ?? {}).sort()).toEqual(["@aws-crypto/crc32c", "cli-progress", "protobufjs", "zod"]);
    expect(Object.keys(runtime.peerDependencies ?? {}).sort()).toEqual(["@tensorflow/tfjs", "@tensorflow/tfjs-node"]);
    expect(runtime.peerDependenciesMeta?.["@tensorflow/tfjs-node"]?.optional).toBe(true);
    expect(runtime.peerDependenciesMeta?.["@tensorflow/tfjs"]?.optional).toBeUndefined();
  });

  it("cbc-runtime has a browser and a node entry; the default is the browser's, which installs no Node host", () => {
    const main = runtime.exports["."] as Record<string, { default: string } | string>;
    expect(Object.keys(main)).toEqual(["browser", "node", "types", "default"]);
    expect((main["browser"] as { default: string }).default).toBe("./dist/browser.js");
    expect((main["node"] as { default: string }).default).toBe("./dist/node.js");
    expect(main["default"]).toBe("./dist/browser.js");
  });

  it("cbc is a workspace with cbc-runtime, depends on it at its version, and no longer installs tfjs-node", () => {
    expect(cbc.workspaces).toEqual(["packages/cbc-runtime"]);
    expect(cbc.dependencies?.["cbc-runtime"]).toBe(runtime.version);
    expect(cbc.optionalDependencies?.["@tensorflow/tfjs-node"]).toBeUndefined();
    expect(cbc.dependencies?.["@tensorflow/tfjs-node"]).toBeUndefined();
  });
});

describe("the built runtime", () => {
  it("no chunk carries a createRequire banner, and the node entry installs the Node host, the browser entry not", () => {
    requireBuild();
    const browser = readFileSync(path.join(dist, "browser.js"), "utf8");
    const node = readFileSync(path.join(dist, "node.js"), "utf8");
    expect(browser).not.toMatch(/createRequire|node:/);
    expect(node).not.toMatch(/createRequire/);
    expect(browser).toMatch(/setActionHost\(browserHost\)/);
    expect(node).toMatch(/setActionHost\(nodeHost\)/);
  });

  it("the node entry, as Node loads it: the standard classes, the Node host, fileLoader", async () => {
    requireBuild();
    const runtime = (await import(path.join(dist, "node.js"))) as Record<string, unknown> & { currentActionHost(): { platform: string } };
    expect(runtime.currentActionHost().platform).toBe("node");
    for (const name of ["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint", "BackupAndRestore", "ProgressBarCallback", "fileLoader", "RUNTIME_VERSION"]) {
      expect(runtime[name], name).toBeDefined();
    }
  });
});

describe("a browser bundle", () => {
  it("of a generated class that changes lr plus EarlyStopping and ReduceLROnPlateau builds for the browser without shims and holds only zod besides", async () => {
    requireBuild();
    const result = await build({
      stdin: {
        contents: [
          'import { EarlyStopping, ReduceLROnPlateau } from "cbc-runtime";',
          'import { ReduceLrCallback } from "./generated/examples/reduce-lr.js";',
          "export const list = [new ReduceLrCallback(), new EarlyStopping(), new ReduceLROnPlateau()];",
        ].join("\n"),
        resolveDir: root,
        loader: "ts",
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      minify: true,
      external: ["@tensorflow/tfjs"],
      // As an app's build sees it: not this repository's tsconfig paths, which point `cbc-runtime` at src/.
      tsconfigRaw: {},
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    const packages = new Set(inputs.flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? []));
    expect([...packages]).toEqual(["zod"]);
    expect(inputs.filter((input) => input.startsWith("src/"))).toEqual([]);
    expect(inputs.some((input) => input.endsWith("packages/cbc-runtime/dist/browser.js"))).toBe(true);
    const output = Object.values(result.metafile.outputs)[0]!;
    expect([...new Set(output.imports.map((i) => i.path))]).toEqual(["@tensorflow/tfjs"]);
  });
});

describe("declarations", () => {
  const out = path.join(root, "test/.tmp-writers");
  const consumer = path.join(out, `consumer-${process.pid}.ts`);
  afterAll(() => rmSync(consumer, { force: true }));

  const BROWSER_APP = [
    'import * as tf from "@tensorflow/tfjs";',
    'import { EarlyStopping, ReduceLROnPlateau, RulesCallback, callbacks, type EarlyStoppingOptions } from "cbc-runtime";',
    "const options: EarlyStoppingOptions = { patience: 3, restoreBestWeights: true };",
    "export const list: tf.Callback[] = [new EarlyStopping(options), new ReduceLROnPlateau({ factor: 0.5 }), callbacks.terminateOnNaN()];",
    "export const rules: boolean = list[0] instanceof RulesCallback;",
  ];
  /** What only the node entry has, as a Node app imports it. */
  const nodeApp = (specifier: string) => [
    'import * as tf from "@tensorflow/tfjs";',
    `import { BackupAndRestore, EarlyStopping, fileLoader } from ${JSON.stringify(specifier)};`,
    'export const list: tf.Callback[] = [new BackupAndRestore({ backupDir: "runs/backup" }), new EarlyStopping()];',
    'export const load = () => tf.loadLayersModel(fileLoader("file://runs/best"));',
  ];

  function diagnostics(options: ts.CompilerOptions, source: string[] = BROWSER_APP): string[] {
    requireBuild();
    mkdirSync(out, { recursive: true });
    writeFileSync(consumer, [...source, ""].join("\n"));
    const program = ts.createProgram([consumer], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, types: [], skipLibCheck: false, ...options });
    // Only our files: tfjs' own declarations and lib.dom disagree about WebGPU types, which is not ours to judge.
    return ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || d.file.fileName === consumer || d.file.fileName.includes("/cbc-runtime/"))
      .map((d) => `${d.file ? path.relative(root, d.file.fileName) : ""} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
  }

  it("a browser app compiles against them without @types/node (types: [], skipLibCheck off)", () => {
    const errors = diagnostics({
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      customConditions: ["browser"],
      lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    });
    expect(errors).toEqual([]);
  });

  it("a Node app with bundler resolution sees the node entry's types through cbc-runtime/node, or through the node condition", () => {
    const bundler = { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"] };
    const ours = (errors: string[]) => errors.filter((e) => e.startsWith("test/"));
    expect(ours(diagnostics(bundler, nodeApp("cbc-runtime/node")))).toEqual([]);
    expect(ours(diagnostics({ ...bundler, customConditions: ["node"] }, nodeApp("cbc-runtime")))).toEqual([]);
    // Without either, the browser's types: BackupAndRestore and fileLoader are not there (TS2305), as the README says.
    expect(ours(diagnostics(bundler, nodeApp("cbc-runtime"))).some((e) => e.includes("TS2305"))).toBe(true);
  });

  it("the node entry's declarations name no NodeJS namespace (TS2503 without @types/node)", () => {
    const errors = diagnostics({ module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, lib: ["lib.es2022.d.ts"] });
    expect(errors.filter((e) => e.includes("TS2503"))).toEqual([]);
    expect(errors.filter((e) => e.startsWith("test/"))).toEqual([]);
  });
});
