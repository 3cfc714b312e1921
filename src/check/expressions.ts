// Checking expressions, predicates and string placeholders of one callback
// class: resolves every name, infers types, collects the predicates and the
// metrics each rule reads, and validates the static operands.
import { didYouMean } from "../util/suggest.js";
import type { EventName, Expr, Ident, Improves, Name, Plateau, Span, StringLit, StringPart } from "../syntax/ast.js";
import { foldConstant } from "./fold.js";
import { checkFormatSpec, type ValueKind } from "../runtime/format.js";
import {
  ALL_FUNCTION_NAMES,
  INTEGER_BUILTINS,
  MATH_FUNCTIONS,
  METRIC_FUNCTIONS,
  PIECEWISE,
  PLACEHOLDER_BUILTINS,
  isMetricFunction,
} from "./names.js";
import { OPERAND_SPECS, type ValueSpec, validateValue } from "./options.js";
import type { CheckedParam, CheckedPredicate, MetricRef, Resolution } from "./program.js";
import type { CheckReporter } from "./report.js";
import { metricKey, type LocalName, type Scope } from "./scope.js";
import { DURATION_HINT, LIST_HINT, metricParamHint, type ExprType } from "./types.js";

/** What the checker learns about one rule while checking its parts. */
export interface RuleFacts {
  event: EventName;
  metrics: Map<string, MetricRef>;
  predicates: CheckedPredicate[];
  /** Set once a CBC404 was reported for this rule: one is enough. */
  neverFiresReported: boolean;
}

/** Where an expression stands, which decides what it may contain. */
export type Site =
  | { kind: "condition"; rule: RuleFacts }
  | { kind: "value"; rule: RuleFacts }
  /** Fixed when the callback is constructed: literals and params only. */
  | { kind: "static"; label: string };

export const EVENT_WORDS: Record<EventName, string> = {
  trainBegin: "train begin",
  trainEnd: "train end",
  epochBegin: "epoch begin",
  epochEnd: "epoch end",
  batchBegin: "batch begin",
  batchEnd: "batch end",
};

const MODES = ["min", "max", "auto"];

const MATH_SIGNATURES: Record<string, string> = { clamp: "(x, lo, hi)", min: "(a, b, ...)", max: "(a, b, ...)" };

const PIECEWISE_ROLES = ["boundaries", "values"] as const;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function typeOfParam(param: CheckedParam): ExprType {
  switch (param.type) {
    case "int":
    case "number":
      return "number";
    case "bool":
      return "bool";
    case "string":
    case "enum":
      return "string";
    case "metric":
      return "metric";
    case "fn":
      return "fn";
    case "number[]":
      return "list";
  }
}

function describeLocal(local: LocalName): string {
  switch (local.kind) {
    case "let":
      return "a `let` variable";
    case "builtin":
      return "a builtin number";
    case "param":
      return `${local.param.type === "int" ? "an" : "a"} ${local.param.type} param`;
  }
}

export class ExpressionChecker {
  /** Every plateau/improves of the callback, in source order: ids index this list. */
  readonly predicates: CheckedPredicate[] = [];
  /** best()/prev()/mean() appear: their history is recorded at epoch end. */
  usesHistory = false;
  /** The pairs of `number[]` params that `piecewise` reads together, each once. */
  readonly piecewisePairs: { boundaries: string; values: string }[] = [];

  constructor(
    private readonly reporter: CheckReporter,
    private readonly scope: Scope,
    private readonly resolutions: Map<Ident | Name, Resolution>,
    private readonly placeholders: Map<StringLit, Map<number, Resolution>>,
  ) {}

  // ------------------------------------------------------------ expressions

  check(expr: Expr, site: Site): ExprType {
    switch (expr.kind) {
      case "number":
        return expr.duration ? "duration" : "number";
      case "string":
        return "string";
      case "bool":
        return "bool";
      case "ident":
        return this.ident(expr, site);
      case "unary": {
        const type = this.check(expr.operand, site);
        if (expr.op === "not") {
          this.requireBool(type, expr.operand);
          return "bool";
        }
        return this.requireNumber(type, expr.operand) && type !== "error" ? "number" : "error";
      }
      case "binary":
        return this.binary(expr, site);
      case "call":
        return this.call(expr, site);
      case "plateau":
      case "improves":
        this.predicate(expr, site);
        return "bool";
      case "is":
        return this.isTest(expr, site);
      case "list":
        this.reporter.report(
          "CBC311",
          expr.span,
          "a list can only be written as the default of a `number[]` param",
          "declare a param such as `boundaries: number[] = [100, 200]` and use its name",
        );
        return "error";
    }
    return "error";
  }

  /** A rule's condition must be true or false. */
  requireBool(type: ExprType, node: Expr): void {
    if (type === "bool" || type === "error") return;
    const q = this.reporter.quote(node.span);
    switch (type) {
      case "number":
      case "elapsed":
        this.reporter.report("CBC300", node.span, `a condition must be true or false, and \`${q}\` is a number`, `compare it, e.g. \`${q} > 0\``);
        return;
      case "duration":
        this.reporter.report("CBC303", node.span, `\`${q}\` is a duration, not a condition`, DURATION_HINT);
        return;
      case "metric":
        this.reporter.report("CBC300", node.span, `\`${q}\` is a metric param: it names a metric and is not a condition`, metricParamHint(q));
        return;
      case "string":
        this.reporter.report("CBC300", node.span, `\`${q}\` is a string, not a condition`, "write a comparison, e.g. `val_loss < 0.1`");
        return;
      case "fn":
        this.reporter.report("CBC300", node.span, `\`${q}\` is a function, not a condition`, "call it and compare the result, e.g. `f(epoch) > 0`");
        return;
      case "list":
        this.reporter.report("CBC300", node.span, `\`${q}\` is a list of numbers, not a condition`, LIST_HINT);
        return;
    }
  }

  /** false (after a diagnostic) when `type` cannot stand where a number is needed. */
  requireNumber(type: ExprType, node: Expr): boolean {
    if (type === "number" || type === "elapsed" || type === "error") return true;
    const q = this.reporter.quote(node.span);
    switch (type) {
      case "duration":
        this.reporter.report(
          "CBC303",
          node.span,
          `\`${q}\` is a duration: durations only compare with \`elapsed\` or add to other durations`,
          DURATION_HINT,
        );
        return false;
      case "metric":
        this.reporter.report("CBC306", node.span, `\`${q}\` is a metric param: it names a metric and is not a number`, metricParamHint(q));
        return false;
      case "bool":
        this.reporter.report("CBC306", node.span, `\`${q}\` is true or false, but a number is needed here`);
        return false;
      case "string": {
        const isParam = node.kind === "ident";
        this.reporter.report(
          "CBC306",
          node.span,
          isParam ? `\`${q}\` is a string param and cannot be used as a number` : `a string cannot be used as a number`,
          isParam ? "a string param can be a predicate's `mode` or be shown in a string placeholder" : "write a number here",
        );
        return false;
      }
      case "fn": {
        const param = node.kind === "ident" ? this.scope.params.get(node.name) : undefined;
        const args = (param?.fnArgs ?? ["x"]).join(", ");
        this.reporter.report("CBC306", node.span, `\`${q}\` is a function: call it to get a number`, `e.g. \`${q}(${args})\``);
        return false;
      }
      case "list":
        this.reporter.report("CBC306", node.span, `\`${q}\` is a list of numbers, and a number is needed here`, LIST_HINT);
        return false;
    }
  }

  private record(node: Ident | Name, resolution: Resolution): void {
    this.resolutions.set(node, resolution);
  }

  private localResolution(local: LocalName): Resolution {
    switch (local.kind) {
      case "let":
        return { kind: "let", name: local.decl.name.text };
      case "param":
        return { kind: "param", param: local.param.name };
      case "builtin":
        return { kind: "builtin", name: local.name };
    }
  }

  private notStatic(span: Span, name: string, label: string): void {
    this.reporter.report(
      "CBC308",
      span,
      `\`${name}\` is not known when the callback is constructed: ${label} must be built from literals and params`,
      "write a number or use a param of the callback",
    );
  }

  private optionalMisused(span: Span, param: CheckedParam): void {
    this.reporter.report(
      "CBC307",
      span,
      `\`${param.name}\` is optional and may be absent, so it cannot be used in an expression`,
      `give it a default (\`${param.name}: ${param.type} = ...\`), or use it only as a whole predicate option (\`baseline ${param.name}\`)`,
    );
  }

  private ident(node: Ident, site: Site): ExprType {
    const local = node.quoted ? undefined : this.scope.lookup(node.name);
    if (!local) return this.metricValue(node, node.name, node.quoted === true, site);
    this.record(node, this.localResolution(local));
    switch (local.kind) {
      case "let":
        if (site.kind === "static") {
          this.notStatic(node.span, node.name, site.label);
          return "error";
        }
        return "number";
      case "builtin":
        if (site.kind === "static" && local.name !== "pi") {
          this.notStatic(node.span, node.name, site.label);
          return "error";
        }
        return local.name === "elapsed" ? "elapsed" : "number";
      case "param":
        if (local.param.optional) {
          this.optionalMisused(node.span, local.param);
          return "error";
        }
        return typeOfParam(local.param);
    }
  }

  /** A name read as a metric's value. */
  private metricValue(node: Ident, name: string, quoted: boolean, site: Site): ExprType {
    const ref = this.scope.metric(name, node.span, quoted);
    this.record(node, { kind: "metric", metric: ref });
    if (site.kind === "static") {
      this.notStatic(node.span, name, site.label);
      return "error";
    }
    // A value read anywhere in the rule gates its firing (the emitter guards each one).
    this.noteRead(ref, node.span, site.rule, true);
    return "number";
  }

  /**
   * Adds a metric to the rule's reads. A rule fires only when every value it uses
   * has one (its condition, its assigned values and its placeholders): reading one
   * where tfjs reports nothing, it can never fire (CBC404).
   */
  private noteRead(ref: MetricRef, span: Span, rule: RuleFacts, gatesFiring: boolean): void {
    rule.metrics.set(metricKey(ref), ref);
    if (!gatesFiring || ref.kind !== "literal" || rule.neverFiresReported) return;
    const event = rule.event;
    if (event === "trainBegin" || event === "epochBegin" || event === "batchBegin") {
      rule.neverFiresReported = true;
      this.reporter.report(
        "CBC404",
        span,
        `this rule can never fire: tfjs reports no metrics at ${EVENT_WORDS[event]}, so \`${ref.name}\` has no value there`,
        event === "batchBegin" ? "read it at batch end: `on batch end when ...`" : "read it at epoch end: `when ...` or `on epoch end when ...`",
      );
    } else if (event === "batchEnd" && ref.name.startsWith("val_")) {
      rule.neverFiresReported = true;
      this.reporter.report(
        "CBC404",
        span,
        `this rule can never fire: validation metrics such as \`${ref.name}\` are reported at epoch end, not at batch end`,
        "read it at epoch end: `when ...` or `on epoch end when ...`",
      );
    }
  }

  private binary(expr: Extract<Expr, { kind: "binary" }>, site: Site): ExprType {
    const left = this.check(expr.left, site);
    const right = this.check(expr.right, site);
    switch (expr.op) {
      case "and":
      case "or":
        this.requireBool(left, expr.left);
        this.requireBool(right, expr.right);
        return "bool";
      case "==":
      case "!=":
        if (left === "bool" && right === "bool") return "bool";
        this.compare(left, right, expr);
        return "bool";
      case "<":
      case "<=":
      case ">":
      case ">=":
        this.compare(left, right, expr);
        return "bool";
      case "+":
      case "-":
        if (left === "duration" && right === "duration") return "duration";
        return this.arithmetic(left, right, expr);
      default:
        return this.arithmetic(left, right, expr);
    }
  }

  private arithmetic(left: ExprType, right: ExprType, expr: Extract<Expr, { kind: "binary" }>): ExprType {
    const leftOk = this.requireNumber(left, expr.left);
    const rightOk = this.requireNumber(right, expr.right);
    return leftOk && rightOk && left !== "error" && right !== "error" ? "number" : "error";
  }

  private compare(left: ExprType, right: ExprType, expr: Extract<Expr, { kind: "binary" }>): void {
    if (left === "duration" || right === "duration") {
      const [duration, other, otherNode] = left === "duration" ? [expr.left, right, expr.right] : [expr.right, left, expr.left];
      if (other === "elapsed" || other === "duration" || other === "error") return;
      this.reporter.report(
        "CBC303",
        duration.span,
        `\`${this.reporter.quote(duration.span)}\` is a duration, and only \`elapsed\` counts seconds: it cannot be compared with \`${this.reporter.quote(otherNode.span)}\``,
        DURATION_HINT,
      );
      return;
    }
    this.requireNumber(left, expr.left);
    this.requireNumber(right, expr.right);
  }

  // ------------------------------------------------------------ calls

  private call(expr: Extract<Expr, { kind: "call" }>, site: Site): ExprType {
    const name = expr.callee.text;
    const local = expr.callee.quoted ? undefined : this.scope.lookup(name);
    if (local?.kind === "param") return this.paramCall(expr, local.param, site);
    if (name === PIECEWISE && !expr.callee.quoted) return this.piecewise(expr, site);
    const arity = MATH_FUNCTIONS.get(name);
    if (arity) {
      if (expr.args.length < arity.min || expr.args.length > arity.max) {
        const count = arity.min === arity.max ? `${arity.min} argument${arity.min === 1 ? "" : "s"}` : `${arity.min} or more arguments`;
        this.reporter.report(
          "CBC302",
          expr.callee.span,
          `\`${name}\` takes ${count}, got ${expr.args.length}`,
          `write \`${name}${MATH_SIGNATURES[name] ?? "(x)"}\``,
        );
      }
      return this.numericArgs(expr, site) ? "number" : "error";
    }
    if (isMetricFunction(name)) {
      if (site.kind === "static") {
        this.notStatic(expr.callee.span, `${name}()`, site.label);
        return "error";
      }
      this.metricFunction(expr, name, site);
      return "number";
    }
    const fnParams = [...this.scope.params.values()].filter((p) => p.type === "fn").map((p) => p.name);
    this.reporter.report(
      "CBC203",
      expr.callee.span,
      `unknown function \`${name}\``,
      didYouMean(name, [...ALL_FUNCTION_NAMES, ...fnParams]) ??
        `the functions are ${ALL_FUNCTION_NAMES.join(", ")}; to call your own, declare a param \`${name}: fn(x)\``,
    );
    for (const arg of expr.args) this.check(arg, site);
    return "error";
  }

  /**
   * `piecewise(x, boundaries, values)`: a number, then two `number[]` params. When both
   * params have defaults, their lengths are checked here; options are checked at construction.
   */
  private piecewise(expr: Extract<Expr, { kind: "call" }>, site: Site): ExprType {
    const [x, boundariesArg, valuesArg, ...extra] = expr.args;
    if (expr.args.length !== 3) {
      this.reporter.report(
        "CBC302",
        expr.callee.span,
        `\`${PIECEWISE}\` takes 3 arguments, got ${expr.args.length}`,
        `write \`${PIECEWISE}(x, boundaries, values)\`, with \`boundaries\` and \`values\` params declared \`: number[]\``,
      );
    }
    let ok = true;
    if (x) {
      const type = this.check(x, site);
      if (!this.requireNumber(type, x) || type === "error") ok = false;
    }
    const boundaries = boundariesArg ? this.listArgument(boundariesArg, 0, site) : undefined;
    const values = valuesArg ? this.listArgument(valuesArg, 1, site) : undefined;
    for (const arg of extra) this.check(arg, site);
    if (!boundaries || !values || !valuesArg) return "error";
    if (!this.piecewisePairs.some((p) => p.boundaries === boundaries.name && p.values === values.name)) {
      this.piecewisePairs.push({ boundaries: boundaries.name, values: values.name });
    }
    const [b, v] = [boundaries.defaultValue, values.defaultValue];
    if (Array.isArray(b) && Array.isArray(v) && v.length !== b.length + 1) {
      this.reporter.report(
        "CBC304",
        valuesArg.span,
        `\`${PIECEWISE}\` needs one more value than boundaries, and the defaults give \`${values.name}\` ${v.length} number${v.length === 1 ? "" : "s"} for the ${b.length} of \`${boundaries.name}\``,
        `give \`${values.name}\` ${b.length + 1} numbers: the first for x <= the first boundary, the last for x > the last`,
      );
    }
    return ok ? "number" : "error";
  }

  /** The 2nd or 3rd argument of `piecewise`: a `number[]` param, or undefined after a diagnostic. */
  private listArgument(arg: Expr, index: 0 | 1, site: Site): CheckedParam | undefined {
    const role = PIECEWISE_ROLES[index];
    const example = `${role}: number[] = ${index === 0 ? "[100, 200]" : "[0.1, 0.01, 0.001]"}`;
    if (arg.kind === "ident" && !arg.quoted) {
      const local = this.scope.lookup(arg.name);
      if (local?.kind === "param" && local.param.type === "number[]") {
        const param = local.param;
        this.record(arg, { kind: "param", param: param.name });
        if (!param.optional) return param;
        this.reporter.report(
          "CBC307",
          arg.span,
          `\`${param.name}\` is optional and may be absent, so \`${PIECEWISE}\` cannot read it`,
          `give it a default (\`${param.name}: number[] = [...]\`), or drop the \`?\` to make it a required option`,
        );
        return undefined;
      }
    }
    const ordinal = index === 0 ? "second" : "third";
    if (arg.kind === "list") {
      this.reporter.report(
        "CBC311",
        arg.span,
        `the ${ordinal} argument of \`${PIECEWISE}\` (the ${role}) must be a \`number[]\` param, not a list written in place`,
        `declare \`${example}\` in the callback's params and pass \`${role}\``,
      );
      return undefined;
    }
    const type = this.check(arg, site);
    if (type === "error") return undefined;
    const q = this.reporter.quote(arg.span);
    const local = arg.kind === "ident" && !arg.quoted ? this.scope.lookup(arg.name) : undefined;
    this.reporter.report(
      "CBC311",
      arg.span,
      `the ${ordinal} argument of \`${PIECEWISE}\` (the ${role}) must be a \`number[]\` param, and \`${q}\` is ${local ? describeLocal(local) : type === "metric" ? "a metric param" : "not one"}`,
      `declare \`${example}\` in the callback's params and pass \`${role}\``,
    );
    return undefined;
  }

  private numericArgs(expr: Extract<Expr, { kind: "call" }>, site: Site): boolean {
    let ok = true;
    for (const arg of expr.args) {
      const type = this.check(arg, site);
      if (!this.requireNumber(type, arg) || type === "error") ok = false;
    }
    return ok;
  }

  private paramCall(expr: Extract<Expr, { kind: "call" }>, param: CheckedParam, site: Site): ExprType {
    this.record(expr.callee, { kind: "param", param: param.name });
    if (param.type !== "fn") {
      this.reporter.report(
        "CBC312",
        expr.callee.span,
        `\`${param.name}\` is ${param.type === "int" ? "an" : "a"} ${param.type} param, not a function`,
        `declare it as a function to call it: \`${param.name}: fn(x)\``,
      );
      for (const arg of expr.args) this.check(arg, site);
      return "error";
    }
    if (site.kind === "static") {
      this.notStatic(expr.callee.span, `${param.name}()`, site.label);
      return "error";
    }
    if (param.optional) this.optionalMisused(expr.callee.span, param);
    const declared = param.fnArgs ?? [];
    if (declared.length !== expr.args.length) {
      this.reporter.report(
        "CBC302",
        expr.callee.span,
        `\`${param.name}\` takes ${declared.length} argument${declared.length === 1 ? "" : "s"}, got ${expr.args.length}`,
        `write \`${param.name}(${declared.join(", ")})\``,
      );
    }
    return this.numericArgs(expr, site) ? "number" : "error";
  }

  private metricFunction(expr: Extract<Expr, { kind: "call" }>, name: "best" | "prev" | "mean", site: Site): void {
    this.usesHistory = true;
    const expected = METRIC_FUNCTIONS.get(name) ?? 1;
    const example = name === "mean" ? "mean(val_loss, 5)" : `${name}(val_loss)`;
    if (expr.args.length !== expected) {
      this.reporter.report(
        "CBC302",
        expr.callee.span,
        `\`${name}\` takes ${expected === 1 ? "1 argument, a metric" : "2 arguments, a metric and a number of epochs"}, got ${expr.args.length}`,
        `write \`${example}\``,
      );
    }
    const [metric, window, ...extra] = expr.args;
    if (metric) this.metricArgument(metric, `\`${name}\``, example, site);
    if (window) {
      if (name === "mean") this.staticOperand(window, "the window K of `mean(M, K)`", OPERAND_SPECS.mean, false);
      else this.check(window, site);
    }
    for (const arg of extra) this.check(arg, site);
  }

  /** The metric argument of best()/prev()/mean(): a metric name or a metric param. */
  private metricArgument(arg: Expr, what: string, example: string, site: Site): MetricRef | undefined {
    if (arg.kind === "ident") return this.metricName(arg, arg.name, arg.quoted === true, what);
    this.check(arg, site);
    this.reporter.report("CBC309", arg.span, `${what} takes a metric name, not an expression`, `write e.g. \`${example}\``);
    return undefined;
  }

  /**
   * A name that must denote a metric (predicate subject, best()'s argument,
   * `restore ... of M`): a metric name, or a `metric` param meaning its metric.
   */
  metricName(node: Ident | Name, name: string, quoted: boolean, what: string): MetricRef | undefined {
    const local = quoted ? undefined : this.scope.lookup(name);
    if (!local) {
      const ref = this.scope.metric(name, node.span, quoted);
      this.record(node, { kind: "metric", metric: ref });
      return ref;
    }
    if (local.kind === "param" && local.param.type === "metric") {
      const ref: MetricRef = { kind: "param", param: local.param.name };
      this.record(node, { kind: "metric", metric: ref });
      if (local.param.optional) this.optionalMisused(node.span, local.param);
      return ref;
    }
    this.record(node, this.localResolution(local));
    this.reporter.report(
      "CBC309",
      node.span,
      `${what} takes a metric, and \`${name}\` is ${describeLocal(local)}`,
      "name a metric (`val_loss`) or a param declared `: metric`",
    );
    return undefined;
  }

  // ------------------------------------------------------------ predicates

  private predicate(expr: Plateau | Improves, site: Site): void {
    const keyword = expr.kind;
    const inCondition = site.kind === "condition";
    if (!inCondition) {
      this.reporter.report(
        "CBC403",
        expr.span,
        `\`${keyword}\` can only be part of a rule's condition`,
        `e.g. \`when ${expr.metric.text} ${keyword}${keyword === "plateau" ? " 5" : ""} then ...\``,
      );
    } else if (site.rule.event !== "epochEnd") {
      this.reporter.report(
        "CBC403",
        expr.span,
        `\`${keyword}\` is judged at epoch end, but this rule runs at ${EVENT_WORDS[site.rule.event]}`,
        "use it in a `when`, `on epoch end` or `every N epochs` rule",
      );
    }
    const ref = this.metricName(expr.metric, expr.metric.text, expr.metric.quoted === true, `\`${keyword}\``);
    if (expr.kind === "plateau") this.staticOperand(expr.patience, "patience", OPERAND_SPECS.patience, false, true);
    // An option given twice is a syntax error (the parser reports it).
    for (const option of expr.options) {
      switch (option.name) {
        case "mode":
          this.mode(option.value);
          break;
        case "cooldown":
          if (expr.kind === "improves") {
            this.reporter.report("CBC314", option.span, "`improves` takes no cooldown; only `plateau` does", "remove `cooldown ...`");
            this.check(option.value, { kind: "static", label: "cooldown" });
          } else {
            this.staticOperand(option.value, "cooldown", OPERAND_SPECS.cooldown, true, true);
          }
          break;
        case "min_delta":
          this.staticOperand(option.value, "min_delta", OPERAND_SPECS.min_delta, true, true);
          break;
        case "baseline":
          this.staticOperand(option.value, "baseline", OPERAND_SPECS.baseline, true);
          break;
        case "from":
          this.staticOperand(option.value, "`from epoch S`", OPERAND_SPECS.from, true, true);
          break;
      }
    }
    if (site.kind === "condition" && ref) {
      const predicate: CheckedPredicate = { id: this.predicates.length, node: expr, metric: ref, capturesWeights: false };
      this.predicates.push(predicate);
      site.rule.predicates.push(predicate);
      this.noteRead(ref, expr.metric.span, site.rule, false);
    }
  }

  private mode(value: Expr): void {
    const params = [...this.scope.params.values()].filter((p) => p.type === "enum" || p.type === "string").map((p) => p.name);
    const bad = (shown: string, word: string) =>
      this.reporter.report(
        "CBC301",
        value.span,
        `mode must be min, max or auto, got ${shown}`,
        didYouMean(word, [...MODES, ...params]) ?? "write `mode min`, `mode max` or `mode auto`",
      );
    if (value.kind === "string") {
      if (!MODES.includes(value.value)) bad(JSON.stringify(value.value), value.value);
      return;
    }
    if (value.kind !== "ident" || value.quoted) {
      this.check(value, { kind: "static", label: "mode" });
      bad(`\`${this.reporter.quote(value.span)}\``, "");
      return;
    }
    const param = this.scope.params.get(value.name);
    if (param) {
      this.record(value, { kind: "param", param: param.name });
      if (param.type === "enum") {
        const wrong = (param.enumValues ?? []).filter((v) => !MODES.includes(v));
        if (wrong.length > 0) {
          this.reporter.report(
            "CBC301",
            value.span,
            `mode param \`${param.name}\` allows ${wrong.map((v) => JSON.stringify(v)).join(", ")}, but mode takes min, max or auto`,
            `declare it as \`${param.name}: "min" | "max" | "auto"\``,
          );
        }
      } else if (param.type !== "string") {
        this.reporter.report(
          "CBC310",
          value.span,
          `mode takes min, max or auto, and \`${param.name}\` is ${param.type === "int" ? "an" : "a"} ${param.type} param`,
          `declare it as \`${param.name}: "min" | "max" | "auto" = "auto"\``,
        );
      }
      return;
    }
    if (!MODES.includes(value.name)) bad(`\`${value.name}\``, value.name);
  }

  private isTest(expr: Extract<Expr, { kind: "is" }>, site: Site): ExprType {
    const operand = expr.operand;
    if (operand.kind === "ident" && !operand.quoted) {
      const local = this.scope.lookup(operand.name);
      if (local?.kind === "param" && local.param.type === "metric") {
        // `monitor is nan`: the value of the metric the param names.
        const ref: MetricRef = { kind: "param", param: local.param.name };
        this.record(operand, { kind: "metric", metric: ref });
        if (site.kind === "static") this.notStatic(operand.span, operand.name, site.label);
        else this.noteRead(ref, operand.span, site.rule, site.kind === "condition");
        if (local.param.optional) this.optionalMisused(operand.span, local.param);
        return "bool";
      }
    }
    this.requireNumber(this.check(operand, site), operand);
    return "bool";
  }

  /**
   * An operand fixed at construction (patience, cooldown, every N, keep K...):
   * literals and params; a constant one is validated against `spec` (CBC301).
   * With `allowOptional`, an optional param may be the whole value.
   */
  /**
   * `paramDefault`: also check the default of a param used as the operand as
   * it stands. Predicate operands only: `every N` with an option-only guard
   * (`every save_freq batches when save_freq > 0`) may default to a value
   * that switches the rule off.
   */
  staticOperand(expr: Expr, label: string, spec: ValueSpec, allowOptional: boolean, paramDefault = false): void {
    if (allowOptional && expr.kind === "ident" && !expr.quoted) {
      const param = this.scope.params.get(expr.name);
      if (param?.optional) {
        this.record(expr, { kind: "param", param: param.name });
        if (param.type !== "int" && param.type !== "number") {
          this.requireNumber(typeOfParam(param), expr);
        }
        return;
      }
    }
    const type = this.check(expr, { kind: "static", label });
    if (type === "duration") {
      this.reporter.report(
        "CBC303",
        expr.span,
        `${label} is a plain number, and \`${this.reporter.quote(expr.span)}\` is a duration`,
        "write the number without a unit; durations only compare with `elapsed`, e.g. `elapsed > 2h`",
      );
      return;
    }
    if (!this.requireNumber(type, expr) || type === "error") return;
    const value = foldConstant(expr);
    if (value === undefined) {
      if (paramDefault) this.paramDefaultOperand(expr, label, spec);
      return;
    }
    const problem = validateValue(label, spec, value);
    if (problem) this.reporter.report("CBC301", expr.span, problem);
  }

  /** A param used as the operand as it stands (`plateau patience`): its default must fit the operand too. */
  private paramDefaultOperand(expr: Expr, label: string, spec: ValueSpec): void {
    if (expr.kind !== "ident" || expr.quoted) return;
    const param = this.scope.params.get(expr.name);
    if (!param || typeof param.defaultValue !== "number") return;
    const problem = validateValue(label, spec, param.defaultValue);
    if (!problem) return;
    this.reporter.report(
      "CBC301",
      param.decl.default?.span ?? expr.span,
      `the default of \`${param.name}\` does not fit where it is used: ${problem}`,
      `change the default, and give \`${param.name}\` a range so options are checked too (e.g. \`${param.name}: int >= 0 = 10\`)`,
    );
  }

  // ------------------------------------------------------------ strings

  /** Resolves the placeholders of a print/fail/save/log/tensorboard string and checks their format specs. */
  template(literal: StringLit, rule: RuleFacts): void {
    let resolved: Map<number, Resolution> | undefined;
    literal.parts.forEach((part, index) => {
      if (part.kind !== "placeholder") return;
      const resolution = this.placeholder(part, rule);
      if (!resolution) return;
      resolved ??= new Map();
      resolved.set(index, resolution);
    });
    if (resolved) this.placeholders.set(literal, resolved);
  }

  private placeholder(part: Extract<StringPart, { kind: "placeholder" }>, rule: RuleFacts): Resolution | undefined {
    const { name, span } = part;
    let resolution: Resolution;
    let kind: ValueKind;
    const local = IDENTIFIER.test(name) ? this.scope.lookup(name) : undefined;
    const shown = [...PLACEHOLDER_BUILTINS].join(", ");
    if (local?.kind === "let") {
      resolution = { kind: "let", name };
      kind = "number";
    } else if (local?.kind === "param") {
      const param = local.param;
      if (param.type === "fn") {
        this.reporter.report("CBC313", span, `\`{${name}}\` shows a value, and \`${name}\` is a function`, `show its result in a variable instead`);
        return undefined;
      }
      if (param.type === "number[]") {
        this.reporter.report("CBC313", span, `\`{${name}}\` shows one value, and \`${name}\` is a list of numbers`, LIST_HINT);
        return undefined;
      }
      if (param.type === "metric") {
        // `{monitor}` shows the value of the metric the param names, as `{val_loss}` does.
        const ref: MetricRef = { kind: "param", param: name };
        resolution = { kind: "metric", metric: ref };
        this.noteRead(ref, span, rule, false);
        kind = "float";
      } else {
        resolution = { kind: "param", param: name };
        kind = param.type === "int" || param.type === "bool" ? "int" : param.type === "number" ? "number" : "string";
      }
    } else if (local?.kind === "builtin") {
      if (!PLACEHOLDER_BUILTINS.includes(local.name)) {
        this.reporter.report("CBC205", span, `\`{${name}}\` cannot be shown: placeholders show metrics, params, lets and ${shown}`);
        return undefined;
      }
      resolution = { kind: "builtin", name: local.name };
      kind = INTEGER_BUILTINS.has(local.name) ? "int" : "float";
    } else if (name === "" || (IDENTIFIER.test(name) && this.scope.declaredMetrics && !this.scope.isKnownMetric(name))) {
      this.reporter.report(
        "CBC205",
        span,
        name === "" ? "`{}` names nothing: write what to show, e.g. `{epoch}`" : `placeholder \`{${name}}\` names nothing: no metric, param, let or run value is called \`${name}\``,
        (name === "" ? undefined : didYouMean(name, this.scope.candidates())) ?? `placeholders show metrics, params, lets and ${shown}`,
      );
      return undefined;
    } else {
      const ref = this.scope.metric(name, span, !IDENTIFIER.test(name));
      resolution = { kind: "metric", metric: ref };
      // The rule fires only when the placeholder has a value.
      this.noteRead(ref, span, rule, true);
      kind = "float";
    }
    if (part.spec !== "") {
      const problem = checkFormatSpec(part.spec, kind);
      if (problem) {
        this.reporter.report(
          "CBC305",
          span,
          `bad format spec \`${part.spec}\` in \`{${name}:${part.spec}}\`: ${problem}`,
          "Python format specs look like `.4f`, `03d`, `.2e` or `>8`",
        );
      }
    }
    return resolution;
  }
}
