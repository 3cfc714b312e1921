// Small deterministic models and data for the writers tests: real tfjs training in a few milliseconds per epoch.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** 4 inputs -> 3 classes, seeded, SGD(lr) with accuracy: tfjs reports loss, acc (and val_loss, val_acc). */
export function classifier(lr = 0.1): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 6, inputShape: [4], activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }));
  model.add(tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }));
  model.compile({ optimizer: tf.train.sgd(lr), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

/** `count` samples of a fixed 3-class problem; `offset` gives a different (validation) set. */
export function classes(count: number, offset = 0): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const xs = tf.tensor2d(Array.from({ length: count * 4 }, (_, i) => Math.sin((i + offset * 4) * 1.7)), [count, 4]);
  const labels = Array.from({ length: count }, (_, i) => (i + offset) % 3);
  const ys = tf.oneHot(tf.tensor1d(labels, "int32"), 3) as tf.Tensor2D;
  return { xs, ys };
}

/**
 * The writers tests' standard run: the classifier on 20 samples in batches of 8
 * (3 batches, the last of 4), validation on, 3 epochs. Returns the history.
 */
export async function fitClassifier(callbacks: tf.Callback[]): Promise<Record<string, number[]>> {
  const model = classifier(0.1);
  const train = classes(20);
  const validation = classes(9, 5);
  try {
    const history = await model.fit(train.xs, train.ys, {
      epochs: 3,
      batchSize: 8,
      shuffle: false,
      validationData: [validation.xs, validation.ys],
      callbacks,
      verbose: 0,
    });
    return history.history as Record<string, number[]>;
  } finally {
    model.dispose();
    tf.dispose([train.xs, train.ys, validation.xs, validation.ys]);
  }
}

/** Predictions on a fixed probe batch, as plain numbers: equal arrays mean equal weights for our purposes. */
export function predictions(model: tf.LayersModel): number[] {
  const probe = tf.tensor2d(Array.from({ length: 5 * 4 }, (_, i) => Math.cos(i * 0.37)), [5, 4]);
  const out = model.predict(probe) as tf.Tensor;
  const values = Array.from(out.dataSync());
  tf.dispose([probe, out]);
  return values;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function temporaryDirectory(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}
