// Facts the emitter prints but must not work out itself: which conjuncts of a
// condition read only options (decided once, at construction), which metric
// histories a class keeps, which metric values a rule reads, which predicate
// ranks `keep K`, when best weights are worth capturing, and whether the class
// has batch hooks at all. Computed once the
// checker has resolved every name of a class.
import type { Action, Expr, PathOperand, StringLit } from "../syntax/ast.js";
import type { CheckedCallback, CheckedParam, CheckedProgram, CheckedRule, HistoryRead, MetricRef, Resolution, RuleWriteFact } from "./program.js";
import { isMetricFunction } from "./names.js";
import { metricKey } from "./scope.js";

export function visitExpr(expr: Expr, visit: (e: Expr) => void): void {
  visit(expr);
  switch (expr.kind) {
    case "unary":
    case "is":
      visitExpr(expr.operand, visit);
      break;
    case "binary":
      visitExpr(expr.left, visit);
      visitExpr(expr.right, visit);
      break;
    case "call":
      expr.args.forEach((a) => visitExpr(a, visit));
      break;
    case "plateau":
      visitExpr(expr.patience, visit);
      expr.options.forEach((o) => visitExpr(o.value, visit));
      break;
    case "improves":
      expr.options.forEach((o) => visitExpr(o.value, visit));
      break;
    default:
      break;
  }
}

/** Every expression of a rule: trigger operands, condition, action operands. */
function visitRule(rule: CheckedRule["rule"], visit: (e: Expr) => void): void {
  const trigger = rule.trigger;
  if (rule.condition) visitExpr(rule.condition, visit);
  for (const action of rule.actions) {
    if (action.kind === "assign") visitExpr(action.value, visit);
    if (action.kind === "save" && action.keep) visitExpr(action.keep, visit);
  }
  if (trigger.kind === "every") visitExpr(trigger.count, visit);
  if (trigger.kind === "at") visitExpr(trigger.epoch, visit);
}

/** The literal strings of an action, whose placeholders the checker resolved. */
export function stringsOf(action: Action): StringLit[] {
  const operands =
    action.kind === "save" || action.kind === "log" ? [action.path] : action.kind === "tensorboard" ? [action.dir] : action.kind === "print" || action.kind === "fail" ? [action.text] : [];
  return operands.filter((operand): operand is StringLit => operand.kind === "string");
}

/** What `actions` write and where: a path operand is a template as written, or the string param that holds one. */
function writesOf(actions: readonly Action[]): RuleWriteFact[] {
  const target = (operand: PathOperand): NonNullable<RuleWriteFact["to"]> =>
    operand.kind === "string" ? { kind: "literal", template: operand.value } : { kind: "param", param: operand.name };
  const writes: RuleWriteFact[] = [];
  for (const action of actions) {
    if (action.kind === "save") {
      writes.push({ action: "save", to: target(action.path) });
      if (action.keep) writes.push({ action: "keep", to: target(action.path) });
    } else if (action.kind === "log") writes.push({ action: "log", to: target(action.path) });
    else if (action.kind === "tensorboard") writes.push({ action: "tensorboard", to: target(action.dir) });
    else if (action.kind === "progress") writes.push({ action: "progress" });
  }
  return writes;
}

/** The top-level `and` chain of a condition, left to right. */
function conjuncts(condition: Expr | undefined): Expr[] {
  if (!condition) return [];
  if (condition.kind === "binary" && condition.op === "and") return [...conjuncts(condition.left), ...conjuncts(condition.right)];
  return [condition];
}

/** Adds the emitter's facts to a checked class. */
export function publishFacts(program: CheckedProgram, callback: CheckedCallback): void {
  const params = new Map(callback.params.map((p) => [p.name, p]));
  const resolution = (node: Expr): Resolution | undefined => (node.kind === "ident" ? program.resolutions.get(node) : undefined);

  // A value fixed at construction: literals and params that are always there, and arithmetic on them.
  const isStatic = (expr: Expr): boolean => {
    switch (expr.kind) {
      case "number":
      case "string":
      case "bool":
        return true;
      case "ident": {
        const r = resolution(expr);
        const param: CheckedParam | undefined = r?.kind === "param" ? params.get(r.param) : undefined;
        return param !== undefined && !param.optional && param.type !== "fn" && param.type !== "metric";
      }
      case "unary":
        return isStatic(expr.operand);
      case "binary":
        return isStatic(expr.left) && isStatic(expr.right);
      default:
        return false;
    }
  };

  callback.usesBatchHooks = callback.events.includes("batchBegin") || callback.events.includes("batchEnd");

  const histories = new Map<string, number>();
  for (const rule of callback.rules) {
    const parts = conjuncts(rule.rule.condition);
    rule.staticConjuncts = parts.filter(isStatic);
    rule.dynamicConjuncts = parts.filter((part) => !isStatic(part));

    const reads: HistoryRead[] = [];
    const valueKeys = new Set<string>();
    visitRule(rule.rule, (expr) => {
      if (expr.kind === "ident") {
        const r = resolution(expr);
        if (r?.kind === "metric") valueKeys.add(metricKey(r.metric));
      }
      if (expr.kind !== "call" || !isMetricFunction(expr.callee.text) || program.resolutions.get(expr.callee)?.kind === "param") return;
      const r = expr.args[0] ? resolution(expr.args[0]) : undefined;
      if (r?.kind !== "metric") return;
      const key = metricKey(r.metric);
      let history = histories.get(key);
      if (history === undefined) {
        history = histories.size + 1;
        histories.set(key, history);
        callback.histories.push({ id: history, metric: r.metric });
      }
      reads.push({ call: expr, fn: expr.callee.text, history, ...(expr.args[1] ? { window: expr.args[1] } : {}) });
    });
    rule.histories = reads;
    for (const action of rule.rule.actions) {
      for (const lit of stringsOf(action)) {
        for (const r of program.placeholders.get(lit)?.values() ?? []) if (r.kind === "metric") valueKeys.add(metricKey(r.metric));
      }
    }
    rule.valuesRead = rule.metrics.filter((ref: MetricRef) => valueKeys.has(metricKey(ref)));
    const rank = rule.predicates.find((p) => p.node.kind === "improves");
    if (rank) rule.keepRank = rank;
    rule.writes = writesOf(rule.rule.actions);
  }

  // Best weights cost a copy of the model at every improvement: capture them only
  // when some restoring rule can fire with these options.
  for (const predicate of callback.predicates) {
    if (!predicate.capturesWeights) continue;
    predicate.captureWhen = callback.rules.filter((rule) =>
      rule.rule.actions.some((action) => action.kind === "restore" && program.restoreTargets.get(action) === predicate),
    );
  }
}
