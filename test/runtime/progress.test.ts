// ProgressBarCallback under a real model.fit: one line per epoch off a TTY, a redrawn bar on one, and no tensor it does not own disposed.

import * as tf from "@tensorflow/tfjs";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";

import { ProgressBarCallback, formatMetricValue } from "../../src/runtime/progress.js";

class FakeStream extends Writable {
  readonly isTTY: boolean;
  readonly columns = 160;
  private readonly chunks: string[] = [];

  constructor(tty: boolean) {
    super();
    this.isTTY = tty;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    done();
  }

  get text(): string {
    return this.chunks.join("");
  }
}


function classifier(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 6, inputShape: [4], activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }));
  model.add(tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }));
  model.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

function data(count: number): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const xs = tf.tensor2d(Array.from({ length: count * 4 }, (_, i) => Math.sin(i * 1.7)), [count, 4]);
  const labels = Array.from({ length: count }, (_, i) => i % 3);
  const ys = tf.oneHot(tf.tensor1d(labels, "int32"), 3) as tf.Tensor2D;
  return { xs, ys };
}

/** A callback after the progress bar that checks the logs it receives are still alive. */
class LogProbe extends tf.Callback {
  disposedSeen = 0;
  tensorsSeen = 0;
  override async onBatchEnd(_batch: number, logs?: Record<string, number | tf.Scalar>): Promise<void> {
    this.inspect(logs);
  }
  override async onEpochEnd(_epoch: number, logs?: Record<string, number | tf.Scalar>): Promise<void> {
    this.inspect(logs);
  }
  private inspect(logs: Record<string, number | tf.Scalar> | undefined): void {
    for (const value of Object.values(logs ?? {})) {
      if (typeof value === "number") continue;
      this.tensorsSeen += 1;
      if (value.isDisposed) this.disposedSeen += 1;
      else value.dataSync();
    }
  }
}

const ANSI = /\x1b(?:\[[0-9;?]*[A-Za-z]|[78])/g;

describe("ProgressBarCallback off a TTY", () => {
  const table: Array<{ name: string; samples: number; batchSize: number; epochs: number; initialEpoch: number; batches: number }> = [
    { name: "3 epochs of 3 batches (last batch partial)", samples: 20, batchSize: 8, epochs: 3, initialEpoch: 0, batches: 3 },
    { name: "resumed at initialEpoch 2 of 4, one batch per epoch", samples: 6, batchSize: 32, epochs: 4, initialEpoch: 2, batches: 1 },
  ];
  for (const row of table) {
    it(`${row.name}: one line per epoch with batches, metrics, time and ETA`, async () => {
      const model = classifier();
      const { xs, ys } = data(row.samples);
      const validation = data(6);
      const stream = new FakeStream(false);
      const history = await model.fit(xs, ys, {
        epochs: row.epochs,
        initialEpoch: row.initialEpoch,
        batchSize: row.batchSize,
        shuffle: false,
        validationData: [validation.xs, validation.ys],
        callbacks: [new ProgressBarCallback({ stream })],
        verbose: 0,
      });
      const lines = stream.text.split("\n");
      expect(lines.at(-1)).toBe("");
      const epochLines = lines.slice(0, -1);
      const ran = row.epochs - row.initialEpoch;
      expect(epochLines).toHaveLength(ran);
      epochLines.forEach((line, i) => {
        const pattern = new RegExp(
          `^Epoch ${row.initialEpoch + i + 1}/${row.epochs} - ${row.batches}/${row.batches} - \\d+s \\d+(?:us|ms|s)/step` +
            ` - loss: (\\S+) - acc: (\\S+) - val_loss: (\\S+) - val_acc: (\\S+)( - ETA \\d+s)?$`,
        );
        const match = pattern.exec(line);
        expect(match, line).not.toBeNull();
        const [, loss, acc, valLoss, valAcc, eta] = match as RegExpExecArray;
        const logged = history.history as Record<string, number[]>;
        expect(loss).toBe(formatMetricValue(logged.loss?.[i] as number));
        expect(acc).toBe(formatMetricValue(logged.acc?.[i] as number));
        expect(valLoss).toBe(formatMetricValue(logged.val_loss?.[i] as number));
        expect(valAcc).toBe(formatMetricValue(logged.val_acc?.[i] as number));
        expect(eta !== undefined, `ETA on line ${i}`).toBe(i < ran - 1);
      });
      tf.dispose([xs, ys, validation.xs, validation.ys]);
    });
  }

  it("fitDataset without batchesPerEpoch counts the batches it saw", async () => {
    const model = classifier();
    const { xs, ys } = data(12);
    const dataset = tf.data.zip({ xs: tf.data.array(tf.unstack(xs)), ys: tf.data.array(tf.unstack(ys)) }).batch(4) as tf.data.Dataset<tf.TensorContainer>;
    const stream = new FakeStream(false);
    await model.fitDataset(dataset, { epochs: 2, callbacks: [new ProgressBarCallback({ stream })], verbose: 0 });
    const lines = stream.text.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^Epoch 1\/2 - 3\/3 - .* - loss: \d+\.\d{4} - acc: \d\.\d{4} - ETA \d+s$/);
    expect(lines[1]).toMatch(/^Epoch 2\/2 - 3\/3 - .* - loss: \d+\.\d{4} - acc: \d\.\d{4}$/);
    tf.dispose([xs, ys]);
  });
});

describe("ProgressBarCallback on a TTY", () => {
  it("draws a bar per epoch with batches, ETA and the epoch's final metrics, ending each with a newline", async () => {
    const model = classifier();
    const { xs, ys } = data(20);
    const validation = data(6);
    const stream = new FakeStream(true);
    const history = await model.fit(xs, ys, {
      epochs: 3,
      batchSize: 8,
      shuffle: false,
      validationData: [validation.xs, validation.ys],
      callbacks: [new ProgressBarCallback({ stream })],
      verbose: 0,
    });
    expect(stream.text).toMatch(ANSI); // redrawn in place, not appended
    const finals = stream.text.split("\n").slice(0, -1);
    expect(finals).toHaveLength(3);
    const logged = history.history as Record<string, number[]>;
    finals.forEach((segment, i) => {
      const plain = segment.replace(ANSI, "");
      const lastDraw = plain.slice(plain.lastIndexOf(`Epoch ${i + 1}/3 [`));
      expect(lastDraw).toMatch(new RegExp(`^Epoch ${i + 1}/3 \\[=+\\] 3/3 \\| ETA: \\S+ \\| loss: `));
      expect(lastDraw).toContain(`loss: ${formatMetricValue(logged.loss?.[i] as number)}`);
      expect(lastDraw).toContain(`val_loss: ${formatMetricValue(logged.val_loss?.[i] as number)}`);
      expect(lastDraw).toContain(`val_acc: ${formatMetricValue(logged.val_acc?.[i] as number)}`);
    });
    tf.dispose([xs, ys, validation.xs, validation.ys]);
  });
});

describe("ProgressBarCallback and tensors", () => {
  it("reads scalar-tensor logs without disposing them and without leaking any", async () => {
    const { xs, ys } = data(20);
    const run = async (callbacks: tf.Callback[]): Promise<number> => {
      const model = classifier();
      const before = tf.memory().numTensors;
      await model.fit(xs, ys, { epochs: 2, batchSize: 8, validationSplit: 0.25, callbacks, verbose: 0 });
      const after = tf.memory().numTensors;
      model.dispose();
      return after - before;
    };
    const probe = new LogProbe();
    const withBar = await run([new ProgressBarCallback({ stream: new FakeStream(false) }), probe]);
    expect(probe.tensorsSeen).toBeGreaterThan(0);
    expect(probe.disposedSeen).toBe(0);
    const withoutBar = await run([new LogProbe()]);
    expect(withBar).toBe(withoutBar);
    tf.dispose([xs, ys]);
  });
});

describe("formatMetricValue (Keras progress bar numbers)", () => {
  const table: Array<[number, string]> = [
    [0.69314718, "0.6931"],
    [123.456789, "123.4568"],
    [0.03125, "0.0312"], // Python rounds half to even; JS toFixed would give 0.0313
    [0.001, "1.0000e-03"], // not > 1e-3: scientific, as Keras switches
    [0.00123, "0.0012"],
    [-5e-5, "-5.0000e-05"],
    [0, "0.0000e+00"],
    [1e21, "1000000000000000000000.0000"],
    [Number.NaN, "nan"],
    [Number.POSITIVE_INFINITY, "inf"],
  ];
  for (const [value, expected] of table) {
    it(`${value} -> ${expected}`, () => {
      expect(formatMetricValue(value)).toBe(expected);
    });
  }
});
