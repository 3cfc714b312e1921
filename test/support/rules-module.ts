// Compiles a rules string with the real compiler, writes the module under test/.tmp-writers/ and imports it, as an app would.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import type * as tf from "@tensorflow/tfjs";

import { compile } from "../../src/compiler.js";
import type { Firing, HookFunction } from "../../src/runtime/types.js";

const OUT_DIR = fileURLToPath(new URL("../.tmp-writers/", import.meta.url));

/** A generated callback class, as the tests use it. */
export type RulesClass = new (options?: { verbose?: number; hooks?: Record<string, HookFunction>; [option: string]: unknown }) => tf.Callback & {
  readonly firings: Firing[];
  dispose(): void;
};

const written: string[] = [];
let counter = 0;

/**
 * Compiles `source` as `<stem>.rules` (so rule sites read `<stem>.rules:line:col`)
 * and returns the exported class `className`. Fails the test with the
 * diagnostics when the source does not compile.
 */
export async function loadRules(source: string, stem: string, className: string): Promise<RulesClass> {
  const result = await compile(source, { fileName: `${stem}.rules` });
  const emitted = result.files[0];
  if (emitted === undefined) {
    throw new Error(`${stem}.rules does not compile:\n${result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n")}`);
  }
  await fs.mkdir(OUT_DIR, { recursive: true });
  counter += 1;
  // Unique per worker and call: test files run in parallel.
  const file = path.join(OUT_DIR, `${stem}-${process.pid}-${counter}.ts`);
  await fs.writeFile(file, emitted.text);
  written.push(file);
  const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const exported = module[className];
  if (typeof exported !== "function") throw new Error(`${stem}.rules exports no class ${className}`);
  return exported as RulesClass;
}

/** Removes the modules this worker wrote (so tsc never sees stale generated code). */
export async function removeLoadedRules(): Promise<void> {
  await Promise.all(written.splice(0).map((file) => fs.rm(file, { force: true })));
}
