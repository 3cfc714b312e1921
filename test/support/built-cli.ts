// The built CLI (dist/cli.js, dist/emit-worker.js): rebuilt for the tests that run it when it is older than its sources.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const repo = fileURLToPath(new URL("../..", import.meta.url));

/** Builds the CLI unless dist/ is newer than everything it is built from. */
export function ensureBuiltCli(): void {
  if (isFresh(path.join(repo, "dist", "cli.js")) && isFresh(path.join(repo, "dist", "emit-worker.js"))) return;
  const build = spawnSync(process.execPath, [path.join(repo, "scripts", "build.mjs"), "--cli"], { cwd: repo, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
}

/** `built` exists and is newer than everything it is built from. */
function isFresh(built: string): boolean {
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  const sources = [path.join(repo, "package.json"), path.join(repo, "scripts", "build.mjs")];
  for (const dir of ["src", "grammar"]) {
    for (const entry of readdirRecursive(path.join(repo, dir))) sources.push(entry);
  }
  return sources.every((file) => statSync(file).mtimeMs <= builtAt);
}

function readdirRecursive(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
