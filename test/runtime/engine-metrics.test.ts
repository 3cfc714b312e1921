// How the engine reads metrics: the train-begin check (fails before the first
// batch, naming the rule, the metric and what the fit loop reports), reading
// only the metrics the rules need and each once per event, numbers and scalar
// tensors giving identical runs, and no tensor left behind.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { OptionsError, RuleError, type RulesCallback } from "cbc-runtime";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { drive, tinyModel } from "../support/drive.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";

type Callback = RulesCallback & Parameters<typeof drive>[0];
type CallbackClass = new (options?: Record<string, unknown>) => Callback;

const root = fileURLToPath(new URL("../..", import.meta.url));
let dir: string;

beforeAll(() => {
  mkdirSync(path.join(root, "test/.tmp"), { recursive: true });
  dir = mkdtempSync(path.join(root, "test/.tmp/engine-metrics-"));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await removeLoadedRules();
});
beforeEach(() => void vi.spyOn(console, "log").mockImplementation(() => undefined));
afterEach(() => vi.restoreAllMocks());

/** Compiles `source` as `<stem>.rules` and imports its module as an app would (test/support/rules-module.ts). */
async function load(source: string, className: string, stem: string = "rules"): Promise<CallbackClass> {
  return (await loadRules(source, stem, className)) as unknown as CallbackClass;
}

describe("train begin: every metric a rule reads must be reported", () => {
  const SOURCE = `callback Watch(monitor: metric = val_loss, checkpoints: bool = false) {
  when loss is nan then stop
  when val_acc >= 0.9 then print "good"
  when monitor plateau 3 then stop
  when checkpoints and precision improves then print "saved"
}
`;

  test.each([
    // [reported by fit, options, rule line, metric, hint]
    [["loss", "acc"], {}, 3, "val_acc", "Validation metrics need validationData or validationSplit in model.fit()."],
    [["val_loss", "val_acc", "acc"], {}, 2, "loss", "Add it to model.compile({metrics: [...]})."],
    [["loss", "val_loss", "val_acc"], { checkpoints: true }, 5, "precision", "Add it to model.compile"],
  ] as const)("reported %j, options %j: line %i, metric %s", async (reported, options, line, metric, hint) => {
    const Watch = await load(SOURCE, "Watch", "watch");
    const callback = new Watch(options);
    const batchBegin = vi.spyOn(callback, "onBatchBegin");
    const error = await drive(callback, { epochs: { loss: [1] }, batches: 1, reported: [...reported] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleError);
    const message = (error as Error).message;
    expect(message).toMatch(new RegExp(`^watch\\.rules:${line}:3 \\(`));
    expect(message).toContain(`reads metric \`${metric}\`, but the fit loop reports ${reported.map((m) => `\`${m}\``).join(", ")}.`);
    expect(message).toContain(hint);
    expect(batchBegin).not.toHaveBeenCalled();
  });

  test.each([
    // [reported, monitor, the whole message]
    [
      ["loss", "acc", "val_loss", "val_acc"],
      "val_acuracy",
      'Watch: option `monitor` is "val_acuracy", but the fit reports loss, acc, val_loss, val_acc (did you mean "val_acc"?)',
    ],
    [["loss", "val_loss"], "val_los", 'Watch: option `monitor` is "val_los", but the fit reports loss, val_loss (did you mean "val_loss"?)'],
    [["loss", "acc"], "val_loss", 'Watch: option `monitor` is "val_loss", but the fit reports loss, acc. Validation metrics need validationData or validationSplit in model.fit().'],
    [["loss", "val_loss"], "f1", 'Watch: option `monitor` is "f1", but the fit reports loss, val_loss. Add it to model.compile({metrics: [...]}).'],
    // val_* metrics are reported: no advice about validation data, and nothing close to suggest.
    [["loss", "val_loss"], "val_precision", 'Watch: option `monitor` is "val_precision", but the fit reports loss, val_loss'],
  ] as const)("reported %j, option monitor %j: the error names the class and the option, not a rule", async (reported, monitor, message) => {
    const Watch = await load("callback Watch(monitor: metric = val_loss) {\n  when monitor plateau 3 then stop\n}\n", "Watch", "watch-option");
    const error = await drive(new Watch({ monitor }), { epochs: { loss: [1] }, reported: [...reported] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).message).toBe(message);
  });

  test("a literal metric gets the did-you-mean too, and no validation advice when val_* metrics are reported", async () => {
    const Watch = await load(SOURCE.replace("val_acc >= 0.9", "val_acc >= 0.9 and val_los < 1"), "Watch", "watch");
    const error = await drive(new Watch(), { epochs: { loss: [1] }, reported: ["loss", "val_loss", "val_acc"] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleError);
    expect((error as Error).message).toMatch(/^watch\.rules:3:3 \(.*\): reads metric `val_los`, but the fit loop reports `loss`, `val_loss`, `val_acc` \(did you mean `val_loss`\?\)$/);
  });

  test("a rule that options switch off requires nothing; `accuracy` and `acc` are one metric", async () => {
    const Watch = await load(SOURCE.replace("val_acc >= 0.9", "val_accuracy >= 0.9"), "Watch", "watch");
    // `checkpoints` is false: `precision` is neither required nor read. val_accuracy is met by val_acc.
    const run = await drive(new Watch(), { epochs: { loss: [1], val_loss: [1], val_acc: [0.95] } });
    expect(run.epochsRun).toBe(1);
  });

  test("with real tfjs, the error comes from model.fit before any weight changes", async () => {
    const Watch = await load(SOURCE, "Watch", "watch");
    const model = tinyModel(tf.train.sgd(0.5));
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const xs = tf.ones([8, 2]);
    const ys = tf.ones([8, 1]);
    // No validation data: the fit loop reports only `loss`.
    await expect(model.fit(xs, ys, { epochs: 2, batchSize: 4, callbacks: [new Watch()], verbose: 0 })).rejects.toThrow(
      /^watch\.rules:3:3 \(when val_acc >= 0\.9 then print "good"\): reads metric `val_acc`, but the fit loop reports `loss`\. Validation metrics need validationData or validationSplit in model\.fit\(\)\.$/,
    );
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    tf.dispose([xs, ys]);
    model.dispose();
  });
});

describe("metric reads", () => {
  /**
   * Reads of scalar tensors, by either method (the runtime reads with dataSync() where the
   * backend's read is synchronous, else data()): the logs' values are scalars; drive's
   * own weight stamp reads a kernel, which is not counted.
   */
  function countReads(): { reads: number } {
    const counts = { reads: 0 };
    for (const method of ["data", "dataSync"] as const) {
      const original = tf.Tensor.prototype[method] as (this: tf.Tensor) => unknown;
      vi.spyOn(tf.Tensor.prototype, method).mockImplementation(function (this: tf.Tensor) {
        if (this.rank === 0) counts.reads += 1;
        return original.call(this) as never;
      });
    }
    return counts;
  }

  const everything = {
    loss: [1, 0.9, 0.8, 0.7],
    acc: [0.1, 0.2, 0.3, 0.4],
    val_loss: [1, 0.95, 0.96, 0.97],
    val_acc: [0.1, 0.2, 0.3, 0.4],
    extra: [5, 5, 5, 5],
  };

  test("only the metrics the rules name, once per event, however many rules read them", async () => {
    const Two = await load(`when val_loss plateau 2 then lr *= 0.5\nwhen val_loss > 2 then stop\non epoch end when val_loss < 0.96 then print "{val_loss}"\n`, "TwoCallback", "two");
    const callback = new Two();
    const counts = countReads();
    // Batch logs hold tensors too (3 batches x 4 epochs), but no rule reads a batch metric.
    await drive(callback, { epochs: everything, batches: 3, batchMetrics: { loss: Array(12).fill(1), acc: Array(12).fill(0.5) }, asTensors: true });
    // One val_loss per epoch end.
    expect(counts.reads).toBe(4);
  });

  test("batch rules read their batch metric at each batch; `log to` reads every reported metric", async () => {
    const Batch = await load(`on batch end when loss > 10 then stop\non epoch end then log to "${path.join(dir, "log.csv").replace(/\\/g, "\\\\")}"\n`, "BatchCallback", "batch");
    const callback = new Batch();
    const counts = countReads();
    await drive(callback, { epochs: everything, batches: 3, batchMetrics: { loss: Array(12).fill(1), acc: Array(12).fill(0.5) }, asTensors: true });
    // 12 batch ends read `loss` (not `acc`); 4 epoch ends read the 5 reported metrics.
    expect(counts.reads).toBe(12 + 4 * 5);
  });

  test("on a backend whose read is synchronous, a batch event's metrics come back at once, not as a promise", async () => {
    // cpu, wasm and tfjs-node: no promise hop per batch (test/browser covers webgl's `await data()`).
    const Batch = await load(`on batch end when loss > 10 then stop\n`, "SyncBatchCallback", "sync-batch");
    const callback = new Batch();
    const model = tinyModel();
    callback.setModel(model);
    const logs = { loss: tf.scalar(0.5) };
    const enter = (callback as unknown as { enter(event: string, index: number, logs: unknown): unknown }).enter.bind(callback);
    const values = enter("batchEnd", 0, logs);
    expect(values).not.toBeInstanceOf(Promise);
    expect(values).toEqual({ loss: 0.5 });
    expect(logs.loss).toBe(0.5);
    model.dispose();
  });

  test("no metric read at all when nothing needs one", async () => {
    const Lr = await load(`on epoch begin then lr = 0.01 * (epoch + 1)\n`, "LrCallback", "lr");
    const counts = countReads();
    await drive(new Lr(), { epochs: everything, batches: 2, batchMetrics: { loss: [1, 1, 1, 1, 1, 1, 1, 1] }, asTensors: true });
    expect(counts.reads).toBe(0);
  });
});

describe("numbers and scalar tensors", () => {
  const SOURCE = `callback Full(patience: int = 2) {
  let seen = 0
  when val_loss plateau patience cooldown 1 then lr *= 0.5, seen += 1
  when val_loss plateau 2 * patience + 1 then stop, restore best weights
  when val_acc improves min_delta 0.01 then print "acc {val_acc:.3f} lr {lr}"
  on batch end when loss is not finite then print "bad {step}"
  every 2 epochs when mean(val_loss, 2) > best(val_loss) and val_loss > 0 then print "mean {epoch}"
}
`;
  // Values exact in float32, so the tensors hold what the numbers say.
  const script = {
    epochs: {
      loss: [1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
      val_loss: [1, 0.5, 0.75, 0.625, 0.5, 0.5, 0.875, 0.75, 0.5],
      val_acc: [0.25, 0.5, 0.5, 0.625, 0.5, 0.75, 0.75, 0.875, 1],
    },
    batches: 2,
    batchMetrics: { loss: [1, 0.5, Infinity, 0.5, 0.5, NaN, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5] },
  };

  test("give identical runs: firings, lr, stop epoch, restored weights", async () => {
    const Full = await load(SOURCE, "Full", "full");
    const asNumbers = new Full();
    const asTensors = new Full();
    const a = await drive(asNumbers, { ...script, asTensors: false });
    const b = await drive(asTensors, { ...script, asTensors: true });
    // Something happened: lr changes, a stop with a restore, prints.
    expect(new Set(asNumbers.firings.map((f) => f.action))).toEqual(new Set(["lr", "set", "stop", "restore", "print"]));
    expect(b.stoppedAt).toBe(a.stoppedAt);
    expect(b.lrAfterEpoch).toEqual(a.lrAfterEpoch);
    expect(b.weightsEpoch).toBe(a.weightsEpoch);
    expect(asTensors.firings).toEqual(asNumbers.firings);
    expect(b.leakedTensors).toBe(0);
  });
});

describe("tensor memory", () => {
  test("best-weight snapshots are replaced, not piled up, and dispose() frees them", async () => {
    const Keep = await load(
      `callback Keep {
  when val_loss plateau 50 then stop
  on train end then restore best weights of val_loss
  on epoch end then call count
}
`,
      "Keep",
      "keep",
    );
    const alive: number[] = [];
    const callback = new Keep({ hooks: { count: () => void alive.push(tf.memory().numTensors) } });
    // A new best at every epoch: each capture must free the previous snapshot.
    const valLoss = Array.from({ length: 12 }, (_, e) => 1 / (e + 1));
    const run = await drive(callback, { epochs: { val_loss: valLoss }, batches: 2, batchMetrics: { loss: Array(24).fill(1) }, asTensors: true });
    expect(run.weightsEpoch).toBe(11);
    expect(new Set(alive.slice(1)).size).toBe(1);
    expect(run.leakedTensors).toBe(0);
  });

  test("a finished fit holds no snapshot, even if the callback is never disposed (one new callback per fit)", async () => {
    const Early = await load(`when val_loss plateau 2 then stop\non train end then restore best weights of val_loss\n`, "EarlyCallback", "early");
    const model = tinyModel(tf.train.sgd(0.1));
    const xs = tf.ones([8, 2]);
    const ys = tf.ones([8, 1]);
    const before = tf.memory().numTensors;
    for (let fit = 0; fit < 3; fit++) {
      const callback = new Early();
      await model.fit(xs, ys, { epochs: 3, batchSize: 4, validationData: [xs, ys], callbacks: [callback], verbose: 0 });
      // It did capture (and restore) the best weights.
      expect(callback.firings.map((f) => f.action)).toContain("restore");
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([xs, ys]);
    model.dispose();
  });

  test("a fit that fails mid-way leaves nothing behind once disposed", async () => {
    const Fail = await load(`when val_loss plateau 5 then stop, restore best weights\nwhen val_loss < 0.5 then lr = -val_loss\n`, "FailCallback", "fail");
    const callback = new Fail();
    const before = tf.memory().numTensors;
    // The error comes at e2, after best-weight captures at e0, e1 and e2.
    await expect(drive(callback, { epochs: { val_loss: [1, 0.9, 0.4, 0.3] }, asTensors: true })).rejects.toThrow(RuleError);
    // drive's model stays alive (it never returned); the snapshot is the callback's to free.
    // (The model does not own an optimizer it was given: Adam's two scalars go with it.)
    const model = callback.model;
    callback.dispose();
    model.optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("acc and accuracy: one metric, whichever spelling the fit reports", () => {
  let printed: string[] = [];
  beforeEach(() => {
    printed = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
  });
  afterEach(() => vi.restoreAllMocks());
  const SOURCES = {
    acc: `callback Spell(monitor: metric = val_acc) {
  when val_acc > 0.5 then print "cond {val_acc}"
  when val_acc improves and best(val_accuracy) == val_acc then print "best {val_accuracy:.2f}"
  when monitor plateau 1 then print "plateau"
}
`,
    accuracy: `callback Spell(monitor: metric = val_accuracy) {
  when val_accuracy > 0.5 then print "cond {val_accuracy}"
  when val_accuracy improves and best(val_acc) == val_accuracy then print "best {val_acc:.2f}"
  when monitor plateau 1 then print "plateau"
}
`,
  };
  // e0 0.25: improves (first value). e1 0.75: > 0.5, improves. e2 0.5: plateau (wait 1 >= 1).
  const EXPECTED = ["best 0.25", "cond 0.75", "best 0.75", "plateau"];

  test.each([
    ["acc", "val_acc"],
    ["acc", "val_accuracy"],
    ["accuracy", "val_acc"],
    ["accuracy", "val_accuracy"],
  ] as const)("rules spelled %s, logs say %s: the train-begin check passes and every read finds the value", async (spelling, logKey) => {
    const Spell = await load(SOURCES[spelling], "Spell", `spell-${spelling}`);
    const callback = new Spell();
    await drive(callback, { epochs: { [logKey]: [0.25, 0.75, 0.5] }, reported: ["loss", logKey] });
    expect(printed).toEqual(EXPECTED);
    printed.length = 0;
    // The option too: a metric option may use either spelling.
    await drive(new Spell({ monitor: logKey === "val_acc" ? "val_accuracy" : "val_acc" }), { epochs: { [logKey]: [0.25, 0.75, 0.5] }, reported: [logKey] });
    expect(printed).toEqual(EXPECTED);
  });

  test("a real fit whose custom metric function is named `accuracy` reports val_accuracy: `val_acc` rules read it", async () => {
    const Spell = await load(SOURCES.acc, "Spell", "spell-real");
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, activation: "sigmoid" })] });
    const accuracy = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.metrics.binaryAccuracy(yTrue, yPred);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "binaryCrossentropy", metrics: [accuracy] });
    const xs = tf.tensor2d([0, 0, 1, 1, 0, 1, 1, 0], [4, 2]);
    const ys = tf.tensor2d([0, 1, 1, 0], [4, 1]);
    const callback = new Spell();
    const history = await model.fit(xs, ys, { epochs: 2, validationData: [xs, ys], callbacks: [callback], verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(["accuracy", "loss", "val_accuracy", "val_loss"]);
    // The first epoch's val_accuracy is always a new best: the improves rule fired with its value.
    expect(printed.find((line) => line.startsWith("best "))).toBe(`best ${(history.history.val_accuracy[0] as number).toFixed(2)}`);
    callback.dispose();
    tf.dispose([xs, ys]);
    model.dispose();
  });
});
