// The engine lets timers and I/O run during a long fit: tfjs' fit loop on the CPU backend never leaves the
// microtask queue by itself, so without the engine's yield (tf.nextFrame every ~100 ms, in `leave`) a setInterval
// would not fire until fit() returns.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadRules, removeLoadedRules, type RulesClass } from "../support/rules-module.js";
import { classes, classifier } from "../support/writers-fit.js";

/** Stands in for heavy training: each batch holds the thread for at least 10 ms, without awaiting anything. */
class Busy extends tf.Callback {
  epoch = -1;
  batch = -1;
  override async onEpochBegin(epoch: number): Promise<void> {
    this.epoch = epoch;
  }
  override async onBatchEnd(batch: number): Promise<void> {
    this.batch = batch;
    const until = performance.now() + 10;
    while (performance.now() < until) {
      // spin
    }
  }
}

/** Runs a fit with a 1 ms interval timer; returns where training was each time the timer fired before fit() returned. */
async function ticksDuring(callbacks: tf.Callback[], busy: Busy, epochs: number, samples: number): Promise<Array<[epoch: number, batch: number]>> {
  const model = classifier(0.1);
  const train = classes(samples);
  const ticks: Array<[number, number]> = [];
  const timer = setInterval(() => ticks.push([busy.epoch, busy.batch]), 1);
  try {
    await model.fit(train.xs, train.ys, { epochs, batchSize: 4, shuffle: false, callbacks: [busy, ...callbacks], verbose: 0 });
  } finally {
    clearInterval(timer);
    model.dispose();
    tf.dispose([train.xs, train.ys]);
  }
  return ticks;
}

let EpochRules: RulesClass;
let BatchRules: RulesClass;
beforeAll(async () => {
  // Rules without file I/O, whose awaits would let timers run anyway.
  EpochRules = await loadRules(`callback EpochRules {\n  when loss plateau 50 then lr *= 0.5\n}`, "epoch-rules", "EpochRules");
  BatchRules = await loadRules(`callback BatchRules {\n  on batch end when loss > 1e9 then stop\n}`, "batch-rules", "BatchRules");
});
afterAll(async () => {
  await removeLoadedRules();
});

describe("timers run during a long fit", () => {
  it("control: tfjs alone starves a timer for the whole fit", async () => {
    const ticks = await ticksDuring([], new Busy(), 8, 16);
    expect(ticks).toEqual([]);
  });

  it("with only epoch-level rules: the timer fires in several epochs", async () => {
    // 8 epochs of 4 batches, >= 40 ms each: the engine yields at every epoch end (tf.nextFrame, a setImmediate:
    // the timer runs on the loop's next turn, at the yield after), so the timer fires in several epochs.
    const ticks = await ticksDuring([new EpochRules()], new Busy(), 8, 16);
    expect(new Set(ticks.map(([epoch]) => epoch)).size).toBeGreaterThanOrEqual(2);
  });

  it("with batch-level rules: the timer fires within one long epoch", async () => {
    // One epoch of 30 batches, >= 300 ms: the engine yields at a batch end once 100 ms have passed.
    const ticks = await ticksDuring([new BatchRules()], new Busy(), 1, 120);
    expect(new Set(ticks.filter(([epoch]) => epoch === 0).map(([, batch]) => batch)).size).toBeGreaterThanOrEqual(2);
  });
});
