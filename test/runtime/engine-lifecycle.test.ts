// The life of a generated callback: constructor option validation (clear
// errors naming the class and the option), Keras-style verbose lines, and
// re-use of one instance for several fits (each starts fresh).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { OptionsError, type RulesCallback } from "cbc-runtime";
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { compile } from "../../src/compiler.js";
import { drive, type Script } from "../support/drive.js";

type Callback = RulesCallback & Parameters<typeof drive>[0];
type CallbackClass = new (options?: Record<string, unknown>) => Callback;

const root = fileURLToPath(new URL("../..", import.meta.url));
// Made at import: the rules below name files in it.
mkdirSync(path.join(root, "test/.tmp"), { recursive: true });
const dir = mkdtempSync(path.join(root, "test/.tmp/engine-lifecycle-"));
let modules = 0;
let printed: string[];

afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  printed = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

/** Compiles `source` as `<stem>.rules`, imports the module as an app would, returns its classes. */
async function load(source: string, stem = "rules"): Promise<Record<string, CallbackClass>> {
  const result = await compile(source, { fileName: `${stem}.rules` });
  if (result.files.length === 0) throw new Error(result.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const file = path.join(dir, `${stem}-${++modules}.ts`);
  writeFileSync(file, result.files[0].text);
  return (await import(pathToFileURL(file).href)) as Record<string, CallbackClass>;
}

/** A rules string literal for a path in the test folder. */
function at(name: string): string {
  return JSON.stringify(path.join(dir, name));
}

describe("options are validated at construction", () => {
  const SOURCE = `callback Opts(factor: number in (0, 1) = 0.1, patience: int >= 0 = 10, mode: "min" | "max" | "auto" = "auto",
  monitor: metric = val_loss, baseline: number?, label: string = "run", enabled: bool = true, schedule: fn(epoch, lr)) {
  on epoch begin when enabled then lr = schedule(epoch, lr)
  when monitor plateau patience mode mode baseline baseline then lr *= factor, print "{label}"
}
`;
  const schedule = (epoch: number, lr: number) => lr;

  test.each([
    [{ schedule, factor: 1 }, "option `factor`: expected a number in (0, 1), got 1"],
    [{ schedule, factor: "0.5" }, 'option `factor`: expected a number in (0, 1), got "0.5"'],
    [{ schedule, patience: 2.5 }, "option `patience`: expected an integer >= 0, got 2.5"],
    [{ schedule, patience: -1 }, "option `patience`: expected an integer >= 0, got -1"],
    [{ schedule, mode: "maximum" }, 'option `mode`: expected one of "min", "max", "auto", got "maximum"'],
    [{ schedule, monitor: "" }, 'option `monitor`: expected a metric name such as "val_loss", got ""'],
    [{ schedule, baseline: Number.NaN }, "option `baseline`: expected a number, got NaN"],
    [{ schedule, label: 3 }, "option `label`: expected a string, got 3"],
    [{ schedule, enabled: "yes" }, 'option `enabled`: expected true or false, got "yes"'],
    [{}, "option `schedule`: expected a function of 2 number arguments, got nothing"],
    [{ schedule, verbose: -1 }, "option `verbose`: expected 0, 1 or 2, got -1"],
    [{ schedule, patiense: 3 }, "unknown option `patiense` (did you mean `patience`?)"],
  ])("%j", async (options, message) => {
    const { Opts } = await load(SOURCE, "opts");
    let error: unknown;
    try {
      new Opts(options);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as Error).message).toMatch(/^Opts: /);
    expect((error as Error).message).toContain(message);
  });

  test("hooks given to a class without `call` actions are blamed on `hooks`, not on an unknown top-level option", async () => {
    const { Opts } = await load(SOURCE, "opts");
    expect(() => new Opts({ schedule, hooks: { x: () => 1 } })).toThrow(/option `hooks`/);
  });

  test("every problem at once; valid options construct", async () => {
    const { Opts } = await load(SOURCE, "opts");
    expect(() => new Opts({ factor: 2, patience: "x" })).toThrow(/option `factor`.*; option `patience`.*; option `schedule`/);
    expect(() => new Opts({ schedule, factor: 0.5, patience: 0, mode: "max", monitor: "val_acc", baseline: 0.2, label: "", enabled: false, verbose: 1 })).not.toThrow();
  });

  test("an option that becomes a predicate operand is checked at construction, as Keras would reject it", async () => {
    const { Loose } = await load("callback Loose(wait: int = 3, rest: int = 0) {\n  when val_loss plateau wait cooldown rest then stop\n}\n", "loose");
    expect(() => new Loose({ wait: -1 })).toThrow(/^Loose: plateau patience must be a non-negative integer, got -1$/);
    expect(() => new Loose({ rest: -2 })).toThrow(/^Loose: cooldown must be a non-negative integer, got -2$/);
    expect(() => new Loose({ wait: 0, rest: 1 })).not.toThrow();
  });

  test("a function option that returns a non-number fails at the rule that calls it", async () => {
    const { Opts } = await load(SOURCE, "opts");
    const callback = new Opts({ schedule: () => "fast" });
    await expect(drive(callback, { epochs: { val_loss: [1] } })).rejects.toThrow(/^opts\.rules:3:3 .*function option `schedule` must return a number, got string/);
  });
});

describe("verbose: Keras-style lines for actions taken", () => {
  const SOURCE = `callback ReduceLROnPlateau { when val_loss plateau 1 then lr *= 0.1 }
callback LearningRateScheduler { on epoch begin then lr = 0.1 / (epoch + 1) }
callback EarlyStopping {
  when val_loss plateau 2 then stop
  on train end then restore best weights of val_loss
}
callback Saver { when val_loss improves then save model to ${at("best")} }
callback Warmup { on batch begin then lr = 0.001 * (step + 1) }
`;
  const script: Script = { epochs: { val_loss: [1, 2, 0.5, 0.6, 0.7] }, initialLr: 0.001 };

  test("ReduceLROnPlateau: `Epoch N: <Class> reducing learning rate to <Python float>.`", async () => {
    const { ReduceLROnPlateau } = await load(SOURCE, "verbose");
    await drive(new ReduceLROnPlateau({ verbose: 1 }), script);
    // plateau 1: e1 (2 > 1) fires: 0.001 -> 1e-4; e2 new best; e3 fires: 1e-5; e4 fires: 1e-6.
    // Keras prints `{new_lr}` as a Python float: 1e-05, not 0.00001.
    expect(printed).toEqual([
      `Epoch 2: ReduceLROnPlateau reducing learning rate to ${0.001 * 0.1}.`,
      "Epoch 4: ReduceLROnPlateau reducing learning rate to 1e-05.",
      "Epoch 5: ReduceLROnPlateau reducing learning rate to 1.0000000000000002e-06.",
    ]);
  });

  test("LearningRateScheduler: `setting learning rate to` (Python float); EarlyStopping: stop and restore lines", async () => {
    const { LearningRateScheduler, EarlyStopping } = await load(SOURCE, "verbose");
    await drive(new LearningRateScheduler({ verbose: 1 }), { epochs: { loss: [1, 1, 1] }, initialLr: 0.5 });
    // Keras' LearningRateScheduler says "setting", whatever the direction.
    expect(printed).toEqual([
      "Epoch 1: LearningRateScheduler setting learning rate to 0.1.",
      "Epoch 2: LearningRateScheduler setting learning rate to 0.05.",
      `Epoch 3: LearningRateScheduler setting learning rate to ${0.1 / 3}.`,
    ]);
    printed.length = 0;
    // plateau 2: e0 best 1, e1 wait 1, e2 best 0.5, e3 wait 1, e4 wait 2 -> stop; restore e2 (1-based 3).
    await drive(new EarlyStopping({ verbose: 1 }), script);
    expect(printed).toEqual(["Epoch 5: early stopping", "Restoring model weights from the end of the best epoch: 3."]);
  });

  test("saving, and nothing for batch-level lr changes or with verbose 0", async () => {
    const { Saver, Warmup, ReduceLROnPlateau } = await load(SOURCE, "verbose");
    await drive(new Saver({ verbose: 1 }), { epochs: { val_loss: [1, 2, 0.5] } });
    expect(printed).toEqual([`Epoch 1: saving model to ${path.join(dir, "best")}`, `Epoch 3: saving model to ${path.join(dir, "best")}`]);
    printed.length = 0;
    await drive(new Warmup({ verbose: 1 }), { epochs: { loss: [1, 1] }, batches: 3 });
    await drive(new ReduceLROnPlateau(), script);
    expect(printed).toEqual([]);
  });
});

describe("one instance, several fits", () => {
  const SOURCE = `callback Again {
  let reductions = 0
  when val_loss plateau 2 then lr *= 0.5, reductions += 1
  when val_loss plateau 3 then stop, restore best weights
  when val_loss < best(val_loss) + 0.01 then print "near best {epoch}: {reductions}"
  every 3 batches then print "step {step}"
  on epoch end then log to ${at("again.csv")}
  on epoch end then log to ${at("again-append.csv")} append
}
`;
  // Fit 1: flat at 1: reduce at e2, stop at e3 restoring e0.
  const first: Script = { epochs: { val_loss: [1, 1, 1, 1, 1, 1] }, batches: 2, initialLr: 0.1 };
  // Fit 2 starts worse than fit 1's best: only a fresh plateau takes 1.5 as its first best.
  const second: Script = { epochs: { val_loss: [1.5, 1.4, 1.45, 1.46, 1.3, 1.35] }, batches: 2, initialLr: 0.1 };

  test("starts fresh: same firings, lr, stop and weights as a new instance; CSV rewritten, or appended with `append`", async () => {
    const { Again } = await load(SOURCE, "again");
    const reused = new Again();
    const once = await drive(reused, first);
    expect(once.stoppedAt).toBe(3);
    expect(once.weightsEpoch).toBe(0);
    const printedFirst = printed.splice(0);

    const again = await drive(reused, second);
    const printedAgain = printed.splice(0);
    const fresh = new Again();
    const expected = await drive(fresh, second);
    expect(printed.splice(0)).toEqual(printedAgain);
    expect(reused.firings).toEqual(fresh.firings);
    expect(again.lrAfterEpoch).toEqual(expected.lrAfterEpoch);
    expect([again.stoppedAt, again.weightsEpoch, again.epochsRun]).toEqual([expected.stoppedAt, expected.weightsEpoch, expected.epochsRun]);
    // Hand trace of fit 2: e0 best 1.5; e1 best 1.4; e2, e3 wait 1, 2 -> reduce (0.1 -> 0.05) at e3;
    // e4 best 1.3; e5 wait 1. plateau 3 never reaches 3: no stop. Steps restart at 0: `every 3 batches` after 2, 5, 8, 11.
    expect(again.lrAfterEpoch).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.05]);
    expect(again.stoppedAt).toBeUndefined();
    expect(printedAgain).toEqual([
      "near best 1: 0",
      "step 2",
      "near best 2: 0",
      "step 5",
      "step 8",
      "near best 5: 1",
      "step 11",
    ]);
    expect(printedFirst.filter((line) => line.startsWith("step"))).toEqual(["step 2", "step 5"]);

    // The plain log holds the last fit only (header + 6 rows x 2 fits run on it: the fresh one last).
    const plain = readFileSync(path.join(dir, "again.csv"), "utf8").split("\r\n").filter((l) => l !== "");
    expect(plain).toHaveLength(1 + 6);
    // With `append`: one header, then 4 rows of fit 1 and 6 of each later fit.
    const appended = readFileSync(path.join(dir, "again-append.csv"), "utf8").split("\r\n").filter((l) => l !== "");
    expect(appended.filter((l) => l.startsWith("epoch"))).toHaveLength(1);
    expect(appended).toHaveLength(1 + 4 + 6 + 6);
    reused.dispose();
  });

  test("a fit that failed does not leak state into the next", async () => {
    const { Again } = await load(SOURCE.replace("reductions += 1", "reductions += 1, lr = lr - 1"), "again-fail");
    const callback = new Again();
    // Fit 1 fails at its first reduction (0.05 - 1 < 0).
    await expect(drive(callback, first)).rejects.toThrow(/learning rate must be a finite number >= 0/);
    printed.length = 0;
    const run = await drive(callback, { epochs: { val_loss: [1, 0.9, 0.8] }, initialLr: 0.1 });
    expect(run.lrAfterEpoch).toEqual([0.1, 0.1, 0.1]);
    expect(callback.firings.map((f) => f.action)).toEqual(["print", "log", "log", "print", "log", "log", "print", "log", "log"]);
  });
});

describe("hooks called out of order, or with logs tfjs never passes", () => {
  const SOURCE = 'callback OutOfOrderCallback {\n  when val_loss plateau 2 then stop\n  on epoch end then print "{loss}"\n}\n';

  test("onEpochEnd without setModel: an error naming the class and what to call first", async () => {
    const { OutOfOrderCallback } = await load(SOURCE, "out-of-order");
    const callback = new OutOfOrderCallback();
    await expect(callback.onEpochEnd(0, { loss: 1, val_loss: 1 })).rejects.toThrow(
      "OutOfOrderCallback: onEpochEnd() was called before setModel(): pass the callback to model.fit(), or call setModel(model) and setParams(params) first",
    );
  });

  test("null logs hold nothing (Keras' `logs or {}`): the rules do not fire, nothing crashes", async () => {
    const { OutOfOrderCallback } = await load(SOURCE, "null-logs");
    const callback = new OutOfOrderCallback();
    const run = await drive(callback, { epochs: { loss: [1], val_loss: [1] } });
    expect(run.epochsRun).toBe(1);
    printed.length = 0;
    await callback.onEpochEnd(1, null as never);
    expect(printed).toEqual([]);
    expect(callback.firings.filter((f) => f.epoch === 1)).toEqual([]);
  });

  test.each([
    ["0.5", 'OutOfOrderCallback, onEpochEnd(): metric `loss` in the fit logs is the string "0.5", expected a number or a scalar tensor'],
    [{}, "OutOfOrderCallback, onEpochEnd(): metric `loss` in the fit logs is an object ({}), expected a number or a scalar tensor"],
  ])("a log value %j: an error naming the class, the hook and the metric", async (value, message) => {
    const { OutOfOrderCallback } = await load(SOURCE, "bad-value");
    const error = await drive(new OutOfOrderCallback(), { epochs: { loss: [value as never], val_loss: [1] } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe(message);
  });
});
