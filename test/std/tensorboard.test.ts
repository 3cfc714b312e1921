// TensorBoard from the standard library: the event files, runs, tags, steps and values Keras 3's TensorBoard
// callback writes for scalars (epoch_* per epoch in train/ and validation/, batch_* every update_freq batches),
// read back frame by frame with the runtime's decodeEvent; one real model.fit; options validation.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { callbacks, TensorBoard, type TensorBoardOptions } from "cbc";
import { decodeEvent } from "cbc-runtime";
import { drive, type Value } from "../support/drive.js";

let root: string;
let dirs = 0;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-std-tensorboard-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const freshDir = () => path.join(root, `logs-${dirs++}`);

interface Scalar {
  tag: string;
  step: number;
  value: number;
}

/** Every scalar in the event files of one run directory, in file order: TFRecord frames decoded as Events. */
async function readRun(dir: string): Promise<{ files: string[]; scalars: Scalar[] }> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).sort();
  } catch {
    return { files: [], scalars: [] };
  }
  const scalars: Scalar[] = [];
  for (const name of names) {
    const bytes = new Uint8Array(await fs.readFile(path.join(dir, name)));
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let first = true;
    for (let at = 0; at < bytes.length; ) {
      const length = Number(view.getBigUint64(at, true));
      const event = decodeEvent(bytes.subarray(at + 12, at + 12 + length));
      at += 12 + length + 4;
      if (first) expect(event.file_version).toBe("brain.Event:2");
      first = false;
      for (const value of event.summary?.value ?? []) {
        const content = value.tensor?.tensor_content;
        if (!content || !value.tag) continue;
        const float = new DataView(content.buffer, content.byteOffset, content.byteLength).getFloat32(0, true);
        scalars.push({ tag: value.tag, step: event.step ?? 0, value: float });
      }
    }
  }
  return { files: names, scalars };
}

const f32 = (x: number) => Math.fround(x);

/** Scalars of one tag as [step, value] pairs. */
function series(scalars: Scalar[], tag: string): [number, number][] {
  return scalars.filter((s) => s.tag === tag).map((s) => [s.step, s.value]);
}

interface Row {
  name: string;
  options: Omit<TensorBoardOptions, "logDir">;
  epochs: Record<string, Value[]>;
  batches?: number;
  batchLoss?: Value[];
  initialLr: number;
  /** Expected series per run and tag. */
  train: Record<string, [number, number][]>;
  validation: Record<string, [number, number][]>;
  derivation: string;
}

// Keras 3 TensorBoard: _log_epoch_metrics(epoch, logs): train logs (not val_) plus learning_rate as
// "epoch_<name>" in train/, val_ logs without the prefix as "epoch_<name>" in validation/, step = epoch (0-based).
// update_freq N: on_train_batch_end writes "batch_<name>" for the batch logs at step = _global_train_batch
// (incremented at each batch begin, so 1 for the first batch); documented as every N batches.
const ROWS: Row[] = [
  {
    name: "epoch scalars in train/ and validation/",
    options: {},
    epochs: { loss: [0.5, 0.25, 0.125], val_loss: [0.75, 0.5, 0.375], acc: [0.5, 0.625, 0.75], val_acc: [0.25, 0.5, 0.5] },
    initialLr: 0.001,
    train: {
      epoch_loss: [[0, 0.5], [1, 0.25], [2, 0.125]],
      epoch_acc: [[0, 0.5], [1, 0.625], [2, 0.75]],
      epoch_learning_rate: [[0, f32(0.001)], [1, f32(0.001)], [2, f32(0.001)]],
    },
    validation: {
      epoch_loss: [[0, 0.75], [1, 0.5], [2, 0.375]],
      epoch_acc: [[0, 0.25], [1, 0.5], [2, 0.5]],
    },
    derivation: "steps 0, 1, 2; val_loss -> validation/epoch_loss; learning_rate added to the train logs",
  },
  {
    name: "update_freq 2: batch scalars every 2 global batches",
    options: { updateFreq: 2 },
    epochs: { loss: [1, 2] },
    batches: 3,
    batchLoss: [0.5, 1.5, 2.5, 3.5, 4.5, 5.5],
    initialLr: 0.5,
    train: {
      batch_loss: [[2, 1.5], [4, 3.5], [6, 5.5]],
      batch_learning_rate: [[2, 0.5], [4, 0.5], [6, 0.5]],
      epoch_loss: [[0, 1], [1, 2]],
      epoch_learning_rate: [[0, 0.5], [1, 0.5]],
    },
    validation: {},
    derivation: "global batch counts 1..6; N=2 -> counts 2, 4, 6 with the losses of 0-based steps 1, 3, 5",
  },
  {
    name: "update_freq 1 is Keras' 'batch'",
    options: { updateFreq: 1 },
    epochs: { loss: [1] },
    batches: 3,
    batchLoss: [0.5, 0.25, 0.125],
    initialLr: 0.5,
    train: {
      batch_loss: [[1, 0.5], [2, 0.25], [3, 0.125]],
      batch_learning_rate: [[1, 0.5], [2, 0.5], [3, 0.5]],
      epoch_loss: [[0, 1]],
      epoch_learning_rate: [[0, 0.5]],
    },
    validation: {},
    derivation: "every batch, at counts 1, 2, 3",
  },
  {
    name: "update_freq 0 is Keras' 'epoch': no batch scalars",
    options: { updateFreq: 0 },
    epochs: { loss: [1, 0.5] },
    batches: 2,
    batchLoss: [4, 3, 2, 1],
    initialLr: 0.5,
    train: { batch_loss: [], batch_learning_rate: [], epoch_loss: [[0, 1], [1, 0.5]], epoch_learning_rate: [[0, 0.5], [1, 0.5]] },
    validation: {},
    derivation: "'epoch': batch summaries have no default writer in Keras, so none are written",
  },
];

describe("TensorBoard event files (Keras 3 semantics)", () => {
  const cases = ROWS.flatMap((row) => [false, true].map((asTensors) => ({ ...row, asTensors })));
  test.each(cases)("$name (tensors: $asTensors)", async (row) => {
    const logDir = freshDir();
    await drive(new TensorBoard({ ...row.options, logDir }), {
      epochs: row.epochs,
      batches: row.batches,
      batchMetrics: row.batchLoss ? { loss: row.batchLoss } : undefined,
      initialLr: row.initialLr,
      asTensors: row.asTensors,
    });
    const train = await readRun(path.join(logDir, "train"));
    const validation = await readRun(path.join(logDir, "validation"));
    expect(train.files.length).toBe(1);
    expect(train.files[0]).toMatch(/^events\.out\.tfevents\.\d+\..+\.v2$/);
    for (const [tag, expected] of Object.entries(row.train)) expect(series(train.scalars, tag), `train ${tag}`).toEqual(expected);
    for (const [tag, expected] of Object.entries(row.validation)) expect(series(validation.scalars, tag), `validation ${tag}`).toEqual(expected);
    // Nothing else: every tag written is one the row expects (validation/ exists only with val_ metrics).
    expect(new Set(train.scalars.map((s) => s.tag))).toEqual(new Set(Object.keys(row.train).filter((t) => row.train[t].length > 0)));
    expect(new Set(validation.scalars.map((s) => s.tag))).toEqual(new Set(Object.keys(row.validation)));
  });

  test("log_dir placeholders are filled at each write", async () => {
    const logDir = freshDir();
    await drive(new TensorBoard({ logDir: path.join(logDir, "run-{epoch}") }), { epochs: { loss: [1, 2] }, initialLr: 0.5 });
    expect((await fs.readdir(logDir)).sort()).toEqual(["run-1", "run-2"]);
    expect(series((await readRun(path.join(logDir, "run-2", "train"))).scalars, "epoch_loss")).toEqual([[1, 2]]);
  });
});

describe("TensorBoard inside tfjs' model.fit", () => {
  test("train/ and validation/ hold the history's values at each epoch", async () => {
    const logDir = freshDir();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1, activation: "sigmoid" })] });
    model.compile({ optimizer: tf.train.adam(0.01), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    const xs = tf.tensor2d(Array.from({ length: 40 }, (_, i) => Math.sin(i)), [20, 2]);
    const ys = tf.tensor2d(Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 1 : 0)), [20, 1]);
    const history = await model.fit(xs, ys, {
      epochs: 3,
      batchSize: 5,
      validationSplit: 0.25,
      callbacks: [callbacks.tensorBoard({ logDir, updateFreq: 2 })],
      verbose: 0,
    });
    const train = (await readRun(path.join(logDir, "train"))).scalars;
    const validation = (await readRun(path.join(logDir, "validation"))).scalars;
    const epochsOf = (values: number[]) => values.map((v, epoch): [number, number] => [epoch, f32(v)]);
    expect(series(train, "epoch_loss")).toEqual(epochsOf(history.history.loss as number[]));
    expect(series(train, "epoch_acc")).toEqual(epochsOf(history.history.acc as number[]));
    expect(series(validation, "epoch_loss")).toEqual(epochsOf(history.history.val_loss as number[]));
    expect(series(validation, "epoch_acc")).toEqual(epochsOf(history.history.val_acc as number[]));
    // 15 training samples in batches of 5: 3 batches per epoch, 9 in all; every 2nd global batch.
    expect(series(train, "batch_loss").map(([step]) => step)).toEqual([2, 4, 6, 8]);
    tf.dispose([xs, ys]);
  });
});

describe("TensorBoard options", () => {
  test.each([
    [{ updateFreq: "batch" }, 'TensorBoard: option `updateFreq`: expected an integer >= 0, got "batch"'],
    [{ updateFreq: -1 }, "TensorBoard: option `updateFreq`: expected an integer >= 0, got -1"],
    [{ logDir: 1 }, "TensorBoard: option `logDir`: expected a string, got 1"],
    [{ histogramFreq: 1 }, "TensorBoard: unknown option `histogramFreq`"],
  ])("%j", (options, message) => {
    expect(() => new TensorBoard(options as TensorBoardOptions)).toThrow(message);
  });

  test("Keras' defaults", () => {
    expect(new TensorBoard().o).toEqual({ logDir: "logs", updateFreq: 0, verbose: 0 });
  });
});
