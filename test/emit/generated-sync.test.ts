// generated/ is what users import and what the package ships: it must be exactly
// what the current compiler makes of src/std and examples (run `npm run compile`
// when this fails). Compiled in-process with the file name the CLI passes: the base name.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { compile } from "../../src/compiler.js";

const sets = [
  { sources: "../../src/std/", generated: "../../generated/std/" },
  { sources: "../../examples/", generated: "../../generated/examples/" },
];

const cases = sets.flatMap(({ sources, generated }) => {
  const dir = new URL(sources, import.meta.url);
  return readdirSync(dir)
    .filter((name) => name.endsWith(".rules"))
    .sort()
    .map((name) => ({
      name: `${sources.replace("../../", "")}${name}`,
      rules: new URL(name, dir),
      fileName: name,
      output: new URL(`${generated}${name.replace(/\.rules$/, ".ts")}`, import.meta.url),
    }));
});

describe("generated/ is in sync with its sources", () => {
  test("there is something to compare", () => {
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(["src/std/early-stopping.rules", "examples/train.rules"]));
  });

  test.each(cases)("$name", async ({ rules, fileName, output }) => {
    const result = await compile(readFileSync(rules, "utf8"), { fileName });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.files).toHaveLength(1);
    expect(result.files[0].text, "generated/ is stale: run `npm run compile`").toBe(readFileSync(output, "utf8"));
  });

  test("generated/ holds no module without a source", () => {
    for (const { sources, generated } of sets) {
      const stems = readdirSync(new URL(sources, import.meta.url)).filter((n) => n.endsWith(".rules")).map((n) => n.replace(/\.rules$/, ""));
      const modules = readdirSync(new URL(generated, import.meta.url)).filter((n) => n.endsWith(".ts")).map((n) => n.replace(/\.ts$/, ""));
      expect(modules.sort()).toEqual(stems.sort());
    }
  });
});
