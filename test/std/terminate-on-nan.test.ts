// TerminateOnNaN from the standard library: Keras 3's cases as a scenario table (batch losses as numbers and as
// scalar tensors), Keras' message with the 0-based batch index, and one real model.fit on data holding a NaN.
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, test, vi } from "vitest";
import { callbacks, TerminateOnNaN } from "cbc";
import { RuleFailure } from "cbc-runtime";
import { drive, type Value } from "../support/drive.js";
import { kerasTerminateOnNaN } from "../support/keras-reference.js";

const N = Number.NaN;
const _ = undefined;

interface Row {
  name: string;
  /** Batch losses by global step; 3 batches per epoch. */
  loss: Value[];
  /** Epoch after which training stopped, and the [epoch, batch] of the batch that stopped it. */
  stoppedAt: number | undefined;
  stopBatch?: [number, number];
  printed: string[];
  derivation: string;
}

// Keras 3 TerminateOnNaN.on_batch_end: loss = logs.get("loss"); if loss is not None and (isnan or isinf):
// print f"Batch {batch}: Invalid loss, terminating training" (batch: 0-based index in the epoch) and set
// model.stop_training, which the fit loop checks after that batch; the epoch still ends (on_epoch_end runs).
const ROWS: Row[] = [
  {
    name: "NaN in the middle of the second epoch",
    loss: [1, 0.9, 0.8, 0.7, N, 0.5, 0.4, 0.3, 0.2],
    stoppedAt: 1,
    stopBatch: [1, 1],
    printed: ["Batch 1: Invalid loss, terminating training"],
    derivation: "step 4 = epoch 1, batch 1: NaN -> stop after it; epoch 1 is the last",
  },
  {
    name: "+inf on the first batch",
    loss: [Infinity, 1, 1, 1, 1, 1],
    stoppedAt: 0,
    stopBatch: [0, 0],
    printed: ["Batch 0: Invalid loss, terminating training"],
    derivation: "np.isinf(inf): stop after batch 0 of epoch 0",
  },
  {
    name: "-inf counts too",
    loss: [1, 1, -Infinity, 1, 1, 1],
    stoppedAt: 0,
    stopBatch: [0, 2],
    printed: ["Batch 2: Invalid loss, terminating training"],
    derivation: "np.isinf(-inf) is true: stop after batch 2",
  },
  {
    name: "finite losses never stop",
    loss: [1e30, -5, 0, 1e-30, 3, 2],
    stoppedAt: undefined,
    printed: [],
    derivation: "all finite: nothing",
  },
  {
    name: "a batch without a loss is ignored",
    loss: [1, _, 1, _, _, 1],
    stoppedAt: undefined,
    printed: [],
    derivation: "loss None: nothing",
  },
];

/** A model and 4 batches of 4 samples whose second batch starts with a NaN, so batch 1's loss is NaN. */
function nanInSecondBatch(): { model: tf.LayersModel; xs: tf.Tensor; ys: tf.Tensor } {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
  model.compile({ optimizer: tf.train.sgd(0.01), loss: "meanSquaredError" });
  const values = Array.from({ length: 32 }, (_, i) => (i === 8 ? Number.NaN : i / 32));
  return { model, xs: tf.tensor2d(values, [16, 2]), ys: tf.zeros([16, 1]) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("TerminateOnNaN scenarios (Keras 3 semantics)", () => {
  const cases = ROWS.flatMap((row) => [false, true].map((asTensors) => ({ ...row, asTensors })));
  test.each(cases)("$name (tensors: $asTensors)", async (row) => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const callback = new TerminateOnNaN();
    const epochs = Math.ceil(row.loss.length / 3);
    const run = await drive(callback, {
      // val_loss NaN at every epoch end: TerminateOnNaN only looks at batch losses.
      epochs: { val_loss: Array.from({ length: epochs }, () => N) },
      batches: 3,
      batchMetrics: { loss: row.loss },
      asTensors: row.asTensors,
      reported: ["loss", "val_loss"],
    });
    expect(run.stoppedAt).toBe(row.stoppedAt);
    const stop = callback.firings.find((f) => f.action === "stop");
    expect(stop && [stop.epoch, stop.batch]).toEqual(row.stopBatch);
    expect(log.mock.calls.map((call) => call[0])).toEqual(row.printed);
    expect(run.leakedTensors).toBe(0);
  });

  test("the factory builds the same callback", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const run = await drive(callbacks.terminateOnNaN(), { epochs: { loss: [1, 1] }, batches: 2, batchMetrics: { loss: [1, N, 1, 1] } });
    expect(run.stoppedAt).toBe(0);
  });

  test("takes no options but raiseError and verbose", () => {
    expect(() => new TerminateOnNaN({ monitor: "loss" } as object)).toThrow(/TerminateOnNaN: unknown option `monitor`/);
    expect(() => new TerminateOnNaN({ raiseError: 1 } as object)).toThrow(/TerminateOnNaN: option `raiseError`/);
    expect(new TerminateOnNaN().o).toEqual({ raiseError: false, verbose: 0 });
  });

  test.each(ROWS.map((row) => ({ ...row })))("$name agrees with Keras 3.15.1's TerminateOnNaN, replayed", (row) => {
    const keras = kerasTerminateOnNaN(false, row.loss, 3);
    expect(keras.kind === "stopped" ? [keras.epoch, keras.batch] : undefined).toEqual(row.stopBatch);
    expect(keras.kind === "stopped" ? [keras.printed] : []).toEqual(row.printed);
  });
});

// Keras 3.15.1 TerminateOnNaN(raise_error=True).on_batch_end: on a NaN or inf loss, raise RuntimeError(
// f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training immediately.")
// with the 0-based batch index in the epoch and str() of the Python float (nan, inf, -inf). The fit ends
// at once: no later batch, no epoch end, no train end of any callback.
describe("TerminateOnNaN({ raiseError: true })", () => {
  const RAISE_ROWS: { name: string; loss: Value[]; message: string | undefined }[] = [
    { name: "NaN at epoch 1, batch 1", loss: [1, 0.9, 0.8, 0.7, N, 0.5], message: "NaN or Inf loss encountered at batch 1. Loss value: nan. Terminating training immediately." },
    { name: "+inf on the first batch", loss: [Infinity, 1, 1], message: "NaN or Inf loss encountered at batch 0. Loss value: inf. Terminating training immediately." },
    { name: "-inf on the last batch of epoch 0", loss: [1, 1, -Infinity, 1], message: "NaN or Inf loss encountered at batch 2. Loss value: -inf. Terminating training immediately." },
    { name: "finite and missing losses never fail", loss: [1, _, 1e30, -3, 0, 1], message: undefined },
  ];

  test.each(RAISE_ROWS)("$name", async (row) => {
    const keras = kerasTerminateOnNaN(true, row.loss, 3);
    expect(keras.kind === "raised" ? keras.message : undefined).toBe(row.message);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const callback = new TerminateOnNaN({ raiseError: true });
    const run = drive(callback, {
      epochs: { val_loss: Array.from({ length: Math.ceil(row.loss.length / 3) }, () => 1) },
      batches: 3,
      batchMetrics: { loss: row.loss },
      reported: ["loss", "val_loss"],
    });
    if (row.message === undefined) {
      expect((await run).stoppedAt).toBeUndefined();
    } else {
      const error = await run.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(RuleFailure);
      expect((error as Error).message).toBe(row.message);
      expect(callback.firings.map((f) => f.action)).toEqual(["set", "fail"]);
    }
    expect(log).not.toHaveBeenCalled();
  });

  test("model.fit rejects with Keras' message; no later batch, epoch end or train end runs", async () => {
    const { model, xs, ys } = nanInSecondBatch();
    const seen: string[] = [];
    const counter = new tf.CustomCallback({
      onBatchEnd: async (batch) => void seen.push(`batch ${batch}`),
      onEpochEnd: async (epoch) => void seen.push(`epoch ${epoch}`),
      onTrainEnd: async () => void seen.push("train end"),
    });
    const fit = model.fit(xs, ys, { epochs: 5, batchSize: 4, shuffle: false, callbacks: [new TerminateOnNaN({ raiseError: true }), counter], verbose: 0 });
    const error = await fit.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(RuleFailure);
    expect((error as RuleFailure).message).toBe("NaN or Inf loss encountered at batch 1. Loss value: nan. Terminating training immediately.");
    expect((error as RuleFailure).rule.at).toMatch(/^terminate-on-nan\.rules:\d+:\d+$/);
    // TerminateOnNaN runs first: the counter saw batch 0 only.
    expect(seen).toEqual(["batch 0"]);
    tf.dispose([xs, ys]);
  });
});

describe("TerminateOnNaN inside tfjs' model.fit", () => {
  test("a NaN in the second batch ends training after that batch", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const { model, xs, ys } = nanInSecondBatch();
    const batchesSeen: number[] = [];
    const counter = new tf.CustomCallback({ onBatchEnd: async (batch) => void batchesSeen.push(batch) });
    const history = await model.fit(xs, ys, { epochs: 5, batchSize: 4, shuffle: false, callbacks: [new TerminateOnNaN(), counter], verbose: 0 });
    expect(history.epoch).toEqual([0]);
    expect(batchesSeen).toEqual([0, 1]);
    expect(log.mock.calls.map((call) => call[0])).toEqual(["Batch 1: Invalid loss, terminating training"]);
    tf.dispose([xs, ys]);
  });
});
