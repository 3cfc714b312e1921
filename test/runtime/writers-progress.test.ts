// The engine's `progress` action (RulesCallback.progress) through a hand-written subclass in real fits, and the
// ProgressRenderer it shares with ProgressBarCallback under a scripted clock.
import * as tf from "@tensorflow/tfjs";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { RulesCallback, type Logs, type RuleSite } from "../../src/runtime/index.js";
import { ProgressRenderer, formatMetricValue, type ProgressPlan } from "../../src/runtime/progress.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";
import { fitClassifier } from "../support/writers-fit.js";

class FakeStream extends Writable {
  readonly columns = 160;
  private readonly chunks: string[] = [];

  constructor(readonly isTTY: boolean) {
    super();
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    done();
  }

  get text(): string {
    return this.chunks.join("");
  }
}

const ANSI = /\x1b(?:\[[0-9;?]*[A-Za-z]|[78])/g;

// What the emitter will generate for `on batch end then progress` / `on epoch end then progress`.
const ON_BATCH_END: RuleSite = { at: "progress.rules:1:1", text: "on batch end then progress", event: "batchEnd", metrics: [], readsAll: true };
const ON_EPOCH_END: RuleSite = { at: "progress.rules:2:1", text: "on epoch end then progress", event: "epochEnd", metrics: [], readsAll: true };

/** A generated class, written by hand: each hook enters, runs its progress rules, leaves. */
class ProgressRules extends RulesCallback {
  constructor(
    private readonly out: FakeStream,
    rules: readonly RuleSite[],
  ) {
    super({ className: "ProgressRules", rules }, {});
  }

  protected override get progressStream(): NodeJS.WritableStream {
    return this.out;
  }

  override async onBatchEnd(batch: number, logs?: Logs): Promise<void> {
    await this.enter("batchEnd", batch, logs);
    for (const rule of this.spec.rules) if (rule.event === "batchEnd") this.progress(rule);
    await this.leave("batchEnd");
  }

  override async onEpochEnd(epoch: number, logs?: Logs): Promise<void> {
    await this.enter("epochEnd", epoch, logs);
    for (const rule of this.spec.rules) if (rule.event === "epochEnd") this.progress(rule);
    await this.leave("epochEnd");
  }
}

afterAll(async () => {
  await removeLoadedRules();
});

const fitWith = (callback: tf.Callback): Promise<Record<string, number[]>> => fitClassifier([callback]);

describe("progress off a TTY: one line per epoch", () => {
  // Batch-level only: the line shows the running means of the batch logs weighted by batch size (8, 8, 4), which is
  // how tfjs averages the epoch's loss and acc, so they print as the epoch logs do; batch logs have no val_ metrics.
  // With an epoch-level rule the line carries the epoch logs, val_ ones included.
  const table: Array<{ name: string; rules: RuleSite[]; shown: string[] }> = [
    { name: "on batch end only", rules: [ON_BATCH_END], shown: ["loss", "acc"] },
    { name: "on batch end and on epoch end", rules: [ON_BATCH_END, ON_EPOCH_END], shown: ["loss", "acc", "val_loss", "val_acc"] },
    { name: "on epoch end only (batch count from the fit's params)", rules: [ON_EPOCH_END], shown: ["loss", "acc", "val_loss", "val_acc"] },
  ];
  for (const row of table) {
    it(row.name, async () => {
      const stream = new FakeStream(false);
      const callback = new ProgressRules(stream, row.rules);
      for (let fit = 0; fit < 2; fit += 1) {
        const before = stream.text.length;
        const logged = await fitWith(callback);
        const lines = stream.text.slice(before).split("\n");
        expect(lines.pop()).toBe("");
        expect(lines).toHaveLength(3);
        lines.forEach((line, epoch) => {
          const metrics = row.shown.map((name) => `${name}: ${formatMetricValue(logged[name]?.[epoch] as number)}`).join(" - ");
          const eta = epoch < 2 ? " - ETA \\d+s" : "";
          expect(line).toMatch(new RegExp(`^Epoch ${epoch + 1}/3 - 3/3 - \\d+s \\d+(?:us|ms|s)/step - ${metrics.replace(/[.]/g, "\\.")}${eta}$`));
        });
      }
    });
  }
});

describe("progress in a compiled class", () => {
  it("the emitter's `on batch end then progress` / `on epoch end then progress` draw as the hand-written class does", async () => {
    const Compiled = await loadRules(`callback Bar {\n  on batch end then progress\n  on epoch end then progress\n}`, "bar", "Bar");
    const stream = new FakeStream(false);
    // Only the stream is redirected; the hooks are the generated ones.
    class Redirected extends (Compiled as unknown as new () => RulesCallback) {
      protected override get progressStream(): NodeJS.WritableStream {
        return stream;
      }
    }
    const logged = await fitWith(new Redirected());
    const lines = stream.text.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    lines.forEach((line, epoch) => {
      expect(line).toMatch(new RegExp(`^Epoch ${epoch + 1}/3 - 3/3 - `));
      for (const name of ["loss", "acc", "val_loss", "val_acc"]) expect(line).toContain(`${name}: ${formatMetricValue(logged[name]?.[epoch] as number)}`);
    });
  });
});

describe("progress on a TTY", () => {
  it("redraws a bar per epoch as batches end and leaves it with the epoch's final metrics", async () => {
    const stream = new FakeStream(true);
    const logged = await fitWith(new ProgressRules(stream, [ON_BATCH_END, ON_EPOCH_END]));
    expect(stream.text).toMatch(ANSI);
    const finals = stream.text.split("\n").slice(0, -1);
    expect(finals).toHaveLength(3);
    finals.forEach((segment, epoch) => {
      const plain = segment.replace(ANSI, "");
      const lastDraw = plain.slice(plain.lastIndexOf(`Epoch ${epoch + 1}/3 [`));
      expect(lastDraw).toMatch(new RegExp(`^Epoch ${epoch + 1}/3 \\[=+\\] 3/3 \\| ETA: \\S+ \\| loss: `));
      for (const name of ["loss", "acc", "val_loss", "val_acc"]) expect(lastDraw).toContain(`${name}: ${formatMetricValue(logged[name]?.[epoch] as number)}`);
    });
  });
});

describe("ProgressRenderer under a scripted clock", () => {
  function scripted(plan: ProgressPlan, steps: Array<[at: number, act: (renderer: ProgressRenderer) => void]>): string {
    const stream = new FakeStream(false);
    let now = 0;
    const renderer = new ProgressRenderer(stream, () => now);
    renderer.start(plan);
    for (const [at, act] of steps) {
      now = at;
      act(renderer);
    }
    renderer.finish();
    return stream.text;
  }

  it("weights running means by batch size; an epoch ends at its last batch; ETA from the mean epoch time", () => {
    const text = scripted({ epochs: 2, initialEpoch: 0, batchesPerEpoch: 3, samples: 20, batchSize: 8 }, [
      [1000, (r) => r.batchEnd(0, 1, [["loss", 1]])],
      [2000, (r) => r.batchEnd(0, 2, [["loss", 2]])],
      [2500, (r) => r.batchEnd(0, 3, [["loss", 4]])],
      [3000, (r) => r.batchEnd(1, 1, [["loss", 3]])],
      [4000, (r) => r.batchEnd(1, 2, [["loss", 3]])],
      [5000, (r) => r.epochEnd(1, [["val_loss", 1.25], ["loss", 2.5]])],
    ]);
    // Epoch 1: batches of 8, 8, 4 -> (1*8 + 2*8 + 4*4) / 20 = 2; 0 -> 2.5 s, 3 steps: round(2.5) = 3s, 833ms/step;
    // 1 epoch left at 2.5 s each: ETA 3s. Epoch 2 began at 2.5 s and ended at 5 s with 2 of 3 batches: 1s/step
    // (1.25 s rounded); its final metrics are the epoch logs, training ones first; nothing left: no ETA.
    expect(text).toBe(
      "Epoch 1/2 - 3/3 - 3s 833ms/step - loss: 2.0000 - ETA 3s\n" + "Epoch 2/2 - 2/3 - 3s 1s/step - loss: 2.5000 - val_loss: 1.2500\n",
    );
  });

  it("a dataset of unknown length: epochs and batches as counted; resumed at initialEpoch", () => {
    const text = scripted({ epochs: 4, initialEpoch: 2, batchesPerEpoch: undefined, samples: undefined, batchSize: undefined }, [
      [100, (r) => r.batchEnd(2, 1, [["loss", 1]])],
      [200, (r) => r.batchEnd(2, 2, [["loss", 0.5]])],
      [90_000, (r) => r.batchEnd(3, 1, [["loss", 1e-4]])],
      [150_000, (r) => r.batchEnd(3, 2, [["loss", 3e-4]])],
    ]);
    // Unweighted means: 0.75; then (1e-4 + 3e-4) / 2 = 2e-4, which Keras shows as .4e. Epoch 3 ends at 0.2 s
    // (its last batch), 1 of 2 epochs left -> ETA 0s. Epoch 4 runs 0.2 s -> 150 s: 2m30s, 74.9 s/step -> 75s/step.
    expect(text).toBe("Epoch 3/4 - 2/2 - 0s 100ms/step - loss: 0.7500 - ETA 0s\n" + "Epoch 4/4 - 2/2 - 2m30s 75s/step - loss: 2.0000e-04\n");
  });
});
