// The runtime's shared vocabulary: what generated code tells the engine about its
// rules, what the engine records, the errors it raises, and the math that
// expressions call. No behaviour beyond `math`; imports nothing of the engine.
import type * as tf from "@tensorflow/tfjs";

import type { Logs } from "./logs.js";

export type { Logs };

export type EventName = "trainBegin" | "trainEnd" | "epochBegin" | "epochEnd" | "batchBegin" | "batchEnd";

/** A metric a rule reads: its name, or the name held by a `metric` option. */
export type MetricSource = string | { option: string };

/** What generated code says about each rule: where it is and what it reads. */
export interface RuleSite {
  /** `file.rules:line:column` */
  at: string;
  /** The rule's text, whitespace folded. */
  text: string;
  event: EventName;
  metrics: readonly MetricSource[];
  /** `log to`, `tensorboard`, `progress` and paths from string params read every reported metric. */
  readsAll?: boolean;
  /** What the rule's actions write and where (a template as written, or the option holding it): checked against the platform at construction. */
  writes?: readonly RuleWrite[];
}

/** One writing action of a rule: `save ... to T` (and `keep`), `log to T`, `tensorboard T`, `progress`. */
export interface RuleWrite {
  action: "save" | "keep" | "log" | "tensorboard" | "progress";
  to?: string | { option: string };
}

/** The static table of a generated class: the same for every instance. */
export interface CallbackSpec {
  className: string;
  /** The cbc-runtime version the class needs (the compiler's); an older runtime refuses it at construction. */
  runtime?: string;
  rules: readonly RuleSite[];
  /** Names as written in the rules -> option names, for placeholders. */
  params?: Readonly<Record<string, string>>;
  /** Params of type int (placeholders format them as integers). */
  intParams?: readonly string[];
  /**
   * The class defines batch hooks (the checker's fact: some rule runs at a batch
   * event); the engine then counts steps at each batch end. Without them tfjs
   * calls nothing of the class per batch, and the engine derives the step count
   * at epoch events from the optimizer's update count.
   */
  batchHooks?: boolean;
}

/** Passed to `call name` hooks. */
export interface HookContext {
  /** The callback whose rule called the hook (the generated class: cast to it for its own members). */
  callback: tf.Callback & { readonly firings: readonly Firing[] };
  model: tf.LayersModel;
  rule: RuleSite;
  epoch: number;
  batch: number;
  step: number;
  lr: number;
  elapsed: number;
  metrics: Readonly<Record<string, number | undefined>>;
}

export type HookFunction = (context: HookContext) => unknown;

/**
 * Options every generated class takes. Only classes with `call` actions take
 * `hooks`, and declare them with their names; the others reject them.
 */
export interface CallbackOptions {
  // `| undefined`: generated classes pass their parsed options straight
  // through, and must compile under exactOptionalPropertyTypes too.
  /** 0: silent; 1: a Keras-style line for each action taken. */
  verbose?: number | undefined;
}

/** One action a rule took, with the rule's place in the source: why the lr changed. */
export interface Firing {
  event: EventName;
  epoch: number;
  batch: number;
  step: number;
  rule: string;
  text: string;
  action: "lr" | "stop" | "restore" | "save" | "log" | "tensorboard" | "print" | "fail" | "call" | "set";
  /** The learning rate or variable before and after, the path written, the line printed... */
  from?: number;
  to?: number;
  detail?: string;
}

/** An error raised while a rule ran: names the rule, so the user knows where to look. */
export class RuleError extends Error {
  override name = "RuleError";
  constructor(
    readonly rule: RuleSite,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${rule.at} (${rule.text}): ${message}`, options);
  }
}

/**
 * A rule's `fail "TEXT"`: the fit was failed on purpose. The message is the rule's own text, with
 * no location in front (as Keras' TerminateOnNaN(raise_error=True) raises); `rule` says which rule.
 */
export class RuleFailure extends Error {
  override name = "RuleFailure";
  constructor(
    readonly rule: RuleSite,
    message: string,
  ) {
    super(message);
  }
}

/** Runtime helpers that expressions call. */
export const math = {
  // Generated code reaches every function and constant through the runtime namespace, never a global a user name could shadow.
  min: Math.min,
  max: Math.max,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  floor: Math.floor,
  ceil: Math.ceil,
  cos: Math.cos,
  sin: Math.sin,
  isNaN: Number.isNaN,
  isFinite: Number.isFinite,
  pi: Math.PI,
  inf: Infinity,
  nan: NaN,
  /** Python's modulo: the result has the divisor's sign. */
  mod(a: number, b: number): number {
    return a - b * Math.floor(a / b);
  },
  clamp(x: number, lo: number, hi: number): number {
    return Math.min(Math.max(x, lo), hi);
  },
  /** Python's round(): halves go to the even neighbour. */
  round(x: number): number {
    const floor = Math.floor(x);
    const diff = x - floor;
    if (diff !== 0.5) return Math.round(x);
    return floor % 2 === 0 ? floor : floor + 1;
  },
  isInf(x: number): boolean {
    return x === Infinity || x === -Infinity;
  },
  /**
   * Keras' PiecewiseConstantDecay: values[0] for x <= boundaries[0], values[i] for
   * boundaries[i-1] < x <= boundaries[i], the last value for x > the last boundary. As in
   * Keras, the value of every interval that holds x is added (exactly one when the boundaries
   * increase). A NaN x gives NaN, where Keras would give 0. The lengths are checked at construction.
   */
  piecewise(x: number, boundaries: readonly number[], values: readonly number[]): number {
    if (Number.isNaN(x)) return NaN;
    const last = boundaries.length - 1;
    if (last < 0) return values[0];
    let result = 0;
    if (x <= boundaries[0]) result += values[0];
    for (let i = 1; i <= last; i++) if (x > boundaries[i - 1] && x <= boundaries[i]) result += values[i];
    if (x > boundaries[last]) result += values[last + 1];
    return result;
  },
};
