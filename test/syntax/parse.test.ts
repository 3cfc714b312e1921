// parse(): the AST it builds from valid input — shapes, precedence, spans — and its speed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Action, CallbackDecl, Expr, Param, Rule, Span, StringLit } from "../../src/syntax/ast.js";
import { parse } from "../../src/syntax/parse.js";

const language = readFileSync(new URL("../fixtures/LANGUAGE.md", import.meta.url), "utf8");
const fenced = [...language.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((match) => match[1]);
/** The rule-syntax summary uses placeholders (COND, ACTIONS, EVENT) and is not a program. */
const examples = fenced.filter((block) => !/\b(COND|ACTIONS|EVENT)\b/.test(block));

function ok(source: string) {
  const result = parse(source, "test.rules");
  expect(result.diagnostics, source).toEqual([]);
  return result.program;
}

function onlyRule(source: string): Rule {
  const [item] = ok(source).items;
  if (item?.kind !== "rule") throw new Error(`not a rule: ${source}`);
  return item;
}

function condition(source: string): Expr {
  const rule = onlyRule(`when ${source} then stop`);
  if (rule.condition === undefined) throw new Error("no condition");
  return rule.condition;
}

function onlyAction(source: string): Action {
  const [action] = onlyRule(`when x then ${source}`).actions;
  return action;
}

function onlyCallback(source: string): CallbackDecl {
  const [item] = ok(source).items;
  if (item?.kind !== "callback") throw new Error(`not a callback: ${source}`);
  return item;
}

function onlyParam(text: string): Param {
  const [param] = onlyCallback(`callback C(${text}) {}`).params;
  return param;
}

/** An expression as an S-expression, to compare tree shapes at a glance. */
function sexp(e: Expr): string {
  switch (e.kind) {
    case "number":
      return e.duration ? `${e.value}s` : String(e.value);
    case "string":
      return JSON.stringify(e.value);
    case "bool":
      return String(e.value);
    case "ident":
      return e.quoted ? `\`${e.name}\`` : e.name;
    case "unary":
      return `(${e.op} ${sexp(e.operand)})`;
    case "binary":
      return `(${e.op} ${sexp(e.left)} ${sexp(e.right)})`;
    case "call":
      return `(${e.callee.text}${e.args.map((a) => ` ${sexp(a)}`).join("")})`;
    case "list":
      return `[${e.items.map(sexp).join(" ")}]`;
    case "is":
      return `(is${e.negated ? " not" : ""} ${sexp(e.operand)} ${e.test})`;
    case "plateau":
      return `(plateau ${e.metric.quoted ? `\`${e.metric.text}\`` : e.metric.text} ${sexp(e.patience)}${e.options.map((o) => ` :${o.name} ${sexp(o.value)}`).join("")})`;
    case "improves":
      return `(improves ${e.metric.quoted ? `\`${e.metric.text}\`` : e.metric.text}${e.options.map((o) => ` :${o.name} ${sexp(o.value)}`).join("")})`;
  }
}

/** The text a span covers. */
function text(source: string, span: Span): string {
  return source.slice(span.start.offset, span.end.offset);
}

describe("the examples of LANGUAGE.md", () => {
  it("are there to test", () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(fenced.length).toBe(examples.length + 1);
  });

  it.each(examples.map((source, index) => [index, source]))("example %i parses with no diagnostics", (_, source) => {
    const program = ok(source);
    expect(program.items.length).toBeGreaterThan(0);
  });

  it("the first example has its callback, its nine rules and the right triggers", () => {
    const program = ok(examples[0]);
    expect(program.items.map((i) => i.kind)).toEqual(["metrics", "callback"]);
    const callback = program.items[1] as CallbackDecl;
    expect(callback.name.text).toBe("Training");
    expect(callback.params.map((p) => [p.name.text, p.type.kind])).toEqual([
      ["patience", "int"],
      ["min_lr", "number"],
    ]);
    const triggers = callback.body.map((item) => {
      if (item.kind !== "rule") return item.kind;
      const t = item.trigger;
      return t.kind === "on" ? `on ${t.event}` : t.kind;
    });
    expect(triggers).toEqual(["when", "when", "on batchEnd", "when", "every", "on epochEnd", "on batchBegin", "at", "when"]);
  });
});

describe("expression precedence and associativity", () => {
  it.each([
    ["a + b * c", "(+ a (* b c))"],
    ["a * b + c", "(+ (* a b) c)"],
    ["a - b - c", "(- (- a b) c)"],
    ["a / b * c % d", "(% (* (/ a b) c) d)"],
    ["a - b * c + d", "(+ (- a (* b c)) d)"],
    ["-2 ** 2", "(- (** 2 2))"],
    ["2 ** 3 ** 2", "(** 2 (** 3 2))"],
    ["2 ** -1", "(** 2 (- 1))"],
    ["-a * b", "(* (- a) b)"],
    ["- -a", "(- (- a))"],
    ["+a", "a"],
    ["(a + b) * c", "(* (+ a b) c)"],
    ["a < b + 1", "(< a (+ b 1))"],
    ["a == b", "(== a b)"],
    ["a != b", "(!= a b)"],
    ["a <= b", "(<= a b)"],
    ["a >= b", "(>= a b)"],
    ["a > b", "(> a b)"],
    ["a or b and c", "(or a (and b c))"],
    ["a and b or c and d", "(or (and a b) (and c d))"],
    ["a or b or c", "(or (or a b) c)"],
    ["not a and b", "(and (not a) b)"],
    ["not x > 1", "(not (> x 1))"],
    ["not not a", "(not (not a))"],
    ["not (a or b)", "(not (or a b))"],
    ["x % 2 == 0", "(== (% x 2) 0)"],
    ["loss is nan", "(is loss nan)"],
    ["loss is not finite", "(is not loss finite)"],
    ["x + 1 is inf", "(is (+ x 1) inf)"],
    ["not loss is finite", "(not (is loss finite))"],
    ["val_loss plateau 3 * patience", "(plateau val_loss (* 3 patience))"],
    ["monitor plateau patience mode mode", "(plateau monitor patience :mode mode)"],
    ["val_acc improves and epoch >= 5", "(and (improves val_acc) (>= epoch 5))"],
    ["`output_1/val_loss` plateau 2", "(plateau `output_1/val_loss` 2)"],
    ["max(lr * 0.1, min_lr) > 0", "(> (max (* lr 0.1) min_lr) 0)"],
    ["f() + clamp(x, 0, 1)", "(+ (f) (clamp x 0 1))"],
    ["best(val_loss) - prev(val_loss) > mean(val_loss, 3)", "(> (- (best val_loss) (prev val_loss)) (mean val_loss 3))"],
    ["log(x) < exp(1)", "(< (log x) (exp 1))"],
    ["x > inf", "(> x Infinity)"],
    ["x > -inf", "(> x (- Infinity))"],
    ["elapsed > 2h", "(> elapsed 7200s)"],
    ["true and not false", "(and true (not false))"],
    ['mode == "min"', '(== mode "min")'],
  ])("%s", (source, expected) => {
    expect(sexp(condition(source))).toBe(expected);
  });
});

describe("predicate options", () => {
  it.each([
    ["val_loss plateau 5 min_delta 0.01", "(plateau val_loss 5 :min_delta 0.01)"],
    ["val_loss plateau 5 cooldown 2 min_delta 1e-4", "(plateau val_loss 5 :cooldown 2 :min_delta 0.0001)"],
    ["val_loss plateau 5 mode min", "(plateau val_loss 5 :mode min)"],
    ['val_loss plateau 5 mode "max"', '(plateau val_loss 5 :mode "max")'],
    ["val_loss plateau 5 baseline 0.5", "(plateau val_loss 5 :baseline 0.5)"],
    ["val_loss plateau 5 from epoch 3", "(plateau val_loss 5 :from 3)"],
    [
      "val_loss plateau patience from epoch start_epoch baseline baseline mode mode cooldown cooldown min_delta min_delta",
      "(plateau val_loss patience :from start_epoch :baseline baseline :mode mode :cooldown cooldown :min_delta min_delta)",
    ],
    ["val_acc improves min_delta 0.001 mode max baseline 0.9 from epoch 2", "(improves val_acc :min_delta 0.001 :mode max :baseline 0.9 :from 2)"],
    ["val_loss plateau 3 * patience min_delta -0.5", "(plateau val_loss (* 3 patience) :min_delta (- 0.5))"],
  ])("%s", (source, expected) => {
    expect(sexp(condition(source))).toBe(expected);
  });

  it("spans each option from its word to the end of its value", () => {
    const source = "when val_loss plateau 5 from epoch 3 mode max then stop";
    const rule = onlyRule(source);
    const plateau = rule.condition;
    if (plateau?.kind !== "plateau") throw new Error("no plateau");
    expect(plateau.options.map((o) => text(source, o.span))).toEqual(["from epoch 3", "mode max"]);
    expect(text(source, plateau.span)).toBe("val_loss plateau 5 from epoch 3 mode max");
    expect(text(source, plateau.metric.span)).toBe("val_loss");
  });
});

describe("numbers and durations", () => {
  it.each([
    ["10", 10, undefined],
    ["0.1", 0.1, undefined],
    ["1e-4", 1e-4, undefined],
    [".5", 0.5, undefined],
    ["2E3", 2000, undefined],
    ["90s", 90, "s"],
    ["15m", 900, "m"],
    ["2h", 7200, "h"],
    ["1.5h", 5400, "h"],
    [".5m", 30, "m"],
  ])("%s", (raw, value, duration) => {
    const e = condition(`x > ${raw}`);
    if (e.kind !== "binary" || e.right.kind !== "number") throw new Error("not a number");
    expect(e.right.value).toBe(value);
    expect(e.right.duration).toBe(duration);
    expect(e.right.raw).toBe(raw);
  });

  it("reads `inf` as the number Infinity", () => {
    const param = onlyParam("limit: number = inf");
    expect(param.default).toMatchObject({ kind: "number", value: Infinity, raw: "inf" });
  });
});

describe("declarations", () => {
  it("file-level and block-level metrics, with backquoted names", () => {
    const source = "metrics loss, `output_1/val_loss`\ncallback A {\n  metrics acc\n}";
    const program = ok(source);
    const [metrics, callback] = program.items;
    if (metrics.kind !== "metrics" || callback.kind !== "callback") throw new Error("shape");
    expect(metrics.names.map((n) => [n.text, n.quoted ?? false, text(source, n.span)])).toEqual([
      ["loss", false, "loss"],
      ["output_1/val_loss", true, "`output_1/val_loss`"],
    ]);
    expect(callback.body).toMatchObject([{ kind: "metrics", names: [{ text: "acc" }] }]);
  });

  it("bare lets and rules next to blocks, in source order", () => {
    const program = ok("let a = 1\nwhen x then stop\ncallback B {}\nlet c = 2");
    expect(program.items.map((i) => i.kind)).toEqual(["let", "rule", "callback", "let"]);
  });

  it("a callback without params, and one with a trailing comma", () => {
    expect(onlyCallback("callback A { }").params).toEqual([]);
    expect(onlyCallback("callback A() { }").params).toEqual([]);
    expect(onlyCallback("callback A(x: int = 1, y: bool = true,) { }").params.map((p) => p.name.text)).toEqual(["x", "y"]);
  });

  it("spans a callback from `callback` to its closing brace", () => {
    const source = "# c\ncallback A(x: int = 1) {\n  when x > 1 then stop\n}\n";
    const callback = onlyCallback(source);
    expect(text(source, callback.span)).toBe("callback A(x: int = 1) {\n  when x > 1 then stop\n}");
    expect(callback.span.start).toEqual({ line: 2, column: 1, offset: 4 });
    expect(callback.span.end).toEqual({ line: 4, column: 2, offset: 53 });
  });

  it("a let with its initial value", () => {
    const program = ok("callback A {\n  let best_so_far = -inf\n}");
    const callback = program.items[0] as CallbackDecl;
    const decl = callback.body[0];
    if (decl.kind !== "let") throw new Error("not a let");
    expect(decl.name.text).toBe("best_so_far");
    expect(sexp(decl.init)).toBe("(- Infinity)");
  });
});

describe("params", () => {
  it.each([
    ["x: int = 10", { type: "int", optional: false, default: "10" }],
    ["x: number = 1e-6", { type: "number", optional: false, default: "0.000001" }],
    ["x: bool = false", { type: "bool", optional: false, default: "false" }],
    ['x: string = "a"', { type: "string", optional: false, default: '"a"' }],
    ["monitor: metric = val_loss", { type: "metric", optional: false, default: "val_loss" }],
    ["monitor: metric = `out/val_loss`", { type: "metric", optional: false, default: "`out/val_loss`" }],
    ["x: number = -1", { type: "number", optional: false, default: "(- 1)" }],
    ["baseline: number?", { type: "number", optional: true, default: undefined }],
    ["schedule: fn(epoch, lr)", { type: "fn", optional: false, default: undefined }],
    ["filepath: string", { type: "string", optional: false, default: undefined }],
    ["boundaries: number[] = [100, 2e2]", { type: "number[]", optional: false, default: "[100 200]" }],
    ["values: number[] = []", { type: "number[]", optional: false, default: "[]" }],
    ["values: number[] = [-1, 0.5 * 2,]", { type: "number[]", optional: false, default: "[(- 1) (* 0.5 2)]" }],
    ["values: number[]?", { type: "number[]", optional: true, default: undefined }],
  ])("%s", (source, expected: { type: string; optional: boolean; default: string | undefined }) => {
    const param = onlyParam(source);
    expect(param.type.kind).toBe(expected.type);
    expect(param.optional).toBe(expected.optional);
    expect(param.default === undefined ? undefined : sexp(param.default)).toBe(expected.default);
  });

  it("fn types list their argument names, soft keywords included", () => {
    const param = onlyParam("schedule: fn(epoch, lr, batch)");
    if (param.type.kind !== "fn") throw new Error("not fn");
    expect(param.type.args.map((a) => a.text)).toEqual(["epoch", "lr", "batch"]);
  });

  it("enumerations of strings", () => {
    const source = 'callback C(mode: "min" | "max" | "auto" = "auto") {}';
    const param = onlyCallback(source).params[0];
    if (param.type.kind !== "enum") throw new Error("not enum");
    expect(param.type.values.map((v) => v.value)).toEqual(["min", "max", "auto"]);
    expect(text(source, param.type.span)).toBe('"min" | "max" | "auto"');
    expect(param.name.text).toBe("mode");
  });

  it.each([
    ["factor: number in (0, 1) = 0.1", { kind: "interval", loOpen: true, hiOpen: true }],
    ["factor: number in [0, 1] = 0.1", { kind: "interval", loOpen: false, hiOpen: false }],
    ["factor: number in [0, 1) = 0.1", { kind: "interval", loOpen: false, hiOpen: true }],
    ["factor: number in (0, 1] = 0.1", { kind: "interval", loOpen: true, hiOpen: false }],
    ["patience: int >= 0 = 10", { kind: "bound", op: ">=" }],
    ["patience: int > 0 = 10", { kind: "bound", op: ">" }],
    ["x: number <= 1 = 0", { kind: "bound", op: "<=" }],
    ["x: number < 1 = 0", { kind: "bound", op: "<" }],
  ])("range %s", (source, expected) => {
    const param = onlyParam(source);
    expect(param.range).toMatchObject(expected);
    expect(param.default).toBeDefined();
  });

  it("an interval keeps its bounds as expressions", () => {
    const param = onlyParam("x: number in (-1, 2 * 3]");
    if (param.range?.kind !== "interval") throw new Error("no interval");
    expect([sexp(param.range.lo), sexp(param.range.hi)]).toEqual(["(- 1)", "(* 2 3)"]);
  });

  it("`?` before or after the range", () => {
    for (const source of ["baseline: number? >= 0", "baseline: number >= 0?"]) {
      const param = onlyParam(source);
      expect(param.optional, source).toBe(true);
      expect(param.range, source).toMatchObject({ kind: "bound", op: ">=" });
    }
  });

  it("Keras' own names (mode, min_delta, baseline, from, ...) as param names", () => {
    const source =
      'callback C(mode: "min" | "max" | "auto" = "auto", min_delta: number = 0, baseline: number?, from: int = 0, cooldown: int = 0, keep: int = 1, separator: string = ",", append: bool = false) {}';
    expect(onlyCallback(source).params.map((p) => p.name.text)).toEqual([
      "mode", "min_delta", "baseline", "from", "cooldown", "keep", "separator", "append",
    ]);
  });

  it("spans a param from its name to its default", () => {
    const source = "callback C(patience: int >= 0 = 10) {}";
    const param = onlyCallback(source).params[0];
    expect(text(source, param.span)).toBe("patience: int >= 0 = 10");
    expect(text(source, param.name.span)).toBe("patience");
    expect(text(source, param.type.span)).toBe("int");
  });
});

describe("rules", () => {
  it.each([
    ["on train begin then stop", "trainBegin"],
    ["on train end then stop", "trainEnd"],
    ["on epoch begin then stop", "epochBegin"],
    ["on epoch end then stop", "epochEnd"],
    ["on batch begin then stop", "batchBegin"],
    ["on batch end then stop", "batchEnd"],
  ])("%s", (source, event) => {
    expect(onlyRule(source).trigger).toMatchObject({ kind: "on", event });
  });

  it("every N epochs|batches, with and without a condition", () => {
    const a = onlyRule("every 5 epochs then stop");
    expect(a.trigger).toMatchObject({ kind: "every", unit: "epochs", count: { kind: "number", value: 5 } });
    expect(a.condition).toBeUndefined();
    const b = onlyRule("every n * 2 batches when loss > 1 then stop");
    if (b.trigger.kind !== "every") throw new Error("not every");
    expect(b.trigger.unit).toBe("batches");
    expect(sexp(b.trigger.count)).toBe("(* n 2)");
    expect(sexp(b.condition as Expr)).toBe("(> loss 1)");
  });

  it("at epoch N, with and without a condition", () => {
    expect(onlyRule("at epoch 30 then lr = 1e-4").trigger).toMatchObject({ kind: "at", epoch: { value: 30 } });
    const rule = onlyRule("at epoch warmup when lr < 0.1 then lr = 0.1");
    expect(rule.trigger).toMatchObject({ kind: "at", epoch: { kind: "ident", name: "warmup" } });
    expect(sexp(rule.condition as Expr)).toBe("(< lr 0.1)");
  });

  it("a rule ends where the next begins, with no separator", () => {
    const program = ok("when a then stop when b then stop on epoch end when c then stop every 2 epochs then stop at epoch 1 then stop");
    expect(program.items.length).toBe(5);
  });

  it("spans rules and triggers", () => {
    const source = "on epoch end when loss > 1 then stop, print \"x\"\n";
    const rule = onlyRule(source);
    expect(text(source, rule.span)).toBe('on epoch end when loss > 1 then stop, print "x"');
    expect(text(source, rule.trigger.span)).toBe("on epoch end");
    expect(text(source, rule.condition!.span)).toBe("loss > 1");
    expect(rule.actions.map((a) => text(source, a.span))).toEqual(["stop", 'print "x"']);
  });
});

describe("actions", () => {
  it.each([
    ["lr = 0.1", { kind: "assign", op: "=", target: { text: "lr" } }],
    ["lr += 0.1", { kind: "assign", op: "+=" }],
    ["lr -= 0.1", { kind: "assign", op: "-=" }],
    ["lr *= 0.1", { kind: "assign", op: "*=" }],
    ["lr /= 10", { kind: "assign", op: "/=" }],
    ["count += 1", { kind: "assign", op: "+=", target: { text: "count" } }],
    ["log = 1", { kind: "assign", op: "=", target: { text: "log" } }],
    ["stop", { kind: "stop" }],
    ["restore best weights", { kind: "restore" }],
    ["restore best weights of val_loss", { kind: "restore", metric: { text: "val_loss" } }],
    ["restore best weights of `out/val_loss`", { kind: "restore", metric: { text: "out/val_loss", quoted: true } }],
    ['save model to "ckpt/best"', { kind: "save", what: "model", path: { value: "ckpt/best" } }],
    ['save weights to "w/{epoch}" keep 3', { kind: "save", what: "weights", keep: { value: 3 } }],
    ['log to "train.csv"', { kind: "log", append: false, path: { value: "train.csv" } }],
    ['log to "train.csv" append', { kind: "log", append: true }],
    ['log to "train.csv" separator ";"', { kind: "log", append: false, separator: { value: ";" } }],
    ['log to "train.csv" separator ";" append', { kind: "log", append: true, separator: { value: ";" } }],
    ['log to "train.csv" append separator "\\t"', { kind: "log", append: true, separator: { value: "\t" } }],
    ['tensorboard "logs/run1"', { kind: "tensorboard", dir: { value: "logs/run1" } }],
    ['print "hello"', { kind: "print", text: { value: "hello" } }],
    ["call on_plateau", { kind: "call", hook: { text: "on_plateau" } }],
    ["progress", { kind: "progress" }],
    ["progress = 1", { kind: "assign", target: { text: "progress" } }],
    ["save model to filepath", { kind: "save", what: "model", path: { kind: "ident", name: "filepath" } }],
    ["save weights to filepath keep 2", { kind: "save", what: "weights", path: { kind: "ident", name: "filepath" }, keep: { value: 2 } }],
    ["log to filename", { kind: "log", append: false, path: { kind: "ident", name: "filename" } }],
    ["log to filename separator sep append", { kind: "log", append: true, path: { kind: "ident", name: "filename" }, separator: { kind: "ident", name: "sep" } }],
    // Soft keywords are names: Keras' own `separator` and `append` may be params.
    ["log to separator separator separator append", { kind: "log", append: true, path: { name: "separator" }, separator: { name: "separator" } }],
    ["tensorboard log_dir", { kind: "tensorboard", dir: { kind: "ident", name: "log_dir" } }],
  ])("%s", (source, expected) => {
    expect(onlyAction(source)).toMatchObject(expected);
  });

  it("spans a name operand and its action", () => {
    const source = "when x then save model to filepath keep 3, tensorboard dir";
    const [save, board] = onlyRule(source).actions;
    if (save.kind !== "save" || board.kind !== "tensorboard") throw new Error("not save and tensorboard");
    expect(text(source, save.path.span)).toBe("filepath");
    expect(text(source, save.span)).toBe("save model to filepath keep 3");
    expect(text(source, board.span)).toBe("tensorboard dir");
  });

  it("spans `number[]` and a list default, brackets included", () => {
    const source = "callback C(b: number[] = [1, 2]) {}";
    const [param] = onlyCallback(source).params;
    expect(text(source, param.type.span)).toBe("number[]");
    expect(param.default && text(source, param.default.span)).toBe("[1, 2]");
  });

  it("reads a list anywhere in an expression (the checker says where it may stand)", () => {
    expect(sexp(condition("x < [1, [2]]"))).toBe("(< x [1 [2]])");
  });

  it("`progress` after a misspelled `then` is the action: the next rule keeps its place", () => {
    const { program, diagnostics } = parse("on batch end tehn progress\nwhen loss > 1 then stop\n", "typo.rules");
    expect(diagnostics.map((d) => [d.code, d.hint])).toEqual([["CBC104", "did you mean `then`?"]]);
    expect(program.items.map((item) => (item.kind === "rule" ? item.actions.map((a) => a.kind) : item.kind))).toEqual([["progress"], ["stop"]]);
  });

  it("`log to NAME` after a misspelled `then` is the action too", () => {
    const { program, diagnostics } = parse("every 2 epochs thn log to filename\nwhen loss > 1 then stop\n", "typo.rules");
    expect(diagnostics.map((d) => d.code)).toEqual(["CBC104"]);
    expect(program.items.map((item) => (item.kind === "rule" ? item.actions.map((a) => a.kind) : item.kind))).toEqual([["log"], ["stop"]]);
  });

  it("`progress` as a name in a trigger is no action: `every progress epochs when ...` is one rule", () => {
    const rule = onlyRule("every progress epochs when loss > 1 then stop");
    expect(rule.trigger).toMatchObject({ kind: "every", count: { kind: "ident", name: "progress" } });
    expect(rule.condition && sexp(rule.condition)).toBe("(> loss 1)");
  });

  it("the restore action has no metric unless `of` names one", () => {
    expect("metric" in onlyAction("restore best weights")).toBe(false);
  });

  it("runs actions in the order written", () => {
    const rule = onlyRule('when x then stop, lr = 1, print "a", call h, restore best weights');
    expect(rule.actions.map((a) => a.kind)).toEqual(["stop", "assign", "print", "call", "restore"]);
  });
});

describe("strings and placeholders", () => {
  function printed(body: string): { source: string; lit: StringLit } {
    const source = `when x then print ${body}`;
    const action = onlyRule(source).actions[0];
    if (action.kind !== "print") throw new Error("not print");
    return { source, lit: action.text };
  }

  it("resolves escapes", () => {
    const { lit } = printed('"a\\"b\\\\c\\nd\\te"');
    expect(lit.value).toBe('a"b\\c\nd\te');
    expect(lit.parts).toEqual([{ kind: "text", text: 'a"b\\c\nd\te' }]);
  });

  it("splits text and placeholders, with the spec after the colon", () => {
    const { lit } = printed('"ckpt/epoch-{epoch:03d}-{val_loss:.4f} at {step}"');
    expect(lit.parts.map((p) => (p.kind === "text" ? p.text : `<${p.name}|${p.spec}>`))).toEqual([
      "ckpt/epoch-",
      "<epoch|03d>",
      "-",
      "<val_loss|.4f>",
      " at ",
      "<step|>",
    ]);
    expect(lit.value).toBe("ckpt/epoch-{epoch:03d}-{val_loss:.4f} at {step}");
  });

  it("gives each placeholder its exact span, after escapes and on later lines", () => {
    const source = 'metrics loss\nwhen x then print "a\\"\\\\\\n {loss:.2f} {{x}} {epoch}"';
    const rule = ok(source).items[1] as Rule;
    const action = rule.actions[0];
    if (action.kind !== "print") throw new Error("not print");
    const spans = action.text.parts.flatMap((p) => (p.kind === "placeholder" ? [p.span] : []));
    expect(spans.map((s) => text(source, s))).toEqual(["{loss:.2f}", "{epoch}"]);
    const lossAt = source.indexOf("{loss");
    expect(spans[0].start).toEqual({ line: 2, column: lossAt - source.indexOf("\n"), offset: lossAt });
    expect(spans[0].end.offset).toBe(lossAt + "{loss:.2f}".length);
  });

  it("reads `{{` and `}}` as literal braces", () => {
    const { lit } = printed('"{{not}} {epoch}"');
    expect(lit.parts).toMatchObject([{ kind: "text", text: "{not} " }, { kind: "placeholder", name: "epoch" }]);
    expect(lit.value).toBe("{{not}} {epoch}");
  });

  it("accepts `/` in placeholder names for multi-output metrics", () => {
    const { lit } = printed('"{output_1/val_loss:.3f}"');
    expect(lit.parts).toMatchObject([{ kind: "placeholder", name: "output_1/val_loss", spec: ".3f" }]);
  });

  it("finds placeholders in the strings of save, log and tensorboard too", () => {
    const rule = onlyRule('when x then save model to "m/{epoch}", log to "l/{step}.csv", tensorboard "tb/{lr}"');
    const names = rule.actions.map((a) => {
      const lit = a.kind === "save" || a.kind === "log" ? a.path : a.kind === "tensorboard" ? a.dir : undefined;
      return lit?.kind === "string" ? lit.parts.flatMap((p) => (p.kind === "placeholder" ? [p.name] : [])) : undefined;
    });
    expect(names).toEqual([["epoch"], ["step"], ["lr"]]);
  });

  it("keeps braces as text in other strings (separators, defaults, enums)", () => {
    const action = onlyAction('log to "f.csv" separator "{"');
    if (action.kind !== "log") throw new Error("not log");
    expect(action.separator).toMatchObject({ kind: "string", parts: [{ kind: "text", text: "{" }] });
    const param = onlyParam('tag: string = "{x}"');
    expect(param.default).toMatchObject({ kind: "string", value: "{x}", parts: [{ kind: "text", text: "{x}" }] });
  });

  it("an empty string has no parts", () => {
    expect(printed('""').lit).toMatchObject({ value: "", parts: [] });
  });
});

describe("names and spans", () => {
  it("identifiers, soft keywords and backquoted names in expressions", () => {
    const source = "when epoch >= 5 and `a/b` > best(mode) then stop";
    const e = condition("epoch >= 5 and `a/b` > best(mode)");
    expect(sexp(e)).toBe("(and (>= epoch 5) (> `a/b` (best mode)))");
    const rule = onlyRule(source);
    if (rule.condition?.kind !== "binary" || rule.condition.right.kind !== "binary") throw new Error("shape");
    const quoted = rule.condition.right.left;
    expect(quoted).toMatchObject({ kind: "ident", name: "a/b", quoted: true });
    expect(text(source, quoted.span)).toBe("`a/b`");
  });

  it("spans are 1-based lines and columns, 0-based offsets, end exclusive", () => {
    const source = "\n\n  when  val_loss > 1 then stop";
    const rule = onlyRule(source);
    const cond = rule.condition;
    if (cond?.kind !== "binary") throw new Error("shape");
    expect(cond.left.span).toEqual({
      start: { line: 3, column: 9, offset: 10 },
      end: { line: 3, column: 17, offset: 18 },
    });
    expect(rule.span.start).toEqual({ line: 3, column: 3, offset: 4 });
    expect(rule.span.end).toEqual({ line: 3, column: 31, offset: 32 });
  });

  it("a parenthesised expression spans its parentheses", () => {
    const source = "when (a + b) * 2 > 1 then stop";
    const rule = onlyRule(source);
    if (rule.condition?.kind !== "binary" || rule.condition.left.kind !== "binary") throw new Error("shape");
    expect(text(source, rule.condition.left.left.span)).toBe("(a + b)");
    expect(text(source, rule.condition.left.span)).toBe("(a + b) * 2");
  });

  it("the program spans the whole file", () => {
    const source = "when a then stop\n# end\n";
    const program = ok(source);
    expect(program.file).toBe("test.rules");
    expect(program.span.start.offset).toBe(0);
    expect(program.span.end.offset).toBe(source.length);
  });

  it("marks nothing as recovered in a valid file", () => {
    expect(JSON.stringify(ok(examples[0]))).not.toContain("recovered");
  });
});

describe("performance", () => {
  it("parses a 10,000-rule file", () => {
    const lines = [
      "when val_loss plateau patience cooldown 2 then lr = max(lr * 0.1, min_lr)",
      "when val_loss plateau 3 * patience then stop, restore best weights",
      'on batch end when loss is not finite then print "loss diverged at step {step}", stop',
      'when val_acc improves then save model to "ckpt/best"',
      'every 5 epochs then save model to "ckpt/epoch-{epoch:03d}-{val_loss:.4f}"',
      'on epoch end then log to "logs/train.csv"',
      "on batch begin when step < 500 then lr = 1e-3 * (step + 1) / 500",
      "at epoch 30 then lr = 1e-4",
      'when val_acc >= 0.99 and epoch >= 5 then print "target reached", stop',
      "when elapsed > 2h or (loss > 1 and not acc < 0.5) then stop",
    ];
    const rules = Array.from({ length: 10_000 }, (_, i) => lines[i % lines.length]);
    const source = `callback Big(patience: int = 10, min_lr: number = 1e-6) {\n${rules.join("\n")}\n}\n`;
    // Its speed is measured in bench/ (npm run bench), not asserted here.
    const result = parse(source, "big.rules");
    expect(result.diagnostics).toEqual([]);
    expect((result.program.items[0] as CallbackDecl).body.length).toBe(10_000);
  });
});
