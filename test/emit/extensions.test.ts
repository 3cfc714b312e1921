// The language extensions the standard library needs, end to end: paths and separators
// from string params, required params, `number[]` params with piecewise(), the progress
// action. What the emitter writes, that the module type-checks (strict) together with a
// file that uses it, and how it behaves through the scripted driver.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { math } from "../../src/runtime/types.js";
import { compile } from "../../src/compiler.js";
import { drive } from "../support/drive.js";
import { typeErrors as typeErrorsOf } from "../support/typecheck.js";


/** A rules string for an absolute directory (temp paths hold no quotes, backslashes or braces). */
function rulesPath(dir: string, rest: string): string {
  expect(dir).not.toMatch(/["\\{}]/);
  return `"${dir}/${rest}"`;
}

let dir: string;
let text: string;
let module: Record<string, unknown>;
let typeErrors: string[];

function source(literalDir: string): string {
  return `metrics loss, val_loss
callback Checkpoint(filepath: string, monitor: metric = val_loss, save_best_only: bool = false) {
  when save_best_only and monitor improves then save weights to filepath
  when not save_best_only then save weights to filepath
}
callback Literal() {
  on epoch end then save weights to ${rulesPath(literalDir, "w-{epoch:02d}-{step}-{val_loss:.2f}")}
}
callback Csv(filename: string, sep: string = ",", append: bool = false) {
  on epoch end when append then log to filename separator sep append
  on epoch end when not append then log to filename separator sep
}
callback Board(log_dir: string) {
  on epoch end then tensorboard log_dir
}
callback Schedule(boundaries: number[] = [1, 3], values: number[] = [0.1, 0.01, 0.001]) {
  on epoch begin then lr = piecewise(epoch, boundaries, values)
}
callback Bar() {
  on batch end then progress
  on epoch end then progress
}
`;
}

/** Uses the module as an app would; each `@ts-expect-error` must meet an error, or tsc reports it. */
const USAGE = `import { Checkpoint, Csv, Schedule } from "./extensions.js";
new Checkpoint({ filepath: "ckpt/{epoch:02d}", saveBestOnly: true });
// @ts-expect-error filepath is a required option
new Checkpoint({ saveBestOnly: true });
// @ts-expect-error the options object is required once an option is
new Checkpoint();
new Csv({ filename: "train.csv", sep: ";" });
new Schedule();
new Schedule({ boundaries: [10] as const, values: [0.1, 0.01] });
// @ts-expect-error boundaries are numbers
new Schedule({ boundaries: ["10"] });
export {};
`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "cbc-extensions-"));
  const result = await compile(source(path.join(dir, "literal")), { fileName: "extensions.rules" });
  expect(result.diagnostics).toEqual([]);
  text = result.files[0].text;
  // ESM, as in the project: NodeNext reads the module format from the nearest package.json.
  writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n');
  const file = path.join(dir, "extensions.ts");
  writeFileSync(file, text);
  const usage = path.join(dir, "usage.ts");
  writeFileSync(usage, USAGE);
  typeErrors = typeErrorsOf([file, usage]);
  module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type Driven = Parameters<typeof drive>[0] & { firings: { action: string; detail?: string }[] };

function construct(className: string, options?: Record<string, unknown>): Driven {
  const ctor = module[className] as new (options?: Record<string, unknown>) => Driven;
  return new ctor(options);
}

describe("what the emitter writes", () => {
  test("a required option: no `?` in the interface, no default in the schema, no `= {}` for the options", () => {
    expect(text).toContain("  filepath: string;\n");
    expect(text).toContain("  monitor?: string;\n");
    expect(text).toContain("  filepath: cbc.option.string(),\n");
    expect(text).toContain("  constructor(options: CheckpointOptions) {");
    expect(text).toContain("  constructor(options: ScheduleOptions = {}) {");
  });

  test("a path from a param is formatted at run time, and its rule reads every metric", () => {
    expect(text).toContain("await this.save(CheckpointRules.rules[0], this.format(CheckpointRules.rules[0], this.o.filepath), \"weights\");");
    expect(text).toMatch(/\{ at: "extensions\.rules:3:3", [^\n]*readsAll: true, writes: \[\{ action: "save", to: \{ option: "filepath" \} \}\] \}/);
    expect(text).toContain('await this.log(CsvRules.rules[0], this.format(CsvRules.rules[0], this.o.filename), { separator: this.o.sep, append: true });');
    expect(text).toContain("await this.tensorboard(BoardRules.rules[0], this.format(BoardRules.rules[0], this.o.logDir));");
  });

  test("number[] options, piecewise and the length check at construction", () => {
    expect(text).toContain("  boundaries?: readonly number[];\n");
    expect(text).toContain("  boundaries: cbc.option.withDefault(cbc.option.numbers(), [1, 3]),\n");
    expect(text).toContain("  values: cbc.option.withDefault(cbc.option.numbers(), [0.1, 0.01, 0.001]),\n");
    expect(text).toContain('cbc.requirePiecewiseLengths("Schedule", o, "boundaries", "values");');
    expect(text).toContain("this.setLr(ScheduleRules.rules[0], cbc.math.piecewise(this.epoch, this.o.boundaries, this.o.values));");
  });

  test("progress draws through the engine at the events it is written for", () => {
    expect(text).toContain("this.progress(BarRules.rules[0]);");
    expect(text).toContain("this.progress(BarRules.rules[1]);");
    expect(text).toMatch(/\{ at: "extensions\.rules:20:3", text: "on batch end then progress", event: "batchEnd", metrics: \[\], readsAll: true, writes: \[\{ action: "progress" \}\] \}/);
  });

  test("the module and a file using it type-check, required options included", () => {
    expect(typeErrors).toEqual([]);
  });
});

describe("paths from string params", () => {
  test("a template option names files exactly as the same literal path does, `{step}` and metrics included", async () => {
    const paramDir = path.join(dir, "param");
    const literalDir = path.join(dir, "literal");
    const script = { epochs: { loss: [1, 0.8, 0.6], val_loss: [0.5, 0.25, 0.125] }, batches: 2 };
    await drive(construct("Checkpoint", { filepath: `${paramDir}/w-{epoch:02d}-{step}-{val_loss:.2f}` }), script);
    await drive(construct("Literal"), script);
    // Keras formats filepath.format(epoch=epoch + 1, **logs): epochs 01..03; `{step}` counts the
    // 2 batches of each epoch done (2, 4, 6); `.2f` of 0.125 is 0.12 (an exact half, to even).
    const expected = ["w-01-2-0.50", "w-02-4-0.25", "w-03-6-0.12"];
    expect(readdirSync(paramDir).sort()).toEqual(expected);
    expect(readdirSync(literalDir).sort()).toEqual(expected);
    for (const name of expected) expect(readdirSync(path.join(paramDir, name)).sort()).toEqual(["weights.bin", "weights.json"]);
  });

  test("with save_best_only, only the epochs where the monitored metric improves write", async () => {
    const bestDir = path.join(dir, "best");
    // val_loss (min): 0.5 is the first value, 0.6 is worse, 0.25 better.
    const callback = construct("Checkpoint", { filepath: `${bestDir}/e{epoch}`, saveBestOnly: true });
    await drive(callback, { epochs: { val_loss: [0.5, 0.6, 0.25] } });
    expect(readdirSync(bestDir).sort()).toEqual(["e1", "e3"]);
    expect(callback.firings.map((f) => f.detail)).toEqual([`${bestDir}/e1`, `${bestDir}/e3`]);
  });

  test("a required option left out is an error naming it", () => {
    expect(() => construct("Checkpoint", {})).toThrow(/^Checkpoint: option `filepath`: expected a string, got nothing$/);
  });

  test("the CSV file and separator come from options", async () => {
    const file = path.join(dir, "train.csv");
    await drive(construct("Csv", { filename: file, sep: ";" }), { epochs: { loss: [1, 0.5] } });
    const lines = readFileSync(file, "utf8").trimEnd().split(/\r?\n/);
    expect(lines[0]).toBe("epoch;loss;lr");
    expect(lines.slice(1).map((line) => line.split(";").slice(0, 2))).toEqual([
      ["0", "1.0"],
      ["1", "0.5"],
    ]);
  });

  test("the TensorBoard directory comes from an option", async () => {
    const logDir = path.join(dir, "tb");
    await drive(construct("Board", { logDir }), { epochs: { loss: [1, 0.5] } });
    expect(readdirSync(logDir, { recursive: true }).length).toBeGreaterThan(0);
  });
});

describe("piecewise", () => {
  // Keras' docstring: boundaries [100000, 110000], values [1.0, 0.5, 0.1] give 1.0 for the
  // first 100001 steps (0..100000), 0.5 for the next 10000, then 0.1.
  test.each([
    [0, 1.0],
    [100000, 1.0],
    [100001, 0.5],
    [110000, 0.5],
    [110001, 0.1],
  ])("Keras' example at step %i is %f", (step, value) => {
    expect(math.piecewise(step, [100000, 110000], [1.0, 0.5, 0.1])).toBe(value);
  });

  test("no boundaries: the one value; NaN: NaN; decreasing boundaries sum what holds x, as Keras' formula does", () => {
    expect(math.piecewise(5, [], [0.3])).toBe(0.3);
    expect(math.piecewise(Number.NaN, [1], [1, 2])).toBeNaN();
    // boundaries [3, 1]: x <= 3 gives 1, x > 1 gives 100; no x is in (3, 1].
    expect([0, 2, 5].map((x) => math.piecewise(x, [3, 1], [1, 10, 100]))).toEqual([1, 101, 100]);
  });

  test("as a schedule at epoch begin, with the defaults and with options", async () => {
    // Defaults [1, 3] / [0.1, 0.01, 0.001]: epochs 0, 1 (<= 1) 0.1; 2, 3 (<= 3) 0.01; 4 0.001.
    const run = await drive(construct("Schedule"), { epochs: { loss: [1, 1, 1, 1, 1] } });
    expect(run.lrAfterEpoch.map((v) => +v.toPrecision(6))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001]);
    // [0] / [1, 2]: epoch 0 (<= 0) 1, later 2.
    const given = await drive(construct("Schedule", { boundaries: [0], values: [1, 2] }), { epochs: { loss: [1, 1, 1] } });
    expect(given.lrAfterEpoch).toEqual([1, 2, 2]);
  });

  test("values must hold one more number than boundaries: checked at construction, naming both", () => {
    expect(() => construct("Schedule", { values: [0.1, 0.01] })).toThrow(
      "Schedule: options `boundaries` and `values`: `values` must hold one more number than `boundaries` (one value per interval), got 2 boundaries [1,3] and 2 values [0.1,0.01]",
    );
    expect(() => construct("Schedule", { values: [0.1, "x", 1] })).toThrow("Schedule: option `values.1`: expected a finite number, got \"x\"");
    expect(() => construct("Schedule", { boundaries: 3 })).toThrow("Schedule: option `boundaries`: expected an array of numbers, got 3");
  });
});
