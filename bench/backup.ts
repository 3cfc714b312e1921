// The cost of one BackupAndRestore backup against a plain `save model` of the same model, in one
// process: the backup as a fit takes it (its epoch-begin hook: weights, optimizer state, callback
// state, checksums; the atomic directory write then goes on in the background) and saveModel()
// (what `save model to` and ModelCheckpoint do), alternated round by round on the same directory's
// file system; also saveModel() with includeOptimizer, which writes the same bytes for the model and
// its optimizer as the backup does. Two times per backup: what the fit waits for (the hook; the
// previous write is settled before the round, as an epoch of training would have let it finish) and
// until the backup is on disk (the hook + settled()).
//
// Bundled by bench/run.mjs; argv: <out dir> <rounds>. Prints one JSON line last.
import { promises as fs } from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";

import { EarlyStopping } from "../src/std.js";
import { BackupAndRestore } from "../src/runtime/backup.js";
import { saveModel } from "../src/runtime/checkpoint.js";

const [outDir = ".", roundsArg = "20"] = process.argv.slice(2);
const ROUNDS = Number(roundsArg);

/** A mid-sized classifier (about 0.2 M weights, 0.8 MB) trained a few steps so the optimizer has its slots. */
async function trainedModel(optimizer: () => tf.Optimizer): Promise<tf.LayersModel> {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 256, inputShape: [64], activation: "relu" }));
  model.add(tf.layers.dense({ units: 512, activation: "relu" }));
  model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
  model.compile({ optimizer: optimizer(), loss: "categoricalCrossentropy" });
  const xs = tf.randomNormal([64, 64], 0, 1, "float32", 1);
  const ys = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), "int32"), 10);
  await model.fit(xs, ys, { epochs: 1, batchSize: 32, verbose: 0 });
  tf.dispose([xs, ys]);
  return model;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

interface Case {
  name: string;
  optimizer: () => tf.Optimizer;
  /** Other callbacks in the backed-up list. */
  others: () => tf.Callback[];
}

const CASES: Case[] = [
  { name: "adam", optimizer: () => tf.train.adam(0.001), others: () => [] },
  { name: "sgd", optimizer: () => tf.train.sgd(0.01), others: () => [] },
  { name: "adam+earlyStoppingBestWeights", optimizer: () => tf.train.adam(0.001), others: () => [new EarlyStopping({ monitor: "loss", restoreBestWeights: true })] },
];

async function measure(c: Case): Promise<Record<string, number>> {
  const model = await trainedModel(c.optimizer);
  const dir = path.join(outDir, `backup-bench-${c.name}`);
  await fs.rm(dir, { recursive: true, force: true });
  const backup = new BackupAndRestore({ backupDir: path.join(dir, "backup") });
  const others = c.others();
  const callbacks = [backup, ...others];
  await backup.restore(model, callbacks);
  for (const callback of callbacks) {
    callback.setModel(model);
    callback.setParams({ epochs: ROUNDS + 3, metrics: ["loss"] });
  }
  // A best-weights snapshot to save, as after an epoch end.
  for (const other of others) {
    await other.onTrainBegin();
    await other.onEpochEnd(0, { loss: 1 });
  }
  const ratios: number[] = [];
  const ratiosWithOptimizer: number[] = [];
  const backupMs: number[] = [];
  const durableMs: number[] = [];
  const durableRatios: number[] = [];
  const saveMs: number[] = [];
  const saveWithOptimizerMs: number[] = [];
  const orders = [
    ["backup", "save", "saveWithOptimizer"],
    ["save", "saveWithOptimizer", "backup"],
    ["saveWithOptimizer", "backup", "save"],
  ];
  for (let round = 0; round < ROUNDS + 3; round += 1) {
    const times: Record<string, number> = {};
    for (const what of orders[round % 3]!) {
      const start = performance.now();
      if (what === "backup") {
        await backup.onEpochBegin(round + 1);
        times.backup = performance.now() - start;
        await backup.settled();
        times.durable = performance.now() - start;
        continue;
      }
      if (what === "save") await saveModel(model, path.join(dir, "model"));
      else await saveModel(model, path.join(dir, "model-optimizer"), { includeOptimizer: true });
      times[what] = performance.now() - start;
    }
    if (round < 3) continue; // warm-up
    backupMs.push(times.backup!);
    durableMs.push(times.durable!);
    durableRatios.push(times.durable! / times.save!);
    saveMs.push(times.save!);
    saveWithOptimizerMs.push(times.saveWithOptimizer!);
    ratios.push(times.backup! / times.save!);
    ratiosWithOptimizer.push(times.backup! / times.saveWithOptimizer!);
  }
  const bytes = (await fs.stat(path.join(dir, "backup", "latest", "tensors.bin"))).size;
  const modelBytes = (await fs.stat(path.join(dir, "model", "weights.bin"))).size;
  await fs.rm(dir, { recursive: true, force: true });
  model.dispose();
  return {
    ratio: median(ratios),
    ratioWithOptimizer: median(ratiosWithOptimizer),
    backupMs: median(backupMs),
    durableRatio: median(durableRatios),
    durableMs: median(durableMs),
    saveMs: median(saveMs),
    saveWithOptimizerMs: median(saveWithOptimizerMs),
    backupBytes: bytes,
    modelBytes,
  };
}

await tf.setBackend("cpu");
const results: Record<string, Record<string, number>> = {};
for (const c of CASES) results[c.name] = await measure(c);
process.stdout.write(`${JSON.stringify({ rounds: ROUNDS, cases: results })}\n`);
