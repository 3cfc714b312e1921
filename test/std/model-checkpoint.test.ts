// ModelCheckpoint from the standard library: which epochs (or batches) save and under which formatted names,
// Keras 3's rules derived per row (numbers and scalar tensors), what is saved (model or weights, which epoch's
// weights), one real model.fit whose checkpoints load back, and options validation.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { callbacks, fileLoader, loadWeights, ModelCheckpoint, type ModelCheckpointOptions } from "cbc";
import { drive, tinyModel, type Value } from "../support/drive.js";

const N = Number.NaN;

let root: string;
let runs = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-std-checkpoint-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** A fresh directory per run, so rows never see each other's files. */
async function freshDir(): Promise<string> {
  const dir = path.join(root, `run-${runs++}`);
  await fs.mkdir(dir);
  return dir;
}

/** Checkpoint directories under dir (the staging and `.prev` leftovers of the atomic swap excluded). */
async function checkpoints(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((name) => !name.includes(".tmp-") && !name.endsWith(".prev")).sort();
}

/** The epoch stamp the driver gave the weights saved in a checkpoint. */
async function savedStamp(location: string): Promise<number> {
  const model = tinyModel();
  await loadWeights(model, location);
  const stamp = model.getWeights()[0].dataSync()[0];
  model.dispose();
  return stamp;
}

interface Row {
  name: string;
  /** Options without filepath; `template` is joined to the run's directory. */
  options: Omit<ModelCheckpointOptions, "filepath">;
  template: string;
  epochs: Record<string, Value[]>;
  batches?: number;
  batchLoss?: Value[];
  /** Checkpoint names written, sorted. */
  saved: string[];
  derivation: string;
}

// Keras 3 ModelCheckpoint (keras/src/callbacks/model_checkpoint.py, monitor_callback.py):
// save_freq "epoch": at each epoch end, filepath.format(epoch=epoch + 1, **logs); with save_best_only, best starts at
// initial_value_threshold or +-inf (mode auto: direction of the metric) and a save happens iff
// monitor_op(value, best) (strict), then best = value. save_freq N: at batch end, batches counted globally across
// epochs (a new epoch adds batch + 1); at N, reset and save with filepath.format(epoch=epoch + 1, batch=batch + 1, **logs).
const ROWS: Row[] = [
  {
    name: "every epoch, names formatted as Keras formats them",
    options: {},
    template: "ckpt-{epoch:02d}-{val_loss:.2f}",
    epochs: { loss: [1, 0.75, 0.5], val_loss: [0.5, 0.625, 0.125] },
    saved: ["ckpt-01-0.50", "ckpt-02-0.62", "ckpt-03-0.12"],
    derivation: "save at every epoch end; '{:.2f}'.format(0.625) = '0.62' and of 0.125 = '0.12' (exact halves round to even)",
  },
  {
    name: "save_best_only: strict improvements only",
    options: { saveBestOnly: true },
    template: "{epoch:02d}",
    epochs: { val_loss: [0.5, 0.75, 0.25, 0.25, 0.375] },
    saved: ["01", "03"],
    derivation: "best=inf; e0 0.5<inf save; e1 no; e2 0.25<0.5 save; e3 tie no; e4 no",
  },
  {
    name: "save_best_only with initial_value_threshold",
    options: { saveBestOnly: true, initialValueThreshold: 0.3 },
    template: "{epoch:02d}",
    epochs: { val_loss: [0.5, 0.25, 0.375, 0.125] },
    saved: ["02", "04"],
    derivation: "best=0.3; e0 0.5<0.3 no; e1 0.25 save; e2 no; e3 0.125 save",
  },
  {
    name: "save_best_only, mode auto on an accuracy maximizes",
    options: { saveBestOnly: true, monitor: "val_acc" },
    template: "acc-{epoch}-{val_acc:.3f}",
    epochs: { val_acc: [0.5, 0.75, 0.625, 0.875] },
    saved: ["acc-1-0.500", "acc-2-0.750", "acc-4-0.875"],
    derivation: "accuracy has direction up: best=-inf; e0, e1 save; e2 0.625>0.75 no; e3 save",
  },
  {
    name: "save_best_only, mode min given for an accuracy",
    options: { saveBestOnly: true, monitor: "val_acc", mode: "min" },
    template: "{epoch}",
    epochs: { val_acc: [0.5, 0.75, 0.25] },
    saved: ["1", "3"],
    derivation: "min: e0 save; e1 no; e2 0.25<0.5 save",
  },
  {
    name: "save_best_only: a NaN first value does not save",
    options: { saveBestOnly: true },
    template: "{epoch}",
    epochs: { val_loss: [N, 0.5, N, 0.25] },
    saved: ["2", "4"],
    derivation: "NaN<inf is false: e0 no; e1 save; e2 NaN no; e3 save",
  },
  {
    name: "save_freq 3 counts batches across epochs",
    options: { saveFreq: 3 },
    template: "e{epoch}-b{batch}-{loss:.1f}",
    epochs: { loss: [1, 1] },
    batches: 4,
    batchLoss: [0.5, 0.25, 2.5, 1.5, 3.5, 1.25, 0.75, 2.25],
    saved: ["e1-b3-2.5", "e2-b2-1.2"],
    derivation:
      "e0 batches 0,1,2: count 3 -> save at epoch 1, batch 3 with that batch's loss 2.5; batch 3: 1; e1 batch 0 (new epoch, +1): 2; " +
      "batch 1: 3 -> save at epoch 2, batch 2, loss 1.25 -> '1.2'; no epoch-end saves",
  },
  {
    name: "save_freq with save_best_only saves every N batches (deviation for batch metrics, Keras' behaviour for val_*)",
    options: { saveFreq: 2, saveBestOnly: true },
    template: "s{batch}",
    epochs: { loss: [1], val_loss: [0.5] },
    batches: 4,
    batchLoss: [1, 2, 3, 4],
    saved: ["s2", "s4"],
    derivation: "Keras: val_loss is not in batch logs -> 'Can save best model only with val_loss available', save anyway: batches 2, 4",
  },
];

describe("ModelCheckpoint scenarios (Keras 3 semantics)", () => {
  const cases = ROWS.flatMap((row) => [false, true].map((asTensors) => ({ ...row, asTensors })));
  test.each(cases)("$name (tensors: $asTensors)", async (row) => {
    const dir = await freshDir();
    const callback = new ModelCheckpoint({ ...row.options, filepath: path.join(dir, row.template) });
    const run = await drive(callback, {
      epochs: row.epochs,
      batches: row.batches,
      batchMetrics: row.batchLoss ? { loss: row.batchLoss } : undefined,
      asTensors: row.asTensors,
    });
    expect(await checkpoints(dir)).toEqual(row.saved);
    expect(run.leakedTensors).toBe(0);
  });
});

describe("what ModelCheckpoint saves", () => {
  test("a fixed path is overwritten by each new best: it ends holding the best epoch's weights", async () => {
    const dir = await freshDir();
    const filepath = path.join(dir, "best");
    // e0 0.5 save, e1 0.25 save, e2 0.375 no: the checkpoint holds epoch 1's weights.
    await drive(new ModelCheckpoint({ filepath, saveBestOnly: true }), { epochs: { val_loss: [0.5, 0.25, 0.375] } });
    expect(await checkpoints(dir)).toEqual(["best"]);
    expect((await fs.readdir(filepath)).sort()).toEqual(["model.json", "weights.bin"]);
    expect(await savedStamp(filepath)).toBe(1);
    const loaded = await tf.loadLayersModel(fileLoader(filepath));
    expect(loaded.getWeights()[0].dataSync()[0]).toBe(1);
    loaded.dispose();
  });

  test("save_weights_only writes weights.json + weights.bin, and no model.json", async () => {
    const dir = await freshDir();
    const filepath = path.join(dir, "w-{epoch}");
    await drive(new ModelCheckpoint({ filepath, saveWeightsOnly: true }), { epochs: { val_loss: [0.5, 0.25] } });
    expect(await checkpoints(dir)).toEqual(["w-1", "w-2"]);
    expect((await fs.readdir(path.join(dir, "w-2"))).sort()).toEqual(["weights.bin", "weights.json"]);
    expect(await savedStamp(path.join(dir, "w-1"))).toBe(0);
    expect(await savedStamp(path.join(dir, "w-2"))).toBe(1);
  });

  test("save_weights_only with save_best_only", async () => {
    const dir = await freshDir();
    await drive(new ModelCheckpoint({ filepath: path.join(dir, "{epoch}"), saveWeightsOnly: true, saveBestOnly: true }), {
      epochs: { val_loss: [0.5, 0.75, 0.25] },
    });
    expect(await checkpoints(dir)).toEqual(["1", "3"]);
    expect(await savedStamp(path.join(dir, "3"))).toBe(2);
  });

  test("without save_best_only the monitor is neither read nor required", async () => {
    const dir = await freshDir();
    await drive(new ModelCheckpoint({ filepath: path.join(dir, "{epoch}") }), { epochs: { loss: [1, 1] }, reported: ["loss"] });
    expect(await checkpoints(dir)).toEqual(["1", "2"]);
  });

  test("with save_best_only a monitor the fit loop does not report fails at train begin", async () => {
    const dir = await freshDir();
    await expect(
      drive(new ModelCheckpoint({ filepath: path.join(dir, "x"), saveBestOnly: true }), { epochs: { loss: [1] }, reported: ["loss"] }),
    ).rejects.toThrow(/reads metric `val_loss`, but the fit loop reports `loss`/);
  });

  test("a placeholder that names no metric fails, naming the rule (Keras: KeyError)", async () => {
    const dir = await freshDir();
    await expect(
      drive(new ModelCheckpoint({ filepath: path.join(dir, "{epoch}-{val_acc:.2f}") }), { epochs: { val_loss: [1] } }),
    ).rejects.toThrow(/model-checkpoint\.rules:\d+:\d+ .*val_acc/);
  });
});

describe("ModelCheckpoint inside tfjs' model.fit", () => {
  test("save_best_only on val_loss writes Keras-named checkpoints that load back", async () => {
    const dir = await freshDir();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    model.compile({ optimizer: tf.train.sgd(0.05), loss: "meanSquaredError" });
    const xs = tf.tensor2d(Array.from({ length: 64 }, (_, i) => Math.sin(i)), [32, 2]);
    const ys = xs.sum(1, true);
    const best = callbacks.modelCheckpoint({ filepath: path.join(dir, "best", "{epoch:02d}-{val_loss:.4f}"), saveBestOnly: true });
    const every = callbacks.modelCheckpoint({ filepath: path.join(dir, "every", "{epoch:02d}") });
    const history = await model.fit(xs, ys, { epochs: 4, batchSize: 8, validationSplit: 0.25, callbacks: [best, every], verbose: 0 });
    const valLoss = history.history.val_loss as number[];
    // Expected names from the history, by Keras' rule: save where val_loss beats every earlier one.
    const expected: string[] = [];
    let bestSoFar = Infinity;
    valLoss.forEach((value, epoch) => {
      if (value < bestSoFar) {
        bestSoFar = value;
        expected.push(`${String(epoch + 1).padStart(2, "0")}-${value.toFixed(4)}`);
      }
    });
    expect(expected[0]).toMatch(/^01-/);
    expect(await checkpoints(path.join(dir, "best"))).toEqual(expected.sort());
    expect(await checkpoints(path.join(dir, "every"))).toEqual(["01", "02", "03", "04"]);
    // The last epoch's checkpoint is a full tfjs model that predicts exactly as the trained model does.
    const loaded = await tf.loadLayersModel(fileLoader(path.join(dir, "every", "04")));
    const a = model.predict(xs) as tf.Tensor;
    const b = loaded.predict(xs) as tf.Tensor;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, xs, ys]);
    loaded.dispose();
  });
});

describe("ModelCheckpoint options", () => {
  test.each([
    [{}, "ModelCheckpoint: option `filepath`: expected a string, got nothing"],
    [{ filepath: "x", saveFreq: -1 }, "ModelCheckpoint: option `saveFreq`: expected an integer >= 0, got -1"],
    [{ filepath: "x", saveFreq: "epoch" }, 'ModelCheckpoint: option `saveFreq`: expected an integer >= 0, got "epoch"'],
    [{ filepath: "x", initialValueThreshold: "0.1" }, 'ModelCheckpoint: option `initialValueThreshold`: expected a number, got "0.1"'],
    [{ filepath: "x", saveBestOnly: "yes" }, 'ModelCheckpoint: option `saveBestOnly`: expected true or false, got "yes"'],
  ])("%j", (options, message) => {
    expect(() => new ModelCheckpoint(options as ModelCheckpointOptions)).toThrow(message);
  });

  test("Keras' defaults", () => {
    expect(new ModelCheckpoint({ filepath: "x" }).o).toEqual({
      filepath: "x",
      monitor: "val_loss",
      saveBestOnly: false,
      saveWeightsOnly: false,
      mode: "auto",
      saveFreq: 0,
      verbose: 0,
    });
  });
});
