// Python format-spec validation for `{name:spec}` placeholders (CBC305): the
// grammar of str.format's mini-language, and the combinations Python rejects
// for the kind of value the placeholder shows.

/** `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`, parsed. */
export interface FormatSpec {
  fill?: string;
  align?: "<" | ">" | "=" | "^";
  sign?: "+" | "-" | " ";
  negativeZero: boolean;
  alternate: boolean;
  zeroPad: boolean;
  width?: number;
  grouping?: "," | "_";
  precision?: number;
  type?: string;
}

/** What a placeholder shows: an integer, a float, a number that may be either, or a string. */
export type ValueKind = "int" | "float" | "number" | "string";

const ALIGNS = new Set(["<", ">", "=", "^"]);
const SIGNS = new Set(["+", "-", " "]);
const INTEGER_TYPES = new Set(["b", "c", "d", "o", "x", "X"]);
const FLOAT_TYPES = new Set(["e", "E", "f", "F", "g", "G", "%"]);

function readDigits(spec: string, start: number): { value?: number; next: number } {
  let next = start;
  while (next < spec.length && spec[next] >= "0" && spec[next] <= "9") next++;
  return next === start ? { next } : { value: Number(spec.slice(start, next)), next };
}

/** Parses a spec the way CPython does; a string is the error message. */
export function parseFormatSpec(spec: string): FormatSpec | string {
  const chars = [...spec];
  const result: FormatSpec = { negativeZero: false, alternate: false, zeroPad: false };
  let i = 0;
  if (chars.length >= 2 && ALIGNS.has(chars[1])) {
    result.fill = chars[0];
    result.align = chars[1] as FormatSpec["align"];
    i = 2;
  } else if (chars.length >= 1 && ALIGNS.has(chars[0])) {
    result.align = chars[0] as FormatSpec["align"];
    i = 1;
  }
  const rest = chars.slice(i).join("");
  let j = 0;
  if (j < rest.length && SIGNS.has(rest[j])) result.sign = rest[j++] as FormatSpec["sign"];
  if (rest[j] === "z") {
    result.negativeZero = true;
    j++;
  }
  if (rest[j] === "#") {
    result.alternate = true;
    j++;
  }
  if (rest[j] === "0") {
    result.zeroPad = true;
    j++;
  }
  const width = readDigits(rest, j);
  if (width.value !== undefined) result.width = width.value;
  j = width.next;
  if (rest[j] === "," || rest[j] === "_") result.grouping = rest[j++] as "," | "_";
  if (rest[j] === ".") {
    const precision = readDigits(rest, j + 1);
    if (precision.value === undefined) return "format specifier missing precision";
    result.precision = precision.value;
    j = precision.next;
  }
  const type = rest.slice(j);
  if (type.length > 1) return "invalid format specifier";
  if (type.length === 1) {
    if (!INTEGER_TYPES.has(type) && !FLOAT_TYPES.has(type) && type !== "n" && type !== "s") {
      return `unknown format code '${type}'`;
    }
    result.type = type;
  }
  return result;
}

/** undefined when Python would format a value of `kind` with `spec`, else why not. */
export function checkFormatSpec(spec: string, kind: ValueKind): string | undefined {
  const parsed = parseFormatSpec(spec);
  if (typeof parsed === "string") return parsed;
  const type = parsed.type;
  if (kind === "string") {
    if (type !== undefined && type !== "s") return `format code '${type}' needs a number, and this is a string`;
    if (parsed.sign !== undefined) return "sign not allowed in string format specifier";
    if (parsed.alternate) return "alternate form (#) not allowed in string format specifier";
    if (parsed.align === "=") return "'=' alignment not allowed in string format specifier";
    if (parsed.grouping !== undefined) return `cannot specify '${parsed.grouping}' with a string`;
    if (parsed.negativeZero) return "negative zero coercion (z) not allowed in string format specifier";
    return undefined;
  }
  if (type === "s") return "format code 's' needs a string, and this is a number";
  if (type !== undefined && INTEGER_TYPES.has(type)) {
    if (kind === "float") return `format code '${type}' needs an integer, and this value is a float`;
    if (parsed.precision !== undefined) return "precision not allowed in integer format specifier";
    if (type === "c" && parsed.sign !== undefined) return "sign not allowed with integer format specifier 'c'";
    if (parsed.grouping === "," && type !== "d") return `cannot specify ',' with '${type}'`;
  }
  const integerPresentation = type === undefined || type === "n" || INTEGER_TYPES.has(type);
  if (kind === "int" && integerPresentation && parsed.precision !== undefined) {
    return "precision not allowed in integer format specifier";
  }
  if ((kind === "int" && integerPresentation) || (type !== undefined && INTEGER_TYPES.has(type))) {
    if (parsed.negativeZero) return "negative zero coercion (z) not allowed in integer format specifier";
  }
  if (type === "n" && parsed.grouping !== undefined) return `cannot specify '${parsed.grouping}' with 'n'`;
  return undefined;
}
