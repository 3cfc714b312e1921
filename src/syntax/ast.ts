// The AST of a .rules file: the one place its types live. Every node carries
// the span of source text it came from, so later stages can point at it.

/** A position in the source: 1-based line and column, 0-based offset. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

/** A stretch of source: `end` is the position just after the last character. */
export interface Span {
  start: Position;
  end: Position;
}

export interface Node {
  span: Span;
  /**
   * Set by the parser on a declaration or rule that error recovery cut short: parts of it
   * may be missing. Only present when the parse reported an error.
   */
  recovered?: boolean;
}

/** A name as written: identifier or backquoted metric name. */
export interface Name extends Node {
  text: string;
  /** true for `backquoted` names (always metric names). */
  quoted?: boolean;
}

// ---------------------------------------------------------------- file level

export interface Program extends Node {
  file: string;
  /** Top-level items in source order. */
  items: TopItem[];
}

export type TopItem = MetricsDecl | CallbackDecl | Rule | LetDecl;

export interface MetricsDecl extends Node {
  kind: "metrics";
  names: Name[];
}

export interface CallbackDecl extends Node {
  kind: "callback";
  name: Name;
  params: Param[];
  body: BlockItem[];
}

export type BlockItem = MetricsDecl | Rule | LetDecl;

export interface LetDecl extends Node {
  kind: "let";
  name: Name;
  init: Expr;
}

// ---------------------------------------------------------------- params

export interface Param extends Node {
  name: Name;
  type: ParamType;
  /** `baseline: number?` — absent unless given. */
  optional: boolean;
  range?: ParamRange;
  default?: Expr;
}

export type ParamType =
  /** `number[]`: a list of numbers, for `piecewise(x, boundaries, values)`. */
  | { kind: "int" | "number" | "bool" | "string" | "metric" | "number[]"; span: Span }
  | { kind: "enum"; values: StringLit[]; span: Span }
  | { kind: "fn"; args: Name[]; span: Span };

/** `in (0, 1]` or a one-sided bound `>= 0`. */
export type ParamRange =
  | { kind: "interval"; lo: Expr; hi: Expr; loOpen: boolean; hiOpen: boolean; span: Span }
  | { kind: "bound"; op: ">" | ">=" | "<" | "<="; value: Expr; span: Span };

// ---------------------------------------------------------------- rules

export type EventName = "trainBegin" | "trainEnd" | "epochBegin" | "epochEnd" | "batchBegin" | "batchEnd";

export type Trigger =
  /** `when COND then ...`: epoch end. */
  | { kind: "when"; span: Span }
  /** `on EVENT [when COND]`. */
  | { kind: "on"; event: EventName; span: Span }
  /** `every N epochs|batches [when COND]`. */
  | { kind: "every"; count: Expr; unit: "epochs" | "batches"; span: Span }
  /** `at epoch N [when COND]`: beginning of epoch index N. */
  | { kind: "at"; epoch: Expr; span: Span };

export interface Rule extends Node {
  kind: "rule";
  trigger: Trigger;
  condition?: Expr;
  actions: Action[];
}

// ---------------------------------------------------------------- actions

export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=";

/**
 * A file or directory operand: a literal (its placeholders formatted at run time), or the
 * name of a string param whose value is such a template (`save model to filepath`).
 */
export type PathOperand = StringLit | Ident;

export type Action =
  /** `lr = E` or `name op= E` on a let variable. */
  | { kind: "assign"; target: Name; op: AssignOp; value: Expr; span: Span }
  | { kind: "stop"; span: Span }
  | { kind: "restore"; metric?: Name; span: Span }
  | { kind: "save"; what: "model" | "weights"; path: PathOperand; keep?: Expr; span: Span }
  | { kind: "log"; path: PathOperand; separator?: StringLit | Ident; append: boolean; span: Span }
  | { kind: "tensorboard"; dir: PathOperand; span: Span }
  | { kind: "print"; text: StringLit; span: Span }
  /** `fail "TEXT"`: the fit rejects with TEXT (placeholders filled), as Keras' TerminateOnNaN(raise_error=True). */
  | { kind: "fail"; text: StringLit; span: Span }
  | { kind: "call"; hook: Name; span: Span }
  /** `progress`: draws the terminal progress bar (batch end, epoch end). */
  | { kind: "progress"; span: Span };

// ---------------------------------------------------------------- expressions

export type BinaryOp =
  | "+" | "-" | "*" | "/" | "%" | "**"
  | "<" | "<=" | ">" | ">=" | "==" | "!="
  | "and" | "or";

export type Expr =
  | NumberLit
  | StringLit
  | BoolLit
  | Ident
  | { kind: "unary"; op: "-" | "not"; operand: Expr; span: Span }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: "call"; callee: Name; args: Expr[]; span: Span }
  /** `[100, 200]`: only the default of a `number[]` param (the checker says so elsewhere). */
  | { kind: "list"; items: Expr[]; span: Span }
  | Plateau
  | Improves
  | IsTest;

export interface NumberLit extends Node {
  kind: "number";
  value: number;
  /** Set for durations (`90s`, `15m`, `2h`); `value` is then in seconds. */
  duration?: "s" | "m" | "h";
  /** The literal as written. */
  raw: string;
}

/** A piece of a string: literal text or a `{name:spec}` placeholder. */
export type StringPart =
  | { kind: "text"; text: string }
  | { kind: "placeholder"; name: string; spec: string; span: Span };

export interface StringLit extends Node {
  kind: "string";
  /** The decoded value (escapes resolved, placeholders left as written). */
  value: string;
  parts: StringPart[];
}

export interface BoolLit extends Node {
  kind: "bool";
  value: boolean;
}

/** A bare name in an expression: builtin, param, let variable or metric. */
export interface Ident extends Node {
  kind: "ident";
  name: string;
  quoted?: boolean;
}

/** An option of a stateful predicate: `min_delta D`, `cooldown C`, `mode M`, `baseline B`, `from epoch S`. */
export interface PredicateOption extends Node {
  name: "min_delta" | "cooldown" | "mode" | "baseline" | "from";
  value: Expr;
}

export interface Plateau extends Node {
  kind: "plateau";
  metric: Name;
  patience: Expr;
  options: PredicateOption[];
}

export interface Improves extends Node {
  kind: "improves";
  metric: Name;
  options: PredicateOption[];
}

export interface IsTest extends Node {
  kind: "is";
  operand: Expr;
  negated: boolean;
  test: "nan" | "inf" | "finite";
}
