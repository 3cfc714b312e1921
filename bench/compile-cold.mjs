// Cold compile: the built `cbc compile` of a typical file in a fresh process, against the floors of any ts-morph tool.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { median, timeNode } from "./lib.mjs";

/** The reference example of LANGUAGE.md: nine rules of every kind. */
export const TYPICAL_FILE = "examples/train.rules";

/**
 * The commands, run in turn in every round so that load from other processes
 * falls on all of them alike. Besides the two floors, the steps in between
 * show where the time of `cbc compile` goes.
 */
function commands(outDir, cbc) {
  return [
    { key: "node", label: "node, empty script", args: ["-e", "0"] },
    { key: "typescript", label: "floor: require('typescript')", args: ["-e", "require('typescript')"] },
    { key: "tsMorphRequire", label: "require('ts-morph')", args: ["-e", "require('ts-morph')"] },
    { key: "tsMorphImport", label: "floor: import('ts-morph') from ESM", args: ["--input-type=module", "-e", "await import('ts-morph')"] },
    { key: "check", label: "cbc check (no TypeScript)", args: [cbc, "check", TYPICAL_FILE] },
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
        const time = timeNode(command.args);
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
      ratioVsTsMorph: medians.compile / medians.tsMorphImport,
      cpuRatioVsTypeScript: cpuMedians.compile / cpuMedians.typescript,
      breakdown: [
        ["node start", medians.node],
        ["CLI, parse, check (cbc check minus node)", medians.check - medians.node],
        ["TypeScript load (the floor minus node)", medians.typescript - medians.node],
        ["ts-morph on top of TypeScript (require)", medians.tsMorphRequire - medians.typescript],
        ["ts-morph through ESM import instead of require", medians.tsMorphImport - medians.tsMorphRequire],
        ["emit and write (what is left)", medians.compile - medians.check - (medians.tsMorphImport - medians.node)],
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
