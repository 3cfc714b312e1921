// Hostile text in a rules file: quotes, backslashes, comment closers, template
// holes, backticks, U+2028/U+2029, escaped newlines and `</script>` in strings,
// backquoted metric names, file names and comments. The emitted module must
// type-check and behave: a print prints exactly the decoded string, a rule reads
// exactly the backquoted metric. No text from a rules file ever becomes code.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import ts from "typescript";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { compile } from "../../src/compiler.js";
import { drive } from "../support/drive.js";
import { typeErrors } from "../support/typecheck.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

// `injected` marks text that would run if a string escaped into code.
const NASTY = `q" bs\\ end*/ injected() /* tpl\${injected()} tick\` </script> ls \u2028 ps \u2029 nl\n tab\t '"); injected(); ("' {braces}`;
/** A backquoted metric name: anything but a backtick or a line break. */
const METRIC = `a"b\\c*/ injected() /*d\${injected()}</script>\u2028f\u2029g'h{x}`;
/**
 * A file name with all of it. `\\` and each `/` (the comment closer's and the
 * script tag's) separate folders, so the stem, and the bare class
 * `ScriptQNameCallback`, come from what follows the last one; rule sites and
 * the class doc keep the whole name.
 */
const FILE_NAME = `runs*/ injected() /*\\we"ird \${injected()} \`t\` </script> \u2028 \u2029 'q' name.rules`;

/** How the rules language writes a string: `\"`, `\\`, `\n`, `\t` escapes (U+2028/9 may stand raw). */
function rulesString(text: string, placeholders: boolean): string {
  let body = text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t");
  if (placeholders) body = body.replace(/\{/g, "{{").replace(/\}/g, "}}");
  return `"${body}"`;
}

const COMMENT = `# comment: */ injected() /* \${injected()} " \\ \` </script> \u2028 \u2029 '); injected(); ('`;

const SOURCE = `${COMMENT}
metrics loss, val_loss, \`${METRIC}\`  ${COMMENT}

callback Hostile(tag: string = ${rulesString(NASTY, false)}) {
  ${COMMENT}
  on epoch end when \`${METRIC}\` > 0.5 then print ${rulesString(NASTY, true)}
  on epoch end when \`${METRIC}\` > 0.5 ${COMMENT}
    then print "{tag}|{epoch}"
  when \`${METRIC}\` improves then print ${rulesString(`${NASTY}\n`, true)}
}
`;

/** The bare-rules class is named from the file stem; its print has no placeholders. */
const BARE_SOURCE = `on epoch end when \`${METRIC}\` is finite then print ${rulesString(NASTY, true)} ${COMMENT}\n`;

interface Loaded {
  text: string;
  file: string;
  module: Record<string, unknown>;
}

let dir: string;
const loaded = new Map<string, Loaded>();
let diagnostics: string[] = [];

const COLLIDING_SOURCE = `callback Predicate { when val_loss plateau 2 then stop }
callback Promise { when val_loss plateau 2 then stop }
callback Math { when val_loss plateau 2 then lr = max(lr * 0.5, 1e-6) }
callback Slow { when val_loss plateau 2 then stop }
callback SlowRules { when val_loss plateau 3 then stop }
`;

async function emit(name: string, source: string, fileName: string): Promise<{ text: string; file: string }> {
  const result = await compile(source, { fileName });
  expect(result.diagnostics.filter((d) => d.severity === "error"), name).toEqual([]);
  expect(result.files).toHaveLength(1);
  const file = path.join(dir, `${name}.ts`);
  writeFileSync(file, result.files[0].text);
  return { text: result.files[0].text, file };
}

beforeAll(async () => {
  mkdirSync(path.join(root, "test/.tmp"), { recursive: true });
  dir = mkdtempSync(path.join(root, "test/.tmp/hostile-"));
  const modules = [
    { name: "hostile", ...(await emit("hostile", SOURCE, "hostile.rules")) },
    { name: "bare", ...(await emit("bare", BARE_SOURCE, FILE_NAME)) },
  ];
  diagnostics = typeErrors(modules.map((m) => m.file));
  for (const m of modules) {
    const module = (await import(pathToFileURL(m.file).href)) as Record<string, unknown>;
    loaded.set(m.name, { text: m.text, file: m.file, module });
  }
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

type Driven = Parameters<typeof drive>[0] & { firings: { rule: string; text: string; action: string; detail?: string }[] };

function construct(name: string, className: string, options: Record<string, unknown> = {}): Driven {
  const module = loaded.get(name)?.module;
  const ctor = module?.[className] as (new (options: Record<string, unknown>) => Driven) | undefined;
  if (!ctor) throw new Error(`${name} does not export ${className}; exports: ${Object.keys(module ?? {}).join(", ")}`);
  return new ctor(options);
}

/** Identifiers and keywords outside strings, templates and comments. */
function codeTokens(text: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.ES2022, true, ts.LanguageVariant.Standard, text);
  const tokens: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.Identifier) tokens.push(scanner.getTokenText());
  }
  return tokens;
}

describe("hostile strings, metric names, file names and comments", () => {
  test("the emitted modules type-check", () => {
    expect(diagnostics).toEqual([]);
  });

  test("no text from the rules file became code", () => {
    for (const [name, { text, module }] of loaded) {
      // The scanner skips comments and reads each string as one token: `injected` may only hide in them.
      expect(codeTokens(text), name).not.toContain("injected");
      expect(Object.keys(module).sort(), name).toEqual(name === "hostile" ? ["Hostile"] : ["ScriptQNameCallback"]);
    }
  });

  test("print prints exactly the decoded string, through both the literal and the formatted path", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const callback = construct("hostile", "Hostile");
    const run = await drive(callback, { epochs: { [METRIC]: [0.9, 0.2, 0.95] } });
    // The name has none of acc/auc/precision/recall/f1/iou: `improves` means lower.
    // Epoch 0: 0.9 > 0.5 prints NASTY and the tag line, and improves (first value);
    // epoch 1: 0.2 improves only; epoch 2: 0.95 > 0.5, no improvement.
    expect(lines).toEqual([NASTY, `${NASTY}|1`, `${NASTY}\n`, `${NASTY}\n`, NASTY, `${NASTY}|3`]);
    expect(run.epochsRun).toBe(3);
    expect(callback.firings.map((f) => f.detail)).toEqual(lines);
  });

  test("a rule reads exactly the backquoted metric: a near name does not count", async () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const callback = construct("hostile", "Hostile");
    const near = METRIC.replace("\u2028", " ");
    // The near name holds values that would fire the `> 0.5` rules and improve once;
    // the real one improves twice and never passes 0.5.
    const run = await drive(callback, { epochs: { [METRIC]: [0.1, 0.05], [near]: [0.9, 0.9] } });
    expect(callback.firings.filter((f) => f.action === "print").map((f) => f.rule)).toEqual(["hostile.rules:9:3", "hostile.rules:9:3"]);
    expect(run.epochsRun).toBe(2);
  });

  test("the train-begin check names the metric exactly", async () => {
    const callback = construct("hostile", "Hostile");
    await expect(drive(callback, { epochs: { val_loss: [1] } })).rejects.toThrow(`reads metric \`${METRIC}\`, but the fit loop reports \`val_loss\``);
  });

  test("a string option holding hostile text prints as given", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    const tag = `${NASTY} {epoch} ${METRIC}`;
    await drive(construct("hostile", "Hostile", { tag }), { epochs: { [METRIC]: [0.9] } });
    // Option values are data: `{epoch}` inside one is not a placeholder.
    expect(lines[1]).toBe(`${tag}|1`);
  });

  test("the rule site keeps the file name, and the folded rule text, exactly", async () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const callback = construct("bare", "ScriptQNameCallback");
    await drive(callback, { epochs: { [METRIC]: [1] } });
    expect(callback.firings).toHaveLength(1);
    expect(callback.firings[0].rule).toBe(`${FILE_NAME}:1:1`);
    // The rule as written (escapes included), without its comment, runs of blanks and line breaks folded.
    const written = `on epoch end when \`${METRIC}\` is finite then print ${rulesString(NASTY, true)}`;
    expect(callback.firings[0].text).toBe(written.replace(/[ \t\r\n]+/g, " "));
    expect(callback.firings[0].detail).toBe(NASTY);
  });

  test("a space before U+2028/U+2029 in a string is kept", async () => {
    // Trailing-blank cleanup of the output must end lines only at \n, not at U+2028/U+2029 inside strings.
    const result = await compile('on epoch end then print "a \u2028 b \u2029 c"\n', { fileName: "spaces.rules" });
    expect(result.files[0].text).toContain('"a \u2028 b \u2029 c"');
  });

  test("class names that would clash with TypeScript's reserved names or other classes' tables are errors; runtime names are free", async () => {
    // The runtime is a namespace import: `rules.rules` (class RulesCallback), `callback Predicate` and
    // `callback Math` are fine. `callback Promise` breaks `Promise<void>` (TypeScript reserves it in a
    // module with async functions); `Slow`'s `SlowRules` table vs class `SlowRules`.
    const bare = await compile("when val_loss plateau 2 then lr = max(lr * 0.5, 1e-6)\n", { fileName: "rules.rules" });
    expect(bare.diagnostics).toEqual([]);
    const globals = await compile(COLLIDING_SOURCE, { fileName: "globals.rules" });
    expect(globals.files).toEqual([]);
    expect(globals.diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([
      ["CBC206", 2],
      ["CBC206", 5],
    ]);
    const allowed = await compile(COLLIDING_SOURCE.split("\n").filter((_, i) => i !== 1 && i !== 4).join("\n"), { fileName: "runtime-names.rules" });
    const files = [bare, allowed].map((result, i) => {
      const file = path.join(dir, `runtime-names-${i}.ts`);
      writeFileSync(file, result.files[0].text);
      return file;
    });
    expect(typeErrors(files)).toEqual([]);
  });

  test("`*/` in a file name does not close the class doc comment", async () => {
    // The class doc names the file: `/** Rules of <file>. */`.
    const result = await compile("when val_loss plateau 2 then stop\n", { fileName: "runs*/ injected() /*x.rules" });
    expect(codeTokens(result.files[0].text)).not.toContain("injected");
  });
});
