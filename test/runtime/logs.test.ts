// readMetrics against real tfjs logs: scalar tensors resolved once, replaced in place, disposed; aliases; a real fit.
// Every case runs both ways a backend reads: `await data()` (webgl) and `dataSync()` (cpu, wasm, tfjs-node).
import * as tf from "@tensorflow/tfjs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LogValueError, readMetrics, readMetricsNow, readsSynchronously, type Logs } from "../../src/runtime/logs.js";

describe.each([
  ["await data()", false],
  ["dataSync()", true],
])("readMetrics, reading with %s", (_how, sync) => {
  /** A call whose errors, thrown at once or rejected, come back as a rejection. */
  const read = async (logs: Logs | null | undefined, names: readonly string[], out: Record<string, number | undefined>) => readMetricsNow(logs, names, out, sync);

    it("resolves scalar tensors, replaces them in place and disposes them", async () => {
      const loss = tf.scalar(0.5);
      const other = tf.scalar(7);
      const logs: Logs = { loss, other, val_loss: 0.25 };
      const before = tf.memory().numTensors;
      const out: Record<string, number | undefined> = {};

      await read(logs, ["loss", "val_loss"], out);

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
      await read(logs, ["loss"], out);
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
      await read(logs, [asked], out);
      expect(out[asked]).toBe(0.75);
      expect(logs[present]).toBe(0.75); // replaced under the key tfjs used
      expect(asked in logs).toBe(false); // no new keys in the shared logs
      expect(tensor.isDisposed).toBe(true);
    });

    it("prefers the exact key over its alias", async () => {
      const out: Record<string, number | undefined> = {};
      await read({ acc: 0.1, accuracy: 0.2 }, ["accuracy", "acc"], out);
      expect(out).toEqual({ accuracy: 0.2, acc: 0.1 });
    });

    it("reads a tensor once when both aliases are asked for", async () => {
      const tensor = tf.scalar(0.9);
      const logs: Logs = { acc: tensor };
      const out: Record<string, number | undefined> = {};
      await read(logs, ["acc", "accuracy"], out);
      expect(out).toEqual({ acc: expect.closeTo(0.9, 6), accuracy: expect.closeTo(0.9, 6) });
      expect(tensor.isDisposed).toBe(true);
    });

    it("absent names and absent logs give undefined", async () => {
      const out: Record<string, number | undefined> = { val_loss: 3 };
      await read({ loss: 1 }, ["val_loss", "val_acc"], out);
      expect(out).toEqual({ val_loss: undefined, val_acc: undefined });
      const none: Record<string, number | undefined> = {};
      await read(undefined, ["loss"], none);
      expect(none).toEqual({ loss: undefined });
    });

    it("null logs hold nothing, as Keras' `logs or {}`", async () => {
      const out: Record<string, number | undefined> = { loss: 3 };
      await read(null, ["loss"], out);
      expect(out).toEqual({ loss: undefined });
    });

    it.each([
      ["0.5", "metric `loss` in the fit logs is the string \"0.5\", expected a number or a scalar tensor"],
      [{}, "metric `loss` in the fit logs is an object ({}), expected a number or a scalar tensor"],
      [[1], "metric `loss` in the fit logs is an array, expected a number or a scalar tensor"],
      [true, "metric `loss` in the fit logs is boolean true, expected a number or a scalar tensor"],
      [null, "metric `loss` in the fit logs is null, expected a number or a scalar tensor"],
    ])("a log value %j is an error naming the metric", async (value, message) => {
      const logs = { loss: value } as unknown as Logs;
      const error = await read(logs, ["loss"], {}).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(LogValueError);
      expect((error as LogValueError).message).toBe(message);
      expect((error as LogValueError).metric).toBe("loss");
    });

    it("logs that are not an object are an error", async () => {
      await expect(read(5 as unknown as Logs, ["loss"], {})).rejects.toThrow("the logs must be an object of metric values, got number 5");
    });

    it("refuses a non-scalar tensor and leaves it in place", async () => {
      const tensor = tf.tensor1d([1, 2]);
      const logs: Logs = { loss: tensor };
      await expect(read(logs, ["loss"], {})).rejects.toThrow("expected a scalar");
      expect(logs.loss).toBe(tensor);
      expect(tensor.isDisposed).toBe(false);
      tensor.dispose();
    });

});

describe("readMetrics", () => {
  afterEach(() => vi.restoreAllMocks());

  it("one tensor under two keys of hand-made logs is read for both and disposed once", async () => {
    for (const sync of [true, false]) {
      const shared = tf.scalar(0.5);
      const logs: Logs = { loss: shared, val_loss: shared };
      const out: Record<string, number | undefined> = {};
      await readMetricsNow(logs, ["loss", "val_loss"], out, sync);
      expect(out).toEqual({ loss: 0.5, val_loss: 0.5 });
      expect(shared.isDisposed).toBe(true);
    }
  });

  it("a bad second value leaves no tensor behind: the first, already replaced by its number, is disposed", () => {
    const before = tf.memory().numTensors;
    const loss = tf.scalar(1);
    const logs = { loss, val_loss: "x" } as unknown as Logs;
    expect(() => readMetricsNow(logs, ["loss", "val_loss"], {}, true)).toThrow(LogValueError);
    expect(logs.loss).toBe(1);
    expect(loss.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the exported readMetrics is always a promise, and a bad value is its rejection", async () => {
    const reading = readMetrics({ loss: 1 }, ["loss"], {});
    expect(reading).toBeInstanceOf(Promise);
    await reading;
    const bad = readMetrics({ loss: "x" } as unknown as Logs, ["loss"], {});
    expect(bad).toBeInstanceOf(Promise);
    await expect(bad).rejects.toThrow(LogValueError);
  });

  it("reads synchronously with dataSync() and returns nothing to wait for; else with data() and returns the promise", async () => {
    const data = vi.spyOn(tf.Tensor.prototype, "data");
    const dataSync = vi.spyOn(tf.Tensor.prototype, "dataSync");
    const logs: Logs = { loss: tf.scalar(0.5) };
    const out: Record<string, number | undefined> = {};
    expect(readMetricsNow(logs, ["loss"], out, true)).toBeUndefined();
    expect(out.loss).toBe(0.5);
    expect([data.mock.calls.length, dataSync.mock.calls.length]).toEqual([0, 1]);

    const later: Logs = { loss: tf.scalar(0.25) };
    const reading = readMetricsNow(later, ["loss"], out, false);
    expect(reading).toBeInstanceOf(Promise);
    expect(out.loss).toBe(0.5); // not yet
    await reading;
    expect(out.loss).toBe(0.25);
    expect(data.mock.calls.length).toBe(1);
  });

  it("logs of numbers only are read at once in either mode", () => {
    const out: Record<string, number | undefined> = {};
    expect(readMetricsNow({ loss: 2 }, ["loss"], out, false)).toBeUndefined();
    expect(out.loss).toBe(2);
  });

  it("reads synchronously on the Node backends, whose read() is their readSync()", () => {
    // The suite runs on cpu, wasm or tensorflow (CBC_TEST_BACKEND); test/browser checks webgl reads asynchronously.
    expect(["cpu", "wasm", "tensorflow"]).toContain(tf.getBackend());
    expect(readsSynchronously()).toBe(true);
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
