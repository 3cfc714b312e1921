// ReduceLROnPlateau from the standard library: Keras 3's edge cases as a scenario table (numbers and scalar
// tensors, Adam and SGD), the known deviations pinned, one real model.fit, and options validation.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, test, vi } from "vitest";
import { callbacks, ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "cbc";
import { drive, type Value } from "../support/drive.js";

const N = Number.NaN;
const _ = undefined;

interface Row {
  name: string;
  options: ReduceLROnPlateauOptions;
  epochs: Record<string, Value[]>;
  initialLr: number;
  /** The learning rate after each epoch end. */
  lr: number[];
  /** How Keras 3 gets there, epoch by epoch (0-based). */
  derivation: string;
}

// Keras 3 ReduceLROnPlateau (keras/src/callbacks/reduce_lr_on_plateau.py): on train begin best = +inf (min)
// or -inf (max; mode auto is max iff "acc" is in the monitor's name), wait = cooldown_counter = 0.
// on_epoch_end, when the monitored value is present:
//   if cooldown_counter > 0: cooldown_counter -= 1, wait = 0;
//   if value < best - min_delta (max: value > best + min_delta): best = value, wait = 0;
//   elif cooldown_counter == 0: wait += 1; if wait >= patience and old_lr > min_lr:
//     lr = max(old_lr * factor, min_lr), cooldown_counter = cooldown, wait = 0.
const ROWS: Row[] = [
  {
    name: "patience 2, factor 0.5 on a flat loss",
    options: { patience: 2, factor: 0.5 },
    epochs: { val_loss: [1, 1, 1, 1, 1, 1] },
    initialLr: 0.1,
    lr: [0.1, 0.1, 0.05, 0.05, 0.025, 0.025],
    derivation: "e0 1<inf best; e1 wait=1; e2 wait=2: 0.05, wait=0; e3 wait=1; e4 wait=2: 0.025; e5 wait=1",
  },
  {
    name: "improvements reset the wait",
    options: { patience: 2, factor: 0.1 },
    epochs: { val_loss: [1, 1.1, 0.9, 1.2, 1.3, 1.4] },
    initialLr: 0.1,
    lr: [0.1, 0.1, 0.1, 0.1, 0.01, 0.01],
    derivation: "e1 wait=1; e2 0.9 best wait=0; e3 wait=1; e4 wait=2: 0.01; e5 wait=1",
  },
  {
    name: "patience 0 acts like patience 1",
    options: { patience: 0, factor: 0.5 },
    epochs: { val_loss: [1, 1, 1, 0.5] },
    initialLr: 0.1,
    lr: [0.1, 0.05, 0.025, 0.025],
    derivation: "e0 best; e1 wait=1>=0: 0.05; e2 wait=1: 0.025; e3 0.5 best",
  },
  {
    name: "cooldown 1 acts like cooldown 0",
    options: { patience: 2, factor: 0.5, cooldown: 1 },
    epochs: { val_loss: [1, 1, 1, 1, 1, 1] },
    initialLr: 0.1,
    lr: [0.1, 0.1, 0.05, 0.05, 0.025, 0.025],
    derivation:
      "e2 wait=2: 0.05, counter=1; e3 counter 1->0, wait=0, then not in cooldown: wait=1; e4 wait=2: 0.025; same as cooldown 0",
  },
  {
    name: "cooldown 2 skips one epoch between reductions",
    options: { patience: 1, factor: 0.5, cooldown: 2 },
    epochs: { val_loss: [1, 1, 1, 1, 1, 1, 1] },
    initialLr: 0.1,
    lr: [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125],
    derivation:
      "e1 wait=1: 0.05, counter=2; e2 counter=1, wait=0, in cooldown: nothing; e3 counter=0, wait=1: 0.025, counter=2; " +
      "e4 counter=1; e5 wait=1: 0.0125; e6 counter=1",
  },
  {
    name: "min_lr is a floor, and a rate at min_lr is left alone",
    options: { patience: 1, factor: 0.1, minLr: 0.005 },
    epochs: { val_loss: [1, 1, 1, 1] },
    initialLr: 0.1,
    lr: [0.1, 0.01, 0.005, 0.005],
    derivation: "e1 wait=1: 0.1*0.1=0.01; e2 wait=1: max(0.001, 0.005)=0.005; e3 wait=1 but old_lr 0.005 > 0.005 is false: no change",
  },
  {
    name: "a rate already below min_lr is not raised",
    options: { patience: 1, factor: 0.5, minLr: 0.01 },
    epochs: { val_loss: [1, 1, 1] },
    initialLr: 0.001,
    lr: [0.001, 0.001, 0.001],
    derivation: "e1, e2 wait>=1 but old_lr 0.001 > 0.01 is false: nothing",
  },
  {
    name: "min_delta: a gain of exactly min_delta is no improvement",
    options: { patience: 1, factor: 0.5, minDelta: 0.25 },
    epochs: { val_loss: [1, 0.75, 0.625, 0.25] },
    initialLr: 0.1,
    lr: [0.1, 0.05, 0.05, 0.05],
    derivation: "e1 0.75<1-0.25=0.75 false, wait=1: 0.05; e2 0.625<0.75 best=0.625; e3 0.25<0.375 best",
  },
  {
    name: "default min_delta 1e-4",
    options: { patience: 1, factor: 0.5 },
    epochs: { val_loss: [1, 0.99995, 0.9, 0.89995] },
    initialLr: 0.1,
    lr: [0.1, 0.05, 0.05, 0.025],
    derivation: "e1 0.99995<0.9999 false: 0.05; e2 0.9 best; e3 0.89995<0.8999 false: 0.025",
  },
  {
    name: "mode auto: an accuracy must rise",
    options: { monitor: "val_acc", patience: 2, factor: 0.5 },
    epochs: { val_acc: [0.5, 0.6, 0.6, 0.6, 0.7] },
    initialLr: 0.1,
    lr: [0.1, 0.1, 0.1, 0.05, 0.05],
    derivation: '"acc" in "val_acc": max; e1 0.6>0.5 best; e2 wait=1; e3 wait=2: 0.05; e4 0.7 best',
  },
  {
    name: "mode max given explicitly",
    options: { monitor: "loss", mode: "max", patience: 1, factor: 0.5 },
    epochs: { loss: [1, 0.5, 2] },
    initialLr: 0.1,
    lr: [0.1, 0.05, 0.05],
    derivation: "max: e1 0.5>1 false wait=1: 0.05; e2 2>1 best",
  },
  {
    name: "NaN after the first epoch is never an improvement",
    options: { patience: 2, factor: 0.5 },
    epochs: { val_loss: [1, N, N, 0.5, N] },
    initialLr: 0.1,
    lr: [0.1, 0.1, 0.05, 0.05, 0.05],
    derivation: "e1 NaN<1 false wait=1; e2 wait=2: 0.05; e3 0.5 best; e4 wait=1",
  },
  {
    name: "epochs without the monitored value are skipped",
    options: { patience: 1, factor: 0.5 },
    epochs: { val_loss: [1, _, _, 1] },
    initialLr: 0.1,
    lr: [0.1, 0.1, 0.1, 0.05],
    derivation: "e1, e2: None -> warning only; e3 wait=1: 0.05",
  },
  {
    name: "a NaN first value is not the best (ReduceLROnPlateau starts from inf)",
    options: { patience: 2, factor: 0.5 },
    epochs: { val_loss: [N, 1, 1] },
    initialLr: 0.1,
    lr: [0.1, 0.1, 0.1],
    derivation: "Keras: e0 NaN+d<inf false, wait=1; e1 1<inf best, wait=0; e2 wait=1 < 2: no reduction",
  },
];

// Where the language's `plateau` (LANGUAGE.md) knowingly differs from Keras' ReduceLROnPlateau: pinned so a change is noticed.
function close(values: number[]): number[] {
  return values.map((v) => +v.toPrecision(10));
}

describe("ReduceLROnPlateau scenarios (Keras 3 semantics)", () => {
  const cases = ROWS.flatMap((row) =>
    [
      { asTensors: false, optimizer: "adam" },
      { asTensors: true, optimizer: "adam" },
      { asTensors: false, optimizer: "sgd" },
    ].map((variant) => ({ ...row, ...variant })),
  );
  test.each(cases)("$name (tensors: $asTensors, $optimizer)", async (row) => {
    const optimizer = row.optimizer === "sgd" ? tf.train.sgd(row.initialLr) : tf.train.adam(row.initialLr);
    const run = await drive(new ReduceLROnPlateau(row.options), { epochs: row.epochs, asTensors: row.asTensors, optimizer });
    expect(close(run.lrAfterEpoch)).toEqual(close(row.lr));
    expect(run.stoppedAt).toBeUndefined();
    expect(run.leakedTensors).toBe(0);
  });

  test("every reduction is recorded with the rule that made it", async () => {
    const callback = callbacks.reduceLROnPlateau({ patience: 1, factor: 0.5 });
    await drive(callback, { epochs: { val_loss: [1, 1] }, initialLr: 0.1 });
    expect(callback.firings).toEqual([
      expect.objectContaining({ action: "lr", epoch: 1, from: 0.1, to: 0.05, rule: expect.stringMatching(/^reduce-lr-on-plateau\.rules:\d+:\d+$/) }),
    ]);
  });
});

describe("ReduceLROnPlateau verbose", () => {
  test("verbose 1 prints Keras' line at each reduction, verbose 0 nothing", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      // e1 wait=1 >= 1: 0.1 -> 0.05 (Keras: "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05.").
      await drive(new ReduceLROnPlateau({ patience: 1, factor: 0.5, verbose: 1 }), { epochs: { val_loss: [1, 1] }, initialLr: 0.1 });
      await drive(new ReduceLROnPlateau({ patience: 1, factor: 0.5 }), { epochs: { val_loss: [1, 1] }, initialLr: 0.1 });
      expect(log.mock.calls.map((call) => call[0])).toEqual(["Epoch 2: ReduceLROnPlateau reducing learning rate to 0.05."]);
    } finally {
      log.mockRestore();
    }
  });
});

describe("ReduceLROnPlateau inside tfjs' model.fit", () => {
  test("halves SGD's rate on a flat loss, and SGD really trains at the new rate", async () => {
    // A zero model on zero targets: val_loss is exactly 0 each epoch, so with patience 1, factor 0.5 Keras
    // reduces at e1, e2, e3 (e0 best; each later epoch wait=1): 0.1 -> 0.05 -> 0.025 -> 0.0125.
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [2], units: 1, kernelInitializer: "zeros", biasInitializer: "zeros" })],
    });
    const sgd = tf.train.sgd(0.1);
    model.compile({ optimizer: sgd, loss: "meanSquaredError" });
    const xs = tf.randomNormal([16, 2]);
    const ys = tf.zeros([16, 1]);
    const callback = new ReduceLROnPlateau({ patience: 1, factor: 0.5, verbose: 0 });
    await model.fit(xs, ys, { epochs: 4, batchSize: 8, validationSplit: 0.25, callbacks: [callback], verbose: 0 });
    expect(sgd.getConfig().learningRate).toBeCloseTo(0.0125, 12);
    // SGD caches its rate in a tensor: one step on a unit gradient now moves the bias by exactly 0.0125.
    const bias = tf.variable(tf.scalar(0));
    sgd.applyGradients({ [bias.name]: tf.scalar(1) } as unknown as tf.NamedTensorMap);
    expect(bias.dataSync()[0]).toBeCloseTo(-0.0125, 6);
    callback.dispose();
    tf.dispose([xs, ys, bias]);
  });
});

describe("ReduceLROnPlateau options", () => {
  test.each([
    [{ factor: 1.5 }, "ReduceLROnPlateau: option `factor`: expected a number < 1, got 1.5"],
    [{ factor: 1 }, "ReduceLROnPlateau: option `factor`: expected a number < 1, got 1"],
    [{ patience: -1 }, "ReduceLROnPlateau: option `patience`: expected an integer >= 0, got -1"],
    [{ cooldown: 0.5 }, "ReduceLROnPlateau: option `cooldown`: expected an integer >= 0, got 0.5"],
    [{ minLr: -1e-3 }, "ReduceLROnPlateau: option `minLr`: expected a number >= 0, got -0.001"],
    [{ mode: "MIN" }, 'ReduceLROnPlateau: option `mode`: expected one of "min", "max", "auto", got "MIN"'],
  ])("%j", (options, message) => {
    expect(() => new ReduceLROnPlateau(options as ReduceLROnPlateauOptions)).toThrow(message);
  });

  test("Keras' defaults", () => {
    expect(new ReduceLROnPlateau().o).toEqual({
      monitor: "val_loss",
      factor: 0.1,
      patience: 10,
      mode: "auto",
      minDelta: 1e-4,
      cooldown: 0,
      minLr: 0,
      verbose: 0,
    });
  });
});
