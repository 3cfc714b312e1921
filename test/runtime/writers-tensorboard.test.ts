// `tensorboard "DIR"` through compiled rules in a real fit, read back with an independent decoder: Keras'
// TensorBoard layout (train/ and validation/ runs), tags, steps and values, framing and CRCs.
import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RuleError } from "../../src/runtime/types.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";
import { decodeScalarEvent, only, readRecords, readRun, text } from "../support/tensorboard-reader.js";
import { classes, classifier, fitClassifier, temporaryDirectory } from "../support/writers-fit.js";

let root: { dir: string; remove: () => Promise<void> };
beforeAll(async () => {
  root = await temporaryDirectory("cbc-writers-tb-");
});
afterAll(async () => {
  await removeLoadedRules();
  await root.remove();
});

/** Batch logs as tfjs hands them over, read without disposing them. */
class BatchProbe extends tf.Callback {
  batches: Array<{ loss: number; acc: number }> = [];
  override async onBatchEnd(_batch: number, logs?: Record<string, number | tf.Tensor>): Promise<void> {
    const read = (value: number | tf.Tensor | undefined): number => (typeof value === "number" ? value : (value?.dataSync()[0] as number));
    this.batches.push({ loss: read(logs?.loss), acc: read(logs?.acc) });
  }
}

type Scalar = [tag: string, step: number, value: number];
const byTagThenStep = (a: Scalar, b: Scalar): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);

describe("tensorboard, in a real fit", () => {
  it("writes Keras' layout: epoch_* at the epoch index, batch_* at the global step, learning rate, validation run", async () => {
    const logDir = path.join(root.dir, "runs", "x");
    const Board = await loadRules(
      `callback Board {
  at epoch 1 then lr = 0.05
  on batch end then tensorboard "${logDir}"
  on epoch end then tensorboard "${logDir}"
}`,
      "board",
      "Board",
    );
    const probe = new BatchProbe();
    const logged = await fitClassifier([probe, new Board()]);

    // Keras 3's TensorBoard: on_epoch_end writes "epoch_" + name at step=epoch for the train logs plus
    // learning_rate in train/, and val_ logs without the prefix in validation/. on_train_batch_end writes
    // "batch_" + name at _global_train_batch, which on_train_batch_begin has already counted up: 1 for the first
    // batch. 20 samples in batches of 8 = 3 batches per epoch; lr is 0.1 in epoch 0, 0.05 from epoch 1 on.
    // Event values are float32.
    const lrOf = (epoch: number): number => (epoch === 0 ? 0.1 : 0.05);
    const expectedTrain: Scalar[] = [];
    probe.batches.forEach(({ loss, acc }, index) => {
      const epoch = Math.floor(index / 3);
      expectedTrain.push(["batch_loss", index + 1, loss], ["batch_acc", index + 1, acc], ["batch_learning_rate", index + 1, lrOf(epoch)]);
    });
    const expectedValidation: Scalar[] = [];
    for (let epoch = 0; epoch < 3; epoch += 1) {
      expectedTrain.push(
        ["epoch_loss", epoch, logged.loss?.[epoch] as number],
        ["epoch_acc", epoch, logged.acc?.[epoch] as number],
        ["epoch_learning_rate", epoch, lrOf(epoch)],
      );
      expectedValidation.push(["epoch_loss", epoch, logged.val_loss?.[epoch] as number], ["epoch_acc", epoch, logged.val_acc?.[epoch] as number]);
    }
    expect(probe.batches).toHaveLength(9);

    expect((await fs.readdir(logDir)).sort()).toEqual(["train", "validation"]);
    for (const [run, expected] of [
      ["train", expectedTrain],
      ["validation", expectedValidation],
    ] as const) {
      const { name, header, scalars } = await readRun(logDir, run);
      expect(name).toMatch(/^events\.out\.tfevents\.\d{10}\..+\.\d+\.\d+\.v2$/);
      expect(text(only(header, 3))).toBe("brain.Event:2");
      const decoded: Scalar[] = scalars.map((s) => [s.tag, Number(s.step), s.value]);
      expect(decoded.sort(byTagThenStep), run).toEqual(expected.map(([tag, step, value]): Scalar => [tag, step, Math.fround(value)]).sort(byTagThenStep));
    }
  });

  it("a second fit opens new event files; TensorBoard reads both as one run", async () => {
    const logDir = path.join(root.dir, "runs", "twice");
    const Twice = await loadRules(`callback Twice {\n  on epoch end then tensorboard "${logDir}"\n}`, "twice", "Twice");
    const model = classifier(0.1);
    const train = classes(12);
    const callback = new Twice();
    for (let fit = 0; fit < 2; fit += 1) {
      await model.fit(train.xs, train.ys, { epochs: 2, batchSize: 6, shuffle: false, callbacks: [callback], verbose: 0 });
    }
    const files = await fs.readdir(path.join(logDir, "train"));
    expect(files).toHaveLength(2);
    for (const file of files) {
      const records = readRecords(new Uint8Array(await fs.readFile(path.join(logDir, "train", file))));
      const scalars = records.slice(1).map(decodeScalarEvent);
      expect(scalars.filter((s) => s.tag === "epoch_loss").map((s) => s.step), file).toEqual([0n, 1n]);
    }
    expect(await fs.readdir(logDir)).toEqual(["train"]); // no validation data: no validation run
    model.dispose();
    tf.dispose([train.xs, train.ys]);
  });

  it("a log dir that cannot be created stops the fit with a RuleError naming the rule and the directory", async () => {
    const blocker = path.join(root.dir, "blocker");
    await fs.writeFile(blocker, "a file where a folder should be");
    const logDir = path.join(blocker, "runs");
    const Blocked = await loadRules(`callback Blocked {\n  on batch end then tensorboard "${logDir}"\n}`, "blocked", "Blocked");
    const model = classifier(0.1);
    const train = classes(12);
    const error = await model.fit(train.xs, train.ys, { epochs: 2, batchSize: 6, callbacks: [new Blocked()], verbose: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RuleError);
    expect((error as RuleError).rule.at).toBe("blocked.rules:2:3");
    expect((error as RuleError).message).toBe(
      `blocked.rules:2:3 (on batch end then tensorboard "${logDir}"): could not write TensorBoard events to "${logDir}": ` +
        `cannot write "${path.join(logDir, "train")}": "${blocker}" is a file, not a directory`,
    );
    model.dispose();
    tf.dispose([train.xs, train.ys]);
  });
});
