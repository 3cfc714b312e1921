// The compiler API's simulate() returns the very object `cbc simulate --json` prints.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { readHistory, simulate } from "../../src/index.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));

test("simulate() equals the golden --json result", async () => {
  const history = await readHistory("test/fixtures/histories/keras-run.csv", repo);
  const result = await simulate(readFileSync(`${repo}/src/std/early-stopping.rules`, "utf8"), {
    fileName: "early-stopping.rules",
    history,
    options: { patience: 5, restoreBestWeights: true },
  });
  expect(result).toEqual(JSON.parse(readFileSync(`${repo}/test/fixtures/simulate/early-stopping.json`, "utf8")));
  expect(result.stopEpoch).not.toBeNull();
});
