// Fixed names of the language (builtins, functions) and the naming rules for
// generated classes and options.

export type BuiltinName = "epoch" | "epochs" | "batch" | "step" | "lr" | "elapsed" | "pi";

export const BUILTINS: readonly BuiltinName[] = ["epoch", "epochs", "batch", "step", "lr", "elapsed", "pi"];

const builtinSet: ReadonlySet<string> = new Set(BUILTINS);

export function isBuiltin(name: string): name is BuiltinName {
  return builtinSet.has(name);
}

/** Builtins a string placeholder may show (`pi` is not a run value). */
export const PLACEHOLDER_BUILTINS: readonly BuiltinName[] = ["epoch", "batch", "step", "lr", "epochs", "elapsed"];

/** Builtins whose value is an integer (for `d`-style format specs). */
export const INTEGER_BUILTINS: ReadonlySet<BuiltinName> = new Set<BuiltinName>(["epoch", "epochs", "batch", "step"]);

/** Pure numeric functions: name -> allowed argument counts (min, max). */
export const MATH_FUNCTIONS: ReadonlyMap<string, { min: number; max: number }> = new Map([
  ["min", { min: 2, max: Infinity }],
  ["max", { min: 2, max: Infinity }],
  ["abs", { min: 1, max: 1 }],
  ["exp", { min: 1, max: 1 }],
  ["log", { min: 1, max: 1 }],
  ["sqrt", { min: 1, max: 1 }],
  ["floor", { min: 1, max: 1 }],
  ["ceil", { min: 1, max: 1 }],
  ["round", { min: 1, max: 1 }],
  ["cos", { min: 1, max: 1 }],
  ["sin", { min: 1, max: 1 }],
  ["clamp", { min: 3, max: 3 }],
]);

/** Stateful functions over a metric's epoch values. */
export type MetricFunctionName = "best" | "prev" | "mean";

export const METRIC_FUNCTIONS: ReadonlyMap<MetricFunctionName, number> = new Map<MetricFunctionName, number>([
  ["best", 1],
  ["prev", 1],
  ["mean", 2],
]);

export function isMetricFunction(name: string): name is MetricFunctionName {
  return METRIC_FUNCTIONS.has(name as MetricFunctionName);
}

/** `piecewise(x, boundaries, values)`: Keras' PiecewiseConstantDecay over two `number[]` params. */
export const PIECEWISE = "piecewise";

export const ALL_FUNCTION_NAMES: readonly string[] = [...MATH_FUNCTIONS.keys(), PIECEWISE, ...METRIC_FUNCTIONS.keys()];

/**
 * Option names no param may take: every JavaScript object already has them
 * (`{}` has a `toString`), so an options object could never leave them out.
 */
export const OBJECT_MEMBER_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Options every generated class has besides its params. */
export const RESERVED_OPTION_NAMES: ReadonlySet<string> = new Set(["verbose", "hooks"]);

/** `min_lr` -> `minLr`, `restore_best_weights` -> `restoreBestWeights`. */
export function camelCase(name: string): string {
  const pieces = name.split("_").filter((piece) => piece.length > 0);
  if (pieces.length === 0) return name;
  return pieces.map((piece, i) => (i === 0 ? piece : piece[0].toUpperCase() + piece.slice(1))).join("");
}

/**
 * The file's stem, which names its module (`<stem>.ts`) and its bare-rules class:
 * the name after the last `/` or `\\` (either separates folders, as on Windows),
 * without `.rules`: `dir/reduce-lr.rules` -> `reduce-lr`, `a\\b.rules` -> `b`,
 * `notes.txt` -> `notes.txt`. The one stem function: the CLI's output names and
 * collision check use it too.
 */
export function fileStem(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.endsWith(".rules") && base.length > ".rules".length ? base.slice(0, -".rules".length) : base;
}

/** Words TypeScript never accepts as a binding name in a strict ES module. */
const RESERVED_WORDS: ReadonlySet<string> = new Set([
  // ECMAScript reserved words
  "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum", "export",
  "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null", "return", "super",
  "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with",
  // reserved in strict mode, and `await` in modules; `eval` and `arguments` cannot be bound
  "implements", "interface", "let", "package", "private", "protected", "public", "static", "yield", "await", "eval", "arguments",
]);

export function isReservedWord(name: string): boolean {
  return RESERVED_WORDS.has(name);
}

/**
 * Names TypeScript refuses for a class of a module: its predefined type names
 * ("Class name cannot be 'number'"), and the names it reserves at the top level of
 * a module (`Promise` in a module with async functions, `require` and `exports`
 * when compiled to CommonJS).
 */
const TYPESCRIPT_CLASS_NAMES: ReadonlySet<string> = new Set([
  "any", "unknown", "never", "number", "bigint", "boolean", "string", "symbol", "object", "undefined",
  "Promise", "require", "exports", "globalThis",
]);

/** Why a class cannot have this name in TypeScript, or undefined when it can. */
export function classNameProblem(name: string): string | undefined {
  if (RESERVED_WORDS.has(name)) return `\`${name}\` is a reserved word in TypeScript`;
  if (TYPESCRIPT_CLASS_NAMES.has(name)) return `TypeScript reserves the name \`${name}\``;
  return undefined;
}

/** The names a class adds to its module besides its own: options interface, schema, rules table. */
export function derivedNames(className: string): { options: string; schema: string; table: string } {
  return { options: `${className}Options`, schema: `${className}Schema`, table: `${className}Rules` };
}

/** The class of a file's bare rules: `reduce-lr.rules` -> `ReduceLrCallback`. */
export function fileClassName(file: string): string {
  const words = fileStem(file).split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
  const pascal = words.map((word) => word[0].toUpperCase() + word.slice(1)).join("");
  // A class name cannot start with a digit (`2stage.rules`).
  const safe = /^[0-9]/.test(pascal) ? `_${pascal}` : pascal;
  return `${safe}Callback`;
}
