// The one catalogue of diagnostic codes. Codes are stable: tests, editors and
// users key on them. 1xx: lexing and parsing; 2xx: names; 3xx: types and
// values; 4xx: rules and actions. Each code means one thing; `cbc explain CODE`
// prints its entry, and a test proves each example really gets its code.

export interface CatalogueEntry {
  severity: "error" | "warning";
  /** A few words, as `cbc explain` lists them. */
  title: string;
  /** What the code means. */
  explanation: string;
  /** A `.rules` file that gets this code; null only for an internal error, which no input should produce. */
  example: string | null;
  /** What to write instead. */
  fix: string;
}

export const catalogue = {
  // ---- syntax
  CBC100: {
    severity: "error",
    title: "unexpected character",
    explanation: "A character that no word, number, string or operator of the language starts with.",
    example: "when loss > 1 && epoch > 5 then stop\n",
    fix: "Write the language's word for it: `and`, `or`, `not`; strings take double quotes; `**` is the power.",
  },
  CBC101: {
    severity: "error",
    title: "syntax error",
    explanation: "The statement does not follow the grammar: the message says what was expected and what was found.",
    example: "when val_loss plateau 5 stop\n",
    fix: "Write what the message expects at the marked place (here `then` before the actions).",
  },
  CBC102: {
    severity: "error",
    title: "unterminated string",
    explanation: "A string opened with `\"` is not closed on the same line.",
    example: 'on epoch end then print "epoch {epoch}\n',
    fix: 'Close the string with `"` before the end of the line.',
  },
  CBC103: {
    severity: "error",
    title: "bad escape or placeholder in string",
    explanation: "A backslash escape the language does not know, or a `{...}` placeholder that is not closed or has no name.",
    example: 'on epoch end then print "loss {loss"\n',
    fix: "Close each placeholder with `}`; write `{{` and `}}` for literal braces; escapes are `\\\\`, `\\\"`, `\\n`, `\\t`.",
  },
  CBC104: {
    severity: "error",
    title: "unknown word where a keyword belongs",
    explanation: "A word the grammar does not expect here that resembles a keyword that would fit; the rest of the statement is read as if it were that keyword.",
    example: "wen val_loss plateau 5 then stop\n",
    fix: "Write the keyword the hint suggests.",
  },
  CBC105: {
    severity: "error",
    title: "bad number",
    explanation: "A number or duration that is not well formed (`1e`, `1.2.3`, a unit other than s, m, h).",
    example: "when val_loss < 1e then stop\n",
    fix: "Write a number such as `0.1`, `1e-3` or a duration such as `90s`, `15m`, `2h`.",
  },
  CBC106: {
    severity: "error",
    title: "internal parser error",
    explanation: "The parser failed on this input: a bug in cbc, not in the rules.",
    example: null,
    fix: "Please report the input; the statements before and after it are still checked.",
  },
  CBC107: {
    severity: "error",
    title: "expression nests too deeply",
    explanation:
      "A statement nests more than 100 levels of operators and function calls (on one path), or of parentheses: deeper than every stage, tsc on the generated code included, is sure to handle.",
    example: `when val_loss > ${"(".repeat(101)}1${")".repeat(101)} then stop\n`,
    fix: "Split the expression, for instance with a `let`.",
  },
  // ---- names
  CBC200: {
    severity: "error",
    title: "unknown metric",
    explanation: "The file declares its metrics with `metrics`, and this name is neither one of them nor a param, `let` or builtin.",
    example: "metrics loss, val_loss\nwhen val_los plateau 5 then stop\n",
    fix: "Correct the name (the hint has the closest one), or add it to the `metrics` line.",
  },
  CBC201: {
    severity: "warning",
    title: "metric not usually reported by tfjs",
    explanation: "Without a `metrics` line, a metric that tfjs does not usually report is probably misspelled; the real check happens at train begin.",
    example: "when val_los plateau 5 then stop\n",
    fix: "Correct the name, or declare the metrics the model reports: `metrics loss, val_los`.",
  },
  CBC202: {
    severity: "error",
    title: "unknown name",
    explanation: "A name that is not a param, a `let` variable or a builtin, where a metric cannot stand (an assignment target, a path).",
    example: "when val_loss plateau 5 then lrr = 0.1\n",
    fix: "Correct the name, or declare it with `let` or as a param of the callback.",
  },
  CBC203: {
    severity: "error",
    title: "unknown function",
    explanation: "A call of a function the language does not have and no `fn` param provides.",
    example: "when val_loss > maxx(1, 2) then stop\n",
    fix: "Use a builtin function (`min max abs clamp exp log sqrt floor ceil round sin cos piecewise best prev mean`) or declare a `fn` param.",
  },
  CBC204: {
    severity: "error",
    title: "duplicate name",
    explanation: "Two params, two `let` variables, two classes or two options with one name; the note shows the other one.",
    example: "callback Stopper(patience: int = 1, patience: int = 2) {\n  when val_loss plateau patience then stop\n}\n",
    fix: "Rename or remove one of them.",
  },
  CBC205: {
    severity: "error",
    title: "placeholder names nothing",
    explanation: "A `{name}` in a string names no metric, param, variable or builtin that can be shown.",
    example: 'metrics loss, val_loss\non epoch end then print "val: {val_los:.4f}"\n',
    fix: "Correct the name in the braces, or write `{{` to show a literal brace.",
  },
  CBC206: {
    severity: "error",
    title: "name shadows a builtin",
    explanation:
      "A name the generated module cannot use: a param or variable that would hide a builtin, a function, another param or an option every generated class has; a param whose option every JavaScript object already has (`toString`); a class named with a TypeScript reserved word or type name, or another class's Options, Schema or Rules.",
    example: "let lr = 0\nwhen val_loss plateau 5 then stop\n",
    fix: "Choose another name.",
  },
  // ---- types and values
  CBC300: {
    severity: "error",
    title: "not a condition",
    explanation: "A condition must be true or false, and this is a number, string, function, list or metric param.",
    example: "when val_loss then stop\n",
    fix: "Compare it (`val_loss < 0.1`) or test it (`val_loss is nan`, `val_loss improves`).",
  },
  CBC301: {
    severity: "error",
    title: "value out of range",
    explanation: "A value outside what its place allows: a negative patience, `every 0 epochs`, a separator of two characters, a default outside the param's range, an unknown mode.",
    example: "when val_loss plateau -1 then stop\n",
    fix: "Write a value in the range the message gives.",
  },
  CBC302: {
    severity: "error",
    title: "wrong number of arguments",
    explanation: "A function called with more or fewer arguments than it takes.",
    example: "on epoch begin then lr = clamp(lr, 0.001)\n",
    fix: "Pass the arguments the message lists.",
  },
  CBC303: {
    severity: "error",
    title: "duration used outside elapsed",
    explanation: "A duration (`90s`, `2h`) means time, and only compares with `elapsed` or adds to other durations.",
    example: "when val_loss plateau 5m then stop\n",
    fix: "Compare it with `elapsed` (`when elapsed > 5m then stop`), or write a plain number.",
  },
  CBC304: {
    severity: "error",
    title: "bad parameter default",
    explanation: "A param's default does not fit its type: a fraction for `int`, a string for `metric`, a value not among the choices, a list whose lengths do not match.",
    example: "callback Stopper(patience: int = 2.5) {\n  when val_loss plateau patience then stop\n}\n",
    fix: "Write a default of the param's type, or change the type.",
  },
  CBC305: {
    severity: "error",
    title: "bad format spec",
    explanation: "The part after `:` in a placeholder is not a Python format spec that fits the value.",
    example: 'on epoch end then print "loss {loss:.4q}"\n',
    fix: "Write a Python format spec: `{loss:.4f}`, `{epoch:03d}`, `{lr:.2e}`.",
  },
  CBC306: {
    severity: "error",
    title: "not a number",
    explanation: "A number is needed here, and this is true or false, a string, an uncalled function, a list or a metric param.",
    example: 'callback Stopper(direction: "min" | "max" = "min") {\n  when val_loss > direction then stop\n}\n',
    fix: "Use a number, a number param or metric, or call the function.",
  },
  CBC307: {
    severity: "error",
    title: "optional param used as a value",
    explanation: "A param declared with `?` may be absent, so it cannot be computed with, be a path or feed `piecewise`.",
    example: "callback Stopper(target: number?) {\n  when val_loss < target then stop\n}\n",
    fix: "Give it a default, drop the `?` to make it required, or use it only as a whole predicate option (`baseline target`).",
  },
  CBC308: {
    severity: "error",
    title: "not known at construction",
    explanation: "A patience, a cooldown, a range bound or another value fixed when the callback is built reads something only known during training.",
    example: "when val_loss plateau epoch then stop\n",
    fix: "Build it from numbers and params of the callback.",
  },
  CBC309: {
    severity: "error",
    title: "not a metric",
    explanation: "`best`, `prev`, `mean`, a predicate or `restore ... of` needs a metric, and this is an expression, a builtin or another kind of name.",
    example: "when val_loss > best(lr) then stop\n",
    fix: "Name a metric (`val_loss`) or a param declared `: metric`.",
  },
  CBC310: {
    severity: "error",
    title: "not a string",
    explanation: "A path, a separator or a predicate's `mode` takes a string (literal or string param), and this name is of another kind.",
    example: "callback Checkpoint(filepath: int = 1) {\n  when val_loss improves then save model to filepath\n}\n",
    fix: 'Declare the param as `string` (or `"min" | "max" | "auto"` for a mode), or write a string in double quotes.',
  },
  CBC311: {
    severity: "error",
    title: "list out of place",
    explanation: "A list `[...]` may only be the default of a `number[]` param, and only a `number[]` param may be the 2nd or 3rd argument of `piecewise`.",
    example: "callback Schedule(boundaries: number[] = [10]) {\n  on epoch begin then lr = piecewise(epoch, boundaries, [0.1, 0.01])\n}\n",
    fix: "Declare a `number[]` param with the list as its default and pass the param's name.",
  },
  CBC312: {
    severity: "error",
    title: "not a function",
    explanation: "A call of a param that is not declared as a function.",
    example: "callback Scheduler(factor: number = 0.1) {\n  on epoch begin then lr = factor(epoch)\n}\n",
    fix: "Declare the param as a function (`factor: fn(epoch)`), or use it without parentheses.",
  },
  CBC313: {
    severity: "error",
    title: "placeholder cannot show this value",
    explanation: "A `{name}` in a string shows one value, and this names a function or a list of numbers.",
    example: 'callback Schedule(values: number[] = [0.1, 0.01]) {\n  on epoch begin then print "values {values}"\n}\n',
    fix: "Show a number: a metric, a param, a builtin, or a `let` variable that holds the result.",
  },
  CBC314: {
    severity: "error",
    title: "option does not apply",
    explanation: "An option written where it has no meaning: a range on a param that is not `int` or `number`, a `cooldown` on `improves`.",
    example: "when val_loss improves cooldown 2 then stop\n",
    fix: "Remove the option.",
  },
  // ---- rules and actions
  CBC400: {
    severity: "error",
    title: "restore best weights is ambiguous",
    explanation: "`restore best weights` restores the epoch that a `plateau` or `improves` judged best, and no predicate, or more than one, could be the one meant; the notes show the candidates.",
    example: "when val_loss plateau 5 then stop\non train end then restore best weights\n",
    fix: "Name the metric: `restore best weights of val_loss`, or put the restore in the predicate's rule.",
  },
  CBC401: {
    severity: "warning",
    title: "action cannot take effect here",
    explanation: "`stop` at train begin or end, `lr = ...` at train end or `progress` at train begin or end does nothing there.",
    example: "on train end then stop\n",
    fix: "Move the action to an event where it acts, or remove it.",
  },
  CBC402: {
    severity: "error",
    title: "assignment to a read-only name",
    explanation: "Only `lr` and `let` variables can be assigned; builtins such as `epoch`, params and metrics cannot.",
    example: "on epoch end then epoch = 0\n",
    fix: "Assign `lr` or a `let` variable.",
  },
  CBC403: {
    severity: "error",
    title: "predicate not allowed here",
    explanation: "`plateau` and `improves` compare epochs, so they stand only in rules that run at epoch end.",
    example: "on batch end when loss plateau 5 then stop\n",
    fix: "Use the predicate in a `when` rule or `on epoch end`; at batch level compare values instead.",
  },
  CBC404: {
    severity: "warning",
    title: "rule can never fire",
    explanation: "The rule reads a metric tfjs never reports at its event (no metrics at epoch begin, no `val_*` at batch end), in its condition, an assigned value or a placeholder, so it never has the value it needs.",
    example: "on epoch begin when val_loss > 1 then stop\n",
    fix: "Move the rule to an event that reports the metric (`on epoch end`).",
  },
  CBC405: {
    severity: "error",
    title: "no platform writes there",
    explanation:
      "A `save`, `keep`, `log to` or `tensorboard` target whose scheme no platform takes for that action: an unknown or miscased scheme (`s3://`, `IndexedDB://`), or a storage URL that holds models but not logs (`log to \"indexeddb://log\"`). Targets that start with a placeholder are checked when the class is constructed or the action runs.",
    example: 'on epoch end then save model to "s3://bucket/best"\n',
    fix: "Write a path or file://PATH (Node), or a tfjs storage URL: indexeddb://, localstorage://, downloads:// or http(s):// for models; `log to` a path or downloads://NAME.csv.",
  },
} as const satisfies Record<string, CatalogueEntry>;

export type DiagnosticCode = keyof typeof catalogue;

export function isDiagnosticCode(code: string): code is DiagnosticCode {
  return Object.hasOwn(catalogue, code);
}
