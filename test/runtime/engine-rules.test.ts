// The rules engine through compiled rules and scripted runs: `every N epochs`,
// `every N batches`, `at epoch N`, best()/prev()/mean(), `let` variables,
// `call` hooks and their context, `print`, and what each firing records.
// Every expected value is traced by hand in the comment above it.
import type { HookContext, RulesCallback } from "cbc-runtime";
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { compile } from "../../src/compiler.js";
import { drive } from "../support/drive.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";

type Callback = RulesCallback & Parameters<typeof drive>[0];
type CallbackClass = new (options?: Record<string, unknown>) => Callback;

let printed: string[];

afterAll(removeLoadedRules);
beforeEach(() => {
  printed = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

/** Compiles `source` as `<stem>.rules` and imports its module as an app would (test/support/rules-module.ts). */
async function load(source: string, className: string, stem: string = "rules"): Promise<CallbackClass> {
  return (await loadRules(source, stem, className)) as unknown as CallbackClass;
}

describe("every N epochs / every N batches / at epoch N", () => {
  test("every N epochs fires at the end of epochs N, 2N, ... (1-based count), with its condition", async () => {
    const Every = await load(
      `every 3 epochs then print "e{epoch}"
every 2 epochs when val_loss < 0.5 then print "low {val_loss}"
`,
      "EveryEpochsCallback",
      "every-epochs",
    );
    // Epoch indices 0..9: `every 3` at 2, 5, 8 ({epoch} is 1-based: e3, e6, e9).
    // `every 2` at 1, 3, 5, 7, 9 when val_loss < 0.5: 1 (0.4), 3 has no value (no fire), 5 (0.6: no), 7 (0.2), 9 (0.45).
    const valLoss = [0.9, 0.4, 0.3, undefined, 0.1, 0.6, 0.7, 0.2, 0.1, 0.45];
    await drive(new Every(), { epochs: { val_loss: valLoss } });
    expect(printed).toEqual(["low 0.4", "e3", "e6", "low 0.2", "e9", "low 0.45"]);
  });

  test("every N batches fires at the end of global steps N-1, 2N-1, ... across epochs", async () => {
    const Every = await load(`every 3 batches then print "s{step} b{batch} e{epoch}"\n`, "EveryBatchesCallback", "every-batches");
    // 4 batches x 3 epochs = steps 0..11; fires after steps 2, 5, 8, 11.
    // step 2 = epoch 0 batch 2; 5 = epoch 1 batch 1; 8 = epoch 2 batch 0; 11 = epoch 2 batch 3 ({batch}, {epoch} 1-based, {step} 0-based).
    const callback = new Every();
    await drive(callback, { epochs: { loss: [1, 1, 1] }, batches: 4 });
    expect(printed).toEqual(["s2 b3 e1", "s5 b2 e2", "s8 b1 e3", "s11 b4 e3"]);
    expect(callback.firings.map((f) => [f.event, f.epoch, f.batch, f.step])).toEqual([
      ["batchEnd", 0, 2, 2],
      ["batchEnd", 1, 1, 5],
      ["batchEnd", 2, 0, 8],
      ["batchEnd", 2, 3, 11],
    ]);
  });

  test("at epoch N sets before the epoch's batches; its condition sees the current lr", async () => {
    const At = await load(
      `at epoch 2 then lr = 0.05
at epoch 4 when lr < 0.06 then lr = 0.2
at epoch 5 when lr < 0.06 then lr = 0.3
`,
      "AtCallback",
      "at",
    );
    const callback = new At();
    // Epoch 2 begins at 0.05; epoch 4: 0.05 < 0.06 -> 0.2; epoch 5: 0.2, no change. lr after each epoch end:
    const run = await drive(callback, { epochs: { loss: [1, 1, 1, 1, 1, 1, 1] }, batches: 2, initialLr: 0.1 });
    expect(run.lrAfterEpoch).toEqual([0.1, 0.1, 0.05, 0.05, 0.2, 0.2, 0.2]);
    // Epoch begin of index 2 comes after 2 epochs of 2 batches: step 4, batch 0.
    expect(callback.firings.map((f) => [f.event, f.epoch, f.batch, f.step, f.from, f.to])).toEqual([
      ["epochBegin", 2, 0, 4, 0.1, 0.05],
      ["epochBegin", 4, 0, 8, 0.05, 0.2],
    ]);
  });
});

describe("best(), prev(), mean()", () => {
  test("read the epoch history of a metric, this epoch included; absent epochs are skipped", async () => {
    const History = await load(
      `when val_loss == best(val_loss) then print "best {epoch}"
when prev(val_loss) < val_loss then print "up {epoch}"
when mean(val_loss, 3) < 0.55 then print "mean {epoch}"
when val_acc >= best(val_acc) then print "acc best {epoch}"
`,
      "HistoryCallback",
      "history",
    );
    const valLoss = [1, 0.8, 0.9, 0.6, 0.3, 0.4, undefined, 0.5];
    const valAcc = [0.5, 0.4, 0.6, 0.6, 0.55, 0.7, 0.8, 0.1];
    // best(val_loss) (min) includes this epoch: equal at e0 1, e1 0.8, e3 0.6, e4 0.3 (prints 1-based).
    // prev: the value at the previous epoch index: up at e2 (0.9 > 0.8), e5 (0.4 > 0.3); e7: e6 had none.
    // mean of the last 3 recorded: e2 0.9, e3 0.767, e4 0.6, e5 0.433 < 0.55; e6 has no value, but the
    //   rule reads only the history: still (0.6 + 0.3 + 0.4) / 3 < 0.55; e7 (0.3 + 0.4 + 0.5) / 3 = 0.4.
    // best(val_acc) is a max (the name holds `acc`): >= at e0, e2, e3 (tie), e5, e6.
    await drive(new History(), { epochs: { val_loss: valLoss, val_acc: valAcc } });
    expect(printed).toEqual([
      "best 1",
      "acc best 1",
      "best 2",
      "up 3",
      "acc best 3",
      "best 4",
      "acc best 4",
      "best 5",
      "up 6",
      "mean 6",
      "acc best 6",
      "mean 7",
      "acc best 7",
      "mean 8",
    ]);
  });

  test("best() skips NaN once a real value is seen; mean() over a NaN is NaN (never < anything)", async () => {
    const Nan = await load(`when val_loss <= best(val_loss) then print "best {epoch}"\nwhen val_loss > 0 and mean(val_loss, 2) < 10 then print "mean {epoch}"\n`, "NanCallback", "nan");
    // e0 NaN: best NaN; NaN <= NaN false; mean needs 2 values. e1 2: best 2 (replaces NaN) -> best; mean(NaN, 2) NaN -> no.
    // e2 3: best 2, no; mean 2.5 -> mean. e3 1: best 1 -> best; mean 2.
    await drive(new Nan(), { epochs: { val_loss: [NaN, 2, 3, 1] } });
    expect(printed).toEqual(["best 2", "mean 3", "best 4", "mean 4"]);
  });

  test("best()/prev()/mean() of a metric no other rule of the event reads compiles (the history is hoisted, the metric not read)", async () => {
    const result = await compile("when prev(val_loss) < 1 then stop\n", { fileName: "prev.rules" });
    expect(result.files).toHaveLength(1);
  });
});

describe("let variables", () => {
  test("keep state across epochs, are set in order, and format as integers when whole", async () => {
    const Counter = await load(
      `callback Counter {
  let bad = 0
  let total = 0
  when val_loss > 0.5 then bad += 1
  on epoch end then total = total + val_loss
  when bad >= 3 then print "bad {bad} total {total:.2f} mean {total}", stop
}
`,
      "Counter",
      "counter",
    );
    const callback = new Counter();
    // bad: e0 0.9 -> 1, e1 0.4, e2 0.7 -> 2, e3 0.6 -> 3: the third rule sees 3 at e3 and stops.
    // total at e3: 0.9 + 0.4 + 0.7 + 0.6 (left to right in float64).
    const total = 0.9 + 0.4 + 0.7 + 0.6;
    const run = await drive(callback, { epochs: { val_loss: [0.9, 0.4, 0.7, 0.6, 0.1] } });
    expect(run.stoppedAt).toBe(3);
    expect(printed).toEqual([`bad 3 total ${total.toFixed(2)} mean ${total}`]);
    const sets = callback.firings.filter((f) => f.action === "set");
    expect(sets.filter((f) => f.detail === "bad").map((f) => [f.epoch, f.from, f.to])).toEqual([
      [0, 0, 1],
      [2, 1, 2],
      [3, 2, 3],
    ]);
    expect(sets.filter((f) => f.detail === "total").map((f) => f.to)).toEqual([0.9, 0.9 + 0.4, 0.9 + 0.4 + 0.7, total]);
  });
});

describe("call hooks", () => {
  const HOOKED = `callback Hooked(threshold: number = 0.5) {
  on train begin then call started
  when val_loss < threshold then call good, print "after good {epoch}"
  on batch end when loss > 1 then call spike
}
`;

  test("get a typed context of the moment, are awaited, and run in the rule's order", async () => {
    const Hooked = await load(HOOKED, "Hooked", "hooked");
    const contexts: HookContext[] = [];
    const slow = (context: HookContext) =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          contexts.push(context);
          printed.push(`hook ${context.rule.at}`);
          resolve();
        }, 5),
      );
    const callback = new Hooked({ threshold: 0.3, hooks: { started: slow, good: slow, spike: slow } });
    // 2 batches x 3 epochs, batch loss by step: spike (> 1) at steps 1 and 4. val_loss < 0.3 at e1 only.
    const run = await drive(callback, { epochs: { val_loss: [0.5, 0.2, 0.4] }, batches: 2, batchMetrics: { loss: [0.5, 2, 0.5, 0.5, 3, 0.5] }, initialLr: 0.25 });
    expect(contexts.map((c) => [c.rule.at, c.epoch, c.batch, c.step, c.lr, c.metrics])).toEqual([
      ["hooked.rules:2:3", 0, 0, 0, 0.25, {}],
      ["hooked.rules:4:3", 0, 1, 1, 0.25, { loss: 2 }],
      ["hooked.rules:3:3", 1, 1, 4, 0.25, { val_loss: 0.2 }],
      ["hooked.rules:4:3", 2, 0, 4, 0.25, { loss: 3 }],
    ]);
    for (const context of contexts) {
      expect(context.callback).toBe(callback);
      expect(context.model).toBe(run.model);
      expect(context.elapsed).toBeGreaterThanOrEqual(0);
    }
    // `call good` finished before the print after it.
    expect(printed.filter((line) => !line.startsWith("hook ") || line === "hook hooked.rules:3:3")).toEqual(["hook hooked.rules:3:3", "after good 2"]);
    expect(callback.firings.filter((f) => f.action === "call").map((f) => [f.detail, f.epoch])).toEqual([
      ["started", 0],
      ["spike", 0],
      ["good", 1],
      ["spike", 2],
    ]);
  });

  test("every hook the rules call is required, and must be a function", async () => {
    const Hooked = await load(HOOKED, "Hooked", "hooked");
    expect(() => new Hooked()).toThrow(/Hooked: .*hooks/);
    expect(() => new Hooked({ hooks: { started: () => 1, good: () => 1 } })).toThrow(/hooks\.spike.*expected a function for hook `spike`/);
    expect(() => new Hooked({ hooks: { started: () => 1, good: () => 1, spike: "no" } })).toThrow(/hooks\.spike/);
  });

  test("an error thrown by a hook fails the fit and names the rule", async () => {
    const Hooked = await load(HOOKED, "Hooked", "hooked");
    const boom = () => {
      throw new Error("boom");
    };
    const callback = new Hooked({ hooks: { started: () => undefined, good: boom, spike: () => undefined } });
    await expect(drive(callback, { epochs: { val_loss: [0.1] }, batchMetrics: { loss: [] } })).rejects.toThrow(/hooked\.rules:3:3.*boom/);
  });
});

describe("print and firings", () => {
  test("each action is recorded with its event, clock, rule location and text, and lr before and after", async () => {
    const Halve = await load(`when val_loss plateau 1 then lr *= 0.5, print "halved at {epoch} to {lr}"\n`, "HalveCallback", "halve");
    const callback = new Halve();
    // plateau 1: e0 best 1; e1 1 (tie) wait 1 >= 1 -> fire; e2 0.5 best; e3 0.7 fire.
    await drive(callback, { epochs: { val_loss: [1, 1, 0.5, 0.7] }, batches: 2, initialLr: 0.1 });
    const text = 'when val_loss plateau 1 then lr *= 0.5, print "halved at {epoch} to {lr}"';
    // At epoch end of index 1, 4 batches have run: step 4; the last batch index was 1.
    expect(callback.firings).toEqual([
      { event: "epochEnd", epoch: 1, batch: 1, step: 4, rule: "halve.rules:1:1", text, action: "lr", from: 0.1, to: 0.05 },
      { event: "epochEnd", epoch: 1, batch: 1, step: 4, rule: "halve.rules:1:1", text, action: "print", detail: "halved at 2 to 0.05" },
      { event: "epochEnd", epoch: 3, batch: 1, step: 8, rule: "halve.rules:1:1", text, action: "lr", from: 0.05, to: 0.025 },
      { event: "epochEnd", epoch: 3, batch: 1, step: 8, rule: "halve.rules:1:1", text, action: "print", detail: "halved at 4 to 0.025" },
    ]);
    expect(printed).toEqual(["halved at 2 to 0.05", "halved at 4 to 0.025"]);
  });

  test("metrics named like Object.prototype members are read and formatted as metrics", async () => {
    const Proto = await load(`metrics loss, constructor, toString, valueOf\non epoch end when constructor > 1 then print "{constructor} {toString:.1f} {valueOf} {loss}"\n`, "ProtoCallback", "proto");
    // e0: constructor 1 (not > 1); e1: 2 > 1 prints the four values as floats.
    await drive(new Proto(), { epochs: { loss: [0.5, 0.25], constructor: [1, 2], toString: [3, 4], valueOf: [5, 6] } });
    expect(printed).toEqual(["2.0 4.0 6.0 0.25"]);
  });

  test("print writes even when verbose is 0; lr = its current value records nothing", async () => {
    const Same = await load(`on epoch end then lr = lr, print "x"\n`, "SameCallback", "same");
    const callback = new Same({ verbose: 0 });
    await drive(callback, { epochs: { loss: [1, 1] } });
    expect(printed).toEqual(["x", "x"]);
    expect(callback.firings.map((f) => f.action)).toEqual(["print", "print"]);
  });

  test("lr set to a negative or non-finite value fails with the rule's location", async () => {
    const Bad = await load(`when val_loss > 0 then lr = val_loss - 1\n`, "BadCallback", "bad");
    await expect(drive(new Bad(), { epochs: { val_loss: [2, 0.5] } })).rejects.toThrow(/bad\.rules:1:1 \(when val_loss > 0 then lr = val_loss - 1\): the learning rate must be a finite number >= 0, got -0\.5/);
  });
});
