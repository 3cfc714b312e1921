// Constant folding: the value of an expression built from literals alone
// (numbers, `inf`, `pi`, arithmetic, pure math functions), or undefined.
import type { Expr } from "../syntax/ast.js";

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const rounded = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : rounded;
}

const FOLDABLE: Record<string, (args: number[]) => number | undefined> = {
  min: (a) => (a.length >= 2 ? Math.min(...a) : undefined),
  max: (a) => (a.length >= 2 ? Math.max(...a) : undefined),
  abs: (a) => (a.length === 1 ? Math.abs(a[0]) : undefined),
  exp: (a) => (a.length === 1 ? Math.exp(a[0]) : undefined),
  log: (a) => (a.length === 1 ? Math.log(a[0]) : undefined),
  sqrt: (a) => (a.length === 1 ? Math.sqrt(a[0]) : undefined),
  floor: (a) => (a.length === 1 ? Math.floor(a[0]) : undefined),
  ceil: (a) => (a.length === 1 ? Math.ceil(a[0]) : undefined),
  round: (a) => (a.length === 1 ? roundHalfEven(a[0]) : undefined),
  cos: (a) => (a.length === 1 ? Math.cos(a[0]) : undefined),
  sin: (a) => (a.length === 1 ? Math.sin(a[0]) : undefined),
  clamp: (a) => (a.length === 3 ? Math.min(Math.max(a[0], a[1]), a[2]) : undefined),
};

export function foldConstant(expr: Expr): number | undefined {
  switch (expr.kind) {
    case "number":
      return expr.value;
    case "ident":
      return !expr.quoted && expr.name === "pi" ? Math.PI : undefined;
    case "unary": {
      if (expr.op !== "-") return undefined;
      const operand = foldConstant(expr.operand);
      return operand === undefined ? undefined : -operand;
    }
    case "binary": {
      const left = foldConstant(expr.left);
      if (left === undefined) return undefined;
      const right = foldConstant(expr.right);
      if (right === undefined) return undefined;
      switch (expr.op) {
        case "+":
          return left + right;
        case "-":
          return left - right;
        case "*":
          return left * right;
        case "/":
          return left / right;
        case "%":
          // Python's modulo: the sign of the divisor.
          return left - right * Math.floor(left / right);
        case "**":
          return left ** right;
        default:
          return undefined;
      }
    }
    case "call": {
      const fold = Object.hasOwn(FOLDABLE, expr.callee.text) ? FOLDABLE[expr.callee.text] : undefined;
      if (!fold) return undefined;
      const args: number[] = [];
      for (const arg of expr.args) {
        const value = foldConstant(arg);
        if (value === undefined) return undefined;
        args.push(value);
      }
      return fold(args);
    }
    default:
      return undefined;
  }
}
