// The catalogue as users read it: every code has a title, a meaning, an example that
// really gets that code from the compiler, and a fix; `cbc explain` prints them.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { EXAMPLE_FILE } from "../../src/cli/explain.js";
import { check } from "../../src/compiler.js";
import { catalogue, type DiagnosticCode } from "../../src/diagnostics/catalogue.js";

const codes = Object.keys(catalogue) as DiagnosticCode[];

async function cbc(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: process.cwd(),
    isTTY: false,
    env: {},
  });
  return { code, stdout, stderr };
}

describe("the catalogue", () => {
  it.each(codes)("%s has a title, an explanation and a fix", (code) => {
    const entry = catalogue[code];
    for (const text of [entry.title, entry.explanation, entry.fix]) expect(text.trim().length).toBeGreaterThan(0);
  });

  it("has an example for every code but the internal parser error, which no input should produce", () => {
    expect(codes.filter((code) => catalogue[code].example === null)).toEqual(["CBC106"]);
  });

  it.each(codes.filter((code) => catalogue[code].example !== null))("the example of %s gets %s, with the catalogue's severity", (code) => {
    const example = catalogue[code].example as string;
    const found = check(example, { fileName: EXAMPLE_FILE }).diagnostics.filter((d) => d.code === code);
    expect(found.length, JSON.stringify(example)).toBeGreaterThan(0);
    for (const d of found) expect(d.severity).toBe(catalogue[code].severity);
  });

  it("has every code the compiler's sources report, and no code they never report", () => {
    const reported = new Set<string>();
    for (const dir of ["../../src/syntax/", "../../src/check/", "../../grammar/"]) {
      const url = new URL(dir, import.meta.url);
      for (const file of readdirSync(url).filter((f) => f.endsWith(".ts"))) {
        for (const m of readFileSync(new URL(file, url), "utf8").matchAll(/"(CBC\d{3})"/g)) reported.add(m[1]);
      }
    }
    expect([...reported].filter((code) => !(code in catalogue))).toEqual([]);
    expect(codes.filter((code) => !reported.has(code))).toEqual([]);
  });
});

describe("docs/language.md", () => {
  it("lists every code of the catalogue, with its severity and title, in order", () => {
    const doc = readFileSync(new URL("../../docs/language.md", import.meta.url), "utf8");
    const rows = [...doc.matchAll(/^\| (CBC\d{3}) \| (\w+) \| (.+?) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual(codes.map((code) => [code, catalogue[code].severity, catalogue[code].title]));
  });
});

describe("cbc explain", () => {
  it("prints the title, the meaning, the example with the diagnostic cbc gives it, and the fix", async () => {
    const { code, stdout, stderr } = await cbc(["explain", "CBC204"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    const entry = catalogue.CBC204;
    expect(stdout.startsWith(`CBC204: ${entry.title} (error)\n\n${entry.explanation}\n`)).toBe(true);
    expect(stdout).toContain("    callback Stopper(patience: int = 1, patience: int = 2) {\n");
    expect(stdout).toContain("error[CBC204]: param `patience` is declared twice\n --> example.rules:1:37\n");
    expect(stdout).toContain("note: first declared here\n --> example.rules:1:18\n");
    expect(stdout.endsWith(`Fix: ${entry.fix}\n`)).toBe(true);
  });

  it("takes the code in any case, or its number alone", async () => {
    const [upper, lower, bare] = await Promise.all([cbc(["explain", "CBC300"]), cbc(["explain", "cbc300"]), cbc(["explain", "300"])]);
    expect(upper.stdout).toContain("CBC300: not a condition (error)");
    expect(lower).toEqual(upper);
    expect(bare).toEqual(upper);
  });

  it("says so for the internal error, which has no example", async () => {
    const { code, stdout } = await cbc(["explain", "CBC106"]);
    expect(code).toBe(0);
    expect(stdout).toContain("No input should produce it.");
  });

  it("lists every code with its severity and title when no code is given", async () => {
    const { code, stdout } = await cbc(["explain"]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(codes.length);
    expect(lines).toContain("CBC201  warning  metric not usually reported by tfjs");
  });

  it("an unknown code is a usage error with a did-you-mean", async () => {
    expect(await cbc(["explain", "CBC2000"])).toEqual({
      code: 2,
      stdout: "",
      stderr: 'cbc: no diagnostic code "CBC2000"; did you mean CBC200? (`cbc explain` lists them all)\n',
    });
  });
});
