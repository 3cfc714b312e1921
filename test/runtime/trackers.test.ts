// Scenario tables for `plateau` / `improves`: firing epochs derived by hand from Keras 3's callback sources.
import { describe, expect, it } from "vitest";
import { MetricHistory } from "../../src/runtime/history.js";
import { beats, resolveMode } from "../../src/runtime/modes.js";
import { ImprovesTracker, PlateauTracker, type PlateauOptions } from "../../src/runtime/trackers.js";

const N = Number.NaN;
const _ = undefined;

function run(tracker: { update(epoch: number, value: number | undefined): boolean; improved: boolean }, values: (number | undefined)[]) {
  const fired: number[] = [];
  const improved: number[] = [];
  values.forEach((value, epoch) => {
    if (tracker.update(epoch, value)) fired.push(epoch);
    if (tracker.improved) improved.push(epoch);
  });
  return { fired, improved };
}

interface PlateauRow {
  name: string;
  options: PlateauOptions;
  values: (number | undefined)[];
  fires: number[];
  improvedAt: number[];
  /** How Keras 3 gets there, epoch by epoch (0-based, as on_epoch_end receives them). */
  derivation: string;
}

// Keras 3 EarlyStopping.on_epoch_end: skip if value is None or epoch < start_from_epoch;
// wait += 1; if improvement over best (best None at train begin -> always):
// best = value, and wait = 0 if baseline is None or value beats baseline; return.
// Else stop if wait >= patience and epoch > 0.
// ReduceLROnPlateau.on_epoch_end (best starts at +-inf): if cooldown_counter > 0:
// counter -= 1, wait = 0; if value beats best: best = value, wait = 0; elif not in
// cooldown: wait += 1; if wait >= patience: reduce, counter = cooldown, wait = 0.
// Rows read "ES stops at e" where EarlyStopping ends training at the first firing;
// later firings are what the predicate does when training goes on (RLROP-style).
const PLATEAU_ROWS: PlateauRow[] = [
  {
    name: "plain patience",
    options: { patience: 2, direction: "min" },
    values: [1.0, 0.9, 0.95, 0.92, 0.8, 0.85, 0.86],
    fires: [3, 6],
    improvedAt: [0, 1, 4],
    derivation:
      "e0 best=1.0 wait=0; e1 0.9<1.0 best wait=0; e2 0.95 wait=1; e3 0.92>=0.9 wait=2>=2 ES stops at 3 " +
      "(RLROP: reduce, wait=0); e4 0.8 best; e5 wait=1; e6 wait=2 fires",
  },
  {
    name: "patience 0",
    options: { patience: 0, direction: "min" },
    values: [1, 2, 3, 0.5, 0.6],
    fires: [1, 2, 4],
    improvedAt: [0, 3],
    derivation: "e0 best; e1 wait=1>=0 and epoch>0: ES stops at 1; e2 wait=1 fires; e3 0.5 best; e4 wait=1 fires",
  },
  {
    name: "patience 1 (same as 0)",
    options: { patience: 1, direction: "min" },
    values: [1, 2, 3, 0.5, 0.6],
    fires: [1, 2, 4],
    improvedAt: [0, 3],
    derivation: "e0 best; e1 wait=1>=1 ES stops at 1; e2 wait=1 fires; e3 best; e4 fires",
  },
  {
    name: "ties are no improvement",
    options: { patience: 2, direction: "min" },
    values: [0.5, 0.5, 0.5, 0.4, 0.4],
    fires: [2],
    improvedAt: [0, 3],
    derivation: "e0 best=0.5; e1 less(0.5,0.5) false wait=1; e2 wait=2 ES stops at 2; e3 0.4 best; e4 tie wait=1",
  },
  {
    name: "min_delta",
    options: { patience: 1, minDelta: 0.1, direction: "min" },
    values: [1.0, 0.95, 0.85, 0.84, 0.7],
    fires: [1, 3],
    improvedAt: [0, 2, 4],
    derivation:
      "min_delta becomes -0.1, improvement is less(v+0.1, best): e0 best=1.0; e1 1.05<1.0 no, wait=1 ES stops at 1; " +
      "e2 0.95<1.0 best=0.85; e3 0.94<0.85 no, fires; e4 0.8<0.85 best",
  },
  {
    name: "negative min_delta counts as its absolute value",
    options: { patience: 1, minDelta: -0.1, direction: "min" },
    values: [1.0, 0.95, 0.85, 0.84, 0.7],
    fires: [1, 3],
    improvedAt: [0, 2, 4],
    derivation: "EarlyStopping stores abs(min_delta): same as the row above",
  },
  {
    name: "mode max",
    options: { patience: 2, direction: "max" },
    values: [0.5, 0.6, 0.6, 0.55, 0.7, 0.65],
    fires: [3],
    improvedAt: [0, 1, 4],
    derivation: "e0 best=0.5; e1 0.6 best; e2 tie wait=1; e3 0.55 wait=2 ES stops at 3; e4 0.7 best; e5 wait=1",
  },
  {
    name: "mode auto on val_acc is max",
    options: { patience: 2, direction: resolveMode("val_acc", "auto") },
    values: [0.5, 0.6, 0.6, 0.55, 0.7, 0.65],
    fires: [3],
    improvedAt: [0, 1, 4],
    derivation: "acc -> max, then as the row above",
  },
  {
    name: "mode auto on val_loss is min",
    options: { patience: 2, direction: resolveMode("val_loss", "auto") },
    values: [0.5, 0.6, 0.6, 0.55, 0.7, 0.65],
    fires: [2, 4],
    improvedAt: [0],
    derivation: "e0 best=0.5; e1 wait=1; e2 wait=2 ES stops at 2; e3 0.55 wait=1; e4 wait=2 fires; e5 wait=1",
  },
  {
    name: "baseline never reached, flat",
    options: { patience: 3, baseline: 0.5, direction: "min" },
    values: [0.9, 0.95, 0.92, 0.91, 0.93],
    fires: [2],
    improvedAt: [0],
    derivation:
      "e0 wait=1, improvement over None: best=0.9, 0.9<0.5 false so wait stays 1; e1 wait=2; e2 wait=3>=3 " +
      "ES stops at 2, i.e. after `patience` epochs counting the first; e3 wait=1; e4 wait=2",
  },
  {
    name: "baseline never reached, improving",
    options: { patience: 2, baseline: 0.5, direction: "min" },
    values: [0.9, 0.8, 0.7, 0.6, 0.55, 0.56],
    fires: [5],
    improvedAt: [0, 1, 2, 3, 4],
    derivation:
      "every epoch to e4 improves on best, so on_epoch_end returns before the stop check while wait " +
      "climbs 1..5 (baseline unbeaten); e5 no improvement, wait=6>=2: ES stops at 5",
  },
  {
    name: "baseline reached",
    options: { patience: 3, baseline: 0.5, direction: "min" },
    values: [0.9, 0.4, 0.45, 0.42, 0.41],
    fires: [4],
    improvedAt: [0, 1],
    derivation: "e0 best=0.9 wait=1; e1 0.4 beats best and 0.5: wait=0; e2 wait=1; e3 wait=2; e4 0.41>=0.4 wait=3: ES stops at 4",
  },
  {
    name: "cooldown 2",
    options: { patience: 1, cooldown: 2, direction: "min" },
    values: [1, 1, 1, 1, 1, 1, 1],
    fires: [1, 3, 5],
    improvedAt: [0],
    derivation:
      "RLROP: e0 1<inf best; e1 wait=1: reduce, counter=2; e2 counter=1 wait=0, still cooling: skip; " +
      "e3 counter=0 wait=0, not cooling: wait=1 reduce, counter=2; e4 counter=1 skip; e5 counter=0, reduce; e6 counter=1 skip",
  },
  {
    name: "cooldown 1 acts like cooldown 0",
    options: { patience: 1, cooldown: 1, direction: "min" },
    values: [1, 1, 1, 1, 1],
    fires: [1, 2, 3, 4],
    improvedAt: [0],
    derivation: "RLROP: e1 reduce, counter=1; e2 counter=0 wait=0, then not in cooldown: wait=1 reduce; likewise e3, e4",
  },
  {
    name: "cooldown 0",
    options: { patience: 1, cooldown: 0, direction: "min" },
    values: [1, 1, 1, 1, 1],
    fires: [1, 2, 3, 4],
    improvedAt: [0],
    derivation: "RLROP: e1 reduce; e2 wait=1 reduce; e3, e4 likewise",
  },
  {
    name: "improvement during cooldown",
    options: { patience: 2, cooldown: 3, direction: "min" },
    values: [1.0, 1.1, 1.2, 0.9, 1.0, 1.0, 1.0, 1.0],
    fires: [2, 6],
    improvedAt: [0, 3],
    derivation:
      "RLROP: e0 best=1.0; e1 wait=1; e2 wait=2 reduce, counter=3; e3 counter=2, 0.9 best; e4 counter=1 skip; " +
      "e5 counter=0, wait=1; e6 wait=2 reduce, counter=3; e7 counter=2 skip",
  },
  {
    name: "first value NaN becomes the best (EarlyStopping)",
    options: { patience: 2, direction: "min" },
    values: [N, 0.5, 0.4, 0.3],
    fires: [2],
    improvedAt: [0],
    derivation:
      "ES: e0 wait=1, _is_improvement(nan, None) is True: best=nan, wait=0; e1 less(0.5,nan) false wait=1; " +
      "e2 wait=2 ES stops at 2; e3 wait=1. (RLROP would differ: nan<inf false, e1 0.5 becomes best.)",
  },
  {
    name: "NaN later is never an improvement",
    options: { patience: 2, direction: "min" },
    values: [0.5, N, N, 0.4],
    fires: [2],
    improvedAt: [0, 3],
    derivation: "e0 best=0.5; e1 less(nan,0.5) false wait=1; e2 wait=2 ES stops at 2; e3 0.4 best",
  },
  {
    name: "start epoch",
    options: { patience: 1, startEpoch: 2, direction: "min" },
    values: [0.1, 0.2, 1.0, 1.1, 0.9, 0.95],
    fires: [3, 5],
    improvedAt: [2, 4],
    derivation:
      "ES start_from_epoch=2: e0, e1 return early (0.1 never becomes best); e2 best=1.0; e3 wait=1 ES stops at 3; " +
      "e4 0.9 best; e5 fires",
  },
  {
    name: "undefined values are skipped",
    options: { patience: 2, direction: "min" },
    values: [1.0, _, 1.1, _, 1.2],
    fires: [4],
    improvedAt: [0],
    derivation: "ES: value None returns early at e1, e3 (wait untouched); e2 wait=1; e4 wait=2 ES stops at 4",
  },
  {
    name: "undefined values do not count down a cooldown",
    options: { patience: 1, cooldown: 2, direction: "min" },
    values: [1, 1, _, 1, 1, 1],
    fires: [1, 4],
    improvedAt: [0],
    derivation:
      "RLROP: e1 reduce, counter=2; e2 current None: nothing; e3 counter=1 skip; e4 counter=0, wait=1 reduce; e5 counter=1 skip",
  },
];

describe("PlateauTracker (Keras EarlyStopping / ReduceLROnPlateau)", () => {
  it.each(PLATEAU_ROWS)("$name", ({ options, values, fires, improvedAt }) => {
    const result = run(new PlateauTracker(options), values);
    expect(result.fired).toEqual(fires);
    expect(result.improved).toEqual(improvedAt);
  });

  it("keeps the earliest epoch on ties and exposes wait / cooldown", () => {
    const tracker = new PlateauTracker({ patience: 3, cooldown: 2, direction: "min" });
    tracker.update(0, 0.5);
    tracker.update(1, 0.5);
    expect([tracker.best, tracker.bestEpoch, tracker.wait]).toEqual([0.5, 0, 1]);
    tracker.update(2, 0.6);
    expect(tracker.update(3, 0.7)).toBe(true);
    expect([tracker.wait, tracker.cooldownLeft]).toEqual([0, 2]);
    tracker.update(4, 0.7);
    expect(tracker.cooldownLeft).toBe(1);
  });

  it("an update that does not count leaves improved false and state alone", () => {
    const tracker = new PlateauTracker({ patience: 2, startEpoch: 1, direction: "min" });
    expect(tracker.update(0, 1)).toBe(false);
    expect([tracker.best, tracker.improved, tracker.wait]).toEqual([undefined, false, 0]);
    tracker.update(1, 1);
    expect(tracker.improved).toBe(true);
    tracker.update(2, undefined);
    expect([tracker.improved, tracker.wait, tracker.bestEpoch]).toEqual([false, 0, 1]);
  });

  it("reset forgets everything", () => {
    const tracker = new PlateauTracker({ patience: 1, cooldown: 3, direction: "min" });
    run(tracker, [1, 2]);
    tracker.reset();
    expect([tracker.best, tracker.bestEpoch, tracker.wait, tracker.cooldownLeft, tracker.improved]).toEqual([
      undefined,
      undefined,
      0,
      0,
      false,
    ]);
    expect(run(tracker, [5, 6]).fired).toEqual([1]);
  });
});

interface ImprovesRow {
  name: string;
  options: ConstructorParameters<typeof ImprovesTracker>[0];
  values: (number | undefined)[];
  fires: number[];
  derivation: string;
}

// Keras 3 ModelCheckpoint(save_best_only=True): MonitorCallback sets best to
// initial_value_threshold, or +inf (min) / -inf (max) when none; saves when
// monitor_op(value - min_delta, best), then best = value.
const IMPROVES_ROWS: ImprovesRow[] = [
  {
    name: "min",
    options: { direction: "min" },
    values: [1.0, 0.9, 0.9, 0.95, 0.8],
    fires: [0, 1, 4],
    derivation: "e0 1.0<inf save; e1 0.9<1.0 save; e2 tie no; e3 no; e4 0.8 save",
  },
  {
    name: "max",
    options: { direction: "max" },
    values: [0.5, 0.4, 0.6, 0.6],
    fires: [0, 2],
    derivation: "e0 0.5>-inf save; e1 no; e2 0.6 save; e3 tie no",
  },
  {
    name: "baseline is initial_value_threshold",
    options: { direction: "min", baseline: 0.85 },
    values: [1.0, 0.9, 0.8, 0.82, 0.7],
    fires: [2, 4],
    derivation: "best=0.85: e0, e1 no; e2 0.8 save; e3 0.82>=0.8 no; e4 save",
  },
  {
    name: "first value NaN does not count",
    options: { direction: "min" },
    values: [N, 1.0, N, 0.9],
    fires: [1, 3],
    derivation: "e0 less(nan, inf) false; e1 1.0<inf save; e2 nan no; e3 0.9 save",
  },
  {
    name: "first value +inf in min mode does not count",
    options: { direction: "min" },
    values: [Infinity, 5],
    fires: [1],
    derivation: "e0 less(inf, inf) false; e1 5<inf save",
  },
  {
    name: "min_delta",
    options: { direction: "min", minDelta: 0.05 },
    values: [1.0, 0.97, 0.94, 0.96, 0.8],
    fires: [0, 2, 4],
    derivation: "less(v+0.05, best): e0 save; e1 1.02<1.0 no; e2 0.99<1.0 save; e3 1.01<0.94 no; e4 0.85<0.94 save",
  },
  {
    name: "start epoch",
    options: { direction: "min", startEpoch: 1 },
    values: [0.1, 1.0, 0.9],
    fires: [1, 2],
    derivation: "e0 before start; e1 1.0<inf; e2 0.9<1.0",
  },
  {
    name: "undefined values are skipped",
    options: { direction: "min" },
    values: [_, 1, _, 0.5],
    fires: [1, 3],
    derivation: "LANGUAGE.md: no value, no firing (Keras would save with a warning); e1, e3 improve",
  },
];

describe("ImprovesTracker (Keras ModelCheckpoint save_best_only)", () => {
  it.each(IMPROVES_ROWS)("$name", ({ options, values, fires }) => {
    const result = run(new ImprovesTracker(options), values);
    expect(result.fired).toEqual(fires);
    expect(result.improved).toEqual(fires);
  });

  it("tracks best and bestEpoch, and reset starts over", () => {
    const tracker = new ImprovesTracker({ direction: "max", baseline: 0.5 });
    run(tracker, [0.4, 0.7, 0.7, 0.6]);
    expect([tracker.best, tracker.bestEpoch]).toEqual([0.7, 1]);
    tracker.reset();
    expect([tracker.best, tracker.bestEpoch, tracker.improved]).toEqual([undefined, undefined, false]);
    expect(tracker.update(0, 0.4)).toBe(false);
  });
});

describe("modes", () => {
  it.each([
    ["val_loss", "min"],
    ["loss", "min"],
    ["acc", "max"],
    ["val_accuracy", "max"],
    ["val_auc", "max"],
    ["precision", "max"],
    ["val_recall", "max"],
    ["f1_score", "max"],
    ["mean_iou", "max"],
    ["val_mae", "min"],
    ["output_1/val_acc", "max"],
    ["AUC", "max"],
  ] as const)("auto on %s is %s", (metric, direction) => {
    expect(resolveMode(metric, "auto")).toBe(direction);
  });

  it("explicit modes win over the name", () => {
    expect(resolveMode("val_acc", "min")).toBe("min");
    expect(resolveMode("val_loss", "max")).toBe("max");
  });

  it.each([
    ["min", 0.9, 1.0, 0, true],
    ["min", 1.0, 1.0, 0, false],
    ["min", 0.95, 1.0, 0.1, false],
    ["min", 0.85, 1.0, -0.1, true],
    ["max", 1.1, 1.0, 0, true],
    ["max", 1.05, 1.0, 0.05, false],
    ["min", Number.NaN, 1.0, 0, false],
    ["max", Number.NaN, -Infinity, 0, false],
    ["min", 1.0, Number.NaN, 0, false],
    ["min", 5, Infinity, 0, true],
  ] as const)("beats(%s, %o, %o, %o) is %o", (direction, value, reference, minDelta, expected) => {
    expect(beats(direction, value, reference, minDelta)).toBe(expected);
  });
});

describe("MetricHistory (best / prev / mean)", () => {
  it("best follows the direction and never turns NaN after a real value", () => {
    const history = new MetricHistory("min");
    expect(history.best()).toBeUndefined();
    history.record(0, N);
    expect(history.best()).toBeNaN();
    history.record(1, 0.5);
    history.record(2, N);
    history.record(3, 0.7);
    expect(history.best()).toBe(0.5);
    const max = new MetricHistory("max");
    [0.2, 0.9, N, 0.4].forEach((v, epoch) => max.record(epoch, v));
    expect(max.best()).toBe(0.9);
  });

  it("prev is the value of the previous epoch only", () => {
    const history = new MetricHistory("min");
    history.record(0, 1);
    history.record(1, 2);
    history.record(2, undefined);
    history.record(3, 4);
    expect(history.prev(0)).toBeUndefined();
    expect(history.prev(1)).toBe(1);
    expect(history.prev(2)).toBe(2);
    expect(history.prev(3)).toBeUndefined(); // epoch 2 had no value
    expect(history.prev(4)).toBe(4);
  });

  it("mean of the last k recorded values, undefined until k exist", () => {
    const history = new MetricHistory("min");
    history.record(0, 1);
    history.record(1, 2);
    expect(history.mean(3)).toBeUndefined();
    history.record(2, undefined);
    history.record(3, 6);
    expect(history.mean(3)).toBe(3);
    expect(history.mean(2)).toBe(4);
    expect(history.mean(1)).toBe(6);
    expect(() => history.mean(0)).toThrow("K >= 1");
  });

  it("recording an epoch again replaces it, best included", () => {
    const history = new MetricHistory("min");
    history.record(0, 3);
    history.record(1, 1);
    history.record(1, 2);
    expect([history.best(), history.mean(2), history.prev(2)]).toEqual([2, 2.5, 2]);
    history.reset();
    expect([history.best(), history.mean(1), history.prev(1)]).toEqual([undefined, undefined, undefined]);
  });
});
