// EarlyStopping from the standard library: Keras 3's documented edge cases as a scenario table
// (through the scripted driver, with numbers and with scalar tensors), one real model.fit, and options validation.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, test } from "vitest";
import { callbacks, EarlyStopping, type EarlyStoppingOptions } from "cbc";
import { OptionsError } from "cbc-runtime";
import { drive, type Value } from "../support/drive.js";

const N = Number.NaN;
const _ = undefined;

interface Row {
  name: string;
  options: EarlyStoppingOptions;
  epochs: Record<string, Value[]>;
  /** Index of the epoch after which training stopped; undefined: ran to the end. */
  stoppedAt: number | undefined;
  /** Epoch stamp of the weights at train end (restored or last). */
  weightsEpoch: number;
  /** How Keras 3 gets there, epoch by epoch (0-based, as on_epoch_end receives them). */
  derivation: string;
}

// Keras 3 EarlyStopping.on_epoch_end (keras/src/callbacks/early_stopping.py):
//   skip if the monitored value is None or epoch < start_from_epoch;
//   if restore_best_weights and no best weights yet: keep these weights;
//   wait += 1;
//   if improvement (best None at train begin -> always; else monitor_op(value - min_delta, best),
//   min_delta = |min_delta| negated for min mode): best = value, keep weights,
//   wait = 0 only if baseline is None or value also beats baseline; return;
//   if wait >= patience and epoch > 0: stop.
//   on_train_end: restore the kept weights when restore_best_weights (stopped or not).
const ROWS: Row[] = [
  {
    name: "patience 0 stops at the first epoch without improvement",
    options: { patience: 0 },
    epochs: { val_loss: [1, 0.9, 0.95, 0.8] },
    stoppedAt: 2,
    weightsEpoch: 2,
    derivation: "e0 best=1; e1 0.9<1 best; e2 wait=1>=0 and epoch>0: stop at 2; weights not restored -> epoch 2",
  },
  {
    name: "patience 1 acts like patience 0",
    options: { patience: 1 },
    epochs: { val_loss: [1, 0.9, 0.95, 0.8] },
    stoppedAt: 2,
    weightsEpoch: 2,
    derivation: "e2 wait=1>=1: stop at 2",
  },
  {
    name: "a tie is no improvement",
    options: { patience: 2, restoreBestWeights: true },
    epochs: { val_loss: [1, 0.5, 0.5, 0.5, 0.1] },
    stoppedAt: 3,
    weightsEpoch: 1,
    derivation: "e1 best=0.5; e2 0.5<0.5 false wait=1; e3 wait=2: stop at 3; the earliest best (e1) is restored",
  },
  {
    name: "min_delta: a gain of exactly min_delta does not count, a larger one does",
    options: { patience: 2, minDelta: 0.25 },
    // Binary fractions: the same in float32 (tensor logs, as Keras' logs also come from float32 metrics) and float64.
    epochs: { val_loss: [1, 0.75, 0.625, 0.5, 0.5, 0.375] },
    stoppedAt: 4,
    weightsEpoch: 4,
    derivation:
      "min mode: improvement iff value + 0.25 < best. e0 best=1; e1 0.75+0.25=1<1 false wait=1; " +
      "e2 0.625+0.25=0.875<1 best=0.625 wait=0; e3 0.5+0.25=0.75<0.625 false wait=1; e4 wait=2: stop at 4",
  },
  {
    name: "a negative min_delta counts as its absolute value",
    options: { patience: 1, minDelta: -0.1 },
    epochs: { val_loss: [1, 0.95, 0.8] },
    stoppedAt: 1,
    weightsEpoch: 1,
    derivation: "Keras takes abs(min_delta): e1 0.95+0.1<1 false, wait=1>=1: stop at 1",
  },
  {
    name: "baseline never reached: still improving keeps training, the first non-improvement stops",
    options: { patience: 2, baseline: 0.5, restoreBestWeights: true },
    epochs: { val_loss: [0.9, 0.8, 0.85, 0.82, 0.7] },
    stoppedAt: 2,
    weightsEpoch: 1,
    derivation:
      "e0 wait=1, best=0.9 but 0.9 does not beat 0.5: wait stays 1, return; e1 wait=2, best=0.8, wait stays, return; " +
      "e2 wait=3, no improvement, 3>=2: stop at 2; restore the best epoch of that set, e1",
  },
  {
    name: "baseline never reached and never improving: stops after patience epochs",
    options: { patience: 3, baseline: 0.1, restoreBestWeights: true },
    epochs: { val_loss: [0.5, 0.6, 0.7, 0.8, 0.9] },
    stoppedAt: 2,
    weightsEpoch: 0,
    derivation: "e0 best=0.5, wait=1 (baseline not beaten); e1 wait=2; e2 wait=3>=3: stop at 2; restore e0",
  },
  {
    name: "baseline reached later resets the wait",
    options: { patience: 2, baseline: 0.5 },
    epochs: { val_loss: [0.9, 0.45, 0.6, 0.6, 0.6] },
    stoppedAt: 3,
    weightsEpoch: 3,
    derivation: "e0 wait=1 (0.9 misses the baseline); e1 0.45 beats best and baseline: wait=0; e2 wait=1; e3 wait=2: stop at 3",
  },
  {
    name: "baseline in max mode",
    options: { monitor: "val_acc", patience: 1, baseline: 0.8 },
    epochs: { val_acc: [0.5, 0.7, 0.75, 0.9, 0.85] },
    stoppedAt: 4,
    weightsEpoch: 4,
    derivation: "max: e0 wait=1 (0.5 misses 0.8); e1 best, wait=2; e2 best, wait=3; e3 0.9 beats 0.8: wait=0; e4 wait=1: stop at 4",
  },
  {
    name: "NaN in later epochs is never an improvement",
    options: { patience: 2, restoreBestWeights: true },
    epochs: { val_loss: [1, N, 0.5, N, N, 0.1] },
    stoppedAt: 4,
    weightsEpoch: 2,
    derivation: "e1 NaN-0<1 false wait=1; e2 0.5 best wait=0; e3 wait=1; e4 wait=2: stop at 4; restore e2",
  },
  {
    name: "NaN first becomes the best (Keras 3 with best=None at train begin; see the deviation note)",
    options: { patience: 1, restoreBestWeights: true },
    epochs: { val_loss: [N, 1, 0.5] },
    stoppedAt: 1,
    weightsEpoch: 0,
    derivation:
      "e0 best None -> improvement: best=NaN, keep e0; e1 1<NaN false, wait=1>=1 and epoch>0: stop at 1; restore e0. " +
      "(Keras versions that start from best=+inf instead skip the NaN: e1 and e2 improve, no stop, restore e2.)",
  },
  {
    name: "start_from_epoch: earlier epochs are not watched, not even for the best weights",
    options: { patience: 1, startFromEpoch: 2, restoreBestWeights: true },
    epochs: { val_loss: [0.1, 0.2, 1, 0.9, 0.95, 0.8] },
    stoppedAt: 4,
    weightsEpoch: 3,
    derivation: "e0, e1 skipped (epoch < 2); e2 best=1; e3 best=0.9; e4 wait=1>=1: stop at 4; restore e3, not e0's 0.1",
  },
  {
    name: "restores when training ends without stopping",
    options: { patience: 10, restoreBestWeights: true },
    epochs: { val_loss: [1, 0.5, 0.7, 0.8] },
    stoppedAt: undefined,
    weightsEpoch: 1,
    derivation: "e1 best; e2 wait=1, e3 wait=2 < 10: no stop; on_train_end restores e1 anyway",
  },
  {
    name: "restore_best_weights false keeps the last weights",
    options: { patience: 2 },
    epochs: { val_loss: [1, 0.5, 0.7, 0.8, 0.1] },
    stoppedAt: 3,
    weightsEpoch: 3,
    derivation: "e2 wait=1; e3 wait=2: stop at 3; no restore: weights of e3",
  },
  {
    name: "mode auto watches an accuracy for a rise",
    options: { monitor: "val_acc", patience: 1, restoreBestWeights: true },
    epochs: { val_acc: [0.5, 0.6, 0.55, 0.9] },
    stoppedAt: 2,
    weightsEpoch: 1,
    derivation: "accuracy metrics have direction 'up' in Keras 3 -> max; e1 0.6>0.5 best; e2 0.55 wait=1: stop at 2; restore e1",
  },
  {
    name: "mode auto: accuracy (as tfjs reports acc)",
    options: { monitor: "acc", patience: 1 },
    epochs: { acc: [0.5, 0.6, 0.7, 0.7] },
    stoppedAt: 3,
    weightsEpoch: 3,
    derivation: "max; e1, e2 improve; e3 tie wait=1: stop at 3",
  },
  {
    name: "mode min on an accuracy overrides auto",
    options: { monitor: "val_acc", patience: 1, mode: "min" },
    epochs: { val_acc: [0.5, 0.6, 0.4] },
    stoppedAt: 1,
    weightsEpoch: 1,
    derivation: "min: e1 0.6<0.5 false wait=1: stop at 1",
  },
  {
    name: "mode max on a loss",
    options: { monitor: "loss", patience: 1, mode: "max" },
    epochs: { loss: [1, 2, 1.5] },
    stoppedAt: 2,
    weightsEpoch: 2,
    derivation: "max: e1 2>1 best; e2 1.5 wait=1: stop at 2",
  },
  {
    name: "epochs without the monitored value are skipped",
    options: { patience: 1 },
    epochs: { val_loss: [1, _, _, 1.1, 0.5] },
    stoppedAt: 3,
    weightsEpoch: 3,
    derivation: "e1, e2: value None -> return (Keras warns); e3 wait=1>=1: stop at 3",
  },
  {
    name: "no early stop at all: the full run, last weights",
    options: {},
    epochs: { val_loss: [3, 2, 1] },
    stoppedAt: undefined,
    weightsEpoch: 2,
    derivation: "defaults patience 0: every epoch improves, no stop",
  },
];

describe("EarlyStopping scenarios (Keras 3 semantics)", () => {
  const cases = ROWS.flatMap((row) => [false, true].map((asTensors) => ({ ...row, asTensors })));
  test.each(cases)("$name (tensors: $asTensors)", async (row) => {
    const run = await drive(new EarlyStopping(row.options), { epochs: row.epochs, asTensors: row.asTensors });
    expect({ stoppedAt: run.stoppedAt, weightsEpoch: run.weightsEpoch }).toEqual({
      stoppedAt: row.stoppedAt,
      weightsEpoch: row.weightsEpoch,
    });
    expect(run.leakedTensors).toBe(0);
  });

  test("an instance can be reused: the second fit starts from a clean state", async () => {
    const callback = new EarlyStopping({ patience: 1, restoreBestWeights: true });
    const first = await drive(callback, { epochs: { val_loss: [0.1, 0.2, 0.3] } });
    // Without a reset, the second run's 1.0 would not beat the first run's 0.1 and it would stop at 1.
    const second = await drive(callback, { epochs: { val_loss: [1, 0.9, 0.8] } });
    expect([first.stoppedAt, first.weightsEpoch]).toEqual([1, 0]);
    expect([second.stoppedAt, second.weightsEpoch]).toEqual([undefined, 2]);
  });

  test("the factory builds the same callback", async () => {
    const run = await drive(callbacks.earlyStopping({ patience: 1 }), { epochs: { val_loss: [1, 2] } });
    expect(run.stoppedAt).toBe(1);
  });

  test("a monitor the fit loop does not report fails at train begin, naming the metric", async () => {
    await expect(drive(new EarlyStopping({ monitor: "val_los" }), { epochs: { loss: [1] }, reported: ["loss", "val_loss"] })).rejects.toThrow(
      new OptionsError('EarlyStopping: option `monitor` is "val_los", but the fit reports loss, val_loss (did you mean "val_loss"?)'),
    );
  });
});

describe("EarlyStopping inside tfjs' model.fit", () => {
  test("stops on a flat validation loss and restores the best weights", async () => {
    // Zero weights and zero targets: loss and val_loss are exactly 0 every epoch and the gradient is 0,
    // so with patience 2 Keras stops at epoch 2 (e0 best, e1 wait=1, e2 wait=2) after 3 epochs.
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [2], units: 1, kernelInitializer: "zeros", biasInitializer: "zeros" })],
    });
    model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
    const xs = tf.randomNormal([16, 2]);
    const ys = tf.zeros([16, 1]);
    const callback = new EarlyStopping({ patience: 2, restoreBestWeights: true });
    const history = await model.fit(xs, ys, { epochs: 10, batchSize: 8, validationSplit: 0.25, callbacks: [callback], verbose: 0 });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(callback.firings.map((f) => [f.action, f.epoch])).toEqual([
      ["stop", 2],
      ["restore", 2],
    ]);
    callback.dispose();
    tf.dispose([xs, ys]);
  });
});

describe("EarlyStopping options", () => {
  test.each([
    [{ patience: -1 }, "EarlyStopping: option `patience`: expected an integer >= 0, got -1"],
    [{ patience: 1.5 }, "EarlyStopping: option `patience`: expected an integer >= 0, got 1.5"],
    [{ mode: "up" }, 'EarlyStopping: option `mode`: expected one of "min", "max", "auto", got "up"'],
    [{ monitor: "" }, 'EarlyStopping: option `monitor`: expected a metric name such as "val_loss", got ""'],
    [{ baseline: "0.5" }, 'EarlyStopping: option `baseline`: expected a number, got "0.5"'],
    [{ restoreBestWeights: 1 }, "EarlyStopping: option `restoreBestWeights`: expected true or false, got 1"],
    [{ startFromEpoch: -2 }, "EarlyStopping: option `startFromEpoch`: expected an integer >= 0, got -2"],
  ])("%j", (options, message) => {
    expect(() => new EarlyStopping(options as EarlyStoppingOptions)).toThrow(message);
  });

  test("an unknown option names the closest known one", () => {
    expect(() => new EarlyStopping({ restore_best_weights: true } as EarlyStoppingOptions)).toThrow(
      /EarlyStopping: unknown option `restore_best_weights` \(did you mean `restoreBestWeights`\?\)/,
    );
  });

  test("Keras' defaults", () => {
    expect(new EarlyStopping().o).toEqual({
      monitor: "val_loss",
      minDelta: 0,
      patience: 0,
      mode: "auto",
      restoreBestWeights: false,
      startFromEpoch: 0,
      verbose: 0,
    });
  });
});

describe("EarlyStopping best-weight copies", () => {
  // Keras copies the weights at each improvement only with restore_best_weights.
  test.each([
    [false, 0],
    [true, 2],
  ])("restoreBestWeights %s holds %i weight tensors after improving epochs", async (restoreBestWeights, held) => {
    const callback = new EarlyStopping({ patience: 5, restoreBestWeights });
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    callback.setModel(model);
    callback.setParams({ epochs: 3, metrics: ["loss", "val_loss"] });
    await callback.onTrainBegin({});
    const before = tf.memory().numTensors;
    for (const [epoch, value] of [0.9, 0.8, 0.7].entries()) await callback.onEpochEnd(epoch, { val_loss: value });
    expect(tf.memory().numTensors - before).toBe(held);
    callback.dispose();
    model.dispose();
  });
});
