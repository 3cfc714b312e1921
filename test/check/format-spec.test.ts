// One parser of Python format specs (src/runtime/format.ts): a spec the checker
// accepts for a kind of value formats every value of that kind at run time.
// Tested by generation over specs built from the mini-language's pieces.
import { describe, expect, test } from "vitest";
import { checkFormatSpec, formatValue, type FormatArg, type ValueKind } from "../../src/runtime/format.js";
import { mulberry32 as random } from "../support/random.js";

const SAMPLES: Record<ValueKind, FormatArg[]> = {
  int: [{ int: 7 }, { int: -3 }, { int: 0 }, { int: 123456789 }],
  float: [0.5, -2.25, 1e20, -0, Infinity, NaN],
  number: [0.5, 3, -1e-7, 1e16],
  string: ["ab", "", "é✓"],
};

const PIECES = [["", "*<", ">", "^", "=", "0="], ["", "+", "-", " "], ["", "z"], ["", "#"], ["", "0"], ["", "8", "12"], ["", ",", "_"], ["", ".0", ".3", "."], ["", "d", "f", "e", "g", "%", "x", "X", "b", "o", "s", "n", "c", "q", "ff"]];

describe("checkFormatSpec and formatValue agree", () => {
  const next = random(305);
  const specs = new Set<string>();
  while (specs.size < 2000) specs.add(PIECES.map((options) => options[Math.floor(next() * options.length)]).join(""));

  test(`${specs.size} generated specs x 4 kinds: an accepted spec formats every sample`, () => {
    const failures: string[] = [];
    let accepted = 0;
    for (const spec of specs) {
      for (const kind of Object.keys(SAMPLES) as ValueKind[]) {
        if (checkFormatSpec(spec, kind) !== undefined) continue;
        accepted += 1;
        for (const sample of SAMPLES[kind]) {
          try {
            formatValue(sample, spec);
          } catch (error) {
            failures.push(`${JSON.stringify(spec)} on ${kind} ${JSON.stringify(sample)}: ${String(error)}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    // Both sides reached: some specs pass, most combinations do not.
    expect(accepted).toBeGreaterThan(200);
  });

  test("n and c, which the runtime does not write, are compile errors", () => {
    expect(checkFormatSpec("n", "number")).toBe("format code 'n' is not supported");
    expect(checkFormatSpec("c", "int")).toBe("format code 'c' is not supported");
  });
});
