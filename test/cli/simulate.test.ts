// `cbc simulate` and `cbc plot` through run(): golden JSON results, the report, the pictures (well-formed
// SVG with tooltips, a PNG that decodes and is not blank), and every bad input as one line with exit 2.
import { existsSync, promises as fs, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { PNG } from "pngjs";
import { afterEach, describe, expect, test } from "vitest";
import { run } from "../../src/cli/run.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const goldenDir = path.join(repo, "test", "fixtures", "simulate");
const update = process.env.UPDATE === "1";
const RUN = "test/fixtures/histories/keras-run.csv";

async function cbc(args: string[], cwd = repo): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, cwd, isTTY: false, env: {} });
  return { code, stdout, stderr };
}

const temps: string[] = [];
afterEach(async () => {
  await Promise.all(temps.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
});
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-simulate-test-"));
  temps.push(dir);
  return dir;
}

const goldens: Array<[string, string[]]> = [
  ["early-stopping", ["simulate", "src/std/early-stopping.rules", "--history", RUN, "--set", "patience=5", "--set", "restoreBestWeights=true", "--json"]],
  ["reduce-lr-on-plateau", ["simulate", "src/std/reduce-lr-on-plateau.rules", "--history", RUN, "--set", "patience=3", "--set", "min_lr=1e-5", "--json"]],
  ["train-example", ["simulate", "examples/train.rules", "--history", RUN, "--set", "patience=4", "--lr", "0.01", "--steps-per-epoch", "20", "--json"]],
  ["iris-example", ["simulate", "examples/iris.rules", "--history", RUN, "--json"]],
  ["one-cycle-plot", ["plot", "src/std/one-cycle.rules", "--epochs", "4", "--steps-per-epoch", "10", "--set", "max_lr=0.1", "--set", "total_steps=40", "--json"]],
  ["cosine-warmup-plot", ["plot", "src/std/cosine-decay.rules", "--epochs", "20", "--set", "initial_learning_rate=0", "--set", "warmup_target=0.1", "--set", "warmup_steps=3", "--set", "decay_steps=15", "--set", "per_epoch=true", "--json"]],
];

describe("golden JSON", () => {
  test.each(goldens)("%s", async (name, args) => {
    const outcome = await cbc(args);
    expect(outcome.stderr.split("\n").filter((line) => line !== "" && !/^(Note|Not simulated): /.test(line))).toEqual([]);
    expect(outcome.code).toBe(0);
    const golden = path.join(goldenDir, `${name}.json`);
    if (update || !existsSync(golden)) {
      if (!update) throw new Error(`missing golden file ${golden}: run UPDATE=1 npx vitest run test/cli/simulate.test.ts`);
      await fs.mkdir(goldenDir, { recursive: true });
      await fs.writeFile(golden, outcome.stdout);
    }
    expect(outcome.stdout).toBe(readFileSync(golden, "utf8"));
  });

  test("--json has exactly the keys of the issue, firings too", async () => {
    const result = JSON.parse((await cbc(goldens[1]?.[1] ?? [])).stdout) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(["class", "epochs", "stopEpoch", "restoredEpoch", "lr", "lrAfter", "saves", "firings"]);
    for (const firing of result.firings as Array<Record<string, unknown>>) {
      expect(Object.keys(firing).every((key) => ["epoch", "event", "rule", "action", "from", "to", "detail"].includes(key))).toBe(true);
    }
  });
});

describe("the report", () => {
  test("a table with the rule's file:line, a summary, the lr note once", async () => {
    const outcome = await cbc(["simulate", "src/std/early-stopping.rules", "--history", RUN, "--set", "patience=5", "--set", "restore_best_weights=true"]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^epoch\s+rule\s+action\s+detail$/m);
    expect(outcome.stdout).toMatch(/^\s+\d+\s+early-stopping\.rules:26:3\s+stop\s+training stops after this epoch$/m);
    expect(outcome.stdout).toMatch(/^Summary: stops after epoch \d+; restores the weights of epoch \d+; lr stays 0\.001\.$/m);
    const lrRun = await cbc(["simulate", "src/std/reduce-lr-on-plateau.rules", "--history", RUN, "--set", "patience=3"]);
    expect(lrRun.stdout).toMatch(/Summary: runs all 40 epochs; lr 0\.001 -> [^ ]+ in \d+ reductions\./);
    expect(lrRun.stdout.match(/a real run with these rules would differ/g)).toHaveLength(1);
  });

  test("a dry run: saves, CSV rows and prints are reported, nothing is written or printed", async () => {
    const dir = await tempDir();
    await fs.copyFile(path.join(repo, "examples/iris.rules"), path.join(dir, "iris.rules"));
    await fs.copyFile(path.join(repo, RUN), path.join(dir, "run.csv"));
    const outcome = await cbc(["simulate", "iris.rules", "--history", "run.csv"], dir);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toBe("");
    expect(outcome.stdout).toMatch(/^\s+\d+\s+iris\.rules:10:3\s+save\s+would write out\/iris\/best$/m);
    expect(outcome.stdout).toMatch(/^\s+0-35\s+iris\.rules:11:3\s+log\s+would append a row to out\/iris\/log\.csv \(36 times\)$/m);
    expect(outcome.stdout).toMatch(/^\s+\d+\s+iris\.rules:9:3\s+print\s+val_loss stalled for 12 epochs$/m);
    expect(outcome.stdout).not.toMatch(/^val_loss stalled/m);
    expect((await fs.readdir(dir)).sort()).toEqual(["iris.rules", "run.csv"]);
  });

  test("a rule that reads elapsed is named in a note", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "t.rules"), "when elapsed > 2h then stop\nwhen val_loss plateau 3 then lr *= 0.5\n");
    await fs.copyFile(path.join(repo, RUN), path.join(dir, "run.csv"));
    const outcome = await cbc(["simulate", "t.rules", "--history", "run.csv", "--json"], dir);
    expect(outcome.code).toBe(0);
    expect(outcome.stderr).toContain("Note: t.rules:1:1 reads `elapsed`: in a replay that is the replay's own time, not the recorded run's.\n");
    expect(outcome.stderr).not.toContain("t.rules:2:1 reads");
  });

  test("batch rules are reported as not simulated", async () => {
    const outcome = await cbc(["simulate", "src/std/terminate-on-nan.rules", "--history", RUN]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/Not simulated: terminate-on-nan\.rules:\d+:3 \(on batch end when loss is not finite .*\): acts on batch events/);
  });
});

describe("pictures", () => {
  test("--plot OUT.svg: well-formed XML, the metrics and lr panels, a tooltip with each rule's location", async () => {
    const dir = await tempDir();
    const outcome = await cbc(["simulate", "src/std/reduce-lr-on-plateau.rules", "--history", RUN, "--set", "patience=3", "--plot", path.join(dir, "run.svg")]);
    expect(outcome.code).toBe(0);
    const svg = await fs.readFile(path.join(dir, "run.svg"), "utf8");
    expect(XMLValidator.validate(svg)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(svg) as { svg?: unknown };
    expect(parsed.svg).toBeDefined();
    for (const text of ["losses", "accuracies (higher is better)", "learning rate (log scale, per epoch)", "val_loss", "val_accuracy"]) expect(svg).toContain(`>${text}<`);
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    const lrChanges = JSON.parse((await cbc(["simulate", "src/std/reduce-lr-on-plateau.rules", "--history", RUN, "--set", "patience=3", "--json"])).stdout).firings.length as number;
    expect(lrChanges).toBeGreaterThan(0);
    // Each lr change is marked on every panel (losses, accuracies, lr): three tooltips per change.
    expect(titles.filter((t) => t?.startsWith("reduce-lr-on-plateau.rules:30:3: lr "))).toHaveLength(3 * lrChanges);
  });

  test("cbc plot -o OUT.png: a PNG that decodes, of the expected size, not blank", async () => {
    const dir = await tempDir();
    const out = path.join(dir, "schedule.png");
    const outcome = await cbc(["plot", "src/std/one-cycle.rules", "--epochs", "4", "--steps-per-epoch", "10", "--set", "max_lr=0.1", "--set", "total_steps=40", "-o", out]);
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toBe(`wrote ${out}\n`);
    const png = PNG.sync.read(await fs.readFile(out));
    expect(png.width).toBeGreaterThan(1200);
    expect(png.height).toBeGreaterThan(300);
    const colours = new Set<number>();
    let dark = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i] ?? 0, png.data[i + 1] ?? 0, png.data[i + 2] ?? 0];
      colours.add((r << 16) | (g << 8) | b);
      if (r + g + b < 200) dark += 1;
    }
    expect(colours.size).toBeGreaterThan(20);
    // Text, axes and the line: a few percent of the picture.
    expect(dark / (png.width * png.height)).toBeGreaterThan(0.002);
    expect(await fs.readdir(dir)).toEqual(["schedule.png"]);
  });
});

describe("bad input: one line, exit 2 (errors in the rules: exit 1)", () => {
  const cases: Array<[string, string[], RegExp]> = [
    ["a missing history", ["simulate", "examples/reduce-lr.rules", "--history", "nope.csv"], /^cbc: cannot read nope\.csv: no such file/],
    ["--set on a class without options", ["simulate", "examples/reduce-lr.rules", "--history", "test/fixtures/histories/semicolon.csv", "--set", "x=1"], /^cbc: --set x: ReduceLrCallback has no option `x`; it takes none/],
    ["an unknown option, with did-you-mean", ["simulate", "src/std/early-stopping.rules", "--history", RUN, "--set", "patince=3"], /^cbc: --set patince: EarlyStopping has no option `patince` \(did you mean `patience`\?\)/],
    ["an option of the wrong type", ["simulate", "src/std/early-stopping.rules", "--history", RUN, "--set", "patience=soon"], /^cbc: --set patience=soon: expected a number for `patience` \(int\)/],
    ["an option out of range", ["simulate", "src/std/early-stopping.rules", "--history", RUN, "--set", "patience=-1"], /^cbc: EarlyStopping: option `patience`.*\(give options with --set name=value/],
    ["a metric the history lacks", ["simulate", "src/std/early-stopping.rules", "--history", "test/fixtures/histories/tab.tsv", "--set", "monitor=val_acc"], /^cbc: early-stopping\.rules:\d+:3: this rule reads `val_acc`, which test\/fixtures\/histories\/tab\.tsv does not record.*it has loss, val_loss \(set the metric with --set monitor=NAME\)\n$/],
    ["a required option not given", ["plot", "src/std/one-cycle.rules", "--epochs", "3"], /^cbc: OneCycle: option `maxLr`: expected a number > 0, got nothing; option `totalSteps`.*\(give options with --set name=value; OneCycle takes max_lr, total_steps/],
    ["a function option", ["simulate", "src/std/learning-rate-scheduler.rules", "--history", RUN, "--set", "schedule=x"], /^cbc: --set schedule=x: `schedule` is a function option/],
    ["plot of a rule that reads metrics", ["plot", "examples/reduce-lr.rules", "--epochs", "3"], /^cbc: reduce-lr\.rules:2:1: this rule reads the metric `val_loss`: only rules that need no metrics can be plotted; replay a recorded run with `cbc simulate/],
    ["a picture of another type", ["plot", "src/std/one-cycle.rules", "--epochs", "3", "-o", "x.jpg"], /^cbc: -o x\.jpg: the picture is written as \.svg or \.png/],
    ["a bad --lr", ["simulate", "examples/reduce-lr.rules", "--history", RUN, "--lr", "fast"], /^cbc: --lr fast: expected a learning rate/],
    ["a class the file does not have", ["simulate", "examples/reduce-lr.rules", "--history", RUN, "--class", "ReduceLr"], /^cbc: reduce-lr\.rules has no class `ReduceLr`/],
  ];
  test.each(cases)("%s", async (_, args, message) => {
    const outcome = await cbc(args);
    expect(outcome.code).toBe(2);
    expect(outcome.stdout).toBe("");
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("a history line that is no number: the file and line", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "h.csv"), "epoch,loss,val_loss\n0,0.9,1.0\n1,0.8,oops\n");
    await fs.copyFile(path.join(repo, "examples/reduce-lr.rules"), path.join(dir, "r.rules"));
    const outcome = await cbc(["simulate", "r.rules", "--history", "h.csv", "--plot", "out.svg"], dir);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe('cbc: h.csv:3: column `val_loss`: "oops" is not a number (expected e.g. 0.25, 1e-05, nan, inf, -inf; empty or NA for no value)\n');
    // Nothing written.
    expect((await fs.readdir(dir)).sort()).toEqual(["h.csv", "r.rules"]);
  });

  test("a rule that fails the fit: the rule and its text, exit 2", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "guard.rules"), 'when epoch >= 1 and val_loss > 0.5 then fail "val_loss {val_loss} at epoch {epoch}"\n');
    await fs.writeFile(path.join(dir, "h.csv"), "epoch,val_loss\n0,1\n1,0.75\n2,0.25\n");
    const outcome = await cbc(["simulate", "guard.rules", "--history", "h.csv"], dir);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^cbc: guard\.rules:1:1 \(when epoch >= 1 .*\): the fit would fail here: val_loss 0\.75 at epoch 2\n$/);
  });

  test("rules with errors: the diagnostics, exit 1", async () => {
    const dir = await tempDir();
    await fs.writeFile(path.join(dir, "bad.rules"), "when val_loss plateau then stop\n");
    await fs.writeFile(path.join(dir, "h.csv"), "epoch,val_loss\n0,1\n");
    const outcome = await cbc(["simulate", "bad.rules", "--history", "h.csv"], dir);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain("bad.rules:1:");
  });
});
