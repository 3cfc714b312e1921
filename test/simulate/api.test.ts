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

test("simulate() refuses a target no platform writes to, as a real host would, rather than reporting it would write there", async () => {
  const history = await readHistory("test/fixtures/histories/keras-run.csv", repo);
  const source = 'callback S(out: string = "ckpt/m") {\n  on epoch end then save model to out\n}\n';
  await expect(simulate(source, { fileName: "s.rules", history, options: { out: "s3://bucket/m" } })).rejects.toThrow(
    /S: option `out` is "s3:\/\/bucket\/m": s3:\/\/ is not a storage scheme cbc knows/,
  );
  const fine = await simulate(source, { fileName: "s.rules", history, options: { out: "indexeddb://m" } });
  expect(JSON.stringify(fine)).toContain("indexeddb://m");
});
