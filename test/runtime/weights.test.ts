// Weight snapshots: restored values equal the captured ones after more training, and no tensor leaks.
import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BestWeights, WeightSnapshot } from "../../src/runtime/weights.js";

let model: tf.Sequential;
let xs: tf.Tensor;
let ys: tf.Tensor;

beforeEach(() => {
  model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 4, inputShape: [3], activation: "relu" }),
      tf.layers.batchNormalization(), // non-trainable moving stats must come back too
      tf.layers.dense({ units: 1 }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
  xs = tf.randomNormal([16, 3], 0, 1, "float32", 1);
  ys = tf.randomNormal([16, 1], 0, 1, "float32", 2);
});

afterEach(() => {
  model.dispose();
  tf.dispose([xs, ys]);
});

const values = (m: tf.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));

async function train(epochs: number): Promise<void> {
  await model.fit(xs, ys, { epochs, batchSize: 8, verbose: 0 });
}

describe("WeightSnapshot", () => {
  it("restores the captured values after further training, and stays reusable", async () => {
    await train(1); // build optimizer state first so later counts are stable
    const captured = values(model);
    const snapshot = WeightSnapshot.capture(model, 7);
    expect(snapshot.epoch).toBe(7);

    await train(3);
    expect(values(model)).not.toEqual(captured); // training really moved every snapshot-worthy weight
    snapshot.restore(model);
    expect(values(model)).toEqual(captured);

    await train(2);
    snapshot.restore(model); // a second restore still works: the model got clones, not the snapshot's tensors
    expect(values(model)).toEqual(captured);

    snapshot.dispose();
    // After the snapshot is gone the model's weights are intact and usable.
    expect(values(model)).toEqual(captured);
    await train(1);
    expect(values(model)).not.toEqual(captured);
  });

  it("capture, restore and dispose leave the tensor count where it was", async () => {
    await train(1);
    const before = tf.memory().numTensors;
    const snapshot = WeightSnapshot.capture(model);
    expect(tf.memory().numTensors).toBe(before + model.getWeights().length);
    await train(1);
    snapshot.restore(model);
    snapshot.restore(model);
    snapshot.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => snapshot.restore(model)).toThrow("disposed");
  });
});

describe("BestWeights", () => {
  it("keeps only the latest capture and restores its epoch", async () => {
    await train(1);
    const before = tf.memory().numTensors;
    const best = new BestWeights();
    expect(best.restore(model)).toBeUndefined();
    expect(best.epoch).toBeUndefined();

    best.capture(model, 0);
    await train(1);
    const atEpoch2 = values(model);
    best.capture(model, 2); // replaces (and frees) the epoch-0 snapshot
    expect(tf.memory().numTensors).toBe(before + model.getWeights().length);
    expect(best.epoch).toBe(2);

    await train(2);
    expect(best.restore(model)).toBe(2);
    expect(values(model)).toEqual(atEpoch2);

    best.dispose();
    expect(best.epoch).toBeUndefined();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("works from inside model.fit, where this.model is the inner LayersModel", async () => {
    const best = new BestWeights();
    const seen: number[][][] = [];
    class KeepFirst extends tf.Callback {
      override async onEpochEnd(epoch: number): Promise<void> {
        if (epoch === 1) {
          best.capture(this.model, epoch);
          seen.push(values(this.model));
        }
      }
      override async onTrainEnd(): Promise<void> {
        best.restore(this.model);
      }
    }
    await model.fit(xs, ys, { epochs: 4, batchSize: 8, verbose: 0, callbacks: [new KeepFirst()] });
    expect(values(model)).toEqual(seen[0]);
    best.dispose();
  });
});
