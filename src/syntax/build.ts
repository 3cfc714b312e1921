// CST -> AST: turns the parser's concrete trees (one statement at a time) into the typed AST
// with spans. Tolerates the holes error recovery leaves: what parsed is kept, and a construct
// that cannot be whole (a rule without a trigger, a let without a value) is dropped.
import { tokenMatcher, type CstNode, type IToken, type TokenType } from "chevrotain";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Reporter } from "../diagnostics/reporter.js";
import type {
  ActionCstNode,
  ActionsCstNode,
  ArithmeticCstNode,
  AtRuleCstNode,
  CallbackHeadCstNode,
  EveryRuleCstNode,
  ExpressionCstNode,
  LetDeclCstNode,
  MetricNameCstNode,
  MetricsDeclCstNode,
  OnRuleCstNode,
  OperandCstNode,
  ParamCstNode,
  ParamListCstNode,
  ParamRangeCstNode,
  ParamTypeCstNode,
  PredicateOptionCstNode,
  PrimaryCstNode,
  RuleCstNode,
  StatementCstNode,
  TermCstNode,
  WhenRuleCstNode,
} from "../../grammar/cst.js";
import type {
  Action,
  AssignOp,
  BinaryOp,
  BlockItem,
  CallbackDecl,
  EventName,
  Expr,
  Ident,
  LetDecl,
  MetricsDecl,
  Name,
  NumberLit,
  Param,
  ParamRange,
  ParamType,
  PathOperand,
  Position,
  PredicateOption,
  Rule,
  Span,
  StringLit,
  Trigger,
} from "./ast.js";
import { LineMap } from "./lines.js";
import { decodeString } from "./strings.js";

export { LineMap };
import {
  Baseline,
  Batch,
  Begin,
  Bool,
  ClosedQuotedName,
  ClosedString,
  Cooldown,
  Epoch,
  Epochs,
  Finite,
  From,
  Inf,
  Int,
  LParen,
  Metric,
  MinDelta,
  Minus,
  Model,
  Mode,
  Nan,
  NumberKw,
  RParen,
  StringKw,
  StringLiteral,
  Train,
  True,
} from "../../grammar/tokens.js";

/** Offsets to 1-based lines and columns. */
interface Context {
  lines: LineMap;
  reporter: Reporter;
  /** Set while building an item when some CST node in it was cut short by error recovery. */
  recovered: boolean;
}

// ---------------------------------------------------------------- CST access

// Children are read through grammar/cst.d.ts (generated from the grammar), so a label or rule
// renamed in grammar/parser.ts is a type error here. The types say what a complete parse holds;
// error recovery may leave any child out, so every child is read as possibly absent.

/** The real tokens of a child list: tokens invented by in-rule recovery carry no text or position. */
function real(list: readonly IToken[] | undefined): IToken[] {
  if (list === undefined) return [];
  for (const token of list) {
    if (token.isInsertedInRecovery === true) return list.filter((t) => t.isInsertedInRecovery !== true);
  }
  return [...list];
}

/** The first real token of a child list. */
function first(list: readonly IToken[] | undefined): IToken | undefined {
  if (list === undefined) return undefined;
  for (const token of list) {
    if (token.isInsertedInRecovery !== true) return token;
  }
  return undefined;
}

/** Notes that error recovery cut this node short (Chevrotain flags the node it resynced in). */
function enter(ctx: Context, node: CstNode): void {
  if (node.recoveredNode === true) ctx.recovered = true;
}

function tokenSpan(ctx: Context, token: IToken): Span {
  return ctx.lines.span(token.startOffset, token.startOffset + token.image.length);
}

function join(a: Span, b: Span | undefined): Span {
  return b === undefined ? a : { start: a.start, end: b.end };
}

function lastSpan(...spans: Array<Span | undefined>): Span | undefined {
  let last: Span | undefined;
  for (const span of spans) {
    if (span !== undefined && (last === undefined || span.end.offset > last.end.offset)) last = span;
  }
  return last;
}

function report(ctx: Context, code: DiagnosticCode, span: Span, message: string, hint?: string): void {
  ctx.reporter.report(code, span, message, hint);
}

// ---------------------------------------------------------------- file level

/** The AST builder for one file: statements and callback heads arrive one CST at a time. */
export class AstBuilder {
  private readonly ctx: Context;

  constructor(file: string, lines: LineMap) {
    this.ctx = { lines, reporter: new Reporter(file), recovered: false };
  }

  /** Problems found while building: strings, numbers, misplaced predicates, repeated options. */
  get diagnostics(): Diagnostic[] {
    return this.ctx.reporter.diagnostics;
  }

  /** A `statement` CST: metrics, let or rule; undefined if too little of it parsed. */
  statement(node: StatementCstNode): BlockItem | undefined {
    const ctx = this.ctx;
    ctx.recovered = node.recoveredNode === true;
    const inner = node.children.metricsDecl?.[0] ?? node.children.letDecl?.[0] ?? node.children.rule?.[0];
    if (inner === undefined) return undefined;
    const item =
      inner.name === "metricsDecl" ? buildMetrics(ctx, inner) : inner.name === "letDecl" ? buildLet(ctx, inner) : buildRule(ctx, inner);
    if (item !== undefined && ctx.recovered) item.recovered = true;
    return item;
  }

  /**
   * A `callbackHead` CST (`callback Name(params) {`) as a callback with an empty body; undefined
   * without `callback`. A missing name is an empty one: the body still has a home.
   */
  callbackHead(node: CallbackHeadCstNode): CallbackDecl | undefined {
    const ctx = this.ctx;
    ctx.recovered = node.recoveredNode === true;
    const keyword = first(node.children.CallbackKw);
    if (keyword === undefined) return undefined;
    const keywordSpan = tokenSpan(ctx, keyword);
    const parsedName = nameOf(ctx, first(node.children.name));
    const name = parsedName ?? { text: "", span: { start: keywordSpan.end, end: keywordSpan.end } };
    const paramNode = node.children.paramList?.[0];
    const params = paramNode === undefined ? [] : buildParams(ctx, paramNode);
    const open = first(node.children.LBrace);
    const end = lastSpan(name.span, params.at(-1)?.span, open === undefined ? undefined : tokenSpan(ctx, open));
    const callback: CallbackDecl = { kind: "callback", name, params, body: [], span: join(keywordSpan, end) };
    if (ctx.recovered || parsedName === undefined) callback.recovered = true;
    return callback;
  }

  tokenSpan(token: IToken): Span {
    return tokenSpan(this.ctx, token);
  }
}

function buildMetrics(ctx: Context, node: MetricsDeclCstNode): MetricsDecl | undefined {
  enter(ctx, node);
  const keyword = first(node.children.MetricsKw);
  if (keyword === undefined) return undefined;
  const names = (node.children.metricName ?? [])
    .map((n) => buildMetricName(ctx, n))
    .filter((n): n is Name => n !== undefined);
  const start = tokenSpan(ctx, keyword);
  return { kind: "metrics", names, span: join(start, names.at(-1)?.span) };
}

function buildMetricName(ctx: Context, node: MetricNameCstNode): Name | undefined {
  enter(ctx, node);
  const plain = first(node.children.Identifier);
  if (plain !== undefined) return { text: plain.image, span: tokenSpan(ctx, plain) };
  const quoted = first(node.children.QuotedName);
  return quoted === undefined ? undefined : buildQuoted(ctx, quoted);
}

function buildQuoted(ctx: Context, token: IToken): Name {
  const span = tokenSpan(ctx, token);
  const closed = token.tokenType === ClosedQuotedName;
  const text = token.image.slice(1, closed ? -1 : undefined);
  if (!closed) report(ctx, "CBC102", span, "unterminated backquoted name", "close it with a backquote on the same line");
  else if (text === "") report(ctx, "CBC101", span, "empty backquoted name", "write the metric's name between the backquotes");
  return { text, quoted: true, span };
}

function nameOf(ctx: Context, token: IToken | undefined): Name | undefined {
  return token === undefined ? undefined : { text: token.image, span: tokenSpan(ctx, token) };
}

function buildLet(ctx: Context, node: LetDeclCstNode): LetDecl | undefined {
  enter(ctx, node);
  const keyword = first(node.children.LetKw);
  const name = nameOf(ctx, first(node.children.name));
  const initNode = node.children.init?.[0];
  const init = initNode === undefined ? undefined : buildExpression(ctx, initNode);
  if (keyword === undefined || name === undefined || init === undefined) return undefined;
  return { kind: "let", name, init, span: join(tokenSpan(ctx, keyword), init.span) };
}

// ---------------------------------------------------------------- params

function buildParams(ctx: Context, node: ParamListCstNode): Param[] {
  enter(ctx, node);
  return (node.children.param ?? [])
    .map((n) => buildParam(ctx, n))
    .filter((p): p is Param => p !== undefined);
}

function buildParam(ctx: Context, node: ParamCstNode): Param | undefined {
  enter(ctx, node);
  const name = nameOf(ctx, first(node.children.name));
  const typeNode = node.children.paramType?.[0];
  const type = typeNode === undefined ? undefined : buildParamType(ctx, typeNode);
  if (name === undefined || type === undefined) return undefined;
  const questions = real(node.children.Question);
  if (questions.length > 1) {
    report(ctx, "CBC101", tokenSpan(ctx, questions[1]), "`?` written twice", "write one `?` after the type");
  }
  const rangeNode = node.children.paramRange?.[0];
  const range = rangeNode === undefined ? undefined : buildRange(ctx, rangeNode);
  const defaultNode = node.children.default?.[0];
  const defaultValue = defaultNode === undefined ? undefined : buildExpression(ctx, defaultNode);
  const end = lastSpan(
    type.span,
    range?.span,
    defaultValue?.span,
    ...questions.map((q) => tokenSpan(ctx, q)),
  );
  const param: Param = { name, type, optional: questions.length > 0, span: join(name.span, end) };
  if (range !== undefined) param.range = range;
  if (defaultValue !== undefined) param.default = defaultValue;
  return param;
}

const simpleTypes = new Map<TokenType, "int" | "number" | "bool" | "string" | "metric">([
  [Int, "int"],
  [NumberKw, "number"],
  [Bool, "bool"],
  [StringKw, "string"],
  [Metric, "metric"],
]);

function buildParamType(ctx: Context, node: ParamTypeCstNode): ParamType | undefined {
  enter(ctx, node);
  const type = buildBaseType(ctx, node);
  const open = first(node.children.list);
  const close = first(node.children.RBracket);
  if (type === undefined || open === undefined) return type;
  const brackets = join(tokenSpan(ctx, open), close === undefined ? undefined : tokenSpan(ctx, close));
  if (type.kind === "number") return { kind: "number[]", span: join(type.span, brackets) };
  report(ctx, "CBC101", brackets, "only numbers come in lists: the list type is `number[]`", "write `number[]`, or remove `[]`");
  return type;
}

function buildBaseType(ctx: Context, node: ParamTypeCstNode): ParamType | undefined {
  const simple = first(node.children.simple);
  if (simple !== undefined) {
    const kind = simpleTypes.get(simple.tokenType);
    return kind === undefined ? undefined : { kind, span: tokenSpan(ctx, simple) };
  }
  const fn = first(node.children.FnKw);
  if (fn !== undefined) {
    const args = real(node.children.arg).map((t) => ({ text: t.image, span: tokenSpan(ctx, t) }));
    const close = first(node.children.RParen);
    const end = lastSpan(args.at(-1)?.span, close === undefined ? undefined : tokenSpan(ctx, close));
    return { kind: "fn", args, span: join(tokenSpan(ctx, fn), end) };
  }
  const values = real(node.children.choice).map((t) => buildString(ctx, t, false));
  if (values.length === 0) return undefined;
  return { kind: "enum", values, span: join(values[0].span, values.at(-1)?.span) };
}

function buildRange(ctx: Context, node: ParamRangeCstNode): ParamRange | undefined {
  enter(ctx, node);
  const bound = first(node.children.bound);
  if (bound !== undefined) {
    const valueNode = node.children.value?.[0];
    const value = valueNode === undefined ? undefined : buildArithmetic(ctx, valueNode);
    if (value === undefined) return undefined;
    const op = bound.image as ">" | ">=" | "<" | "<=";
    return { kind: "bound", op, value, span: join(tokenSpan(ctx, bound), value.span) };
  }
  const keyword = first(node.children.InKw);
  const open = first(node.children.open);
  const close = first(node.children.close);
  const loNode = node.children.lo?.[0];
  const hiNode = node.children.hi?.[0];
  const lo = loNode === undefined ? undefined : buildArithmetic(ctx, loNode);
  const hi = hiNode === undefined ? undefined : buildArithmetic(ctx, hiNode);
  if (keyword === undefined || open === undefined || close === undefined || lo === undefined || hi === undefined) {
    return undefined;
  }
  return {
    kind: "interval",
    lo,
    hi,
    loOpen: open.tokenType === LParen,
    hiOpen: close.tokenType === RParen,
    span: join(tokenSpan(ctx, keyword), tokenSpan(ctx, close)),
  };
}

// ---------------------------------------------------------------- rules

/** The four forms of a rule, told apart by their `name`. */
type RuleForm = WhenRuleCstNode | OnRuleCstNode | EveryRuleCstNode | AtRuleCstNode;

function buildRule(ctx: Context, node: RuleCstNode): Rule | undefined {
  enter(ctx, node);
  const form = node.children.whenRule?.[0] ?? node.children.onRule?.[0] ?? node.children.everyRule?.[0] ?? node.children.atRule?.[0];
  if (form === undefined) return undefined;
  enter(ctx, form);
  const trigger = buildTrigger(ctx, form);
  if (trigger === undefined) return undefined;
  const conditionNode = form.children.condition?.[0];
  const condition = conditionNode === undefined ? undefined : buildExpression(ctx, conditionNode);
  const actionsNode = form.children.actions?.[0];
  const actions = actionsNode === undefined ? [] : buildActions(ctx, actionsNode);
  const then = first(form.children.ThenKw);
  const end = lastSpan(
    trigger.span,
    condition?.span,
    then === undefined ? undefined : tokenSpan(ctx, then),
    actions.at(-1)?.span,
  );
  const span = join(trigger.span, end);
  return condition === undefined
    ? { kind: "rule", trigger, actions, span }
    : { kind: "rule", trigger, condition, actions, span };
}

function buildTrigger(ctx: Context, form: RuleForm): Trigger | undefined {
  switch (form.name) {
    case "whenRule": {
      const keyword = first(form.children.WhenKw);
      return keyword === undefined ? undefined : { kind: "when", span: tokenSpan(ctx, keyword) };
    }
    case "onRule": {
      const keyword = first(form.children.OnKw);
      const eventNode = form.children.event?.[0];
      if (keyword === undefined || eventNode === undefined) return undefined;
      enter(ctx, eventNode);
      const phase = first(eventNode.children.phase);
      const edge = first(eventNode.children.edge);
      if (phase === undefined || edge === undefined) return undefined;
      const prefix = phase.tokenType === Train ? "train" : phase.tokenType === Epoch ? "epoch" : phase.tokenType === Batch ? "batch" : undefined;
      if (prefix === undefined) return undefined;
      const event = `${prefix}${edge.tokenType === Begin ? "Begin" : "End"}` as EventName;
      return { kind: "on", event, span: join(tokenSpan(ctx, keyword), tokenSpan(ctx, edge)) };
    }
    case "everyRule": {
      const keyword = first(form.children.EveryKw);
      const countNode = form.children.count?.[0];
      const unit = first(form.children.unit);
      const count = countNode === undefined ? undefined : buildArithmetic(ctx, countNode);
      if (keyword === undefined || count === undefined || unit === undefined) return undefined;
      return {
        kind: "every",
        count,
        unit: unit.tokenType === Epochs ? "epochs" : "batches",
        span: join(tokenSpan(ctx, keyword), tokenSpan(ctx, unit)),
      };
    }
    case "atRule": {
      const keyword = first(form.children.AtKw);
      const epochNode = form.children.epoch?.[0];
      const epoch = epochNode === undefined ? undefined : buildArithmetic(ctx, epochNode);
      if (keyword === undefined || epoch === undefined) return undefined;
      return { kind: "at", epoch, span: join(tokenSpan(ctx, keyword), epoch.span) };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- actions

function buildActions(ctx: Context, node: ActionsCstNode): Action[] {
  enter(ctx, node);
  const actions: Action[] = [];
  for (const actionNode of (node.children.action ?? [])) {
    enter(ctx, actionNode);
    const action = buildAction(ctx, actionNode);
    if (action !== undefined) actions.push(action);
  }
  return actions;
}

function buildAction(ctx: Context, node: ActionCstNode): Action | undefined {
  const stop = first(node.children.StopKw);
  if (stop !== undefined) return { kind: "stop", span: tokenSpan(ctx, stop) };
  const progress = first(node.children.ProgressKw);
  if (progress !== undefined) return { kind: "progress", span: tokenSpan(ctx, progress) };
  const inner =
    node.children.assignAction?.[0] ??
    node.children.restoreAction?.[0] ??
    node.children.saveAction?.[0] ??
    node.children.logAction?.[0] ??
    node.children.tensorboardAction?.[0] ??
    node.children.printAction?.[0] ??
    node.children.failAction?.[0] ??
    node.children.callAction?.[0];
  if (inner === undefined) return undefined;
  enter(ctx, inner);
  switch (inner.name) {
    case "assignAction": {
      const target = nameOf(ctx, first(inner.children.target));
      const op = first(inner.children.op);
      const valueNode = inner.children.value?.[0];
      const value = valueNode === undefined ? undefined : buildExpression(ctx, valueNode);
      if (target === undefined || op === undefined || value === undefined) return undefined;
      return { kind: "assign", target, op: op.image as AssignOp, value, span: join(target.span, value.span) };
    }
    case "restoreAction": {
      const keyword = first(inner.children.RestoreKw);
      const weights = first(inner.children.WeightsKw);
      if (keyword === undefined || weights === undefined) return undefined;
      const metricNode = inner.children.metricName?.[0];
      const metric = metricNode === undefined ? undefined : buildMetricName(ctx, metricNode);
      const span = join(tokenSpan(ctx, keyword), metric?.span ?? tokenSpan(ctx, weights));
      return metric === undefined ? { kind: "restore", span } : { kind: "restore", metric, span };
    }
    case "saveAction": {
      const keyword = first(inner.children.SaveKw);
      const what = first(inner.children.what);
      const pathToken = first(inner.children.path);
      if (keyword === undefined || what === undefined || pathToken === undefined) return undefined;
      const path = buildPath(ctx, pathToken);
      const keepNode = inner.children.keep?.[0];
      const keep = keepNode === undefined ? undefined : buildArithmetic(ctx, keepNode);
      const span = join(tokenSpan(ctx, keyword), keep?.span ?? path.span);
      const kind = what.tokenType === Model ? "model" : "weights";
      return keep === undefined ? { kind: "save", what: kind, path, span } : { kind: "save", what: kind, path, keep, span };
    }
    case "logAction": {
      const keyword = first(inner.children.LogKw);
      const pathToken = first(inner.children.path);
      if (keyword === undefined || pathToken === undefined) return undefined;
      const path = buildPath(ctx, pathToken);
      const separators = real(inner.children.separator);
      const appends = real(inner.children.AppendKw);
      const separatorWords = real(inner.children.SeparatorKw);
      if (separatorWords.length > 1) {
        report(ctx, "CBC101", tokenSpan(ctx, separatorWords[1]), "`separator` given twice", "give one separator");
      }
      if (appends.length > 1) report(ctx, "CBC101", tokenSpan(ctx, appends[1]), "`append` given twice", "write `append` once");
      const separator = separators.length > 0 ? buildStringOrName(ctx, separators[0], false) : undefined;
      const end = lastSpan(
        path.span,
        ...separators.map((t) => tokenSpan(ctx, t)),
        ...appends.map((t) => tokenSpan(ctx, t)),
      );
      const action: Extract<Action, { kind: "log" }> = { kind: "log", path, append: appends.length > 0, span: join(tokenSpan(ctx, keyword), end) };
      if (separator !== undefined) action.separator = separator;
      return action;
    }
    case "tensorboardAction": {
      const keyword = first(inner.children.TensorboardKw);
      const dir = first(inner.children.dir);
      if (keyword === undefined || dir === undefined) return undefined;
      const dirLit = buildPath(ctx, dir);
      return { kind: "tensorboard", dir: dirLit, span: join(tokenSpan(ctx, keyword), dirLit.span) };
    }
    case "printAction": {
      const keyword = first(inner.children.PrintKw);
      const text = first(inner.children.text);
      if (keyword === undefined || text === undefined) return undefined;
      const textLit = buildString(ctx, text, true);
      return { kind: "print", text: textLit, span: join(tokenSpan(ctx, keyword), textLit.span) };
    }
    case "failAction": {
      const keyword = first(inner.children.FailKw);
      const text = first(inner.children.text);
      if (keyword === undefined || text === undefined) return undefined;
      const textLit = buildString(ctx, text, true);
      return { kind: "fail", text: textLit, span: join(tokenSpan(ctx, keyword), textLit.span) };
    }
    case "callAction": {
      const keyword = first(inner.children.CallKw);
      const hook = nameOf(ctx, first(inner.children.hook));
      if (keyword === undefined || hook === undefined) return undefined;
      return { kind: "call", hook, span: join(tokenSpan(ctx, keyword), hook.span) };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- expressions

/**
 * Folds `operand (operator operand)*` with two precedence levels, both left-associative:
 * operators for which `tight` holds bind first. A missing operand ends the chain.
 */
function foldChain<Operand extends CstNode>(
  ctx: Context,
  node: ExpressionCstNode | ArithmeticCstNode,
  operands: readonly Operand[],
  buildOperand: (ctx: Context, node: Operand) => Expr | undefined,
  tight: (operator: string) => boolean,
): Expr | undefined {
  enter(ctx, node);
  const operators = real(node.children.operator);
  const first = operands.length > 0 ? buildOperand(ctx, operands[0]) : undefined;
  if (first === undefined) return undefined;
  const groups: Expr[] = [first];
  const looseOperators: string[] = [];
  for (let i = 0; i < operators.length && i + 1 < operands.length; i++) {
    const right = buildOperand(ctx, operands[i + 1]);
    if (right === undefined) break;
    const op = operators[i].image;
    if (tight(op)) {
      const left = groups[groups.length - 1];
      groups[groups.length - 1] = binary(op, left, right);
    } else {
      looseOperators.push(op);
      groups.push(right);
    }
  }
  let result = groups[0];
  for (let i = 0; i < looseOperators.length; i++) result = binary(looseOperators[i], result, groups[i + 1]);
  return result;
}

function binary(op: string, left: Expr, right: Expr): Expr {
  return { kind: "binary", op: op as BinaryOp, left, right, span: join(left.span, right.span) };
}

function buildExpression(ctx: Context, node: ExpressionCstNode): Expr | undefined {
  return foldChain(ctx, node, node.children.operand ?? [], buildTerm, (op) => op === "and");
}

function buildArithmetic(ctx: Context, node: ArithmeticCstNode): Expr | undefined {
  return foldChain(ctx, node, node.children.operand ?? [], buildOperand, (op) => op === "*" || op === "/" || op === "%");
}

const optionNames = new Map<TokenType, PredicateOption["name"]>([
  [MinDelta, "min_delta"],
  [Cooldown, "cooldown"],
  [Baseline, "baseline"],
  [From, "from"],
  [Mode, "mode"],
]);

/** `not`s around one comparison or predicate. */
function buildTerm(ctx: Context, node: TermCstNode): Expr | undefined {
  enter(ctx, node);
  let result = buildComparison(ctx, node);
  if (result === undefined) return undefined;
  const nots = real(node.children.not);
  for (let i = nots.length - 1; i >= 0; i--) {
    result = { kind: "unary", op: "not", operand: result, span: join(tokenSpan(ctx, nots[i]), result.span) };
  }
  return result;
}

function buildComparison(ctx: Context, node: TermCstNode): Expr | undefined {
  const leftNode = node.children.left?.[0];
  const left = leftNode === undefined ? undefined : buildArithmetic(ctx, leftNode);
  if (left === undefined) return undefined;

  const operator = first(node.children.operator);
  if (operator !== undefined) {
    const rightNode = node.children.right?.[0];
    const right = rightNode === undefined ? undefined : buildArithmetic(ctx, rightNode);
    return right === undefined ? left : binary(operator.image, left, right);
  }

  const test = first(node.children.test);
  if (test !== undefined) {
    const testName = test.tokenType === Nan ? "nan" : test.tokenType === Inf ? "inf" : test.tokenType === Finite ? "finite" : undefined;
    if (testName === undefined) return left;
    const negated = first(node.children.negated) !== undefined;
    return { kind: "is", operand: left, negated, test: testName, span: join(left.span, tokenSpan(ctx, test)) };
  }

  const plateau = first(node.children.PlateauKw);
  const improves = first(node.children.ImprovesKw);
  const keyword = plateau ?? improves;
  if (keyword === undefined) return left;
  const word = keyword.image;
  if (left.kind !== "ident") {
    report(ctx, "CBC101", left.span, `\`${word}\` needs a metric name on its left`, `write it as \`val_loss ${word}${plateau ? " 10" : ""}\``);
    return left;
  }
  const metric: Name = left.quoted ? { text: left.name, quoted: true, span: left.span } : { text: left.name, span: left.span };
  const options = buildOptions(ctx, (node.children.predicateOption ?? []));
  const end = lastSpan(tokenSpan(ctx, keyword), options.at(-1)?.span);
  if (plateau !== undefined) {
    const patienceNode = node.children.patience?.[0];
    const patience = patienceNode === undefined ? undefined : buildArithmetic(ctx, patienceNode);
    if (patience === undefined) return left;
    return { kind: "plateau", metric, patience, options, span: join(left.span, lastSpan(end, patience.span)) };
  }
  return { kind: "improves", metric, options, span: join(left.span, end) };
}

function buildOptions(ctx: Context, nodes: readonly PredicateOptionCstNode[]): PredicateOption[] {
  const options: PredicateOption[] = [];
  for (const node of nodes) {
    enter(ctx, node);
    const keyword = first(node.children.option);
    if (keyword === undefined) continue;
    const name = optionNames.get(keyword.tokenType);
    if (name === undefined) continue;
    let value: Expr | undefined;
    const word = first(node.children.word);
    if (word !== undefined) {
      value = word.image.startsWith('"')
        ? buildString(ctx, word, false)
        : ({ kind: "ident", name: word.image, span: tokenSpan(ctx, word) } satisfies Ident);
    } else {
      const valueNode = node.children.value?.[0];
      value = valueNode === undefined ? undefined : buildArithmetic(ctx, valueNode);
    }
    if (value === undefined) continue;
    const span = join(tokenSpan(ctx, keyword), value.span);
    const label = name === "from" ? "from epoch" : name;
    if (options.some((o) => o.name === name)) {
      report(ctx, "CBC101", span, `\`${label}\` given twice`, `give \`${label}\` once`);
      continue;
    }
    options.push({ name, value, span });
  }
  return options;
}

/** Signs around `primary ** operand`: `-2 ** 2` is `-(2 ** 2)`. Unary plus leaves no node. */
function buildOperand(ctx: Context, node: OperandCstNode): Expr | undefined {
  enter(ctx, node);
  const baseNode = node.children.base?.[0];
  const base = baseNode === undefined ? undefined : buildPrimary(ctx, baseNode);
  if (base === undefined) return undefined;
  const exponentNode = node.children.exponent?.[0];
  const exponent = exponentNode === undefined ? undefined : buildOperand(ctx, exponentNode);
  let result = exponent === undefined ? base : binary("**", base, exponent);
  const signs = real(node.children.sign);
  for (let i = signs.length - 1; i >= 0; i--) {
    const span = join(tokenSpan(ctx, signs[i]), result.span);
    result = signs[i].tokenType === Minus ? { kind: "unary", op: "-", operand: result, span } : { ...result, span };
  }
  return result;
}

function buildPrimary(ctx: Context, node: PrimaryCstNode): Expr | undefined {
  enter(ctx, node);
  const number = first(node.children.number);
  if (number !== undefined) return buildNumber(ctx, number);
  const string = first(node.children.string);
  if (string !== undefined) return buildString(ctx, string, false);
  const bool = first(node.children.bool);
  if (bool !== undefined) return { kind: "bool", value: bool.tokenType === True, span: tokenSpan(ctx, bool) };
  const quoted = first(node.children.quoted);
  if (quoted !== undefined) {
    const name = buildQuoted(ctx, quoted);
    return { kind: "ident", name: name.text, quoted: true, span: name.span };
  }
  const name = first(node.children.name);
  if (name !== undefined) {
    const span = tokenSpan(ctx, name);
    const argsNode = node.children.callArgs?.[0];
    if (argsNode !== undefined) {
      enter(ctx, argsNode);
      const args = (argsNode.children.arg ?? [])
        .map((a) => buildExpression(ctx, a))
        .filter((a): a is Expr => a !== undefined);
      const close = first(argsNode.children.RParen);
      const open = first(argsNode.children.LParen);
      const end = lastSpan(
        span,
        open === undefined ? undefined : tokenSpan(ctx, open),
        args.at(-1)?.span,
        close === undefined ? undefined : tokenSpan(ctx, close),
      );
      return { kind: "call", callee: { text: name.image, span }, args, span: join(span, end) };
    }
    if (name.tokenType === Inf) return { kind: "number", value: Infinity, raw: name.image, span };
    return { kind: "ident", name: name.image, span };
  }
  const open = first(node.children.LBracket);
  if (open !== undefined) {
    const items = (node.children.item ?? [])
      .map((item) => buildExpression(ctx, item))
      .filter((item): item is Expr => item !== undefined);
    const close = first(node.children.RBracket);
    const end = lastSpan(tokenSpan(ctx, open), items.at(-1)?.span, close === undefined ? undefined : tokenSpan(ctx, close));
    return { kind: "list", items, span: join(tokenSpan(ctx, open), end) };
  }
  const innerNode = node.children.inner?.[0];
  const inner = innerNode === undefined ? undefined : buildExpression(ctx, innerNode);
  if (inner === undefined) return undefined;
  // Parentheses are kept in the span, so a diagnostic about the group points at all of it.
  const openParen = first(node.children.LParen);
  const closeParen = first(node.children.RParen);
  if (openParen === undefined || closeParen === undefined) return inner;
  return { ...inner, span: join(tokenSpan(ctx, openParen), tokenSpan(ctx, closeParen)) };
}

const numberPattern = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const durationSeconds = { s: 1, m: 60, h: 3600 } as const;

function buildNumber(ctx: Context, token: IToken): NumberLit {
  const raw = token.image;
  const span = tokenSpan(ctx, token);
  const numeric = numberPattern.exec(raw)?.[0] ?? "";
  const tail = raw.slice(numeric.length);
  const value = Number(numeric);
  const duration = tail === "s" || tail === "m" || tail === "h" ? tail : undefined;
  if (tail === "" || duration !== undefined) {
    const seconds = duration === undefined ? value : value * durationSeconds[duration];
    // `1e400` reads as infinity: a value no rule means, which would only fail at run time.
    if (!Number.isFinite(seconds)) {
      report(ctx, "CBC105", span, `\`${raw}\` is too large for a number (the largest is about 1.8e308)`, "write `inf` for infinity, or a smaller number");
      return { kind: "number", value: Number.NaN, raw, span };
    }
    return duration === undefined ? { kind: "number", value, raw, span } : { kind: "number", value: seconds, duration, raw, span };
  }
  let hint: string;
  if (/^[A-Za-z_]/.test(tail) && tail.length > 1 && numeric !== "" && !/^[eE]\d*$/.test(tail)) {
    hint = `put a space between \`${numeric}\` and \`${tail}\``;
  } else if (/^[A-Za-z]$/.test(tail) && !/^[eE]$/.test(tail)) {
    hint = "a duration ends in `s`, `m` or `h`, as in `90s`, `15m`, `2h`";
  } else {
    hint = "write numbers as `10`, `0.1`, `1e-4` or `.5`";
  }
  report(ctx, "CBC105", span, `bad number \`${raw}\``, hint);
  return { kind: "number", value: Number.NaN, raw, span };
}

/** A path operand: a string with placeholders, or the name of a string param holding one. */
function buildPath(ctx: Context, token: IToken): PathOperand {
  return buildStringOrName(ctx, token, true);
}

/** A string literal, or a name (a param the checker resolves) where a string may stand. */
function buildStringOrName(ctx: Context, token: IToken, placeholders: boolean): StringLit | Ident {
  if (tokenMatcher(token, StringLiteral)) return buildString(ctx, token, placeholders);
  return { kind: "ident", name: token.image, span: tokenSpan(ctx, token) };
}

function buildString(ctx: Context, token: IToken, placeholders: boolean): StringLit {
  const decoded = decodeString({
    image: token.image,
    offset: token.startOffset,
    terminated: token.tokenType === ClosedString,
    placeholders,
    toPosition: (offset) => ctx.lines.position(offset),
  });
  for (const problem of decoded.problems) {
    report(ctx, problem.code, ctx.lines.span(problem.start, problem.end), problem.message, problem.hint);
  }
  return { kind: "string", value: decoded.value, parts: decoded.parts, span: tokenSpan(ctx, token) };
}
