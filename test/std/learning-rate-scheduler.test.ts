// LearningRateScheduler from the standard library: Keras 3's contract (schedule(epoch, lr) at each epoch begin,
// 0-based epoch, the current rate in), its documented example in the driver and in a real model.fit, errors.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, test } from "vitest";
import { callbacks, LearningRateScheduler, type LearningRateSchedulerOptions } from "cbc";
import { drive } from "../support/drive.js";

// Keras' docstring example: keep the rate for ten epochs, then multiply it by exp(-0.1) each epoch.
const kerasExample = (epoch: number, lr: number) => (epoch < 10 ? lr : lr * Math.exp(-0.1));

interface Row {
  name: string;
  schedule: (epoch: number, lr: number) => number;
  epochs: number;
  initialLr: number;
  /** The rate after each epoch (set at that epoch's begin). */
  lr: number[];
  derivation: string;
}

// Keras 3 LearningRateScheduler.on_epoch_begin(epoch): lr = schedule(epoch, float(optimizer.learning_rate));
// the result must be a float; optimizer.learning_rate = lr. Epoch is the 0-based index.
const ROWS: Row[] = [
  {
    name: "Keras' docstring example: 15 epochs from 0.01",
    schedule: kerasExample,
    epochs: 15,
    initialLr: 0.01,
    lr: [...Array<number>(10).fill(0.01), ...[1, 2, 3, 4, 5].map((k) => 0.01 * Math.exp(-0.1 * k))],
    derivation: "epochs 0-9 keep 0.01; epochs 10..14 multiply by exp(-0.1): 0.01*exp(-0.5)=0.0060653 after e14 (Keras: 0.00607)",
  },
  {
    name: "a schedule of the epoch alone",
    schedule: (epoch) => 0.1 / (epoch + 1),
    epochs: 4,
    initialLr: 0.5,
    lr: [0.1, 0.05, 0.1 / 3, 0.025],
    derivation: "e0 0.1/1, e1 0.1/2, e2 0.1/3, e3 0.1/4: the initial 0.5 is replaced at epoch 0's begin",
  },
  {
    name: "a step schedule chained on the current rate",
    schedule: (epoch, lr) => (epoch > 0 && epoch % 2 === 0 ? lr / 2 : lr),
    epochs: 6,
    initialLr: 0.8,
    lr: [0.8, 0.8, 0.4, 0.4, 0.2, 0.2],
    derivation: "halve at e2 and e4 from the rate the previous epoch left",
  },
];

describe("LearningRateScheduler scenarios (Keras 3 semantics)", () => {
  const cases = ROWS.flatMap((row) => ["sgd", "adam"].map((optimizer) => ({ ...row, optimizer })));
  test.each(cases)("$name ($optimizer)", async (row) => {
    const optimizer = row.optimizer === "sgd" ? tf.train.sgd(row.initialLr) : tf.train.adam(row.initialLr);
    const run = await drive(new LearningRateScheduler({ schedule: row.schedule }), {
      epochs: { loss: Array<number>(row.epochs).fill(1) },
      optimizer,
    });
    expect(run.lrAfterEpoch.map((v) => +v.toPrecision(12))).toEqual(row.lr.map((v) => +v.toPrecision(12)));
  });

  test("Keras' example ends at 0.00607", async () => {
    const run = await drive(callbacks.learningRateScheduler({ schedule: kerasExample }), {
      epochs: { loss: Array<number>(15).fill(1) },
      optimizer: tf.train.sgd(0.01),
    });
    expect(+run.lrAfterEpoch[14].toFixed(5)).toBe(0.00607);
  });

  test("the schedule gets the 0-based epoch and the current rate", async () => {
    const calls: [number, number][] = [];
    await drive(
      new LearningRateScheduler({
        schedule: (epoch, lr) => {
          calls.push([epoch, lr]);
          return lr * 0.5;
        },
      }),
      { epochs: { loss: [1, 1, 1] }, initialLr: 0.4 },
    );
    expect(calls).toEqual([
      [0, 0.4],
      [1, 0.2],
      [2, 0.1],
    ]);
  });

  test("a schedule that returns no number fails, naming the rule (Keras: ValueError)", async () => {
    const bad = new LearningRateScheduler({ schedule: (() => "0.1") as unknown as (epoch: number, lr: number) => number });
    await expect(drive(bad, { epochs: { loss: [1] } })).rejects.toThrow(
      /learning-rate-scheduler\.rules:\d+:\d+ \(on epoch begin then lr = schedule\(epoch, lr\)\): function option `schedule` must return a number, got string/,
    );
  });

  test("a schedule that returns NaN fails (Keras would set NaN)", async () => {
    const bad = new LearningRateScheduler({ schedule: () => Number.NaN });
    await expect(drive(bad, { epochs: { loss: [1] } })).rejects.toThrow(/the learning rate must be a finite number >= 0, got NaN/);
  });
});

describe("LearningRateScheduler inside tfjs' model.fit", () => {
  test("Keras' docstring example: 15 epochs of SGD end at 0.00607", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [20], units: 10 })] });
    const sgd = tf.train.sgd(0.01);
    model.compile({ optimizer: sgd, loss: "meanSquaredError" });
    // np.arange(100).reshape(5, 20) / 100 and zeros, as in the docstring (scaled to keep SGD finite).
    const xs = tf.tensor2d(Array.from({ length: 100 }, (_, i) => i / 100), [5, 20]);
    const ys = tf.zeros([5, 10]);
    const callback = new LearningRateScheduler({ schedule: kerasExample });
    await model.fit(xs, ys, { epochs: 15, callbacks: [callback], verbose: 0 });
    expect(+Number(sgd.getConfig().learningRate).toFixed(5)).toBe(0.00607);
    expect(callback.firings.filter((f) => f.action === "lr").map((f) => f.epoch)).toEqual([10, 11, 12, 13, 14]);
    tf.dispose([xs, ys]);
  });
});

describe("LearningRateScheduler options", () => {
  test("schedule is required", () => {
    expect(() => new LearningRateScheduler({} as LearningRateSchedulerOptions)).toThrow(
      "LearningRateScheduler: option `schedule`: expected a function of 2 number arguments, got nothing",
    );
  });
  test("verbose must be 0, 1 or 2", () => {
    expect(() => new LearningRateScheduler({ schedule: (_, lr) => lr, verbose: -1 })).toThrow(
      "LearningRateScheduler: option `verbose`: expected 0, 1 or 2, got -1",
    );
  });
});
