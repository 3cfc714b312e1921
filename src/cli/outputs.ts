// Putting compiled modules on disk: atomic writes, untouched when unchanged, or a dry comparison for `--check`.
import { promises as fs } from "node:fs";
import { removeStaleTemps, writeFileAtomic } from "../runtime/atomic.js";
import { CliError, describeFsError, errnoCode } from "./io.js";

export interface PlannedOutput {
  absolute: string;
  /** As shown to the user and in JSON: relative to cwd, `/`-separated. */
  display: string;
  text: string;
}

/** `written` and `unchanged` after a compile; `unchanged`, `differs` and `missing` after `--check`. */
export type OutputStatus = "written" | "unchanged" | "differs" | "missing";

export interface OutputResult {
  path: string;
  status: OutputStatus;
}

/** Fails early (before any checking) when the output directory cannot be one. */
export async function assertOutDirUsable(outDir: string, shown: string): Promise<void> {
  try {
    const info = await fs.stat(outDir);
    if (!info.isDirectory()) throw new CliError(`cannot write to ${shown}: it is a file, not a directory`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    // Missing is fine: it is created on the first write.
    if (errnoCode(error) === "ENOENT") return;
    throw new CliError(`cannot write to ${shown}: ${describeFsError(error)}`);
  }
}

async function readExisting(output: PlannedOutput): Promise<string | undefined> {
  try {
    return await fs.readFile(output.absolute, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw new CliError(`cannot read ${output.display}: ${describeFsError(error)}`);
  }
}

/**
 * Compares every output with the disk first, then (unless `check`) replaces the
 * ones that differ, each atomically. A file whose content is already right is
 * not rewritten, so its mtime (and any build tool watching it) is left alone.
 */
export async function syncOutputs(outputs: readonly PlannedOutput[], options: { check: boolean }): Promise<OutputResult[]> {
  const results: OutputResult[] = [];
  const stale: PlannedOutput[] = [];
  for (const output of outputs) {
    const existing = await readExisting(output);
    if (existing === output.text) {
      results.push({ path: output.display, status: "unchanged" });
    } else {
      stale.push(output);
      results.push({ path: output.display, status: options.check ? (existing === undefined ? "missing" : "differs") : "written" });
    }
  }
  if (!options.check) {
    // Temp files of a compile killed before its renames: no later write would replace them.
    for (const output of outputs) await removeStaleTemps(output.absolute);
    for (const output of stale) {
      try {
        await writeFileAtomic(output.absolute, output.text);
      } catch (error) {
        throw new CliError(`cannot write ${output.display}: ${describeFsError(error)}`);
      }
    }
  }
  return results;
}
