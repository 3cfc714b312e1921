// readMetrics against real tfjs logs: scalar tensors resolved once, replaced in place, disposed; aliases; a real fit.
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { readMetrics, type Logs } from "../../src/runtime/logs.js";

describe("readMetrics", () => {
  it("resolves scalar tensors, replaces them in place and disposes them", async () => {
    const loss = tf.scalar(0.5);
    const other = tf.scalar(7);
    const logs: Logs = { loss, other, val_loss: 0.25 };
    const before = tf.memory().numTensors;
    const out: Record<string, number | undefined> = {};

    await readMetrics(logs, ["loss", "val_loss"], out);

    expect(out).toEqual({ loss: 0.5, val_loss: 0.25 });
    expect(logs.loss).toBe(0.5);
    expect(loss.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before - 1);
    // Only the named metrics are touched.
    expect(logs.other).toBe(other);
    expect(other.isDisposed).toBe(false);
    other.dispose();
  });

  it("takes numbers as they are, with no tensor read", async () => {
    const logs: Logs = { loss: 1.5 };
    const out: Record<string, number | undefined> = {};
    const before = tf.memory();
    await readMetrics(logs, ["loss"], out);
    expect(out.loss).toBe(1.5);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it.each([
    ["acc", "accuracy"],
    ["accuracy", "acc"],
    ["val_acc", "val_accuracy"],
    ["val_accuracy", "val_acc"],
  ])("asking for %s finds the key %s", async (asked, present) => {
    const tensor = tf.scalar(0.75);
    const logs: Logs = { [present]: tensor };
    const out: Record<string, number | undefined> = {};
    await readMetrics(logs, [asked], out);
    expect(out[asked]).toBe(0.75);
    expect(logs[present]).toBe(0.75); // replaced under the key tfjs used
    expect(asked in logs).toBe(false); // no new keys in the shared logs
    expect(tensor.isDisposed).toBe(true);
  });

  it("prefers the exact key over its alias", async () => {
    const out: Record<string, number | undefined> = {};
    await readMetrics({ acc: 0.1, accuracy: 0.2 }, ["accuracy", "acc"], out);
    expect(out).toEqual({ accuracy: 0.2, acc: 0.1 });
  });

  it("reads a tensor once when both aliases are asked for", async () => {
    const tensor = tf.scalar(0.9);
    const logs: Logs = { acc: tensor };
    const out: Record<string, number | undefined> = {};
    await readMetrics(logs, ["acc", "accuracy"], out);
    expect(out).toEqual({ acc: expect.closeTo(0.9, 6), accuracy: expect.closeTo(0.9, 6) });
    expect(tensor.isDisposed).toBe(true);
  });

  it("absent names and absent logs give undefined", async () => {
    const out: Record<string, number | undefined> = { val_loss: 3 };
    await readMetrics({ loss: 1 }, ["val_loss", "val_acc"], out);
    expect(out).toEqual({ val_loss: undefined, val_acc: undefined });
    const none: Record<string, number | undefined> = {};
    await readMetrics(undefined, ["loss"], none);
    expect(none).toEqual({ loss: undefined });
  });

  it("refuses a non-scalar tensor and leaves it in place", async () => {
    const tensor = tf.tensor1d([1, 2]);
    const logs: Logs = { loss: tensor };
    await expect(readMetrics(logs, ["loss"], {})).rejects.toThrow("expected a scalar");
    expect(logs.loss).toBe(tensor);
    expect(tensor.isDisposed).toBe(false);
    tensor.dispose();
  });

  it("reads loss, val_loss and acc in a real model.fit, without leaking", async () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: "softmax" })],
    });
    model.compile({ optimizer: tf.train.adam(0.05), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const xs = tf.randomNormal([32, 4], 0, 1, "float32", 3);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3);

    const epochReads: Record<string, number | undefined>[] = [];
    const logTypesSeen: string[] = [];
    const batchLosses: (number | undefined)[] = [];
    class Reader extends tf.Callback {
      override async onBatchEnd(_batch: number, logs?: Logs): Promise<void> {
        const out: Record<string, number | undefined> = {};
        await readMetrics(logs, ["loss"], out);
        batchLosses.push(out.loss);
      }
      override async onEpochEnd(_epoch: number, logs?: Logs): Promise<void> {
        logTypesSeen.push(typeof logs?.val_loss);
        const out: Record<string, number | undefined> = {};
        await readMetrics(logs, ["loss", "val_loss", "acc", "val_accuracy"], out);
        epochReads.push(out);
      }
    }

    const fitOptions = { epochs: 3, batchSize: 8, validationSplit: 0.25, verbose: 0 as const };
    await model.fit(xs, ys, fitOptions); // warm-up: optimizer state exists from here on
    const before = tf.memory().numTensors;
    const history = await model.fit(xs, ys, { ...fitOptions, callbacks: [new Reader()] });
    expect(tf.memory().numTensors).toBe(before);

    // tfjs hands a tf.Callback tensors, which we resolved...
    expect(logTypesSeen).toEqual(["object", "object", "object"]);
    // ...to exactly the numbers History recorded.
    expect(epochReads.map((r) => r.loss)).toEqual(history.history.loss);
    expect(epochReads.map((r) => r.val_loss)).toEqual(history.history.val_loss);
    expect(epochReads.map((r) => r.acc)).toEqual(history.history.acc);
    expect(epochReads.map((r) => r.val_accuracy)).toEqual(history.history.val_acc);
    expect(batchLosses).toHaveLength(3 * 3); // 24 training samples / batch 8, three epochs
    batchLosses.forEach((loss) => expect(loss).toBeTypeOf("number"));

    model.dispose();
    tf.dispose([xs, ys]);
  });
});
