// The checker: turns a parsed Program into the CheckedProgram the emitter
// consumes, collecting every problem on the way. Linear in the size of the
// file; never throws.
import { sortDiagnostics, type Diagnostic, type Related } from "../diagnostics/diagnostic.js";
import { didYouMean } from "../util/suggest.js";
import { EVENT_ORDER } from "./program.js";
import type { Action, BlockItem, CallbackDecl, EventName, Expr, Ident, LetDecl, Name, Param, Program, Rule, Span, StringLit, Trigger } from "../syntax/ast.js";
import { EVENT_WORDS, ExpressionChecker, type RuleFacts } from "./expressions.js";
import { publishFacts } from "./facts.js";
import { foldConstant } from "./fold.js";
import { ALL_FUNCTION_NAMES, OBJECT_MEMBER_NAMES, RESERVED_OPTION_NAMES, camelCase, classNameProblem, derivedNames, fileClassName, isBuiltin } from "./names.js";
import { OPERAND_SPECS, type Bound, validateValue } from "./options.js";
import {
  canonicalMetric,
  type CheckedCallback,
  type CheckedParam,
  type CheckedPredicate,
  type CheckedProgram,
  type CheckedRule,
} from "./program.js";
import { CheckReporter, foldSource } from "./report.js";
import { nowhere, type TargetAction } from "../runtime/storage-url.js";
import { Scope, metricKey, showMetric } from "./scope.js";

export interface CheckResult {
  checked: CheckedProgram;
  diagnostics: Diagnostic[];
}

/** Checks a parsed file. `source` is the text the spans point into (for rule texts and quotes in messages). */
export function checkProgram(program: Program, source: string): CheckResult {
  const reporter = new CheckReporter(program.file, source);
  const checked: CheckedProgram = {
    file: program.file,
    source,
    callbacks: [],
    resolutions: new Map(),
    placeholders: new Map(),
    restoreTargets: new Map(),
  };

  const fileMetrics: Name[] = [];
  const bareItems: (Rule | LetDecl)[] = [];
  const blocks: CallbackDecl[] = [];
  for (const item of program.items) {
    if (item.kind === "metrics") fileMetrics.push(...item.names);
    else if (item.kind === "callback") blocks.push(item);
    else if (item.kind === "rule" || item.kind === "let") bareItems.push(item);
  }

  const classes: { offset: number; callback: CheckedCallback }[] = [];
  const classNames = new Map<string, Span>();
  let bareClass: Span | undefined;
  if (bareItems.length > 0) {
    const callback = new ClassChecker(reporter, checked, fileMetrics, undefined).check(fileClassName(program.file), [], bareItems, program.span);
    // Top-level lets without bare rules are checked, but make no class.
    if (bareItems.some((item) => item.kind === "rule")) {
      classes.push({ offset: bareItems[0].span.start.offset, callback });
      bareClass = bareItems[0].span;
      classNames.set(callback.name, bareClass);
    }
  }
  for (const block of blocks) {
    const name = block.name.text;
    const clash = classNames.get(name);
    if (clash) {
      reporter.report("CBC204", block.name.span, `two classes are named \`${name}\``, "rename this callback", [
        { message: clash === bareClass ? `the rules outside any callback make the class \`${name}\`` : `the other class \`${name}\``, span: clash },
      ]);
    } else {
      classNames.set(name, block.name.span);
    }
    const callback = new ClassChecker(reporter, checked, fileMetrics, block).check(name, block.params, block.body, block.span);
    classes.push({ offset: block.span.start.offset, callback });
  }
  classes.sort((a, b) => a.offset - b.offset);
  checked.callbacks = classes.map((c) => c.callback);
  reportReservedClassNames(reporter, classNames, program.file);
  return { checked, diagnostics: sortDiagnostics(reporter.diagnostics) };
}

/** A note pointing at a predicate a `restore` may refer to. */
function predicateNote(predicate: CheckedPredicate): Related {
  return { message: `\`${predicate.node.kind}\` on \`${showMetric(predicate.metric)}\``, span: predicate.node.span };
}

function eventOf(trigger: Trigger): EventName {
  switch (trigger.kind) {
    case "when":
      return "epochEnd";
    case "on":
      return trigger.event;
    case "every":
      return trigger.unit === "epochs" ? "epochEnd" : "batchEnd";
    case "at":
      return "epochBegin";
  }
}

interface PendingRestore {
  action: Extract<Action, { kind: "restore" }>;
  facts: RuleFacts;
  rule: Rule;
}

/** Checks one class: a `callback` block, or a file's bare rules. */
class ClassChecker {
  private readonly params = new Map<string, CheckedParam>();
  private readonly lets = new Map<string, LetDecl>();
  private readonly hooks = new Set<string>();
  private readonly restores: PendingRestore[] = [];
  private exprs!: ExpressionChecker;
  private scope!: Scope;

  constructor(
    private readonly reporter: CheckReporter,
    private readonly checked: CheckedProgram,
    private readonly fileMetrics: Name[],
    private readonly decl: CallbackDecl | undefined,
  ) {}

  check(name: string, params: Param[], body: readonly BlockItem[], span: Span): CheckedCallback {
    const metricNames = [...this.fileMetrics];
    for (const item of body) if (item.kind === "metrics") metricNames.push(...item.names);
    const declaredMetrics = metricNames.length > 0 ? new Set(metricNames.map((n) => canonicalMetric(n.text))) : undefined;

    // A recovered block may have lost parts of its params: its header only cascades.
    const checkedParams = this.reporter.quietIf(this.decl?.recovered, () => this.checkParams(params));
    const letDecls = body.filter((item): item is LetDecl => item.kind === "let");
    this.declareLets(letDecls);
    this.scope = new Scope(this.reporter, this.params, this.lets, declaredMetrics);
    this.exprs = new ExpressionChecker(this.reporter, this.scope, this.checked.resolutions, this.checked.placeholders);

    this.reporter.quietIf(this.decl?.recovered, () => checkedParams.forEach((param) => this.checkMetricDefault(param)));
    for (const decl of letDecls) {
      this.reporter.quietIf(decl.recovered, () => {
        const type = this.exprs.check(decl.init, { kind: "static", label: `the initial value of \`let ${decl.name.text}\`` });
        this.exprs.requireNumber(type, decl.init);
      });
    }

    const rules: CheckedRule[] = [];
    for (const item of body) {
      if (item.kind === "rule") rules.push(this.reporter.quietIf(item.recovered, () => this.checkRule(item, rules.length + 1)));
    }
    this.resolveRestores(this.exprs.predicates);

    const events = new Set<EventName>(rules.map((r) => r.event));
    // Trackers and history record at each epoch end.
    if (this.exprs.predicates.length > 0 || this.exprs.usesHistory) events.add("epochEnd");
    // With batch rules the runtime counts the global step at each batch end.
    if (events.has("batchBegin")) events.add("batchEnd");

    const callback: CheckedCallback = {
      name,
      names: derivedNames(name),
      span,
      params: checkedParams,
      lets: [...this.lets.values()],
      rules,
      predicates: this.exprs.predicates,
      events: EVENT_ORDER.filter((e) => events.has(e)),
      hooks: [...this.hooks],
      piecewise: this.exprs.piecewisePairs,
      histories: [],
      usesBatchHooks: false,
    };
    publishFacts(this.checked, callback);
    if (this.decl) callback.decl = this.decl;
    if (declaredMetrics) callback.declaredMetrics = [...declaredMetrics];
    return callback;
  }

  // ------------------------------------------------------------ params

  private checkParams(params: Param[]): CheckedParam[] {
    const checkedParams: CheckedParam[] = [];
    const optionNames = new Map<string, string>();
    for (const param of params) {
      const checkedParam = this.checkParam(param);
      const name = checkedParam.name;
      const earlier = this.params.get(name);
      if (earlier !== undefined) {
        this.reporter.report("CBC204", param.name.span, `param \`${name}\` is declared twice`, "rename or remove one of them", [
          { message: "first declared here", span: earlier.decl.name.span },
        ]);
        continue;
      }
      const sameOption = optionNames.get(checkedParam.optionName);
      if (sameOption !== undefined) {
        this.reporter.report(
          "CBC204",
          param.name.span,
          `params \`${sameOption}\` and \`${name}\` would both be the option \`${checkedParam.optionName}\``,
          "rename one of them",
          [{ message: `\`${sameOption}\` is declared here`, span: (this.params.get(sameOption) as CheckedParam).decl.name.span }],
        );
        continue;
      }
      if (isBuiltin(name)) {
        this.reporter.report("CBC206", param.name.span, `param \`${name}\` would hide the builtin \`${name}\``, `choose another name, e.g. \`${name}_0\``);
      } else if (checkedParam.type === "fn" && ALL_FUNCTION_NAMES.includes(name)) {
        this.reporter.report("CBC206", param.name.span, `fn param \`${name}\` would hide the function \`${name}()\``, `choose another name, e.g. \`my_${name}\``);
      } else if (OBJECT_MEMBER_NAMES.has(checkedParam.optionName)) {
        this.reporter.report(
          "CBC206",
          param.name.span,
          `param \`${name}\` would be the option \`${checkedParam.optionName}\`, which every JavaScript object already has`,
          `choose another name, e.g. \`${name}_value\``,
        );
      } else if (RESERVED_OPTION_NAMES.has(checkedParam.optionName)) {
        this.reporter.report(
          "CBC206",
          param.name.span,
          `param \`${name}\` would clash with the option \`${checkedParam.optionName}\` every generated class has`,
          "choose another name",
        );
      }
      optionNames.set(checkedParam.optionName, name);
      this.params.set(name, checkedParam);
      checkedParams.push(checkedParam);
    }
    return checkedParams;
  }

  private checkParam(param: Param): CheckedParam {
    const name = param.name.text;
    const type = param.type.kind;
    const checkedParam: CheckedParam = { decl: param, name, optionName: camelCase(name), type, optional: param.optional };
    if (param.type.kind === "enum") checkedParam.enumValues = param.type.values.map((v) => v.value);
    if (param.type.kind === "fn") checkedParam.fnArgs = param.type.args.map((a) => a.text);
    if (param.range) this.checkRange(param, checkedParam);

    // Without a default (and not optional), a param is a required option, as Keras'
    // ModelCheckpoint(filepath) and CSVLogger(filename) are.
    if (param.default === undefined) return checkedParam;
    if (type === "fn") {
      this.reporter.report("CBC304", param.default.span, `an \`fn\` param takes no default: the function is passed in the options`, "remove `= ...`");
    } else if (param.optional) {
      this.reporter.report(
        "CBC304",
        param.default.span,
        `optional param \`${name}\` cannot have a default`,
        "remove the `?` to use the default, or remove the default to leave it absent unless given",
      );
    } else {
      const value = this.defaultValue(param, checkedParam);
      if (value !== undefined) checkedParam.defaultValue = value;
    }
    return checkedParam;
  }

  private checkRange(param: Param, checkedParam: CheckedParam): void {
    const range = param.range;
    if (!range) return;
    if (checkedParam.type !== "int" && checkedParam.type !== "number") {
      this.reporter.report("CBC314", range.span, `only int and number params take a range, and \`${checkedParam.name}\` is ${checkedParam.type}`, "remove the range");
      return;
    }
    const bound = (expr: Expr): number | undefined => {
      const value = foldConstant(expr);
      if (value === undefined || Number.isNaN(value)) {
        this.reporter.report("CBC308", expr.span, `a range bound must be a constant number, got \`${this.reporter.quote(expr.span)}\``, "write a number, e.g. `>= 0`");
        return undefined;
      }
      return value;
    };
    if (range.kind === "bound") {
      const value = bound(range.value);
      if (value === undefined) return;
      const limit: Bound = { value, inclusive: range.op === ">=" || range.op === "<=" };
      if (range.op === ">" || range.op === ">=") checkedParam.min = limit;
      else checkedParam.max = limit;
      return;
    }
    const lo = bound(range.lo);
    const hi = bound(range.hi);
    if (lo === undefined || hi === undefined) return;
    if (lo > hi || (lo === hi && (range.loOpen || range.hiOpen))) {
      this.reporter.report("CBC301", range.span, `the range ${this.reporter.quote(range.span)} contains no value`, "write the lower bound first, e.g. `in (0, 1]`");
      return;
    }
    checkedParam.min = { value: lo, inclusive: !range.loOpen };
    checkedParam.max = { value: hi, inclusive: !range.hiOpen };
  }

  /** The folded default of a non-fn param, after checking type (CBC304) and range (CBC301). */
  private defaultValue(param: Param, checkedParam: CheckedParam): CheckedParam["defaultValue"] {
    const expr = param.default;
    if (!expr) return undefined;
    const name = checkedParam.name;
    const label = `the default of \`${name}\``;
    switch (checkedParam.type) {
      case "int":
      case "number": {
        const value = foldConstant(expr);
        if (value === undefined) {
          this.reporter.report("CBC304", expr.span, `${label} must be a constant number`, "write a number such as `10`, `1e-4`, `-1` or `inf`");
          return undefined;
        }
        const typeProblem = validateValue(label, { type: checkedParam.type }, value);
        if (typeProblem) {
          this.reporter.report("CBC304", expr.span, typeProblem, checkedParam.type === "int" ? `write a whole number, or declare \`${name}: number\`` : undefined);
          return undefined;
        }
        const rangeProblem = validateValue(label, checkedParam, value);
        if (rangeProblem) this.reporter.report("CBC301", expr.span, rangeProblem);
        return value;
      }
      case "bool":
        if (expr.kind === "bool") return expr.value;
        this.reporter.report("CBC304", expr.span, `${label} must be true or false`, `write \`${name}: bool = true\``);
        return undefined;
      case "string":
        if (expr.kind === "string") return expr.value;
        this.reporter.report("CBC304", expr.span, `${label} must be a string in double quotes`, `write \`${name}: string = "${this.reporter.quote(expr.span)}"\``);
        return undefined;
      case "enum": {
        const values = checkedParam.enumValues ?? [];
        const allowed = values.map((v) => JSON.stringify(v)).join(", ");
        if (expr.kind === "string") {
          if (values.includes(expr.value)) return expr.value;
          this.reporter.report(
            "CBC304",
            expr.span,
            `${label} must be one of ${allowed}, got ${JSON.stringify(expr.value)}`,
            didYouMean(expr.value, values) ?? `write one of ${allowed}`,
          );
          return undefined;
        }
        const hint = expr.kind === "ident" && values.includes(expr.name) ? `write it as a string: \`"${expr.name}"\`` : `write one of ${allowed}`;
        this.reporter.report("CBC304", expr.span, `${label} must be one of ${allowed}`, hint);
        return undefined;
      }
      case "metric":
        if (expr.kind === "ident") return canonicalMetric(expr.name);
        this.reporter.report(
          "CBC304",
          expr.span,
          `${label} must be a metric name, written bare`,
          expr.kind === "string" ? `write \`${name}: metric = ${expr.value}\`` : `write e.g. \`${name}: metric = val_loss\``,
        );
        return undefined;
      case "number[]":
        return this.listDefault(expr, name);
      case "fn":
        return undefined;
    }
  }

  /** The default of a `number[]` param: a list literal of constant, finite numbers. */
  private listDefault(expr: Expr, name: string): number[] | undefined {
    if (expr.kind !== "list") {
      this.reporter.report(
        "CBC304",
        expr.span,
        `the default of \`${name}\` must be a list of numbers in brackets`,
        `write e.g. \`${name}: number[] = [100, 200]\``,
      );
      return undefined;
    }
    const values: number[] = [];
    for (const item of expr.items) {
      const value = foldConstant(item);
      if (value === undefined || !Number.isFinite(value)) {
        this.reporter.report(
          "CBC304",
          item.span,
          `each item of the default of \`${name}\` must be a constant finite number, got \`${this.reporter.quote(item.span)}\``,
          "write numbers such as `100`, `0.1` or `1e-3`",
        );
        return undefined;
      }
      values.push(value);
    }
    return values;
  }

  /** A metric param's default names a metric: check it like any metric name. */
  private checkMetricDefault(param: CheckedParam): void {
    const expr = param.decl.default;
    if (param.type !== "metric" || !expr || expr.kind !== "ident") return;
    const ref = this.scope.metric(expr.name, expr.span, expr.quoted === true);
    this.checked.resolutions.set(expr, { kind: "metric", metric: ref });
  }

  // ------------------------------------------------------------ lets

  private declareLets(decls: LetDecl[]): void {
    for (const decl of decls) {
      const name = decl.name.text;
      const earlier = this.lets.get(name);
      if (earlier !== undefined) {
        this.reporter.report("CBC204", decl.name.span, `\`let ${name}\` is declared twice`, "rename or remove one of them", [
          { message: "first declared here", span: earlier.name.span },
        ]);
      } else if (isBuiltin(name)) {
        this.reporter.report("CBC206", decl.name.span, `\`let ${name}\` would hide the builtin \`${name}\``, `choose another name, e.g. \`${name}_0\``);
      } else if (this.params.has(name)) {
        const param = this.params.get(name) as CheckedParam;
        this.reporter.report("CBC206", decl.name.span, `\`let ${name}\` would hide the param \`${name}\``, `choose another name, e.g. \`${name}_now\``, [
          { message: `the param \`${name}\``, span: param.decl.name.span },
        ]);
      } else if (name === "__proto__") {
        // Variables live in a plain object; this key would set its prototype instead.
        this.reporter.report("CBC206", decl.name.span, "`let __proto__` is reserved", "choose another name");
      } else {
        this.lets.set(name, decl);
      }
    }
  }

  // ------------------------------------------------------------ rules

  private checkRule(rule: Rule, index: number): CheckedRule {
    const event = eventOf(rule.trigger);
    const facts: RuleFacts = { event, metrics: new Map(), predicates: [], neverFiresReported: false };
    const trigger = rule.trigger;
    if (trigger.kind === "every") this.exprs.staticOperand(trigger.count, "`every N`", OPERAND_SPECS.every, false);
    if (trigger.kind === "at") this.exprs.staticOperand(trigger.epoch, "`at epoch N`", OPERAND_SPECS.at, false);
    if (rule.condition) {
      const type = this.exprs.check(rule.condition, { kind: "condition", rule: facts });
      this.exprs.requireBool(type, rule.condition);
    }
    let readsAllMetrics = false;
    for (const action of rule.actions) {
      if (this.checkAction(action, facts, rule)) readsAllMetrics = true;
    }
    const text = foldSource(this.reporter.source.slice(rule.span.start.offset, rule.span.end.offset));
    return {
      rule,
      index,
      event,
      text,
      metrics: [...facts.metrics.values()],
      predicates: facts.predicates,
      readsAllMetrics,
      // Filled by publishFacts once every name of the class is resolved.
      staticConjuncts: [],
      dynamicConjuncts: [],
      histories: [],
      valuesRead: [],
      writes: [],
    };
  }

  /** Checks one action; true when it writes every reported metric. */
  private checkAction(action: Action, facts: RuleFacts, rule: Rule): boolean {
    const event = facts.event;
    switch (action.kind) {
      case "assign":
        this.checkAssign(action, facts);
        return false;
      case "stop":
        if (event === "trainEnd") {
          this.reporter.report("CBC401", action.span, "`stop` at train end has no effect: training is already over", "stop from an epoch or batch rule, e.g. `when ... then stop`");
        } else if (event === "trainBegin") {
          this.reporter.report(
            "CBC401",
            action.span,
            "`stop` at train begin is ignored: tfjs clears its stop flag after calling the train-begin callbacks",
            "stop from `on epoch begin`, `on batch end` or a `when` rule",
          );
        }
        return false;
      case "restore":
        this.restores.push({ action, facts, rule });
        return false;
      case "save": {
        const fromParam = this.pathOperand(action.path, `\`save ${action.what} to\``, facts, "save");
        if (action.keep) {
          this.exprs.staticOperand(action.keep, "`keep K`", OPERAND_SPECS.keep, false);
          this.targetSomewhere(action.path, "keep", `save ${action.what} to`);
        }
        return fromParam;
      }
      case "log":
        this.pathOperand(action.path, "`log to`", facts, "log");
        if (action.separator) this.separator(action.separator);
        return true;
      case "tensorboard":
        this.pathOperand(action.dir, "`tensorboard`", facts, "tensorboard");
        return true;
      case "progress":
        // The bar lives between epoch begin and epoch end; at train begin and end there is nothing to draw.
        if (event === "trainBegin" || event === "trainEnd") {
          this.reporter.report(
            "CBC401",
            action.span,
            `\`progress\` has nothing to draw at ${EVENT_WORDS[event]}: the bar moves at batch and epoch events`,
            "write `on batch end then progress` and `on epoch end then progress`",
          );
        }
        return true;
      case "print":
      case "fail":
        this.exprs.template(action.text, facts);
        return false;
      case "call":
        this.hooks.add(action.hook.text);
        return false;
    }
    return false;
  }

  /**
   * A path of `save`, `log to` or `tensorboard`: a literal's placeholders are resolved now; a
   * string param's value is a template formatted at run time. True for a param: its
   * placeholders are unknown here, so the rule reads every metric.
   */
  private pathOperand(path: StringLit | Ident, label: string, facts: RuleFacts, action: TargetAction): boolean {
    if (path.kind === "string") {
      this.exprs.template(path, facts);
      this.targetSomewhere(path, action, label.replace(/`/g, ""));
      return false;
    }
    return this.stringParam(path, label, 'a path in double quotes, e.g. `"ckpt/{epoch:02d}"`') !== undefined;
  }

  /**
   * A literal target whose scheme no platform takes for this action (`save model to "s3://x"`,
   * `log to "indexeddb://log"`): CBC405, from the runtime's one target table. A target that
   * starts with a placeholder has its scheme only once formatted; a param's value is checked at construction.
   */
  private targetSomewhere(path: StringLit | Ident, action: TargetAction, words: string): void {
    if (path.kind !== "string") return;
    if (path.value.startsWith("{") && !path.value.startsWith("{{")) return;
    const why = nowhere(action, path.value);
    if (why === undefined) return;
    this.reporter.report("CBC405", path.span, `no platform can run \`${words}\` ${why.problem}`, why.works);
  }

  /** `separator ";"` or `separator NAME` (a string param): one character, as Python's csv module demands. */
  private separator(separator: StringLit | Ident): void {
    const oneCharacter = (value: string) => Array.from(value).length === 1;
    if (separator.kind === "string") {
      if (!oneCharacter(separator.value)) {
        this.reporter.report(
          "CBC301",
          separator.span,
          `the separator of \`log to\` must be one character, got ${JSON.stringify(separator.value)}`,
          'write e.g. `separator ";"`',
        );
      }
      return;
    }
    const param = this.stringParam(separator, "`separator`", 'a separator in double quotes, e.g. `";"`');
    if (param && typeof param.defaultValue === "string" && !oneCharacter(param.defaultValue)) {
      this.reporter.report(
        "CBC301",
        separator.span,
        `the separator of \`log to\` must be one character, and \`${param.name}\` defaults to ${JSON.stringify(param.defaultValue)}`,
        `give \`${param.name}\` a one-character default, e.g. \`${param.name}: string = ","\``,
      );
    }
  }

  /** A name where a string operand stands: it must be a string param that is always given. */
  private stringParam(node: Ident, label: string, literal: string): CheckedParam | undefined {
    const name = node.name;
    const local = this.scope.lookup(name);
    if (local?.kind === "param") this.checked.resolutions.set(node, { kind: "param", param: local.param.name });
    if (local?.kind === "param" && local.param.type === "string") {
      if (!local.param.optional) return local.param;
      this.reporter.report(
        "CBC307",
        node.span,
        `\`${name}\` is optional and may be absent, and ${label} needs a value`,
        `give it a default (\`${name}: string = "..."\`), or drop the \`?\` to make it a required option`,
      );
      return undefined;
    }
    if (local === undefined) {
      const stringParams = [...this.params.values()].filter((p) => p.type === "string").map((p) => p.name);
      this.reporter.report(
        "CBC202",
        node.span,
        `unknown name \`${name}\`: ${label} takes ${literal.replace(/, e\.g\..*$/, "")} or a string param`,
        didYouMean(name, stringParams) ?? `write it in double quotes (\`"${name}"\`), or declare a param \`${name}: string\``,
      );
      return undefined;
    }
    const what =
      local.kind === "let" ? "a `let` variable" : local.kind === "builtin" ? "a builtin number" : `${local.param.type === "int" || local.param.type === "enum" ? "an" : "a"} ${local.param.type} param`;
    this.reporter.report(
      "CBC310",
      node.span,
      `${label} takes ${literal.replace(/, e\.g\..*$/, "")} or a string param, and \`${name}\` is ${what}`,
      local.kind === "param" ? `declare it \`${name}: string\`, or write ${literal}` : `write ${literal}, or declare a string param`,
    );
    return undefined;
  }

  private checkAssign(action: Extract<Action, { kind: "assign" }>, facts: RuleFacts): void {
    const target = action.target;
    const name = target.text;
    const local = target.quoted ? undefined : this.scope.lookup(name);
    if (local?.kind === "let") {
      this.checked.resolutions.set(target, { kind: "let", name });
    } else if (local?.kind === "builtin" && local.name === "lr") {
      this.checked.resolutions.set(target, { kind: "builtin", name: "lr" });
      if (facts.event === "trainEnd") {
        this.reporter.report("CBC401", target.span, "setting `lr` at train end has no effect: training is already over", "set it from an epoch or batch rule");
      }
    } else if (local?.kind === "builtin") {
      this.reporter.report("CBC402", target.span, `\`${name}\` is read-only: only \`lr\` and \`let\` variables can be assigned`, `keep your own count in a variable: \`let my_${name} = 0\``);
    } else if (local?.kind === "param") {
      this.reporter.report(
        "CBC402",
        target.span,
        `\`${name}\` is a param, fixed when the callback is constructed`,
        `copy it into a variable to change it: \`let ${name}_now = ${name}\``,
      );
    } else if (target.quoted || this.scope.isKnownMetric(name)) {
      this.reporter.report("CBC402", target.span, `\`${name}\` is a metric reported by the fit loop and is read-only`, "assign `lr` or a `let` variable");
    } else {
      this.reporter.report(
        "CBC202",
        target.span,
        `unknown variable \`${name}\`: only \`lr\` and \`let\` variables can be assigned`,
        didYouMean(name, [...this.lets.keys(), "lr"]) ?? `declare it first: \`let ${name} = 0\``,
      );
    }
    const type = this.exprs.check(action.value, { kind: "value", rule: facts });
    this.exprs.requireNumber(type, action.value);
    // A constant learning rate the runtime would refuse fails here, not at the first firing.
    const constant = action.op === "=" && local?.kind === "builtin" && local.name === "lr" ? foldConstant(action.value) : undefined;
    const problem = constant === undefined || Number.isNaN(constant) ? undefined : validateValue("the learning rate", OPERAND_SPECS.lr, constant);
    if (problem) this.reporter.report("CBC301", action.value.span, problem, "a learning rate is a finite number >= 0");
  }

  // ------------------------------------------------------------ restore

  /** Which predicate each `restore best weights` restores (CBC400 when that is ambiguous). */
  private resolveRestores(predicates: CheckedPredicate[]): void {
    const byMetric = new Map<string, CheckedPredicate[]>();
    for (const predicate of predicates) {
      const key = metricKey(predicate.metric);
      const list = byMetric.get(key);
      if (list) list.push(predicate);
      else byMetric.set(key, [predicate]);
    }
    for (const { action, facts, rule } of this.restores) {
      const target = this.reporter.quietIf(rule.recovered, () =>
        action.metric ? this.restoreOf(action.metric, facts, byMetric, predicates) : this.restoreOwn(action, facts, predicates),
      );
      if (!target) continue;
      target.capturesWeights = true;
      this.checked.restoreTargets.set(action, target);
    }
  }

  private restoreOwn(action: Action, facts: RuleFacts, predicates: CheckedPredicate[]): CheckedPredicate | undefined {
    if (facts.predicates.length === 1) return facts.predicates[0];
    const example = showMetric((facts.predicates[0] ?? predicates[0])?.metric ?? { kind: "literal", name: "val_loss" });
    if (facts.predicates.length === 0) {
      this.reporter.report(
        "CBC400",
        action.span,
        "`restore best weights` without `of` restores for this rule's predicate, and this rule has none",
        predicates.length > 0
          ? `name the metric: \`restore best weights of ${example}\``
          : `add a predicate (e.g. \`when val_loss improves then ...\`) and write \`restore best weights of val_loss\``,
      );
    } else {
      const names = facts.predicates.map((p) => `\`${showMetric(p.metric)}\``).join(", ");
      this.reporter.report(
        "CBC400",
        action.span,
        `this rule has ${facts.predicates.length} predicates (on ${names}): \`restore best weights\` cannot tell which one judged the best epoch`,
        `name the metric: \`restore best weights of ${example}\``,
        facts.predicates.map(predicateNote),
      );
    }
    return undefined;
  }

  private restoreOf(
    metric: Name,
    facts: RuleFacts,
    byMetric: Map<string, CheckedPredicate[]>,
    predicates: CheckedPredicate[],
  ): CheckedPredicate | undefined {
    const ref = this.exprs.metricName(metric, metric.text, metric.quoted === true, "`restore best weights of`");
    if (!ref) return undefined;
    const key = metricKey(ref);
    const inRule = facts.predicates.filter((p) => metricKey(p.metric) === key);
    if (inRule.length === 1) return inRule[0];
    const all = byMetric.get(key) ?? [];
    if (all.length === 1) return all[0];
    if (all.length === 0) {
      const watched = predicates.map((p) => showMetric(p.metric));
      this.reporter.report(
        "CBC400",
        metric.span,
        `no \`plateau\` or \`improves\` on \`${metric.text}\` in this callback judges which epoch is best`,
        didYouMean(metric.text, watched) ?? `add one, e.g. \`when ${metric.text} improves then ...\``,
      );
    } else {
      this.reporter.report(
        "CBC400",
        metric.span,
        `${all.length} predicates watch \`${metric.text}\` in this callback: \`restore best weights of ${metric.text}\` cannot tell which one judged the best epoch`,
        "put the restore in the rule of the predicate you mean",
        all.map(predicateNote),
      );
    }
    return undefined;
  }
}

/**
 * Each class also declares `<Name>Options`, `<Name>Schema` and `<Name>Rules`: no
 * class may take one of those names, nor a name TypeScript refuses for a class.
 * (The runtime is imported as a namespace the emitter names apart from these.)
 */
function reportReservedClassNames(reporter: CheckReporter, classNames: Map<string, Span>, file: string): void {
  const derived = new Map<string, { owner: string; what: string }>();
  for (const owner of classNames.keys()) {
    const names = derivedNames(owner);
    derived.set(names.options, { owner, what: "options" });
    derived.set(names.schema, { owner, what: "schema" });
    derived.set(names.table, { owner, what: "rules table" });
  }
  for (const [name, span] of classNames) {
    const owner = derived.get(name);
    const problem = classNameProblem(name);
    if (problem === undefined && owner === undefined) continue;
    const fromFile = name === fileClassName(file);
    const why = problem ?? `it is the name of class \`${owner?.owner}\`'s ${owner?.what}`;
    reporter.report(
      "CBC206",
      span,
      `a class cannot be named \`${name}\`: ${why}`,
      fromFile ? "rename the file: bare rules form a class named after it" : "rename this callback",
    );
  }
}
