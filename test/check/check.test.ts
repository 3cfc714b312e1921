// The checker on valid programs: what it works out for the emitter (classes,
// params, resolutions, predicates, restore targets, rule facts), the tables it
// relies on (tfjs metric names, zod schemas, format specs), speed, robustness.
import { readFileSync, readdirSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { checkProgram } from "../../src/check/check.js";
import { checkFormatSpec, type ValueKind } from "../../src/runtime/format.js";
import { TFJS_REPORTED_METRICS, isUsuallyReported } from "../../src/check/metrics.js";
import { camelCase, fileClassName } from "../../src/check/names.js";
import { OPERAND_SPECS, describeSpec, validateValue, type ValueSpec } from "../../src/check/options.js";
import { acceptsValue } from "../../src/runtime/values.js";
import type { CheckedProgram, Resolution } from "../../src/check/program.js";
import type { Action, Expr, Ident, Rule, StringLit } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";
import { languageExamples } from "../support/language-doc.js";

const examples = languageExamples;

function check(source: string, fileName = "test.rules") {
  const parsed = parse(source, fileName);
  expect(parsed.diagnostics, "test inputs must parse cleanly").toEqual([]);
  return checkProgram(parsed.program, source);
}

function checkClean(source: string, fileName = "test.rules"): CheckedProgram {
  const { checked, diagnostics } = check(source, fileName);
  expect(diagnostics).toEqual([]);
  return checked;
}

function exprChildren(expr: Expr): Expr[] {
  switch (expr.kind) {
    case "unary":
      return [expr.operand];
    case "binary":
      return [expr.left, expr.right];
    case "call":
      return expr.args;
    case "plateau":
      return [expr.patience, ...expr.options.map((o) => o.value)];
    case "improves":
      return expr.options.map((o) => o.value);
    case "is":
      return [expr.operand];
    default:
      return [];
  }
}

function actionExprs(action: Action): Expr[] {
  if (action.kind === "assign") return [action.value];
  if (action.kind === "save" && action.keep) return [action.keep];
  return [];
}

/** Every Ident of a rule (trigger, condition, action values), in source order. */
function identsOf(rule: Rule): Ident[] {
  const out: Ident[] = [];
  const visit = (expr: Expr) => {
    if (expr.kind === "ident") out.push(expr);
    exprChildren(expr).forEach(visit);
  };
  if (rule.trigger.kind === "every") visit(rule.trigger.count);
  if (rule.trigger.kind === "at") visit(rule.trigger.epoch);
  if (rule.condition) visit(rule.condition);
  rule.actions.flatMap(actionExprs).forEach(visit);
  return out.sort((a, b) => a.span.start.offset - b.span.start.offset);
}

/** name -> resolution of each Ident in a rule. */
function resolutionsOf(checked: CheckedProgram, rule: Rule): [string, Resolution | undefined][] {
  return identsOf(rule).map((ident) => [ident.name, checked.resolutions.get(ident)]);
}

const metric = (name: string): Resolution => ({ kind: "metric", metric: { kind: "literal", name } });
const builtin = (name: "epoch" | "epochs" | "batch" | "step" | "lr" | "elapsed" | "pi"): Resolution => ({ kind: "builtin", name });
const param = (name: string): Resolution => ({ kind: "param", param: name });

describe("docs/language.md examples", () => {
  it("has the examples", () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((source, i) => ({ i, source })))("example $i checks with no errors, and no warnings where metrics are declared", ({ source }) => {
    const { diagnostics } = check(source, "train.rules");
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    if (/^\s*metrics\b/m.test(source)) expect(diagnostics).toEqual([]);
  });
});

describe("the train.rules example", () => {
  const source = examples[0];
  const checked = checkClean(source, "train.rules");
  const [training] = checked.callbacks;
  const rules = training.rules;

  it("is one class with its params, camelCased and folded", () => {
    expect(checked.callbacks.map((c) => c.name)).toEqual(["Training"]);
    expect(training.params.map((p) => [p.name, p.optionName, p.type, p.defaultValue])).toEqual([
      ["patience", "patience", "int", 10],
      ["min_lr", "minLr", "number", 1e-6],
    ]);
    expect(training.declaredMetrics).toEqual(["loss", "val_loss", "acc", "val_acc"]);
    expect(checked.source).toBe(source);
  });

  it("gives each rule its event, folded text and metrics", () => {
    expect(rules.map((r) => [r.index, r.event])).toEqual([
      [1, "epochEnd"],
      [2, "epochEnd"],
      [3, "batchEnd"],
      [4, "epochEnd"],
      [5, "epochEnd"],
      [6, "epochEnd"],
      [7, "batchBegin"],
      [8, "epochBegin"],
      [9, "epochEnd"],
    ]);
    expect(rules[0].text).toBe("when val_loss plateau patience cooldown 2 then lr = max(lr * 0.1, min_lr)");
    expect(rules[2].text).toBe('on batch end when loss is not finite then print "loss diverged at step {step}", stop');
    expect(rules.map((r) => r.metrics.map((m) => (m.kind === "literal" ? m.name : `param:${m.param}`)))).toEqual([
      ["val_loss"],
      ["val_loss"],
      ["loss"],
      ["val_acc"],
      ["val_loss"],
      [],
      [],
      [],
      ["val_acc"],
    ]);
    expect(rules.map((r) => r.readsAllMetrics)).toEqual([false, false, false, false, false, true, false, false, false]);
    expect(training.events).toEqual(["epochBegin", "batchBegin", "batchEnd", "epochEnd"]);
  });

  it("resolves every name", () => {
    expect(resolutionsOf(checked, rules[0].rule)).toEqual([
      ["patience", param("patience")],
      ["lr", builtin("lr")],
      ["min_lr", param("min_lr")],
    ]);
    expect(resolutionsOf(checked, rules[1].rule)).toEqual([["patience", param("patience")]]);
    expect(resolutionsOf(checked, rules[2].rule)).toEqual([["loss", metric("loss")]]);
    expect(resolutionsOf(checked, rules[6].rule)).toEqual([
      ["step", builtin("step")],
      ["step", builtin("step")],
    ]);
    expect(resolutionsOf(checked, rules[8].rule)).toEqual([
      ["val_acc", metric("val_acc")],
      ["epoch", builtin("epoch")],
    ]);
    const plateau = rules[0].predicates[0].node;
    expect(checked.resolutions.get(plateau.metric)).toEqual(metric("val_loss"));
    const assign = rules[0].rule.actions[0];
    expect(assign.kind === "assign" && checked.resolutions.get(assign.target)).toEqual(builtin("lr"));
  });

  it("numbers the predicates and restores the plateau of rule 2", () => {
    expect(training.predicates.map((p) => [p.id, p.node.kind, p.metric, p.capturesWeights])).toEqual([
      [0, "plateau", { kind: "literal", name: "val_loss" }, false],
      [1, "plateau", { kind: "literal", name: "val_loss" }, true],
      [2, "improves", { kind: "literal", name: "val_acc" }, false],
    ]);
    expect(rules.map((r) => r.predicates.map((p) => p.id))).toEqual([[0], [1], [], [2], [], [], [], [], []]);
    const restore = rules[1].rule.actions.find((a) => a.kind === "restore");
    expect(restore && checked.restoreTargets.get(restore)).toBe(training.predicates[1]);
    expect(checked.restoreTargets.size).toBe(1);
  });

  it("resolves the placeholders of its strings", () => {
    const strings = rules
      .flatMap((r) => r.rule.actions)
      .flatMap((a) => (a.kind === "print" ? [a.text] : a.kind === "save" || a.kind === "log" ? [a.path] : []))
      .filter((s): s is StringLit => s.kind === "string");
    const shown = strings.map((s) => [s.value, [...(checked.placeholders.get(s)?.values() ?? [])]]);
    expect(shown).toEqual([
      ["loss diverged at step {step}", [builtin("step")]],
      ["ckpt/best", []],
      ["ckpt/epoch-{epoch:03d}-{val_loss:.4f}", [builtin("epoch"), metric("val_loss")]],
      ["logs/train.csv", []],
      ["target reached", []],
    ]);
  });
});

describe("classes", () => {
  it.each([
    ["reduce-lr.rules", "ReduceLrCallback"],
    ["train.rules", "TrainCallback"],
    ["configs/my_rules.v2.rules", "MyRulesV2Callback"],
    ["C:\\runs\\early stop.rules", "EarlyStopCallback"],
    ["2stage.rules", "_2stageCallback"],
  ])("bare rules of %s form %s", (file, name) => {
    expect(fileClassName(file)).toBe(name);
  });

  it("puts bare rules and blocks in source order, and a file without bare rules has no file class", () => {
    const mixed = checkClean("callback First() {\n  when val_loss plateau 5 then stop\n}\nwhen loss is nan then stop\ncallback Last() {\n  on train end then print \"done\"\n}\n", "reduce-lr.rules");
    expect(mixed.callbacks.map((c) => [c.name, c.decl?.name.text])).toEqual([
      ["First", "First"],
      ["ReduceLrCallback", undefined],
      ["Last", "Last"],
    ]);
    const blocksOnly = checkClean("let unused = 1\ncallback Only() {\n  when val_loss plateau 5 then stop\n}\n", "x.rules");
    expect(blocksOnly.callbacks.map((c) => c.name)).toEqual(["Only"]);
  });

  it("collects hooks once each, in order of first use", () => {
    const checked = checkClean("when val_loss improves then call on_best, call notify\non train end then call notify\n");
    expect(checked.callbacks[0].hooks).toEqual(["on_best", "notify"]);
  });

  it("applies file-level metrics to every class and block-level ones to their class", () => {
    const { checked, diagnostics } = check(
      "metrics loss\ncallback A() {\n  metrics my_score\n  when my_score improves then stop\n}\ncallback B() {\n  when my_score improves then stop\n}\n",
    );
    expect(checked.callbacks.map((c) => c.declaredMetrics)).toEqual([["loss", "my_score"], ["loss"]]);
    expect(diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([["CBC200", 7]]);
  });
});

describe("events", () => {
  it.each([
    ["on epoch begin when best(val_loss) < 0.1 then print \"x\"\n", ["epochBegin", "epochEnd"]],
    // `step` needs no event of its own: without batch rules the runtime derives it at epoch events.
    ["at epoch 3 then print \"{step}\"\n", ["epochBegin"]],
    ["every 100 batches then lr *= 0.99\non train begin then print \"go\"\n", ["trainBegin", "batchEnd"]],
    // Batch-begin rules bring batch end, where the runtime counts the step.
    ["on train end then print \"done\"\non batch begin when step < 10 then lr = 0.01\n", ["batchBegin", "batchEnd", "trainEnd"]],
  ])("%j uses %j", (source, events) => {
    expect(checkClean(source).callbacks[0].events).toEqual(events);
  });

  it.each([
    ["when loss plateau 3 then stop\n", false],
    ["at epoch 3 then print \"{step}\"\n", false],
    ["every 100 batches then lr *= 0.99\n", true],
    ["on batch begin when step < 10 then lr = 0.01\n", true],
  ])("%j uses batch hooks: %j (the checker's fact)", (source, uses) => {
    expect(checkClean(source).callbacks[0].usesBatchHooks).toBe(uses);
  });
});

describe("after a syntax error", () => {
  // The parser reports the error; the checker stays quiet about what recovery left of that
  // rule or block header, and still checks the rest.
  it.each([
    ["when val_los plateau then stop\nwhen epoch > 2h then stop\n"],
    ["when val_loss > then stop\nwhen epoch > 2h then stop\n"],
    ["callback A(x: int = ) {\n  when val_loss plateau x then stop\n  when epoch > 2h then stop\n}\n"],
  ])("%j: only the intact rule's problem", (source) => {
    const parsed = parse(source, "broken.rules");
    expect(parsed.diagnostics.map((d) => d.code)).toEqual(["CBC101"]);
    const { diagnostics } = checkProgram(parsed.program, source);
    expect(diagnostics.map((d) => [d.code, d.span.start.line])).toEqual([["CBC303", source.split("\n").findIndex((l) => l.includes("2h")) + 1]]);
  });
});

describe("params", () => {
  it.each([
    ["min_lr", "minLr"],
    ["restore_best_weights", "restoreBestWeights"],
    ["patience", "patience"],
    ["start_from_epoch", "startFromEpoch"],
    ["min__lr", "minLr"],
  ])("%s becomes the option %s", (name, option) => {
    expect(camelCase(name)).toBe(option);
  });

  it("folds defaults and ranges into constants, per type", () => {
    const checked = checkClean(
      `callback P(
        a: int >= 0 = 2 * 5,
        b: number in (0, 1] = 1e-1,
        c: number = -1e-3,
        d: number = inf,
        e: bool = false,
        f: string = "run",
        g: "min" | "max" | "auto" = "max",
        h: metric = accuracy,
        i: metric = \`out/val_loss\`,
        j: fn(epoch, lr),
        k: number?,
        l: number < 10 = 9.5
      ) {
        on epoch begin then lr = j(epoch, lr)
      }`,
    );
    const params = checked.callbacks[0].params.map((p) => ({
      name: p.name,
      type: p.type,
      defaultValue: p.defaultValue,
      min: p.min,
      max: p.max,
      optional: p.optional,
      enumValues: p.enumValues,
      fnArgs: p.fnArgs,
    }));
    expect(params).toEqual([
      { name: "a", type: "int", defaultValue: 10, min: { value: 0, inclusive: true }, optional: false },
      { name: "b", type: "number", defaultValue: 0.1, min: { value: 0, inclusive: false }, max: { value: 1, inclusive: true }, optional: false },
      { name: "c", type: "number", defaultValue: -0.001, optional: false },
      { name: "d", type: "number", defaultValue: Infinity, optional: false },
      { name: "e", type: "bool", defaultValue: false, optional: false },
      { name: "f", type: "string", defaultValue: "run", optional: false },
      { name: "g", type: "enum", defaultValue: "max", optional: false, enumValues: ["min", "max", "auto"] },
      { name: "h", type: "metric", defaultValue: "acc", optional: false },
      { name: "i", type: "metric", defaultValue: "out/val_loss", optional: false },
      { name: "j", type: "fn", optional: false, fnArgs: ["epoch", "lr"] },
      { name: "k", type: "number", optional: true },
      { name: "l", type: "number", defaultValue: 9.5, max: { value: 10, inclusive: false }, optional: false },
    ]);
  });

  it("validates each default with the value test the option schemas use", () => {
    const checked = checkClean("callback P(factor: number in (0, 1) = 0.5, patience: int >= 0 = 3) {\n  when val_loss plateau patience then lr *= factor\n}\n");
    const [factor, patience] = checked.callbacks[0].params;
    expect(acceptsValue(factor, 0.5)).toBe(true);
    expect(acceptsValue(factor, 1)).toBe(false);
    expect(acceptsValue(patience, -1)).toBe(false);
    expect(acceptsValue(patience, 2.5)).toBe(false);
    expect(describeSpec(factor)).toBe("a number in (0, 1)");
    expect(describeSpec(patience)).toBe("a non-negative integer");
  });
});

describe("name resolution", () => {
  it("tries let, then param, then builtin, then metric", () => {
    const checked = checkClean(
      "callback R(loss: number = 1, step_size: int = 2) {\n  let ema = 0\n  on epoch end when loss > ema and epoch > step_size and val_loss > 0 then ema = val_loss\n}\n",
    );
    const rule = checked.callbacks[0].rules[0].rule;
    expect(resolutionsOf(checked, rule)).toEqual([
      ["loss", param("loss")],
      ["ema", { kind: "let", name: "ema" }],
      ["epoch", builtin("epoch")],
      ["step_size", param("step_size")],
      ["val_loss", metric("val_loss")],
      ["val_loss", metric("val_loss")],
    ]);
    const assign = rule.actions[0];
    expect(assign.kind === "assign" && checked.resolutions.get(assign.target)).toEqual({ kind: "let", name: "ema" });
  });

  it("canonicalizes accuracy to acc, in uses and declarations", () => {
    const { checked, diagnostics } = check("metrics loss, accuracy, val_accuracy\nwhen val_accuracy improves and accuracy > 0.5 then stop\n");
    expect(diagnostics).toEqual([]);
    const [cb] = checked.callbacks;
    expect(cb.declaredMetrics).toEqual(["loss", "acc", "val_acc"]);
    expect(cb.predicates[0].metric).toEqual({ kind: "literal", name: "val_acc" });
    expect(resolutionsOf(checked, cb.rules[0].rule)).toEqual([["accuracy", metric("acc")]]);
  });

  it("takes a metric param as its metric where a metric is expected", () => {
    const checked = checkClean(
      "callback Stopper(monitor: metric = val_loss, patience: int = 3, direction: \"min\" | \"max\" | \"auto\" = \"auto\") {\n" +
        "  when monitor plateau patience mode direction then stop\n" +
        "  on epoch end when monitor is nan then stop\n" +
        "  on epoch end when best(monitor) < 0.1 then print \"best {monitor:.3f}\"\n" +
        "  on train end then restore best weights of monitor\n" +
        "}\n",
    );
    const [cb] = checked.callbacks;
    const monitorRef = { kind: "metric", metric: { kind: "param", param: "monitor" } };
    expect(cb.predicates.map((p) => p.metric)).toEqual([{ kind: "param", param: "monitor" }]);
    expect(checked.resolutions.get(cb.predicates[0].node.metric)).toEqual(monitorRef);
    expect(resolutionsOf(checked, cb.rules[0].rule)).toEqual([
      ["patience", param("patience")],
      ["direction", param("direction")],
    ]);
    expect(resolutionsOf(checked, cb.rules[1].rule)).toEqual([["monitor", monitorRef]]);
    expect(resolutionsOf(checked, cb.rules[2].rule)).toEqual([["monitor", monitorRef]]);
    expect(cb.rules.map((r) => r.metrics)).toEqual([[{ kind: "param", param: "monitor" }], [{ kind: "param", param: "monitor" }], [{ kind: "param", param: "monitor" }], []]);
    const restore = cb.rules[3].rule.actions[0];
    expect(checked.restoreTargets.get(restore)).toBe(cb.predicates[0]);
    expect(cb.predicates[0].capturesWeights).toBe(true);
  });

  it("records fn param callees as params and leaves mode words unresolved", () => {
    const checked = checkClean("callback S(schedule: fn(epoch, lr)) {\n  on epoch begin then lr = schedule(epoch, lr)\n  when val_loss plateau 2 mode min then stop\n}\n");
    const [cb] = checked.callbacks;
    const assign = cb.rules[0].rule.actions[0];
    expect(assign.kind === "assign" && assign.value.kind === "call" && checked.resolutions.get(assign.value.callee)).toEqual(param("schedule"));
    const mode = cb.predicates[0].node.options[0].value;
    expect(mode.kind === "ident" && checked.resolutions.get(mode)).toBeUndefined();
  });

  it("warns about metrics tfjs does not usually report, once per class, with a did-you-mean", () => {
    const { diagnostics } = check("when val_los plateau 5 then stop\nwhen val_los improves then stop\nwhen \`output_1/val_loss\` improves then stop\n");
    expect(diagnostics.map((d) => [d.code, d.severity, d.span.start.line, d.hint])).toEqual([["CBC201", "warning", 1, "did you mean `val_loss`?"]]);
  });

  it("accepts durations compared with elapsed and added to each other", () => {
    checkClean("on epoch end when elapsed > 2h then stop\non epoch end when elapsed >= 1h + 30m then print \"late\"\n");
  });
});

describe("restore best weights", () => {
  const cases: { name: string; source: string; restores: [number, number][] }[] = [
    { name: "its own rule's only predicate", source: "when val_loss plateau 5 then stop, restore best weights\n", restores: [[0, 0]] },
    {
      name: "of M: the predicate on M in its rule, though M is watched elsewhere",
      source: "when val_loss plateau 3 then lr *= 0.5\nwhen val_loss plateau 8 or val_acc improves then stop, restore best weights of val_loss\n",
      restores: [[1, 1]],
    },
    {
      name: "of M: the only predicate on M in the callback",
      source: "on train end then restore best weights of val_loss\nwhen val_loss plateau 10 then stop\nwhen val_acc improves then print \"x\"\n",
      restores: [[0, 0]],
    },
    {
      name: "accuracy and acc are one metric",
      source: "when val_acc improves then print \"best\"\non train end then restore best weights of val_accuracy\n",
      restores: [[1, 0]],
    },
  ];
  it.each(cases)("$name", ({ source, restores }) => {
    const checked = checkClean(source);
    const [cb] = checked.callbacks;
    const found: [number, number][] = [];
    cb.rules.forEach((rule, ruleIndex) => {
      for (const action of rule.rule.actions) {
        const target = checked.restoreTargets.get(action);
        if (target) found.push([ruleIndex, target.id]);
      }
    });
    expect(found).toEqual(restores);
    expect(cb.predicates.filter((p) => p.capturesWeights).map((p) => p.id)).toEqual(restores.map(([, id]) => id));
  });
});

describe("tfjs metric names", () => {
  it("lists what tfjs-layers reports for string and function metrics, plus val_ forms", async () => {
    const reported = new Set<string>();
    const compileWith = (outputUnits: number, loss: string, metrics: (string | ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor))[]) => {
      const model = tf.sequential({ layers: [tf.layers.dense({ units: outputUnits, inputShape: [2], activation: "sigmoid" })] });
      model.compile({ optimizer: "sgd", loss, metrics });
      for (const name of model.metricsNames) reported.add(name);
      model.dispose();
    };
    compileWith(3, "categoricalCrossentropy", ["accuracy", "crossentropy", "mse", "MSE", "mae", "MAE", "mape", "MAPE", "cosine", "precision", "categoricalAccuracy"]);
    compileWith(1, "binaryCrossentropy", ["acc", "ce", "binaryAccuracy", "categoricalCrossentropy", "sparseCategoricalCrossentropy"]);
    compileWith(3, "meanSquaredError", [
      tf.metrics.meanSquaredError,
      tf.metrics.meanAbsoluteError,
      tf.metrics.meanAbsolutePercentageError,
      tf.metrics.binaryCrossentropy,
      tf.metrics.cosineProximity,
      tf.metrics.recall,
      tf.metrics.precision,
      tf.metrics.sparseCategoricalAccuracy,
      tf.metrics.r2Score,
    ]);
    expect(reported.size).toBeGreaterThan(20);
    for (const name of reported) {
      expect(isUsuallyReported(name), name).toBe(true);
      expect(isUsuallyReported(`val_${name}`), `val_${name}`).toBe(true);
    }
    expect(isUsuallyReported("accuracy")).toBe(false);
    expect(isUsuallyReported("val_los")).toBe(false);
    expect(new Set(TFJS_REPORTED_METRICS).size).toBe(TFJS_REPORTED_METRICS.length);
  });
});

describe("zod value specs", () => {
  const cases: { spec: ValueSpec; value: unknown; ok: boolean }[] = [
    { spec: OPERAND_SPECS.patience, value: 0, ok: true },
    { spec: OPERAND_SPECS.patience, value: -1, ok: false },
    { spec: OPERAND_SPECS.patience, value: 1.5, ok: false },
    { spec: OPERAND_SPECS.patience, value: Infinity, ok: false },
    { spec: OPERAND_SPECS.every, value: 0, ok: false },
    { spec: OPERAND_SPECS.every, value: 1, ok: true },
    { spec: OPERAND_SPECS.min_delta, value: 0, ok: true },
    { spec: OPERAND_SPECS.min_delta, value: -1e-9, ok: false },
    { spec: OPERAND_SPECS.baseline, value: -Infinity, ok: true },
    { spec: OPERAND_SPECS.baseline, value: Number.NaN, ok: false },
    { spec: { type: "number", min: { value: 0, inclusive: false }, max: { value: 1, inclusive: true } }, value: 1, ok: true },
    { spec: { type: "number", min: { value: 0, inclusive: false }, max: { value: 1, inclusive: true } }, value: 0, ok: false },
    { spec: { type: "number", min: { value: 0, inclusive: true } }, value: Infinity, ok: true },
    { spec: { type: "number", max: { value: 0, inclusive: true } }, value: Infinity, ok: false },
    { spec: { type: "enum", enumValues: ["min", "max"] }, value: "max", ok: true },
    { spec: { type: "enum", enumValues: ["min", "max"] }, value: "auto", ok: false },
    { spec: { type: "metric" }, value: "", ok: false },
    { spec: { type: "bool" }, value: 1, ok: false },
    { spec: { type: "fn" }, value: (x: number) => x, ok: true },
    { spec: { type: "number", optional: true }, value: undefined, ok: true },
    { spec: { type: "number" }, value: undefined, ok: false },
  ];
  it.each(cases)("$spec.type $value -> $ok", ({ spec, value, ok }) => {
    expect(acceptsValue(spec, value)).toBe(ok);
  });

  it.each([
    ["patience", OPERAND_SPECS.patience, -1, "patience must be a non-negative integer, got -1"],
    ["`every N`", OPERAND_SPECS.every, 0, "`every N` must be a positive integer, got 0"],
    ["factor", { type: "number", min: { value: 0, inclusive: false }, max: { value: 1, inclusive: false } } as ValueSpec, 2, "factor must be a number in (0, 1), got 2"],
    ["mode", { type: "enum", enumValues: ["min", "max"] } as ValueSpec, "up", 'mode must be one of "min", "max", got "up"'],
  ])("%s says what it must be", (label, spec, value, message) => {
    expect(validateValue(label, spec, value)).toBe(message);
  });
});

describe("format specs", () => {
  // Expectations are Python 3.11's (checked with python3 3.11.7): format(value, spec) succeeds or raises ValueError.
  const cases: [string, ValueKind, boolean][] = [
    [".4f", "float", true],
    ["03d", "int", true],
    [".2e", "float", true],
    [">8", "string", true],
    ["*^10.3f", "float", true],
    ["+,.2f", "float", true],
    ["_x", "int", true],
    ["%", "float", true],
    ["#o", "int", true],
    ["z.1f", "float", true],
    [".4q", "float", false],
    ["03d", "float", false],
    [".2d", "int", false],
    [".2", "int", false],
    [".", "float", false],
    ["10.2ff", "float", false],
    ["s", "float", false],
    ["+", "string", false],
    ["=5", "string", false],
    [".3f", "string", false],
    [",x", "int", false],
    [",n", "float", false],
    ["z", "int", false],
    ["zd", "number", false],
    [".2f", "int", true],
    ["05", "number", true],
  ];
  it.each(cases)("%j on %s: valid=%s", (spec, kind, valid) => {
    expect(checkFormatSpec(spec, kind) === undefined).toBe(valid);
  });
});

describe("robustness and speed", () => {
  /** A callback of `n` rules of every kind, with params, a let, predicates, placeholders and restores. */
  function bigProgram(n: number) {
    const lines = ["metrics loss, val_loss, acc, val_acc", "callback Big(patience: int = 3, factor: number in (0, 1) = 0.5) {", "  let count = 0"];
    for (let i = 0; i < n; i++) {
      switch (i % 5) {
        case 0:
          lines.push(`  when val_loss plateau patience + ${i % 7} cooldown 1 then lr = max(lr * factor, 1e-6), count += 1`);
          break;
        case 1:
          lines.push(`  on batch end when loss is not finite or step > ${i} then print "step {step} loss {loss:.4f}", stop`);
          break;
        case 2:
          lines.push(`  every ${1 + (i % 9)} epochs when val_acc >= 0.${i % 10}9 then save model to "ckpt/{epoch:03d}-{val_loss:.4f}" keep 3`);
          break;
        case 3:
          lines.push(`  when val_acc improves min_delta 0.001 then save weights to "best/w", restore best weights`);
          break;
        default:
          lines.push(`  at epoch ${i} then lr = 1e-3 * (epoch + 1) / ${i + 1}`);
      }
    }
    lines.push("}");
    const source = lines.join("\n");
    const parsed = parse(source, "big.rules");
    expect(parsed.diagnostics).toEqual([]);
    return { program: parsed.program, source };
  }

  // The checker's speed on 10,000 rules is measured in bench/ (npm run bench), not asserted here.
  it("checks a 10,000-rule file clean", () => {
    const { program, source } = bigProgram(10_000);
    const { checked, diagnostics } = checkProgram(program, source);
    expect(diagnostics).toEqual([]);
    expect(checked.callbacks[0].rules).toHaveLength(10_000);
    expect(checked.callbacks[0].predicates).toHaveLength((2 * 10_000) / 5);
  });

  it("never throws on mangled inputs", () => {
    let state = 12345;
    const random = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const pieces = ["when", "then", "plateau", "improves", "(", ")", "{", "}", ",", "=", "*=", "-", "2h", "inf", "`x`", '"{a:.2q}"', "restore best weights of", "mean(", "best(", "fn(", ":", "?", "let", "callback", "metrics", "is nan", "mode", "cooldown", "from epoch"];
    let runs = 0;
    for (const base of [...examples, ...examples, ...readFixtures()]) {
      for (let k = 0; k < 20; k++) {
        const tokens = base.split(/(\s+)/);
        for (let edits = 0; edits < 3; edits++) {
          const at = Math.floor(random() * tokens.length);
          if (random() < 0.5) tokens.splice(at, 1);
          else tokens.splice(at, 0, ` ${pieces[Math.floor(random() * pieces.length)]} `);
        }
        const source = tokens.join("");
        const parsed = parse(source, "fuzz.rules");
        expect(() => checkProgram(parsed.program, source)).not.toThrow();
        runs++;
      }
    }
    expect(runs).toBeGreaterThan(1000);
  });
});

function readFixtures(): string[] {
  const dir = new URL("../fixtures/check-errors/", import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".rules"))
    .map((f) => readFileSync(new URL(f, dir), "utf8"));
}

describe("required params", () => {
  it("a param with no default that is neither optional nor fn is a required option, of any type", () => {
    const checked = checkClean(
      'callback Checkpoint(filepath: string, monitor: metric, every_n: int, factor: number, enabled: bool, mode: "min" | "max", bounds: number[], schedule: fn(epoch), floor: number?) {\n' +
        "  when monitor improves mode mode and enabled then save model to filepath\n" +
        "  every every_n epochs then lr = max(lr * factor, schedule(epoch))\n" +
        "  on epoch begin then lr = piecewise(epoch, bounds, bounds)\n" +
        "  when monitor improves baseline floor then stop\n" +
        "}\n",
    );
    expect(checked.callbacks[0].params.map((p) => [p.name, p.optional, p.defaultValue])).toEqual([
      ["filepath", false, undefined],
      ["monitor", false, undefined],
      ["every_n", false, undefined],
      ["factor", false, undefined],
      ["enabled", false, undefined],
      ["mode", false, undefined],
      ["bounds", false, undefined],
      ["schedule", false, undefined],
      ["floor", true, undefined],
    ]);
  });
});

describe("paths and separators from string params", () => {
  const source =
    'callback Writers(filepath: string, filename: string = "log-{epoch}.csv", sep: string = ";", log_dir: string = "tb") {\n' +
    "  when val_loss improves then save weights to filepath\n" +
    '  when val_acc improves then save model to "best/{val_acc:.3f}"\n' +
    "  on epoch end then log to filename separator sep append\n" +
    "  on epoch end then tensorboard log_dir\n" +
    "}\n";
  const checked = checkClean(source);
  const [writers] = checked.callbacks;

  it("resolves each name to its param", () => {
    const operands = writers.rules.flatMap((r) => r.rule.actions).flatMap((a) => {
      if (a.kind === "save") return [a.path];
      if (a.kind === "log") return [a.path, ...(a.separator ? [a.separator] : [])];
      if (a.kind === "tensorboard") return [a.dir];
      return [];
    });
    expect(operands.map((o) => (o.kind === "ident" ? [o.name, checked.resolutions.get(o)] : [o.value, undefined]))).toEqual([
      ["filepath", param("filepath")],
      ["best/{val_acc:.3f}", undefined],
      ["filename", param("filename")],
      ["sep", param("sep")],
      ["log_dir", param("log_dir")],
    ]);
  });

  it("a template from a param reads every metric", () => {
    // The literal path names val_acc: it reads that metric only.
    expect(writers.rules.map((r) => [r.readsAllMetrics, r.metrics.map((m) => (m.kind === "literal" ? m.name : m.param))])).toEqual([
      [true, ["val_loss"]],
      [false, ["val_acc"]],
      [true, []],
      [true, []],
    ]);
    expect(writers.events).toEqual(["epochEnd"]);
  });
});

describe("number[] params and piecewise", () => {
  it("folds list defaults, resolves the list arguments and records each pair once", () => {
    const checked = checkClean(
      "callback Schedule(boundaries: number[] = [10, 2 * 10], values: number[] = [1e-1, .01, -1e-3], empty: number[] = [], late: number[]) {\n" +
        "  on epoch begin then lr = piecewise(epoch, boundaries, values)\n" +
        "  on batch end when piecewise(step, boundaries, values) > 0 then lr = piecewise(step, late, values)\n" +
        "}\n",
    );
    const [schedule] = checked.callbacks;
    expect(schedule.params.map((p) => [p.name, p.type, p.defaultValue])).toEqual([
      ["boundaries", "number[]", [10, 20]],
      ["values", "number[]", [0.1, 0.01, -0.001]],
      ["empty", "number[]", []],
      ["late", "number[]", undefined],
    ]);
    expect(schedule.piecewise).toEqual([
      { boundaries: "boundaries", values: "values" },
      { boundaries: "late", values: "values" },
    ]);
    expect(resolutionsOf(checked, schedule.rules[0].rule)).toEqual([
      ["epoch", builtin("epoch")],
      ["boundaries", param("boundaries")],
      ["values", param("values")],
    ]);
    expect(acceptsValue(schedule.params[0], [1, 2])).toBe(true);
    expect(acceptsValue(schedule.params[0], [1, "2"])).toBe(false);
    expect(describeSpec(schedule.params[0])).toBe("a list of numbers");
  });

  it("may be called in a `let` initial value and a static operand: params are known at construction", () => {
    const checked = checkClean(
      "callback S(b: number[] = [1], v: number[] = [2, 3]) {\n  let start = piecewise(0, b, v)\n  every piecewise(1, b, v) epochs then lr *= 0.5\n}\n",
    );
    expect(checked.callbacks[0].piecewise).toEqual([{ boundaries: "b", values: "v" }]);
  });
});

describe("the progress action", () => {
  it("reads every metric, at batch and epoch events, without a warning", () => {
    const checked = checkClean("on batch end then progress\non epoch begin then progress\non epoch end then progress\n");
    expect(checked.callbacks[0].rules.map((r) => [r.event, r.readsAllMetrics, r.rule.actions.map((a) => a.kind)])).toEqual([
      ["batchEnd", true, ["progress"]],
      ["epochBegin", true, ["progress"]],
      ["epochEnd", true, ["progress"]],
    ]);
  });

  it("is still a name elsewhere: a let, a metric, a param", () => {
    const checked = checkClean("callback P(progress: number = 1) {\n  on epoch end when progress > 0 then progress\n}\n");
    const rule = checked.callbacks[0].rules[0].rule;
    expect(resolutionsOf(checked, rule)).toEqual([["progress", param("progress")]]);
    expect(rule.actions.map((a) => a.kind)).toEqual(["progress"]);
  });
});
