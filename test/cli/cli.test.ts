// The cbc command line: exit codes, messages, JSON and what lands on disk, run in-process through run() and, for the built binary, as a real process.
import { spawnSync } from "node:child_process";
import { existsSync, promises as fs, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { run } from "../../src/cli/run.js";
import { compile } from "../../src/compiler.js";
import { ensureBuiltCli } from "../support/built-cli.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = path.join(repo, "test", "fixtures", "cli");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function cbc(args: string[], options: { cwd?: string; isTTY?: boolean; env?: Record<string, string> } = {}): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd: options.cwd ?? fixtures,
    isTTY: options.isTTY ?? false,
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}

const ANSI = /\u001b\[\d+m/;
const STACK_LINE = /^\s+at .+/m;

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-cli-test-"));
  temps.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

/** A temp project holding copies of the named fixture directories. */
async function project(...dirs: string[]): Promise<string> {
  const dir = await tempDir();
  for (const name of dirs) await fs.cp(path.join(fixtures, name), path.join(dir, name), { recursive: true });
  return dir;
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await fs.readdir(dir, { recursive: true });
  return entries.map((e) => e.split(path.sep).join("/")).sort();
}

/** What the compiler API itself emits for a fixture: the CLI must write exactly this. */
async function expectedModule(file: string, runtimeImport?: string): Promise<string> {
  const source = await fs.readFile(path.join(fixtures, file), "utf8");
  const result = await compile(source, { fileName: path.basename(file), ...(runtimeImport === undefined ? {} : { runtimeImport }) });
  expect(result.files).toHaveLength(1);
  return result.files[0].text;
}

/** Pushes a file's mtime into the past, so a rewrite would show. */
async function age(file: string): Promise<number> {
  const past = new Date("2020-01-01T00:00:00Z");
  await fs.utimes(file, past, past);
  return statSync(file).mtimeMs;
}

describe("cbc check", () => {
  it("exits 0 with a clean summary for a good file", async () => {
    const out = await cbc(["check", "good/train.rules"]);
    expect(out).toEqual({ code: 0, stdout: "", stderr: "no problems\n" });
  });

  it("exits 1 and prints a code frame and a summary for a file with an error", async () => {
    const out = await cbc(["check", "bad/unknown-metric.rules"]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    const lines = out.stderr.split("\n");
    expect(lines[0]).toMatch(/^error\[CBC200\]: /);
    expect(lines.slice(1, 5)).toEqual([
      " --> bad/unknown-metric.rules:2:6",
      "  |",
      "2 | when val_los plateau 10 then lr *= 0.1",
      "  |      ^^^^^^^",
    ]);
    expect(out.stderr).toContain("= hint: did you mean `val_loss`?");
    expect(out.stderr.endsWith("\n\n1 error\n")).toBe(true);
  });

  it("exits 0 when there are only warnings, and prints them", async () => {
    const out = await cbc(["check", "warn/f1.rules"]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/^warning\[CBC201\]: /);
    expect(out.stderr.endsWith("\n1 warning\n")).toBe(true);
  });

  it("searches a directory recursively, in sorted order, skipping other files", async () => {
    const out = await cbc(["check", "project", "--format", "json"]);
    expect(out.code).toBe(0);
    const files = JSON.parse(out.stdout).diagnostics.map((d: { file: string }) => d.file);
    expect(files).toEqual(["project/a/y.rules", "project/m.rules", "project/z.rules"]);
  });

  it("skips node_modules and dot-directories inside a searched directory", async () => {
    const cwd = await project("project");
    for (const hidden of ["project/node_modules/pkg", "project/.cache"]) {
      await fs.mkdir(path.join(cwd, hidden), { recursive: true });
      await fs.copyFile(path.join(fixtures, "bad", "unknown-metric.rules"), path.join(cwd, hidden, "x.rules"));
    }
    const out = await cbc(["check", "project", "--format", "json"], { cwd });
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).diagnostics.map((d: { file: string }) => d.file)).toEqual(["project/a/y.rules", "project/m.rules", "project/z.rules"]);
  });

  it("checks a file named twice (directly and through its directory) once, in argument order", async () => {
    const out = await cbc(["check", "project/z.rules", "./project", "--format", "json"]);
    const files = JSON.parse(out.stdout).diagnostics.map((d: { file: string }) => d.file);
    expect(files).toEqual(["project/z.rules", "project/a/y.rules", "project/m.rules"]);
  });

  it("reports errors from every file, with warnings, and counts them together", async () => {
    const out = await cbc(["check", "bad", "warn", "good"]);
    expect(out.code).toBe(1);
    expect(out.stderr.indexOf("bad/unknown-metric.rules:2:6")).toBeLessThan(out.stderr.indexOf("warn/f1.rules:2:6"));
    expect(out.stderr.endsWith("\n1 error, 1 warning\n")).toBe(true);
  });

  it.each([
    [["check", "nope.rules"], "cbc: cannot read nope.rules: no such file\n"],
    [["check", "good/train.rules", "missing/dir"], "cbc: cannot read missing/dir: no such file\n"],
    [["check", "no-rules"], "cbc: no .rules files in no-rules\n"],
    [["check", "project/notes.txt"], "cbc: project/notes.txt is not a .rules file\n"],
    [["check", "good/train.rules/x.rules"], "cbc: cannot read good/train.rules/x.rules: a part of the path is a file, not a directory\n"],
  ])("%j is an I/O problem: exit 2 and one line", async (args, message) => {
    const out = await cbc(args);
    expect(out).toEqual({ code: 2, stdout: "", stderr: message });
  });

  it("prints one JSON document with the documented shape", async () => {
    const out = await cbc(["check", "--format", "json", "bad/unknown-metric.rules", "good"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toBe("");
    const doc = JSON.parse(out.stdout);
    expect(Object.keys(doc)).toEqual(["diagnostics", "files"]);
    expect(doc.files).toEqual([]);
    expect(doc.diagnostics).toHaveLength(1);
    const [d] = doc.diagnostics;
    expect(Object.keys(d)).toEqual(["code", "severity", "message", "file", "span", "hint", "related"]);
    expect(d).toMatchObject({
      code: "CBC200",
      severity: "error",
      file: "bad/unknown-metric.rules",
      span: { start: { line: 2, column: 6, offset: 28 }, end: { line: 2, column: 13, offset: 35 } },
      hint: "did you mean `val_loss`?",
      related: [],
    });
  });

  it("prints an empty JSON report for a clean run", async () => {
    const out = await cbc(["check", "good", "--format=json"]);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ diagnostics: [], files: [] });
  });
});

describe("cbc compile", () => {
  it("writes <stem>.ts for each input into the out dir, exactly what compile() emits", async () => {
    const cwd = await project("good");
    const out = await cbc(["compile", "good", "-o", "gen"], { cwd });
    expect(out).toEqual({ code: 0, stdout: "wrote gen/reduce-lr.ts\nwrote gen/train.ts\n", stderr: "" });
    expect(await listFiles(path.join(cwd, "gen"))).toEqual(["reduce-lr.ts", "train.ts"]);
    expect(await fs.readFile(path.join(cwd, "gen", "train.ts"), "utf8")).toBe(await expectedModule("good/train.rules"));
    expect(await fs.readFile(path.join(cwd, "gen", "reduce-lr.ts"), "utf8")).toBe(await expectedModule("good/reduce-lr.rules"));
  });

  it("writes to generated/ by default, creating parent directories", async () => {
    const cwd = await project("good");
    expect((await cbc(["compile", "good/reduce-lr.rules"], { cwd })).stdout).toBe("wrote generated/reduce-lr.ts\n");
    expect((await cbc(["compile", "good/train.rules", "--out-dir", "a/b/c"], { cwd })).stdout).toBe("wrote a/b/c/train.ts\n");
    expect(await listFiles(path.join(cwd, "generated"))).toEqual(["reduce-lr.ts"]);
    expect(await listFiles(path.join(cwd, "a"))).toEqual(["b", "b/c", "b/c/train.ts"]);
  });

  it("writes the same bytes whatever the working directory and however the path is written", async () => {
    const cwd = await project("good");
    await cbc(["compile", "good/train.rules", "-o", path.join(cwd, "one")], { cwd });
    await cbc(["compile", "./train.rules", "-o", "../two"], { cwd: path.join(cwd, "good") });
    const one = await fs.readFile(path.join(cwd, "one", "train.ts"), "utf8");
    expect(await fs.readFile(path.join(cwd, "two", "train.ts"), "utf8")).toBe(one);
    expect(one).toContain('"train.rules:');
  });

  it("passes --runtime-import to the emitter", async () => {
    const cwd = await project("good");
    await cbc(["compile", "good/reduce-lr.rules", "-o", "gen", "--runtime-import", "@acme/cbc-runtime"], { cwd });
    const text = await fs.readFile(path.join(cwd, "gen", "reduce-lr.ts"), "utf8");
    expect(text).toBe(await expectedModule("good/reduce-lr.rules", "@acme/cbc-runtime"));
    expect(text).toContain('from "@acme/cbc-runtime"');
  });

  it("leaves an unchanged file alone (same mtime) and says it is up to date", async () => {
    const cwd = await project("good");
    await cbc(["compile", "good", "-o", "gen"], { cwd });
    const train = path.join(cwd, "gen", "train.ts");
    const mtime = await age(train);
    await fs.writeFile(path.join(cwd, "gen", "reduce-lr.ts"), "// edited by hand\n");
    const out = await cbc(["compile", "good", "-o", "gen"], { cwd });
    expect(out).toEqual({ code: 0, stdout: "wrote gen/reduce-lr.ts\nup to date gen/train.ts\n", stderr: "" });
    expect(statSync(train).mtimeMs).toBe(mtime);
    expect(await fs.readFile(path.join(cwd, "gen", "reduce-lr.ts"), "utf8")).toBe(await expectedModule("good/reduce-lr.rules"));
    // Atomic writes leave no temp files behind.
    expect(await listFiles(path.join(cwd, "gen"))).toEqual(["reduce-lr.ts", "train.ts"]);
  });

  it("prints warnings and still writes", async () => {
    const cwd = await project("warn");
    const out = await cbc(["compile", "warn", "-o", "gen"], { cwd });
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/^warning\[CBC201\]/);
    expect(out.stderr.endsWith("\n1 warning\n")).toBe(true);
    expect(out.stdout).toBe("wrote gen/f1.ts\n");
  });

  it("writes nothing when any input has an error, and leaves existing output untouched", async () => {
    const cwd = await project("good", "bad");
    await cbc(["compile", "good", "-o", "gen"], { cwd });
    const train = path.join(cwd, "gen", "train.ts");
    const before = await fs.readFile(train, "utf8");
    const mtime = await age(train);
    // train.rules now has an error of its own; reduce-lr.rules is fine but must not be written either.
    await fs.appendFile(path.join(cwd, "good", "train.rules"), "when val_acc >= 0.99 then lr = unknown_param\n");
    await fs.rm(path.join(cwd, "gen", "reduce-lr.ts"));
    const out = await cbc(["compile", "good", "bad", "-o", "gen"], { cwd });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("bad/unknown-metric.rules:2:6");
    expect(out.stderr).toContain("good/train.rules:15:");
    expect(out.stderr.endsWith("\n2 errors\n")).toBe(true);
    expect(await listFiles(path.join(cwd, "gen"))).toEqual(["train.ts"]);
    expect(await fs.readFile(train, "utf8")).toBe(before);
    expect(statSync(train).mtimeMs).toBe(mtime);
  });

  it("refuses two inputs with the same stem, naming both, and writes nothing", async () => {
    const cwd = await project("clash");
    const out = await cbc(["compile", "clash", "-o", "gen"], { cwd });
    expect(out).toEqual({
      code: 2,
      stdout: "",
      stderr: "cbc: clash/one/train.rules and clash/two/train.rules would both compile to train.ts; rename one or compile them to different directories\n",
    });
    expect(existsSync(path.join(cwd, "gen"))).toBe(false);
  });

  it("refuses stems that differ only in case, which are one file on macOS and Windows", async () => {
    const cwd = await project("good");
    await fs.copyFile(path.join(cwd, "good", "train.rules"), path.join(cwd, "Train.rules"));
    const out = await cbc(["compile", "good/train.rules", "Train.rules", "-o", "gen"], { cwd });
    expect(out.code).toBe(2);
    expect(out.stderr).toBe("cbc: good/train.rules and Train.rules would both compile to Train.ts; rename one or compile them to different directories\n");
  });

  it.each([
    ["the out dir", "gen"],
    ["a parent of the out dir", "gen/sub"],
  ])("exits 2 with one line when %s is a file", async (_, outDir) => {
    const cwd = await project("good");
    await fs.writeFile(path.join(cwd, "gen"), "a file\n");
    const out = await cbc(["compile", "good", "-o", outDir], { cwd });
    expect(out.code).toBe(2);
    expect(out.stdout).toBe("");
    expect(out.stderr).toBe(
      outDir === "gen"
        ? "cbc: cannot write to gen: it is a file, not a directory\n"
        : "cbc: cannot write to gen/sub: a part of the path is a file, not a directory\n",
    );
    expect(await fs.readFile(path.join(cwd, "gen"), "utf8")).toBe("a file\n");
  });

  it("exits 2 when an output path is a directory", async () => {
    const cwd = await project("good");
    await fs.mkdir(path.join(cwd, "gen", "train.ts"), { recursive: true });
    const out = await cbc(["compile", "good/train.rules", "-o", "gen"], { cwd });
    expect(out).toEqual({ code: 2, stdout: "", stderr: "cbc: cannot read gen/train.ts: it is a directory\n" });
  });

  it("prints one JSON document listing what it wrote", async () => {
    const cwd = await project("good", "warn");
    const out = await cbc(["compile", "good", "warn", "-o", "gen", "--format", "json"], { cwd });
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("");
    const doc = JSON.parse(out.stdout);
    expect(doc.files).toEqual([
      { path: "gen/reduce-lr.ts", status: "written" },
      { path: "gen/train.ts", status: "written" },
      { path: "gen/f1.ts", status: "written" },
    ]);
    expect(doc.diagnostics.map((d: { code: string; file: string }) => `${d.code} ${d.file}`)).toEqual(["CBC201 warn/f1.rules"]);
  });

  it("prints JSON with the errors and no files when nothing is written", async () => {
    const cwd = await project("good", "bad");
    const out = await cbc(["compile", "good", "bad", "-o", "gen", "--format", "json"], { cwd });
    expect(out.code).toBe(1);
    const doc = JSON.parse(out.stdout);
    expect(doc.files).toEqual([]);
    expect(doc.diagnostics.map((d: { code: string }) => d.code)).toEqual(["CBC200"]);
    expect(existsSync(path.join(cwd, "gen"))).toBe(false);
  });
});

describe("cbc compile --check", () => {
  it("exits 0 and writes nothing when everything is up to date", async () => {
    const cwd = await project("good");
    await cbc(["compile", "good", "-o", "gen"], { cwd });
    const mtime = await age(path.join(cwd, "gen", "train.ts"));
    const out = await cbc(["compile", "good", "-o", "gen", "--check"], { cwd });
    expect(out).toEqual({ code: 0, stdout: "up to date (2 files)\n", stderr: "" });
    expect(statSync(path.join(cwd, "gen", "train.ts")).mtimeMs).toBe(mtime);
  });

  it("exits 1 and names each differing or missing file, writing nothing", async () => {
    const cwd = await project("good");
    await cbc(["compile", "good", "-o", "gen"], { cwd });
    await fs.writeFile(path.join(cwd, "gen", "train.ts"), "// stale\n");
    await fs.rm(path.join(cwd, "gen", "reduce-lr.ts"));
    const out = await cbc(["compile", "good", "-o", "gen", "--check"], { cwd });
    expect(out).toEqual({
      code: 1,
      stdout: "missing gen/reduce-lr.ts\ndiffers gen/train.ts\n",
      stderr: "cbc: 2 generated files out of date; run cbc compile without --check\n",
    });
    expect(await listFiles(path.join(cwd, "gen"))).toEqual(["train.ts"]);
    expect(await fs.readFile(path.join(cwd, "gen", "train.ts"), "utf8")).toBe("// stale\n");
  });

  it("reports every status in JSON and never creates the out dir", async () => {
    const cwd = await project("good");
    const out = await cbc(["compile", "good", "-o", "gen", "--check", "--format", "json"], { cwd });
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({
      diagnostics: [],
      files: [
        { path: "gen/reduce-lr.ts", status: "missing" },
        { path: "gen/train.ts", status: "missing" },
      ],
    });
    expect(existsSync(path.join(cwd, "gen"))).toBe(false);
  });

  it("exits 1 on rules errors without comparing anything", async () => {
    const cwd = await project("bad");
    const out = await cbc(["compile", "bad", "-o", "gen", "--check"], { cwd });
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr.endsWith("\n1 error\n")).toBe(true);
  });
});

describe("usage, colour and internal errors", () => {
  it.each([
    [["check"], "cbc: missing required argument 'inputs'\n"],
    [["compile", "good", "--frobnicate"], "cbc: unknown option '--frobnicate'\n"],
    [["check", "good", "--format", "xml"], "cbc: option '--format <format>' argument 'xml' is invalid. Allowed choices are text, json.\n"],
    [["chekc", "good"], "cbc: unknown command 'chekc' (Did you mean check?)\n"],
  ])("%j is a usage error: exit 2 and one line", async (args, message) => {
    expect(await cbc(args)).toEqual({ code: 2, stdout: "", stderr: message });
  });

  it("shows help on stderr with exit 2 when no command is given, and on stdout with --help", async () => {
    const none = await cbc([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Usage: cbc");
    const help = await cbc(["compile", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--out-dir <dir>");
    expect(help.stdout).toContain("--runtime-import <spec>");
  });

  it("prints the package version", async () => {
    expect(await cbc(["--version"])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: "" });
  });

  it.each([
    [{ isTTY: true, env: {} }, true],
    [{ isTTY: false, env: {} }, false],
    [{ isTTY: true, env: { NO_COLOR: "1" } }, false],
    [{ isTTY: true, env: { NO_COLOR: "" } }, true],
    [{ isTTY: false, env: { FORCE_COLOR: "1" } }, true],
    [{ isTTY: false, env: { FORCE_COLOR: "" } }, true],
    [{ isTTY: true, env: { FORCE_COLOR: "0" } }, false],
  ])("colours code frames for %j: %s", async (options, coloured) => {
    const out = await cbc(["check", "bad"], options);
    expect(out.code).toBe(1);
    expect(ANSI.test(out.stderr)).toBe(coloured);
  });

  it("never colours JSON", async () => {
    const out = await cbc(["check", "bad", "--format", "json"], { isTTY: true, env: { FORCE_COLOR: "1" } });
    expect(ANSI.test(out.stdout)).toBe(false);
  });

  it("turns an unexpected failure into exit 70 and one line; CBC_DEBUG adds the stack", async () => {
    const failing = (env: Record<string, string>) =>
      run(["check", "good", "--format", "json"], {
        stdout: {
          write: () => {
            throw new Error("stdout is closed");
          },
        },
        stderr: { write: (text: string) => (stderr += text) },
        cwd: fixtures,
        isTTY: false,
        env,
      });
    let stderr = "";
    expect(await failing({})).toBe(70);
    expect(stderr).toBe("cbc: internal error: stdout is closed\n");
    stderr = "";
    expect(await failing({ CBC_DEBUG: "1" })).toBe(70);
    expect(stderr.startsWith("cbc: internal error: stdout is closed\nError: stdout is closed\n")).toBe(true);
    expect(stderr).toMatch(STACK_LINE);
  });
});

describe("the built bin/cbc.js", () => {
  const bin = path.join(repo, "bin", "cbc.js");

  beforeAll(() => {
    ensureBuiltCli();
  });

  function spawnCbc(args: string[], cwd: string, nodeArgs: string[] = []) {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
    delete env.FORCE_COLOR;
    delete env.CBC_DEBUG;
    const child = spawnSync(process.execPath, [...nodeArgs, bin, ...args], { cwd, encoding: "utf8", env });
    return { code: child.status, stdout: child.stdout, stderr: child.stderr };
  }

  it("exits 0, 1 and 2 as documented", async () => {
    expect(spawnCbc(["check", "good"], fixtures)).toEqual({ code: 0, stdout: "", stderr: "no problems\n" });
    const bad = spawnCbc(["check", "bad"], fixtures);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(" --> bad/unknown-metric.rules:2:6\n");
    expect(spawnCbc(["check", "nope.rules"], fixtures)).toEqual({ code: 2, stdout: "", stderr: "cbc: cannot read nope.rules: no such file\n" });
    const cwd = await project("good");
    expect(spawnCbc(["compile", "good", "-o", "gen"], cwd)).toEqual({ code: 0, stdout: "wrote gen/reduce-lr.ts\nwrote gen/train.ts\n", stderr: "" });
    expect(await fs.readFile(path.join(cwd, "gen", "train.ts"), "utf8")).toBe(await expectedModule("good/train.rules"));
  });

  it("reports a garbage input without a stack trace", async () => {
    const cwd = await tempDir();
    // Every byte value, some grammar-looking noise and unbalanced brackets.
    const bytes = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      Buffer.from('callback X( { when "unterminated \\q {epoch:zz} `` 1e999e ** ) } }} \u0000 lr *= \n\t\r\r\n'),
      Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) % 256)),
    ]);
    await fs.writeFile(path.join(cwd, "garbage.rules"), bytes);
    for (const command of ["check", "compile"]) {
      const out = spawnCbc([command, "garbage.rules"], cwd);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/^error\[CBC1\d\d\]: /);
      expect(out.stderr).not.toMatch(STACK_LINE);
      expect(out.stderr).not.toContain("internal error");
      // No raw control characters reach the terminal.
      expect(out.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    }
    expect(existsSync(path.join(cwd, "generated"))).toBe(false);
  });

  it("never loads TypeScript for `check`, only for `compile`", async () => {
    // The preload makes any import of ts-morph or typescript fail.
    const preload = ["--import", path.join(fixtures, "no-typescript.mjs")];
    expect(spawnCbc(["check", "good"], fixtures, preload).code).toBe(0);
    const cwd = await project("good");
    const compiled = spawnCbc(["compile", "good"], cwd, preload);
    expect(compiled).toEqual({ code: 70, stdout: "", stderr: "cbc: internal error: ts-morph was loaded\n" });
  });
});
