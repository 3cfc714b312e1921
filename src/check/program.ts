// The checked program: what the checker hands the emitter. The AST plus the
// facts the checker worked out (what each name means, which predicate a
// `restore` restores, which metrics each rule reads), so the emitter never
// resolves a name itself.
import type {
  Action,
  CallbackDecl,
  EventName,
  Expr,
  Ident,
  Improves,
  LetDecl,
  Name,
  Param,
  Plateau,
  Rule,
  Span,
  StringLit,
} from "../syntax/ast.js";

/** A metric a rule reads: a literal name, or the value of a `metric` param. */
export type MetricRef =
  | { kind: "literal"; name: string }
  | { kind: "param"; param: string };

/** What a name in an expression or placeholder refers to. */
export type Resolution =
  | { kind: "builtin"; name: "epoch" | "epochs" | "batch" | "step" | "lr" | "elapsed" | "pi" }
  | { kind: "param"; param: string }
  | { kind: "let"; name: string }
  | { kind: "metric"; metric: MetricRef };

import type { ScalarType } from "../runtime/values.js";

export type { ScalarType };

export interface CheckedParam {
  decl: Param;
  /** As written in the rules: `min_lr`. */
  name: string;
  /** The option name in TypeScript: `minLr`. */
  optionName: string;
  type: ScalarType;
  /** For enums: the allowed strings. */
  enumValues?: string[];
  /** For fn: the argument names. */
  fnArgs?: string[];
  optional: boolean;
  /** The default, folded to a constant (metric params: the metric name; `number[]`: the numbers). */
  defaultValue?: number | string | boolean | number[];
  /** Inclusive/exclusive bounds from the declared range, folded to constants. */
  min?: { value: number; inclusive: boolean };
  max?: { value: number; inclusive: boolean };
}

/** A `plateau` or `improves` predicate: one stateful tracker per node. */
export interface CheckedPredicate {
  /** Index within the callback: trackers are named after it. */
  id: number;
  node: Plateau | Improves;
  metric: MetricRef;
  /** true when some `restore` names this predicate: best weights are captured. */
  capturesWeights: boolean;
  /**
   * The rules that restore this predicate's best weights: they are worth capturing
   * only when one of them is enabled. Set when `capturesWeights`.
   */
  captureWhen?: CheckedRule[];
}

/** A `best(M)`, `prev(M)` or `mean(M, K)` in a rule: read from the class's history `history`. */
export interface HistoryRead {
  call: Extract<Expr, { kind: "call" }>;
  fn: "best" | "prev" | "mean";
  /** Index into CheckedCallback.histories' ids. */
  history: number;
  /** K of `mean(M, K)`. */
  window?: Expr;
}

export interface CheckedRule {
  rule: Rule;
  /** 1-based position in the callback, for names and messages. */
  index: number;
  event: EventName;
  /** The rule's source text, whitespace folded, for firings and errors. */
  text: string;
  /** Every metric the rule reads (condition, actions, placeholders), deduplicated. */
  metrics: MetricRef[];
  /** The predicates inside the rule's condition, in source order. */
  predicates: CheckedPredicate[];
  /**
   * true when an action reads every metric the fit loop reports: `log to`, `tensorboard` and
   * `progress` show them all, and a path taken from a string param is a template known only
   * at run time, whose placeholders may name any of them.
   */
  readsAllMetrics: boolean;
  /**
   * The conjuncts of the condition's top-level `and` chain that read only options and
   * literals: decided once, when the class is constructed. `dynamicConjuncts` are the
   * others, evaluated at each event; both in source order.
   */
  staticConjuncts: Expr[];
  dynamicConjuncts: Expr[];
  /** The history functions the rule calls, in source order. */
  histories: HistoryRead[];
  /** The metrics whose values the rule uses (expressions and placeholders): it does not fire without them. */
  valuesRead: MetricRef[];
  /** The predicate whose best value ranks the checkpoints `save ... keep K` keeps: the rule's first `improves`. */
  keepRank?: CheckedPredicate;
  /** What the rule's actions write and where, in order: the runtime checks them against its platform at construction. */
  writes: RuleWriteFact[];
}

/** One writing action: its kind (`keep` for a save's `keep K`) and its target, a template as written or a string param. */
export interface RuleWriteFact {
  action: "save" | "keep" | "log" | "tensorboard" | "progress";
  to?: { kind: "literal"; template: string } | { kind: "param"; param: string };
}

/** Names the generated module declares for one class, decided by the checker so that none collides. */
export interface ModuleNames {
  /** The exported options interface: `<Class>Options`. */
  options: string;
  /** The option schema constant: `<Class>Schema`. */
  schema: string;
  /** The static rules table: `<Class>Rules`. */
  table: string;
}

export interface CheckedCallback {
  /** The exported class name. */
  name: string;
  names: ModuleNames;
  /** The `callback` block, or undefined for the class of a file's bare rules. */
  decl?: CallbackDecl;
  span: Span;
  params: CheckedParam[];
  lets: LetDecl[];
  /** Metrics declared with `metrics` (file level and block level), canonical names, or undefined if none. */
  declaredMetrics?: string[];
  rules: CheckedRule[];
  predicates: CheckedPredicate[];
  /** Events that some rule uses (plus those the runtime needs to support them). */
  events: EventName[];
  /** Names of the `call NAME` hooks, deduplicated, in order of first use. */
  hooks: string[];
  /**
   * The `number[]` params that `piecewise(x, boundaries, values)` reads together, each pair
   * once, in order of first use: `values` must hold one more number than `boundaries`.
   */
  piecewise: { boundaries: string; values: string }[];
  /** The metric histories `best`/`prev`/`mean` read, one per metric, in order of first use. */
  histories: { id: number; metric: MetricRef }[];
  /**
   * Some rule runs at a batch event, so the class defines batch hooks (publishFacts).
   * Without, the class defines none: tfjs calls nothing of it per batch.
   */
  usesBatchHooks: boolean;
}

export interface CheckedProgram {
  file: string;
  /** The source text the spans point into. */
  source: string;
  callbacks: CheckedCallback[];
  /** Identifier (and metric `Name`) resolutions, keyed by node. */
  resolutions: Map<Ident | Name, Resolution>;
  /** Placeholder resolutions, keyed by the string literal and the placeholder index in its parts. */
  placeholders: Map<StringLit, Map<number, Resolution>>;
  /** Which predicate each `restore` action restores. */
  restoreTargets: Map<Action, CheckedPredicate>;
}

/** The events in the order a fit fires them; generated hook methods follow it. */
export const EVENT_ORDER: readonly EventName[] = ["trainBegin", "epochBegin", "batchBegin", "batchEnd", "epochEnd", "trainEnd"];

/** Canonical metric name: tfjs reports `acc` for `accuracy` (the table lives in src/util/metric-names.ts). */
export { canonicalMetric } from "../util/metric-names.js";
