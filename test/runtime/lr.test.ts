// setLearningRate must change the size of the next step for every tfjs optimizer, not just a config field.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { getLearningRate, setLearningRate } from "../../src/runtime/lr.js";

const OPTIMIZERS: [string, (lr: number) => tf.Optimizer][] = [
  ["sgd", (lr) => tf.train.sgd(lr)],
  ["momentum", (lr) => tf.train.momentum(lr, 0.9)],
  ["adagrad", (lr) => tf.train.adagrad(lr)],
  ["adadelta", (lr) => tf.train.adadelta(lr)],
  ["adam", (lr) => tf.train.adam(lr)],
  ["adamax", (lr) => tf.train.adamax(lr)],
  ["rmsprop", (lr) => tf.train.rmsprop(lr)],
];

function tinyVariable(): tf.Variable {
  const initial = tf.tensor1d([1, -2, 0.5]);
  const variable = tf.variable(initial);
  initial.dispose(); // the variable holds its own reference to the data
  return variable;
}

/** One minimisation step of sum(v^2) on a tiny variable; returns how far each entry moved. */
function step(optimizer: tf.Optimizer, variable: tf.Variable): number[] {
  const before = variable.dataSync().slice();
  tf.tidy(() => {
    optimizer.minimize(() => variable.square().sum() as tf.Scalar);
  });
  const after = variable.dataSync();
  return Array.from(before, (b, i) => after[i] - b);
}

describe("learning rate control", () => {
  it.each(OPTIMIZERS)("%s: the next step scales with the new rate", (_name, make) => {
    // tfjs' own MomentumOptimizer.dispose() forgets its cached rate scalar; measure
    // that baseline so the check below only blames what this module adds.
    const baselineStart = tf.memory().numTensors;
    make(0.1).dispose();
    const tfjsLeak = tf.memory().numTensors - baselineStart;
    const startTensors = tf.memory().numTensors;
    // Twins: identical state after step 1; then only one gets a new rate.
    const changed = make(0.1);
    const kept = make(0.1);
    const a = tinyVariable();
    const b = tinyVariable();
    expect(step(changed, a)).toEqual(step(kept, b));

    expect(getLearningRate(changed)).toBeCloseTo(0.1, 12);
    const beforeSet = tf.memory().numTensors;
    setLearningRate(changed, 0.025);
    expect(tf.memory().numTensors).toBe(beforeSet);
    expect(getLearningRate(changed)).toBe(0.025);
    expect(changed.getConfig().learningRate).toBe(0.025);
    expect(kept.getConfig().learningRate).toBe(0.1);

    const changedDelta = step(changed, a);
    const keptDelta = step(kept, b);
    // Each optimizer's update is linear in the rate at the step it is applied.
    changedDelta.forEach((delta, i) => {
      expect(keptDelta[i]).not.toBe(0);
      expect(delta / keptDelta[i]).toBeCloseTo(0.25, 5);
    });

    changed.dispose();
    kept.dispose();
    a.dispose();
    b.dispose();
    // SGD's setter swaps its cached scalar: nothing may be left behind beyond tfjs' own leak.
    expect(tf.memory().numTensors - startTensors).toBe(2 * tfjsLeak);
  });

  it("changing the rate repeatedly does not leak (SGD's cached scalar)", () => {
    const optimizer = tf.train.sgd(0.1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) setLearningRate(optimizer, 0.1 / (i + 1));
    expect(tf.memory().numTensors).toBe(before);
    expect(getLearningRate(optimizer)).toBe(0.01);
    optimizer.dispose();
  });

  it("works on the optimizer a compiled model made from a string", () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: "adam", loss: "meanSquaredError" });
    setLearningRate(model.optimizer, 0.5);
    expect(getLearningRate(model.optimizer)).toBe(0.5);
    model.dispose();
  });

  it("throws a clear error for an optimizer it cannot control", () => {
    class Custom extends tf.Optimizer {
      static get className(): string {
        return "Custom";
      }
      applyGradients(): void {}
      getConfig(): tf.serialization.ConfigDict {
        return {};
      }
    }
    const custom = new Custom();
    expect(() => setLearningRate(custom, 0.1)).toThrow(/cannot set the learning rate of optimizer Custom.*sgd, momentum/);
    expect(() => getLearningRate(custom)).toThrow("cannot read the learning rate of optimizer Custom");
  });

  it("refuses a non-finite rate", () => {
    const optimizer = tf.train.adam(0.1);
    expect(() => setLearningRate(optimizer, Number.NaN)).toThrow("finite");
    expect(getLearningRate(optimizer)).toBe(0.1);
  });
});
