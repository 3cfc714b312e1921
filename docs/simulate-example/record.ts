// Records the history the README's simulate example replays: a small Iris classifier trained for 120
// epochs at a fixed rate, with cbc's CSVLogger writing Keras' CSV layout. Run with
// `node scripts/run-ts.mjs docs/simulate-example/record.ts`.
import * as tf from "@tensorflow/tfjs";
import { CSVLogger } from "cbc";
import { irisTensors } from "../../examples/iris-data.js";

const { x, y } = irisTensors();
const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [4], units: 16, activation: "relu", kernelInitializer: seeded(1) }),
    tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: seeded(2) }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
await model.fit(x, y, {
  epochs: 120,
  batchSize: 16,
  validationSplit: 0.2,
  shuffle: false,
  verbose: 0,
  callbacks: [new CSVLogger({ filename: "docs/simulate-example/iris-history.csv" })],
});
