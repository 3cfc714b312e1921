// CST -> AST: turns the parser's concrete trees (one statement at a time) into the typed AST
// with spans. Tolerates the holes error recovery leaves: what parsed is kept, and a construct
// that cannot be whole (a rule without a trigger, a let without a value) is dropped.
import { tokenMatcher, type CstNode, type IToken, type TokenType } from "chevrotain";
import type { DiagnosticCode } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { Reporter } from "../diagnostics/reporter.js";
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
import { decodeString } from "./strings.js";
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
export class LineMap {
  private readonly lineStarts: number[] = [0];

  constructor(source: string) {
    for (let i = 0; i < source.length; i++) {
      if (source.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  position(offset: number): Position {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1, offset };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }
}

interface Context {
  lines: LineMap;
  reporter: Reporter;
  /** Set while building an item when some CST node in it was cut short by error recovery. */
  recovered: boolean;
}

// ---------------------------------------------------------------- CST access

function tokensOf(node: CstNode, key: string): IToken[] {
  const list = node.children[key] as IToken[] | undefined;
  if (list === undefined) return [];
  // Tokens invented by in-rule recovery carry no text or position.
  for (const token of list) {
    if (token.isInsertedInRecovery === true) return list.filter((t) => t.isInsertedInRecovery !== true);
  }
  return list;
}

function tokenOf(node: CstNode, key: string): IToken | undefined {
  const list = node.children[key] as IToken[] | undefined;
  if (list === undefined) return undefined;
  for (const token of list) {
    if (token.isInsertedInRecovery !== true) return token;
  }
  return undefined;
}

/** Each CST key holds either tokens or nodes (labels are never shared between the two). */
function nodesOf(node: CstNode, key: string): CstNode[] {
  return (node.children[key] as CstNode[] | undefined) ?? [];
}

function nodeOf(node: CstNode, key: string): CstNode | undefined {
  const list = node.children[key];
  return list === undefined ? undefined : (list[0] as CstNode);
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
  statement(node: CstNode): BlockItem | undefined {
    const ctx = this.ctx;
    ctx.recovered = node.recoveredNode === true;
    const inner = nodeOf(node, "metricsDecl") ?? nodeOf(node, "letDecl") ?? nodeOf(node, "rule");
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
  callbackHead(node: CstNode): CallbackDecl | undefined {
    const ctx = this.ctx;
    ctx.recovered = node.recoveredNode === true;
    const keyword = tokenOf(node, "CallbackKw");
    if (keyword === undefined) return undefined;
    const keywordSpan = tokenSpan(ctx, keyword);
    const parsedName = nameOf(ctx, tokenOf(node, "name"));
    const name = parsedName ?? { text: "", span: { start: keywordSpan.end, end: keywordSpan.end } };
    const paramNode = nodeOf(node, "paramList");
    const params = paramNode === undefined ? [] : buildParams(ctx, paramNode);
    const open = tokenOf(node, "LBrace");
    const end = lastSpan(name.span, params.at(-1)?.span, open === undefined ? undefined : tokenSpan(ctx, open));
    const callback: CallbackDecl = { kind: "callback", name, params, body: [], span: join(keywordSpan, end) };
    if (ctx.recovered || parsedName === undefined) callback.recovered = true;
    return callback;
  }

  tokenSpan(token: IToken): Span {
    return tokenSpan(this.ctx, token);
  }
}

function buildMetrics(ctx: Context, node: CstNode): MetricsDecl | undefined {
  enter(ctx, node);
  const keyword = tokenOf(node, "MetricsKw");
  if (keyword === undefined) return undefined;
  const names = nodesOf(node, "metricName")
    .map((n) => buildMetricName(ctx, n))
    .filter((n): n is Name => n !== undefined);
  const start = tokenSpan(ctx, keyword);
  return { kind: "metrics", names, span: join(start, names.at(-1)?.span) };
}

function buildMetricName(ctx: Context, node: CstNode): Name | undefined {
  enter(ctx, node);
  const plain = tokenOf(node, "Identifier");
  if (plain !== undefined) return { text: plain.image, span: tokenSpan(ctx, plain) };
  const quoted = tokenOf(node, "QuotedName");
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

function buildLet(ctx: Context, node: CstNode): LetDecl | undefined {
  enter(ctx, node);
  const keyword = tokenOf(node, "LetKw");
  const name = nameOf(ctx, tokenOf(node, "name"));
  const initNode = nodeOf(node, "init");
  const init = initNode === undefined ? undefined : buildExpression(ctx, initNode);
  if (keyword === undefined || name === undefined || init === undefined) return undefined;
  return { kind: "let", name, init, span: join(tokenSpan(ctx, keyword), init.span) };
}

// ---------------------------------------------------------------- params

function buildParams(ctx: Context, node: CstNode): Param[] {
  enter(ctx, node);
  return nodesOf(node, "param")
    .map((n) => buildParam(ctx, n))
    .filter((p): p is Param => p !== undefined);
}

function buildParam(ctx: Context, node: CstNode): Param | undefined {
  enter(ctx, node);
  const name = nameOf(ctx, tokenOf(node, "name"));
  const typeNode = nodeOf(node, "paramType");
  const type = typeNode === undefined ? undefined : buildParamType(ctx, typeNode);
  if (name === undefined || type === undefined) return undefined;
  const questions = tokensOf(node, "Question");
  if (questions.length > 1) {
    report(ctx, "CBC101", tokenSpan(ctx, questions[1]), "`?` written twice", "write one `?` after the type");
  }
  const rangeNode = nodeOf(node, "paramRange");
  const range = rangeNode === undefined ? undefined : buildRange(ctx, rangeNode);
  const defaultNode = nodeOf(node, "default");
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

function buildParamType(ctx: Context, node: CstNode): ParamType | undefined {
  enter(ctx, node);
  const type = buildBaseType(ctx, node);
  const open = tokenOf(node, "list");
  const close = tokenOf(node, "RBracket");
  if (type === undefined || open === undefined) return type;
  const brackets = join(tokenSpan(ctx, open), close === undefined ? undefined : tokenSpan(ctx, close));
  if (type.kind === "number") return { kind: "number[]", span: join(type.span, brackets) };
  report(ctx, "CBC101", brackets, "only numbers come in lists: the list type is `number[]`", "write `number[]`, or remove `[]`");
  return type;
}

function buildBaseType(ctx: Context, node: CstNode): ParamType | undefined {
  const simple = tokenOf(node, "simple");
  if (simple !== undefined) {
    const kind = simpleTypes.get(simple.tokenType);
    return kind === undefined ? undefined : { kind, span: tokenSpan(ctx, simple) };
  }
  const fn = tokenOf(node, "FnKw");
  if (fn !== undefined) {
    const args = tokensOf(node, "arg").map((t) => ({ text: t.image, span: tokenSpan(ctx, t) }));
    const close = tokenOf(node, "RParen");
    const end = lastSpan(args.at(-1)?.span, close === undefined ? undefined : tokenSpan(ctx, close));
    return { kind: "fn", args, span: join(tokenSpan(ctx, fn), end) };
  }
  const values = tokensOf(node, "choice").map((t) => buildString(ctx, t, false));
  if (values.length === 0) return undefined;
  return { kind: "enum", values, span: join(values[0].span, values.at(-1)?.span) };
}

function buildRange(ctx: Context, node: CstNode): ParamRange | undefined {
  enter(ctx, node);
  const bound = tokenOf(node, "bound");
  if (bound !== undefined) {
    const valueNode = nodeOf(node, "value");
    const value = valueNode === undefined ? undefined : buildArithmetic(ctx, valueNode);
    if (value === undefined) return undefined;
    const op = bound.image as ">" | ">=" | "<" | "<=";
    return { kind: "bound", op, value, span: join(tokenSpan(ctx, bound), value.span) };
  }
  const keyword = tokenOf(node, "InKw");
  const open = tokenOf(node, "open");
  const close = tokenOf(node, "close");
  const loNode = nodeOf(node, "lo");
  const hiNode = nodeOf(node, "hi");
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

function buildRule(ctx: Context, node: CstNode): Rule | undefined {
  enter(ctx, node);
  const form = nodeOf(node, "whenRule") ?? nodeOf(node, "onRule") ?? nodeOf(node, "everyRule") ?? nodeOf(node, "atRule");
  if (form === undefined) return undefined;
  enter(ctx, form);
  const trigger = buildTrigger(ctx, form);
  if (trigger === undefined) return undefined;
  const conditionNode = nodeOf(form, "condition");
  const condition = conditionNode === undefined ? undefined : buildExpression(ctx, conditionNode);
  const actionsNode = nodeOf(form, "actions");
  const actions = actionsNode === undefined ? [] : buildActions(ctx, actionsNode);
  const then = tokenOf(form, "ThenKw");
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

function buildTrigger(ctx: Context, form: CstNode): Trigger | undefined {
  switch (form.name) {
    case "whenRule": {
      const keyword = tokenOf(form, "WhenKw");
      return keyword === undefined ? undefined : { kind: "when", span: tokenSpan(ctx, keyword) };
    }
    case "onRule": {
      const keyword = tokenOf(form, "OnKw");
      const eventNode = nodeOf(form, "event");
      if (keyword === undefined || eventNode === undefined) return undefined;
      enter(ctx, eventNode);
      const phase = tokenOf(eventNode, "phase");
      const edge = tokenOf(eventNode, "edge");
      if (phase === undefined || edge === undefined) return undefined;
      const prefix = phase.tokenType === Train ? "train" : phase.tokenType === Epoch ? "epoch" : phase.tokenType === Batch ? "batch" : undefined;
      if (prefix === undefined) return undefined;
      const event = `${prefix}${edge.tokenType === Begin ? "Begin" : "End"}` as EventName;
      return { kind: "on", event, span: join(tokenSpan(ctx, keyword), tokenSpan(ctx, edge)) };
    }
    case "everyRule": {
      const keyword = tokenOf(form, "EveryKw");
      const countNode = nodeOf(form, "count");
      const unit = tokenOf(form, "unit");
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
      const keyword = tokenOf(form, "AtKw");
      const epochNode = nodeOf(form, "epoch");
      const epoch = epochNode === undefined ? undefined : buildArithmetic(ctx, epochNode);
      if (keyword === undefined || epoch === undefined) return undefined;
      return { kind: "at", epoch, span: join(tokenSpan(ctx, keyword), epoch.span) };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- actions

function buildActions(ctx: Context, node: CstNode): Action[] {
  enter(ctx, node);
  const actions: Action[] = [];
  for (const actionNode of nodesOf(node, "action")) {
    enter(ctx, actionNode);
    const action = buildAction(ctx, actionNode);
    if (action !== undefined) actions.push(action);
  }
  return actions;
}

function buildAction(ctx: Context, node: CstNode): Action | undefined {
  const stop = tokenOf(node, "StopKw");
  if (stop !== undefined) return { kind: "stop", span: tokenSpan(ctx, stop) };
  const progress = tokenOf(node, "ProgressKw");
  if (progress !== undefined) return { kind: "progress", span: tokenSpan(ctx, progress) };
  const inner =
    nodeOf(node, "assignAction") ??
    nodeOf(node, "restoreAction") ??
    nodeOf(node, "saveAction") ??
    nodeOf(node, "logAction") ??
    nodeOf(node, "tensorboardAction") ??
    nodeOf(node, "printAction") ??
    nodeOf(node, "callAction");
  if (inner === undefined) return undefined;
  enter(ctx, inner);
  switch (inner.name) {
    case "assignAction": {
      const target = nameOf(ctx, tokenOf(inner, "target"));
      const op = tokenOf(inner, "op");
      const valueNode = nodeOf(inner, "value");
      const value = valueNode === undefined ? undefined : buildExpression(ctx, valueNode);
      if (target === undefined || op === undefined || value === undefined) return undefined;
      return { kind: "assign", target, op: op.image as AssignOp, value, span: join(target.span, value.span) };
    }
    case "restoreAction": {
      const keyword = tokenOf(inner, "RestoreKw");
      const weights = tokenOf(inner, "WeightsKw");
      if (keyword === undefined || weights === undefined) return undefined;
      const metricNode = nodeOf(inner, "metricName");
      const metric = metricNode === undefined ? undefined : buildMetricName(ctx, metricNode);
      const span = join(tokenSpan(ctx, keyword), metric?.span ?? tokenSpan(ctx, weights));
      return metric === undefined ? { kind: "restore", span } : { kind: "restore", metric, span };
    }
    case "saveAction": {
      const keyword = tokenOf(inner, "SaveKw");
      const what = tokenOf(inner, "what");
      const pathToken = tokenOf(inner, "path");
      if (keyword === undefined || what === undefined || pathToken === undefined) return undefined;
      const path = buildPath(ctx, pathToken);
      const keepNode = nodeOf(inner, "keep");
      const keep = keepNode === undefined ? undefined : buildArithmetic(ctx, keepNode);
      const span = join(tokenSpan(ctx, keyword), keep?.span ?? path.span);
      const kind = what.tokenType === Model ? "model" : "weights";
      return keep === undefined ? { kind: "save", what: kind, path, span } : { kind: "save", what: kind, path, keep, span };
    }
    case "logAction": {
      const keyword = tokenOf(inner, "LogKw");
      const pathToken = tokenOf(inner, "path");
      if (keyword === undefined || pathToken === undefined) return undefined;
      const path = buildPath(ctx, pathToken);
      const separators = tokensOf(inner, "separator");
      const appends = tokensOf(inner, "AppendKw");
      const separatorWords = tokensOf(inner, "SeparatorKw");
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
      const keyword = tokenOf(inner, "TensorboardKw");
      const dir = tokenOf(inner, "dir");
      if (keyword === undefined || dir === undefined) return undefined;
      const dirLit = buildPath(ctx, dir);
      return { kind: "tensorboard", dir: dirLit, span: join(tokenSpan(ctx, keyword), dirLit.span) };
    }
    case "printAction": {
      const keyword = tokenOf(inner, "PrintKw");
      const text = tokenOf(inner, "text");
      if (keyword === undefined || text === undefined) return undefined;
      const textLit = buildString(ctx, text, true);
      return { kind: "print", text: textLit, span: join(tokenSpan(ctx, keyword), textLit.span) };
    }
    case "callAction": {
      const keyword = tokenOf(inner, "CallKw");
      const hook = nameOf(ctx, tokenOf(inner, "hook"));
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
function foldChain(
  ctx: Context,
  node: CstNode,
  buildOperand: (ctx: Context, node: CstNode) => Expr | undefined,
  tight: (operator: string) => boolean,
): Expr | undefined {
  enter(ctx, node);
  const operands = nodesOf(node, "operand");
  const operators = tokensOf(node, "operator");
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

function buildExpression(ctx: Context, node: CstNode): Expr | undefined {
  return foldChain(ctx, node, buildTerm, (op) => op === "and");
}

function buildArithmetic(ctx: Context, node: CstNode): Expr | undefined {
  return foldChain(ctx, node, buildOperand, (op) => op === "*" || op === "/" || op === "%");
}

const optionNames = new Map<TokenType, PredicateOption["name"]>([
  [MinDelta, "min_delta"],
  [Cooldown, "cooldown"],
  [Baseline, "baseline"],
  [From, "from"],
  [Mode, "mode"],
]);

/** `not`s around one comparison or predicate. */
function buildTerm(ctx: Context, node: CstNode): Expr | undefined {
  enter(ctx, node);
  let result = buildComparison(ctx, node);
  if (result === undefined) return undefined;
  const nots = tokensOf(node, "not");
  for (let i = nots.length - 1; i >= 0; i--) {
    result = { kind: "unary", op: "not", operand: result, span: join(tokenSpan(ctx, nots[i]), result.span) };
  }
  return result;
}

function buildComparison(ctx: Context, node: CstNode): Expr | undefined {
  const leftNode = nodeOf(node, "left");
  const left = leftNode === undefined ? undefined : buildArithmetic(ctx, leftNode);
  if (left === undefined) return undefined;

  const operator = tokenOf(node, "operator");
  if (operator !== undefined) {
    const rightNode = nodeOf(node, "right");
    const right = rightNode === undefined ? undefined : buildArithmetic(ctx, rightNode);
    return right === undefined ? left : binary(operator.image, left, right);
  }

  const test = tokenOf(node, "test");
  if (test !== undefined) {
    const testName = test.tokenType === Nan ? "nan" : test.tokenType === Inf ? "inf" : test.tokenType === Finite ? "finite" : undefined;
    if (testName === undefined) return left;
    const negated = tokenOf(node, "negated") !== undefined;
    return { kind: "is", operand: left, negated, test: testName, span: join(left.span, tokenSpan(ctx, test)) };
  }

  const plateau = tokenOf(node, "PlateauKw");
  const improves = tokenOf(node, "ImprovesKw");
  const keyword = plateau ?? improves;
  if (keyword === undefined) return left;
  const word = keyword.image;
  if (left.kind !== "ident") {
    report(ctx, "CBC101", left.span, `\`${word}\` needs a metric name on its left`, `write it as \`val_loss ${word}${plateau ? " 10" : ""}\``);
    return left;
  }
  const metric: Name = left.quoted ? { text: left.name, quoted: true, span: left.span } : { text: left.name, span: left.span };
  const options = buildOptions(ctx, nodesOf(node, "predicateOption"));
  const end = lastSpan(tokenSpan(ctx, keyword), options.at(-1)?.span);
  if (plateau !== undefined) {
    const patienceNode = nodeOf(node, "patience");
    const patience = patienceNode === undefined ? undefined : buildArithmetic(ctx, patienceNode);
    if (patience === undefined) return left;
    return { kind: "plateau", metric, patience, options, span: join(left.span, lastSpan(end, patience.span)) };
  }
  return { kind: "improves", metric, options, span: join(left.span, end) };
}

function buildOptions(ctx: Context, nodes: CstNode[]): PredicateOption[] {
  const options: PredicateOption[] = [];
  for (const node of nodes) {
    enter(ctx, node);
    const keyword = tokenOf(node, "option");
    if (keyword === undefined) continue;
    const name = optionNames.get(keyword.tokenType);
    if (name === undefined) continue;
    let value: Expr | undefined;
    const word = tokenOf(node, "word");
    if (word !== undefined) {
      value = word.image.startsWith('"')
        ? buildString(ctx, word, false)
        : ({ kind: "ident", name: word.image, span: tokenSpan(ctx, word) } satisfies Ident);
    } else {
      const valueNode = nodeOf(node, "value");
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
function buildOperand(ctx: Context, node: CstNode): Expr | undefined {
  enter(ctx, node);
  const baseNode = nodeOf(node, "base");
  const base = baseNode === undefined ? undefined : buildPrimary(ctx, baseNode);
  if (base === undefined) return undefined;
  const exponentNode = nodeOf(node, "exponent");
  const exponent = exponentNode === undefined ? undefined : buildOperand(ctx, exponentNode);
  let result = exponent === undefined ? base : binary("**", base, exponent);
  const signs = tokensOf(node, "sign");
  for (let i = signs.length - 1; i >= 0; i--) {
    const span = join(tokenSpan(ctx, signs[i]), result.span);
    result = signs[i].tokenType === Minus ? { kind: "unary", op: "-", operand: result, span } : { ...result, span };
  }
  return result;
}

function buildPrimary(ctx: Context, node: CstNode): Expr | undefined {
  enter(ctx, node);
  const number = tokenOf(node, "number");
  if (number !== undefined) return buildNumber(ctx, number);
  const string = tokenOf(node, "string");
  if (string !== undefined) return buildString(ctx, string, false);
  const bool = tokenOf(node, "bool");
  if (bool !== undefined) return { kind: "bool", value: bool.tokenType === True, span: tokenSpan(ctx, bool) };
  const quoted = tokenOf(node, "quoted");
  if (quoted !== undefined) {
    const name = buildQuoted(ctx, quoted);
    return { kind: "ident", name: name.text, quoted: true, span: name.span };
  }
  const name = tokenOf(node, "name");
  if (name !== undefined) {
    const span = tokenSpan(ctx, name);
    const argsNode = nodeOf(node, "callArgs");
    if (argsNode !== undefined) {
      enter(ctx, argsNode);
      const args = nodesOf(argsNode, "arg")
        .map((a) => buildExpression(ctx, a))
        .filter((a): a is Expr => a !== undefined);
      const close = tokenOf(argsNode, "RParen");
      const open = tokenOf(argsNode, "LParen");
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
  const open = tokenOf(node, "LBracket");
  if (open !== undefined) {
    const items = nodesOf(node, "item")
      .map((item) => buildExpression(ctx, item))
      .filter((item): item is Expr => item !== undefined);
    const close = tokenOf(node, "RBracket");
    const end = lastSpan(tokenSpan(ctx, open), items.at(-1)?.span, close === undefined ? undefined : tokenSpan(ctx, close));
    return { kind: "list", items, span: join(tokenSpan(ctx, open), end) };
  }
  const innerNode = nodeOf(node, "inner");
  const inner = innerNode === undefined ? undefined : buildExpression(ctx, innerNode);
  if (inner === undefined) return undefined;
  // Parentheses are kept in the span, so a diagnostic about the group points at all of it.
  const openParen = tokenOf(node, "LParen");
  const closeParen = tokenOf(node, "RParen");
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
  if (tail === "") return { kind: "number", value, raw, span };
  if (tail === "s" || tail === "m" || tail === "h") {
    return { kind: "number", value: value * durationSeconds[tail], duration: tail, raw, span };
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
