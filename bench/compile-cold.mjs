// Cold compile: the built `cbc compile` of a typical file in a fresh process, against the floors of any ts-morph tool.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { median, timeNode } from "./lib.mjs";

/** The reference example of docs/language.md: nine rules of every kind. */
export const TYPICAL_FILE = "examples/train.rules";

/**
 * The commands, run in turn in every round so that load from other processes
 * falls on all of them alike. Besides the floor, the steps in between show
 * where the time of `cbc compile` goes. `cbc compile` emits in a worker thread
 * that loads ts-morph while the main thread parses and checks, with a V8 code
 * cache for ts-morph (src/cli/code-cache.ts): the figure is a compile as every
 * run after the first sees it; the row without the cache is what a first run,
 * or CBC_CODE_CACHE=0, costs.
 */
function commands(outDir, cbc) {
  return [
    { key: "node", label: "node, empty script", args: ["-e", "0"] },
    { key: "typescript", label: "floor: require('typescript')", args: ["-e", "require('typescript')"] },
    { key: "tsMorphRequire", label: "require('ts-morph')", args: ["-e", "require('ts-morph')"] },
    { key: "check", label: "cbc check (no TypeScript)", args: [cbc, "check", TYPICAL_FILE] },
    { key: "compileNoCache", label: "cbc compile, no code cache", args: [cbc, "compile", TYPICAL_FILE, "-o", `${outDir}-nocache`], env: { CBC_CODE_CACHE: "0" } },
    { key: "compile", label: "cbc compile", args: [cbc, "compile", TYPICAL_FILE, "-o", outDir] },
  ];
}

/** `cbc` is the built bin/cbc.js, or a copy of it laid out the same way (see snapshotCli). */
export function benchCompileCold({ rounds, cbc = "bin/cbc.js" }) {
  const scratch = mkdtempSync(path.join(os.tmpdir(), "cbc-bench-"));
  try {
    const samples = new Map();
    for (let round = 0; round < rounds; round += 1) {
      // Each compile writes into a new directory: the full path, never "up to date".
      const list = commands(path.join(scratch, `r${round}`), cbc);
      // Rotate the order so no command always runs right after the heaviest one.
      const rotated = [...list.slice(round % list.length), ...list.slice(0, round % list.length)];
      for (const command of rotated) {
        const time = timeNode(command.args, { env: command.env });
        if (round === 0) continue; // the first round warms the file cache
        samples.set(command.key, [...(samples.get(command.key) ?? []), time]);
      }
    }
    const medians = Object.fromEntries([...samples].map(([key, values]) => [key, median(values.map((v) => v.wall))]));
    const cpuMedians = Object.fromEntries([...samples].map(([key, values]) => [key, median(values.map((v) => v.cpu))]));
    const labels = Object.fromEntries(commands("", cbc).map((c) => [c.key, c.label]));
    return {
      medians,
      cpuMedians,
      labels,
      samples: rounds - 1,
      ratioVsTypeScript: medians.compile / medians.typescript,
      ratioVsTsMorph: medians.compile / medians.tsMorphRequire,
      ratioNoCache: medians.compileNoCache / medians.typescript,
      cpuRatioVsTypeScript: cpuMedians.compile / cpuMedians.typescript,
      breakdown: [
        ["node start", medians.node],
        ["cbc check: CLI, parse, check (minus node start)", medians.check - medians.node],
        ["require('ts-morph') (minus node start)", medians.tsMorphRequire - medians.node],
        ["cbc compile minus require('ts-morph') (both without cache)", medians.compileNoCache - medians.tsMorphRequire],
        ["what the code cache saves", medians.compileNoCache - medians.compile],
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
