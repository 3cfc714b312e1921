// Batch hooks only for classes with batch rules (the checker's `usesBatchHooks` fact): without them the
// class defines no onBatchBegin/onBatchEnd, so tfjs calls nothing of it per batch and no tensor is read
// while batches run; the step count at epoch events is derived from the optimizer's update count.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RulesCallback } from "../../src/runtime/engine.js";
import { ModelCheckpoint } from "../../src/std.js";
import { loadRules, removeLoadedRules, type RulesClass } from "../support/rules-module.js";
import { classes, classifier } from "../support/writers-fit.js";

type Phase = "outside" | "batch" | "epoch";
let phase: Phase = "outside";
const reads: Record<Phase, number> = { outside: 0, batch: 0, epoch: 0 };
const READ_METHODS = ["data", "dataSync", "array", "arraySync"] as const;
const originals = new Map<string, unknown>();

/** First in the callback list: marks which part of the fit loop a tensor read happens in. */
class PhaseMarker extends tf.Callback {
  override async onBatchBegin(): Promise<void> {
    phase = "batch";
  }
  override async onEpochEnd(): Promise<void> {
    phase = "epoch";
  }
  override async onEpochBegin(): Promise<void> {
    phase = "epoch";
  }
}

/** The reads made while batches ran, in one fit of 3 epochs x 3 batches. */
async function batchReadsDuring(callbacks: tf.Callback[]): Promise<number> {
  const model = classifier(0.1);
  const train = classes(20);
  reads.batch = 0;
  try {
    await model.fit(train.xs, train.ys, { epochs: 3, batchSize: 8, shuffle: false, callbacks: [new PhaseMarker(), ...callbacks], verbose: 0 });
  } finally {
    phase = "outside";
    model.dispose();
    tf.dispose([train.xs, train.ys]);
  }
  return reads.batch;
}

let EpochRules: RulesClass;
let BatchRules: RulesClass;
let BatchBeginRules: RulesClass;
beforeAll(async () => {
  EpochRules = await loadRules(
    `callback EpochRules {\n  when loss plateau 50 then lr *= 0.5\n  on epoch end then print "e"\n  on epoch begin then print "b"\n}`,
    "epoch-only",
    "EpochRules",
  );
  BatchRules = await loadRules(`callback BatchRules {\n  on batch end when loss > 1e9 then stop\n  on epoch end then print "e"\n}`, "batch-end", "BatchRules");
  BatchBeginRules = await loadRules(`callback BatchBeginRules {\n  on batch begin when epoch > 100 then stop\n}`, "batch-begin", "BatchBeginRules");
  const prototype = tf.Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of READ_METHODS) {
    const original = prototype[method];
    originals.set(method, original);
    let depth = 0;
    prototype[method] = function (this: tf.Tensor, ...args: unknown[]) {
      if (depth === 0) reads[phase] += 1;
      depth += 1;
      try {
        return original.apply(this, args);
      } finally {
        depth -= 1;
      }
    };
  }
});
afterAll(async () => {
  const prototype = tf.Tensor.prototype as unknown as Record<string, unknown>;
  for (const [method, original] of originals) prototype[method] = original;
  await removeLoadedRules();
});

describe("batch hooks", () => {
  it("a class without batch rules defines no batch hook, nor does the runtime's base class", () => {
    for (const hook of ["onBatchBegin", "onBatchEnd"] as const) {
      expect(EpochRules.prototype[hook]).toBe(tf.Callback.prototype[hook]);
      expect(Object.hasOwn(RulesCallback.prototype, hook)).toBe(false);
      // Nor wraps an instance them (the two-copies guard wraps only the class's own hooks).
      expect(new EpochRules()[hook]).toBe(tf.Callback.prototype[hook]);
    }
  });

  it("a class with batch rules defines them; batch-begin rules bring onBatchEnd too, where the step is counted", () => {
    expect(Object.hasOwn(BatchRules.prototype, "onBatchEnd")).toBe(true);
    expect(Object.hasOwn(BatchBeginRules.prototype, "onBatchBegin")).toBe(true);
    expect(Object.hasOwn(BatchBeginRules.prototype, "onBatchEnd")).toBe(true);
  });

  it("an instance whose batch rules are all off for its options takes tf.Callback's empty batch hooks", () => {
    const perEpoch = new ModelCheckpoint({ filepath: "unused/model" });
    const everyTwoBatches = new ModelCheckpoint({ filepath: "unused/model", saveFreq: 2 });
    expect(perEpoch.onBatchEnd).toBe(tf.Callback.prototype.onBatchEnd);
    expect(perEpoch.onBatchBegin).toBe(tf.Callback.prototype.onBatchBegin);
    expect(everyTwoBatches.onBatchEnd).not.toBe(tf.Callback.prototype.onBatchEnd);
  });

  it("without batch rules, no tensor is read while batches run", async () => {
    const floor = await batchReadsDuring([]);
    expect(await batchReadsDuring([new EpochRules()])).toBe(floor);
  });

  it("without batch hooks, epoch events still say how many batches have run: the same step and batch as with them", async () => {
    const quiet = <T extends { host: object }>(callback: T): T => {
      callback.host = Object.assign(Object.create(callback.host) as object, { printLine: () => undefined });
      return callback;
    };
    const epochOnly = quiet(new EpochRules() as InstanceType<RulesClass> & RulesCallback);
    const withBatches = quiet(new BatchRules() as InstanceType<RulesClass> & RulesCallback);
    await batchReadsDuring([epochOnly]);
    await batchReadsDuring([withBatches]);
    const at = (callback: { firings: readonly { event: string; step: number; batch: number; epoch: number }[] }, event: string) =>
      callback.firings.filter((f) => f.event === event).map(({ epoch, step, batch }) => ({ epoch, step, batch }));
    // 20 samples in batches of 8: 3 batches per epoch.
    const expected = [0, 1, 2].map((epoch) => ({ epoch, step: 3 * (epoch + 1), batch: 2 }));
    expect(at(epochOnly, "epochEnd")).toEqual(expected);
    expect(at(withBatches, "epochEnd")).toEqual(expected);
    expect(at(epochOnly, "epochBegin")).toEqual([0, 1, 2].map((epoch) => ({ epoch, step: 3 * epoch, batch: 0 })));
  });
});
