// The front end's slowest small input: the fuzz inputs of test/check/fuzz.test.ts, each
// checked (parse + check) and timed; the slowest is timed again, alone, best of five, so
// a busy moment does not count and a pathological input does.
//
// Bundled by bench/run.mjs; argv: <docs/language.md>. Prints one JSON line.
import { readFileSync } from "node:fs";
import { check } from "../src/compiler.js";
import { fuzzInputs } from "../test/support/fuzz-inputs.js";

const doc = readFileSync(process.argv[2], "utf8");
const examples = [...doc.matchAll(/```rules\n([\s\S]*?)```/g)].map((match) => match[1]);
const time = (source: string): number => {
  const start = performance.now();
  check(source, { fileName: "fuzz.rules" });
  return performance.now() - start;
};
time("when loss > 1 then stop");
let slowest = { ms: 0, source: "" };
let inputs = 0;
for (const seed of [1, 2, 3]) {
  for (const source of fuzzInputs(seed, 2_000, examples)) {
    inputs += 1;
    const ms = time(source);
    if (ms > slowest.ms) slowest = { ms, source };
  }
}
const again = Math.min(...[0, 1, 2, 3, 4].map(() => time(slowest.source)));
process.stdout.write(`${JSON.stringify({ inputs, slowestMs: again, firstPassMs: slowest.ms, slowestInput: slowest.source })}\n`);
