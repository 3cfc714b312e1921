// Optimizer state through a backup's bytes: a model restored into a fresh optimizer trains on bit for bit as the original, for every tfjs optimizer.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { optimizerState, restoreOptimizerState } from "../../src/runtime/optimizer-state.js";
import { StateError, parseState, stringifyState } from "../../src/runtime/state.js";
import { TensorBundle } from "../../src/runtime/tensor-bundle.js";

const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.05),
  momentum: () => tf.train.momentum(0.05, 0.9),
  adagrad: () => tf.train.adagrad(0.05),
  adadelta: () => tf.train.adadelta(0.5),
  adam: () => tf.train.adam(0.01),
  adamax: () => tf.train.adamax(0.01),
  rmsprop: () => tf.train.rmsprop(0.01, 0.9, 0.1, 1e-7, true),
};

function model(make: () => tf.Optimizer, seed: number): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [3], units: 5, activation: "tanh", kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
    ],
  });
  m.compile({ optimizer: make(), loss: "meanSquaredError" });
  return m;
}

const x = tf.tensor2d(Array.from({ length: 48 }, (_, i) => Math.sin(i * 0.7)), [16, 3]);
const y = tf.tensor2d(Array.from({ length: 16 }, (_, i) => Math.cos(i * 0.3)), [16, 1]);

async function train(m: tf.LayersModel, epochs: number): Promise<void> {
  await m.fit(x, y, { epochs, batchSize: 4, shuffle: false, verbose: 0 });
}

function weightBytes(m: tf.LayersModel): number[][] {
  return m.getWeights().map((w) => Array.from(new Uint8Array((w.dataSync() as Float32Array).buffer)));
}

describe("optimizer state", () => {
  for (const [name, make] of Object.entries(OPTIMIZERS)) {
    it(`${name}: restored into a fresh optimizer, training goes on bit for bit`, async () => {
      const original = model(make, 1);
      // 20 steps: there Adam's accumulated beta powers differ from pow(beta, t + 1) in the last bit.
      await train(original, 5);

      // Through bytes, as a backup holds it.
      const sink = new TensorBundle();
      const json = stringifyState(await optimizerState(original.optimizer, sink));
      const weights = original.getWeights().map((w) => sink.put(w));
      const { data, specs } = await sink.encode();
      sink.dispose();
      const source = TensorBundle.decode(data.slice().buffer, specs);

      const resumed = model(make, 7);
      resumed.setWeights(weights.map((key) => source.take(key)));
      await restoreOptimizerState(resumed.optimizer, parseState(json), source);
      source.dispose();
      expect(weightBytes(resumed)).toEqual(weightBytes(original));

      await train(original, 3);
      await train(resumed, 3);
      expect(weightBytes(resumed)).toEqual(weightBytes(original));
      expect(resumed.optimizer.iterations).toBe(original.optimizer.iterations);
    });
  }

  it("a state saved for another optimizer class is refused, naming both", async () => {
    const adam = model(OPTIMIZERS.adam!, 1);
    await train(adam, 1);
    const sink = new TensorBundle();
    const state = await optimizerState(adam.optimizer, sink);
    const sgd = model(OPTIMIZERS.sgd!, 1);
    await expect(restoreOptimizerState(sgd.optimizer, state, sink)).rejects.toThrow(
      new StateError("the backup was made with optimizer Adam, this model is compiled with SGD"),
    );
    sink.dispose();
  });
});
