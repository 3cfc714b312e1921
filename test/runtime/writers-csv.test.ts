// `log to "FILE" [separator ";"] [append]` through compiled rules in real fits, checked against Python's csv module
// configured as Keras' CSVLogger configures it (csv.DictWriter, excel dialect with the separator, sorted log keys).
import * as tf from "@tensorflow/tfjs";
import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RuleError } from "../../src/runtime/types.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";
import { classes, classifier, fitClassifier, temporaryDirectory } from "../support/writers-fit.js";

let root: { dir: string; remove: () => Promise<void> };
let cases = 0;
beforeAll(async () => {
  root = await temporaryDirectory("cbc-writers-csv-");
});
afterAll(async () => {
  await removeLoadedRules();
  await root.remove();
});
function caseDir(): string {
  cases += 1;
  return path.join(root.dir, `case-${cases}`);
}

/** One fit's part of the file: Keras writes the header only when the file is new or empty. */
interface Block {
  header: boolean;
  rows: Array<Record<string, number | undefined>>;
}

/**
 * What Keras' CSVLogger writes: fieldnames ["epoch"] + sorted(logs keys) — the metrics tfjs reports — and, as the
 * rules language adds, "lr" last; each value str()'d by csv (Python repr for floats), a missing one "NA".
 */
function kerasCsv(separator: string, metrics: readonly string[], blocks: readonly Block[]): string {
  const script = [
    "import csv, io, json, sys",
    "case = json.loads(sys.stdin.read())",
    "class Dialect(csv.excel):",
    "    delimiter = case['separator']",
    "fields = ['epoch'] + sorted(case['metrics']) + ['lr']",
    "out = io.StringIO(newline='')",
    "writer = csv.DictWriter(out, fieldnames=fields, dialect=Dialect)",
    "for block in case['blocks']:",
    "    if block['header']:",
    "        writer.writeheader()",
    "    for logs in block['rows']:",
    "        row = {'epoch': int(logs['epoch'])}",
    // Logs hold Python floats: values travel as JS's shortest round-trip strings, which float() reads back exactly.
    "        row.update((k, float(logs[k]) if logs.get(k) is not None else 'NA') for k in fields[1:])",
    "        writer.writerow(row)",
    "sys.stdout.write(out.getvalue())",
  ].join("\n");
  const payload = JSON.stringify({ separator, metrics, blocks }, (_key, value: unknown) =>
    typeof value === "number" ? String(value).replace("Infinity", "inf") : value,
  );
  return execFileSync("python3", ["-c", script], { input: payload }).toString("utf8");
}

/** Records what tfjs hands callbacks: params.metrics, and batch logs read without disposing them. */
class Probe extends tf.Callback {
  reported: string[] = [];
  batches: Array<Record<string, number>> = [];
  override async onTrainBegin(): Promise<void> {
    this.reported = (this.params.metrics as string[]).slice();
  }
  override async onBatchEnd(_batch: number, logs?: Record<string, number | tf.Tensor>): Promise<void> {
    const values: Record<string, number> = {};
    for (const [name, value] of Object.entries(logs ?? {})) values[name] = typeof value === "number" ? value : (value.dataSync()[0] as number);
    this.batches.push(values);
  }
}

function epochRows(run: tf.History | Record<string, number[]>, lrs: readonly number[]): Array<Record<string, number>> {
  const logged = (run instanceof tf.History ? run.history : run) as Record<string, number[]>;
  return lrs.map((lr, epoch) => {
    const row: Record<string, number> = { epoch, lr };
    for (const [name, series] of Object.entries(logged)) row[name] = series[epoch] as number;
    return row;
  });
}

describe("log to, in a real fit", () => {
  it("writes Keras' CSVLogger file, one row per epoch end, each row in the file before the next rule runs", async () => {
    const dir = caseDir();
    const file = path.join(dir, "logs", "train.csv");
    const Logged = await loadRules(
      `callback Logged {
  at epoch 1 then lr = 0.05
  on epoch end then log to "${file}", call peek
}`,
      "logged",
      "Logged",
    );
    const seen: string[][] = [];
    const callback = new Logged({ hooks: { peek: async () => void seen.push((await fs.readFile(file, "utf8")).split("\r\n")) } });
    const probe = new Probe();
    const history = await fitClassifier([probe, callback]);
    // tfjs reports the val_ metrics in params.metrics when validation is on; Keras' header is the sorted log keys.
    expect(probe.reported).toEqual(["loss", "acc", "val_loss", "val_acc"]);
    const expected = kerasCsv(",", probe.reported, [{ header: true, rows: epochRows(history, [0.1, 0.05, 0.05]) }]);
    expect(expected.split("\r\n")[0]).toBe("epoch,acc,loss,val_acc,val_loss,lr");
    expect(await fs.readFile(file, "utf8")).toBe(expected);
    // At each `call peek`, the file already held that epoch's row, complete, and no later one.
    const lines = expected.split("\r\n");
    expect(seen).toEqual([0, 1, 2].map((epoch) => [...lines.slice(0, epoch + 2), ""]));
    callback.dispose();
  });

  it('separator ";" and a diverging fit: huge values in Python repr, then inf and nan', async () => {
    const dir = caseDir();
    const file = path.join(dir, "diverging.csv");
    const Diverging = await loadRules(`callback Diverging {\n  on epoch end then log to "${file}" separator ";"\n}`, "diverging", "Diverging");
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
    model.compile({ optimizer: tf.train.sgd(3), loss: "meanSquaredError" });
    const xs = tf.tensor2d(Array.from({ length: 60 }, (_, i) => Math.sin(i) * 5), [20, 3]);
    const ys = tf.tensor2d(Array.from({ length: 20 }, (_, i) => Math.cos(i) * 10), [20, 1]);
    const callback = new Diverging();
    const history = await model.fit(xs, ys, { epochs: 6, batchSize: 5, shuffle: false, validationData: [xs, ys], callbacks: [callback], verbose: 0 });
    const losses = history.history.loss as number[];
    // The scenario needs all three kinds of value: finite (>= 1e16, where repr switches to exponent form), inf, nan.
    expect(losses.some((v) => Number.isFinite(v) && v >= 1e16)).toBe(true);
    expect(losses).toContain(Infinity);
    expect(losses.some(Number.isNaN)).toBe(true);
    const text = await fs.readFile(file, "utf8");
    expect(text).toBe(kerasCsv(";", ["loss", "val_loss"], [{ header: true, rows: epochRows(history, Array(6).fill(3)) }]));
    expect(text).toMatch(/;inf;/);
    expect(text).toMatch(/;nan;/);
    callback.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  });

  const twoFits: Array<{ name: string; append: boolean }> = [
    { name: "append: one callback for both fits, the second adds rows under the one header", append: true },
    { name: "no append: the second fit starts the file over", append: false },
  ];
  for (const row of twoFits) {
    it(`two fits, ${row.name}`, async () => {
      const dir = caseDir();
      const file = path.join(dir, "train.csv");
      const Twice = await loadRules(`callback Twice {\n  on epoch end then log to "${file}"${row.append ? " append" : ""}\n}`, "twice", "Twice");
      const model = classifier(0.1);
      const train = classes(12);
      const fit = (callback: tf.Callback): Promise<tf.History> =>
        model.fit(train.xs, train.ys, { epochs: 2, batchSize: 6, shuffle: false, callbacks: [callback], verbose: 0 });
      const callback = new Twice();
      const firstHistory = await fit(callback);
      const secondHistory = await fit(callback);
      const blocks: Block[] = [
        { header: true, rows: epochRows(firstHistory, [0.1, 0.1]) },
        { header: !row.append, rows: epochRows(secondHistory, [0.1, 0.1]) },
      ];
      expect(await fs.readFile(file, "utf8")).toBe(kerasCsv(",", ["loss", "acc"], row.append ? blocks : blocks.slice(1)));
      model.dispose();
      tf.dispose([train.xs, train.ys]);
    });
  }

  it("a fit that fails in another rule leaves complete rows, and the next fit starts the file over", async () => {
    const dir = caseDir();
    const file = path.join(dir, "train.csv");
    const Crashing = await loadRules(
      `callback Crashing {\n  on epoch end then log to "${file}", call check\n}`,
      "crashing",
      "Crashing",
    );
    let failAt = 1;
    const callback = new Crashing({
      hooks: {
        check: ({ epoch }) => {
          if (epoch === failAt) throw new Error("hook failed");
        },
      },
    });
    const model = classifier(0.1);
    const train = classes(12);
    const fit = (): Promise<tf.History> => model.fit(train.xs, train.ys, { epochs: 3, batchSize: 6, shuffle: false, callbacks: [callback], verbose: 0 });
    await expect(fit()).rejects.toThrow("hook failed");
    expect((await fs.readFile(file, "utf8")).split("\r\n").map((line) => line.split(",")[0])).toEqual(["epoch", "0", "1", ""]);
    failAt = -1;
    const history = await fit();
    // A fresh file (no append): the logger left open by the failed fit is not reused.
    expect(await fs.readFile(file, "utf8")).toBe(kerasCsv(",", ["loss", "acc"], [{ header: true, rows: epochRows(history, [0.1, 0.1, 0.1]) }]));
    model.dispose();
    tf.dispose([train.xs, train.ys]);
  });

  it("on batch end: one row per batch, epoch repeated, val_ columns NA (Keras has no batch-level CSV)", async () => {
    const dir = caseDir();
    const file = path.join(dir, "batches.csv");
    const Batches = await loadRules(`callback Batches {\n  on batch end then log to "${file}"\n}`, "batches", "Batches");
    const probe = new Probe();
    const model = classifier(0.1);
    const train = classes(20);
    const validation = classes(9, 5);
    await model.fit(train.xs, train.ys, {
      epochs: 2,
      batchSize: 8,
      shuffle: false,
      validationData: [validation.xs, validation.ys],
      callbacks: [probe, new Batches()],
      verbose: 0,
    });
    // 20 samples in batches of 8: 3 batches per epoch.
    const rows = probe.batches.map((logs, index) => ({ epoch: Math.floor(index / 3), loss: logs.loss, acc: logs.acc, lr: 0.1 }));
    expect(rows).toHaveLength(6);
    expect(await fs.readFile(file, "utf8")).toBe(kerasCsv(",", probe.reported, [{ header: true, rows }]));
    model.dispose();
    tf.dispose([train.xs, train.ys, validation.xs, validation.ys]);
  });

  it("a log that cannot be opened stops the fit with a RuleError naming the rule and the file", async () => {
    const dir = caseDir();
    await fs.mkdir(dir, { recursive: true });
    const blocker = path.join(dir, "blocker");
    await fs.writeFile(blocker, "a file where a folder should be");
    const file = path.join(blocker, "train.csv");
    const Blocked = await loadRules(`callback Blocked {\n  on epoch end then log to "${file}"\n}`, "blocked", "Blocked");
    const model = classifier(0.1);
    const train = classes(12);
    const error = await model.fit(train.xs, train.ys, { epochs: 3, batchSize: 6, callbacks: [new Blocked()], verbose: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RuleError);
    expect((error as RuleError).message).toBe(
      `blocked.rules:2:3 (on epoch end then log to "${file}"): could not write the CSV log "${file}": "${blocker}" is a file, not a directory`,
    );
    model.dispose();
    tf.dispose([train.xs, train.ys]);
  });
});
