// String literals: escapes, and `{name:spec}` placeholders with exact source spans.
import type { Position, StringPart } from "./ast.js";

/** A problem inside a string literal, located by file offsets (end exclusive). */
export interface StringProblem {
  code: "CBC102" | "CBC103";
  message: string;
  hint?: string;
  start: number;
  end: number;
}

export interface DecodedString {
  /** Escapes resolved; braces and placeholders left as written. */
  value: string;
  parts: StringPart[];
  problems: StringProblem[];
}

export interface DecodeOptions {
  /** The literal as written, opening quote included (and the closing one, if any). */
  image: string;
  /** File offset of the opening quote. */
  offset: number;
  /** Whether the string has its closing quote. */
  terminated: boolean;
  /** Whether `{name}` and `{name:spec}` are placeholders here (print, fail, save, log, tensorboard). */
  placeholders: boolean;
  toPosition: (offset: number) => Position;
}

const escapes: Record<string, string> = { '"': '"', "\\": "\\", n: "\n", t: "\t" };

/** Placeholder names: identifiers, and `/`-joined ones for metrics of multi-output models. */
const placeholderName = /^[A-Za-z_][A-Za-z0-9_]*(?:\/[A-Za-z0-9_]+)*$/;

export function decodeString(options: DecodeOptions): DecodedString {
  const { image, offset, terminated, placeholders, toPosition } = options;
  const problems: StringProblem[] = [];
  const parts: StringPart[] = [];
  const contentEnd = terminated ? image.length - 1 : image.length;
  let value = "";
  let text = "";

  const flushText = (): void => {
    if (text !== "") parts.push({ kind: "text", text });
    text = "";
  };
  const problem = (start: number, end: number, message: string, hint?: string): void => {
    problems.push({ code: "CBC103", message, start: offset + start, end: offset + end, ...(hint ? { hint } : {}) });
  };

  let i = 1;
  while (i < contentEnd) {
    const ch = image[i];
    if (ch === "\\") {
      const next = image[i + 1];
      if (i + 1 >= contentEnd) {
        problem(i, i + 1, "a backslash at the end of a string escapes nothing", "write `\\\\` for a backslash");
        value += "\\";
        text += "\\";
        i += 1;
        continue;
      }
      const decoded = escapes[next];
      if (decoded === undefined) {
        problem(i, i + 2, `unknown escape \`\\${next}\``, 'the escapes are `\\"`, `\\\\`, `\\n` and `\\t`; write `\\\\` for a backslash');
        value += `\\${next}`;
        text += `\\${next}`;
      } else {
        value += decoded;
        text += decoded;
      }
      i += 2;
      continue;
    }
    if (placeholders && ch === "{") {
      if (image[i + 1] === "{" && i + 1 < contentEnd) {
        value += "{{";
        text += "{";
        i += 2;
        continue;
      }
      let close = i + 1;
      while (close < contentEnd && image[close] !== "}" && image[close] !== "{") close++;
      if (close >= contentEnd || image[close] === "{") {
        problem(i, i + 1, "`{` without a matching `}`", "write `{{` for a literal `{`");
        value += "{";
        text += "{";
        i += 1;
        continue;
      }
      const inner = image.slice(i + 1, close);
      const colon = inner.indexOf(":");
      const name = colon < 0 ? inner : inner.slice(0, colon);
      const spec = colon < 0 ? "" : inner.slice(colon + 1);
      value += image.slice(i, close + 1);
      if (name === "") {
        problem(i, close + 1, `placeholder \`{${inner}}\` has no name`, "write a name, as in `{epoch}`, or `{{}}` for literal braces");
        text += image.slice(i, close + 1);
      } else if (!placeholderName.test(name)) {
        problem(i, close + 1, `bad placeholder name \`${name}\``, "a placeholder is `{name}` or `{name:spec}`, as in `{val_loss:.4f}`");
        text += image.slice(i, close + 1);
      } else {
        flushText();
        parts.push({
          kind: "placeholder",
          name,
          spec,
          span: { start: toPosition(offset + i), end: toPosition(offset + close + 1) },
        });
      }
      i = close + 1;
      continue;
    }
    if (placeholders && ch === "}") {
      if (image[i + 1] === "}" && i + 1 < contentEnd) {
        value += "}}";
        text += "}";
        i += 2;
        continue;
      }
      problem(i, i + 1, "`}` without a matching `{`", "write `}}` for a literal `}`");
      value += "}";
      text += "}";
      i += 1;
      continue;
    }
    value += ch;
    text += ch;
    i += 1;
  }
  flushText();
  if (!terminated) {
    problems.push({
      code: "CBC102",
      message: "unterminated string",
      hint: 'close it with `"` on the same line',
      start: offset,
      end: offset + image.length,
    });
  }
  return { value, parts, problems };
}
