// Expressions of the rules language as TypeScript source, with the fewest
// parentheses that keep the meaning. Names are looked up in the checked
// program; nothing here decides what a name means.
import type { CheckedPredicate, CheckedProgram, MetricRef, Resolution } from "../check/program.js";
import type { BinaryOp, Expr, Ident, Name } from "../syntax/ast.js";

/** How the emitter refers to the state a rule reads. */
export interface ExprScope {
  program: CheckedProgram;
  /** Rules-language param name -> TypeScript option name. */
  optionName(param: string): string;
  /** The local holding a metric's value at this event. */
  metricLocal(ref: MetricRef): string;
  /** The field holding a predicate's state. */
  predicateLocal(predicate: CheckedPredicate): string;
  predicateOf(node: Expr): CheckedPredicate | undefined;
  /** The local holding best()/prev()/mean() of a metric, hoisted by the caller. */
  historyLocal(call: Expr): string;
  /** The rule site constant, for errors raised by fn params. */
  ruleRef: string;
  /** How options are reached: `this.o` in hook methods, `o` in the constructor. */
  options: "this.o" | "o";
  /** The runtime namespace: functions and constants are reached through it, never through globals. */
  runtime: string;
}

// JavaScript precedence levels (higher binds tighter).
const PREC = {
  or: 3,
  and: 4,
  equality: 8,
  relational: 9,
  additive: 11,
  multiplicative: 12,
  exponent: 13,
  unary: 14,
  primary: 20,
} as const;

const BINARY: Record<BinaryOp, { js: string; prec: number }> = {
  or: { js: "||", prec: PREC.or },
  and: { js: "&&", prec: PREC.and },
  "==": { js: "===", prec: PREC.equality },
  "!=": { js: "!==", prec: PREC.equality },
  "<": { js: "<", prec: PREC.relational },
  "<=": { js: "<=", prec: PREC.relational },
  ">": { js: ">", prec: PREC.relational },
  ">=": { js: ">=", prec: PREC.relational },
  "+": { js: "+", prec: PREC.additive },
  "-": { js: "-", prec: PREC.additive },
  "*": { js: "*", prec: PREC.multiplicative },
  "/": { js: "/", prec: PREC.multiplicative },
  "%": { js: "%", prec: PREC.multiplicative },
  "**": { js: "**", prec: PREC.exponent },
};

/** Functions of the language: each is `math.<name>` of the runtime (Python's round, mod and clamp included). */
const MATH_NAMES: ReadonlySet<string> = new Set(["min", "max", "abs", "exp", "log", "sqrt", "floor", "ceil", "cos", "sin", "round", "clamp", "piecewise"]);

const HISTORY_FUNCTIONS: ReadonlySet<string> = new Set(["best", "prev", "mean"]);

/** A JavaScript number that reads back as the same value; infinities and NaN through the runtime namespace `ns`. */
export function numberLiteral(value: number, ns: string): string {
  if (value === Infinity) return `${ns}.math.inf`;
  if (value === -Infinity) return `-${ns}.math.inf`;
  if (Number.isNaN(value)) return `${ns}.math.nan`;
  return String(value);
}

export class ExpressionEmitter {
  constructor(private readonly scope: ExprScope) {}

  emit(expr: Expr): string {
    return this.emitPrec(expr).code;
  }

  /** `a && b && ...`, each operand parenthesised only where `&&` would bind it differently. */
  emitConjunction(exprs: readonly Expr[]): string {
    if (exprs.length === 1) return this.emit(exprs[0]);
    return exprs.map((expr) => this.emitConjunct(expr)).join(" && ");
  }

  /** The right operand of `%`: parenthesised unless it binds tighter than `*`. */
  emitDivisor(expr: Expr): string {
    return this.wrap(this.emitPrec(expr), PREC.multiplicative + 1);
  }

  /** One operand of a `&&` chain: parenthesised when it is an `||`. */
  emitConjunct(expr: Expr): string {
    return this.wrap(this.emitPrec(expr), PREC.and);
  }

  private wrap(inner: { code: string; prec: number }, min: number): string {
    return inner.prec < min ? `(${inner.code})` : inner.code;
  }

  private emitPrec(expr: Expr): { code: string; prec: number } {
    switch (expr.kind) {
      case "number": {
        const code = numberLiteral(expr.value, this.scope.runtime);
        return { code, prec: expr.value < 0 ? PREC.unary : PREC.primary };
      }
      case "string":
        return { code: JSON.stringify(expr.value), prec: PREC.primary };
      case "bool":
        return { code: String(expr.value), prec: PREC.primary };
      case "ident":
        return { code: this.reference(expr), prec: PREC.primary };
      case "unary": {
        const operand = this.emitPrec(expr.operand);
        if (expr.op === "not") return { code: `!${this.wrap(operand, PREC.unary)}`, prec: PREC.unary };
        // `-x ** y` is a syntax error in JS: the operand of unary minus must bind tighter than `**`.
        return { code: `-${this.wrap(operand, PREC.unary + 1)}`, prec: PREC.unary };
      }
      case "binary": {
        const { js, prec } = BINARY[expr.op];
        const left = this.emitPrec(expr.left);
        const right = this.emitPrec(expr.right);
        if (expr.op === "%") {
          // Python's modulo (sign of the divisor), as a Keras user expects.
          return { code: `${this.scope.runtime}.math.mod(${left.code}, ${right.code})`, prec: PREC.primary };
        }
        if (expr.op === "**") {
          // Right-associative; the left side must not be a bare unary.
          return { code: `${this.wrap(left, PREC.exponent + 2)} ** ${this.wrap(right, PREC.exponent)}`, prec };
        }
        return { code: `${this.wrap(left, prec)} ${js} ${this.wrap(right, prec + 1)}`, prec };
      }
      case "call":
        return { code: this.call(expr), prec: PREC.primary };
      case "list":
        // Only defaults are lists, and they are folded; kept total for any caller.
        return { code: `[${expr.items.map((item) => this.emit(item)).join(", ")}]`, prec: PREC.primary };
      case "plateau":
      case "improves": {
        const predicate = this.scope.predicateOf(expr);
        if (!predicate) throw new Error("internal: predicate was not checked");
        return { code: this.scope.predicateLocal(predicate), prec: PREC.primary };
      }
      case "is": {
        const operand = this.emit(expr.operand);
        const test =
          `${this.scope.runtime}.math.${expr.test === "nan" ? "isNaN" : expr.test === "inf" ? "isInf" : "isFinite"}(${operand})`;
        return expr.negated ? { code: `!${test}`, prec: PREC.unary } : { code: test, prec: PREC.primary };
      }
    }
  }

  private resolution(node: Ident | Name): Resolution {
    const resolution = this.scope.program.resolutions.get(node);
    if (!resolution) throw new Error(`internal: unresolved name ${"name" in node ? node.name : node.text}`);
    return resolution;
  }

  reference(node: Ident | Name): string {
    const resolution = this.resolution(node);
    switch (resolution.kind) {
      case "builtin":
        return resolution.name === "pi" ? `${this.scope.runtime}.math.pi` : `this.${resolution.name}`;
      case "param":
        return `${this.scope.options}.${this.scope.optionName(resolution.param)}`;
      case "let":
        return `this.v.${resolution.name}`;
      case "metric":
        return this.scope.metricLocal(resolution.metric);
    }
  }

  private call(expr: Extract<Expr, { kind: "call" }>): string {
    const name = expr.callee.text;
    const resolution = this.scope.program.resolutions.get(expr.callee);
    // best()/prev()/mean() read the hoisted history value: their metric argument is not read at this event.
    if (resolution?.kind !== "param" && HISTORY_FUNCTIONS.has(name)) return this.scope.historyLocal(expr);
    const args = expr.args.map((arg) => this.emit(arg));
    if (resolution?.kind === "param") {
      const option = this.scope.optionName(resolution.param);
      return `this.fn(${this.scope.ruleRef}, ${JSON.stringify(resolution.param)}, ${this.scope.options}.${option}(${args.join(", ")}))`;
    }
    if (!MATH_NAMES.has(name)) throw new Error(`internal: unknown function ${name}`);
    return `${this.scope.runtime}.math.${name}(${args.join(", ")})`;
  }
}
