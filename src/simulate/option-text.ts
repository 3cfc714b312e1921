// An option value given as text (`--set patience=5`), read by the type the rules declare for it.
import type { CheckedParam } from "../check/program.js";
import { parseValue } from "./history.js";

export type OptionText = { value: unknown } | { error: string };

/** Numbers as Python writes them (inf, -inf and nan too), `true`/`false`, strings as given, lists as `[1, 2]` or `1,2`. */
export function parseOptionText(param: CheckedParam, text: string): OptionText {
  switch (param.type) {
    case "int":
    case "number": {
      const value = parseValue(text);
      if (typeof value !== "number") return { error: `expected a number for \`${param.name}\` (${param.type})` };
      return { value };
    }
    case "bool": {
      const lower = text.trim().toLowerCase();
      if (lower === "true" || lower === "1") return { value: true };
      if (lower === "false" || lower === "0") return { value: false };
      return { error: `expected true or false for \`${param.name}\`` };
    }
    case "number[]": {
      const inner = text.trim().replace(/^\[(.*)\]$/s, "$1").trim();
      if (inner === "") return { value: [] };
      const items = inner.split(",").map((item) => parseValue(item));
      if (items.some((item) => typeof item !== "number")) return { error: `expected a list of numbers for \`${param.name}\`, such as [100, 200]` };
      return { value: items };
    }
    case "fn":
      return { error: `\`${param.name}\` is a function option (${param.fnArgs?.join(", ") ?? ""}): it cannot be given on the command line; call simulate() from code with options: { ${param.optionName}: (...) => ... }` };
    case "enum":
    case "string":
    case "metric":
      return { value: text };
  }
}
