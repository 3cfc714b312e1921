// Python's str.format for print/save/log strings, so file names and messages match what Keras writes.

import { pyRepr } from "./pyfloat.js";

/** A plain number is a Python float; `{ int: n }` a Python int (epoch, batch, step, int params). */
export type FormatArg = { int: number } | number | string | boolean;

export type Align = "<" | ">" | "=" | "^";

/** One parsed `[[fill]align][sign][z][#][0][width][grouping][.precision][type]` (Python 3.11). */
export interface FormatSpec {
  fill: string | undefined;
  align: Align | undefined;
  sign: "+" | "-" | " " | undefined;
  coerceNegativeZero: boolean;
  alternate: boolean;
  zeroPad: boolean;
  width: number | undefined;
  grouping: "," | "_" | undefined;
  precision: number | undefined;
  type: string;
}

const ALIGNS = new Set<string>(["<", ">", "=", "^"]);
const INT_TYPES = new Set(["d", "b", "o", "x", "X"]);
const FLOAT_TYPES = new Set(["e", "E", "f", "F", "g", "G", "%"]);

/** Parses a format spec; throws Python's ValueError message for specs Python rejects on any value. */
export function parseFormatSpec(spec: string): FormatSpec {
  const chars = Array.from(spec);
  let i = 0;
  let fill: string | undefined;
  let align: Align | undefined;
  if (chars.length >= 2 && ALIGNS.has(chars[1])) {
    fill = chars[0];
    align = chars[1] as Align;
    i = 2;
  } else if (chars.length >= 1 && ALIGNS.has(chars[0])) {
    align = chars[0] as Align;
    i = 1;
  }
  let sign: FormatSpec["sign"];
  if (chars[i] === "+" || chars[i] === "-" || chars[i] === " ") sign = chars[i++] as FormatSpec["sign"];
  const coerceNegativeZero = chars[i] === "z" && (i++, true);
  const alternate = chars[i] === "#" && (i++, true);
  const zeroPad = chars[i] === "0" && (i++, true);
  let width: number | undefined;
  const widthStart = i;
  while (i < chars.length && chars[i] >= "0" && chars[i] <= "9") i++;
  if (i > widthStart) width = Number(chars.slice(widthStart, i).join(""));
  let grouping: FormatSpec["grouping"];
  if (chars[i] === "," || chars[i] === "_") {
    grouping = chars[i++] as "," | "_";
    if (chars[i] === "," || chars[i] === "_") throw new Error("Cannot specify both ',' and '_'.");
  }
  let precision: number | undefined;
  if (chars[i] === ".") {
    i++;
    const start = i;
    while (i < chars.length && chars[i] >= "0" && chars[i] <= "9") i++;
    if (i === start) throw new Error("Format specifier missing precision");
    precision = Number(chars.slice(start, i).join(""));
  }
  if (chars.length - i > 1) throw new Error(`Invalid format specifier '${spec}'`);
  const type = chars[i] ?? "";
  if (grouping !== undefined && type !== "" && !INT_TYPES.has(type) && !FLOAT_TYPES.has(type)) {
    throw new Error(`Cannot specify '${grouping}' with '${type}'.`);
  }
  if (grouping === "," && (type === "b" || type === "o" || type === "x" || type === "X")) {
    throw new Error(`Cannot specify ',' with '${type}'.`);
  }
  return { fill, align, sign, coerceNegativeZero, alternate, zeroPad, width, grouping, precision, type };
}

/** What a placeholder shows, as the checker knows it: an integer, a float, a number that may be either, or a string. */
export type ValueKind = "int" | "float" | "number" | "string";

/** A Python error message as a diagnostic says it: lower case first, no final period. */
function asDiagnostic(message: string): string {
  return (message[0].toLowerCase() + message.slice(1)).replace(/\.$/, "");
}

/**
 * undefined when a value of `kind` formats with `spec` (in Python, and here), else
 * why not: the checker's CBC305, with this file's one parser of format specs.
 */
export function checkFormatSpec(spec: string, kind: ValueKind): string | undefined {
  let parsed: FormatSpec;
  try {
    parsed = parseFormatSpec(spec);
  } catch (error) {
    return asDiagnostic(error instanceof Error ? error.message : String(error));
  }
  const type = parsed.type === "" ? undefined : parsed.type;
  // `n` (locale) and `c` (a character) are Python's, but formatValue does not write them.
  if (type === "n" || type === "c") return `format code '${type}' is not supported`;
  if (type !== undefined && !INT_TYPES.has(type) && !FLOAT_TYPES.has(type) && type !== "s") return `unknown format code '${type}'`;
  if (kind === "string") {
    if (type !== undefined && type !== "s") return `format code '${type}' needs a number, and this is a string`;
    if (parsed.sign !== undefined) return "sign not allowed in string format specifier";
    if (parsed.alternate) return "alternate form (#) not allowed in string format specifier";
    if (parsed.align === "=") return "'=' alignment not allowed in string format specifier";
    if (parsed.grouping !== undefined) return `cannot specify '${parsed.grouping}' with a string`;
    if (parsed.coerceNegativeZero) return "negative zero coercion (z) not allowed in string format specifier";
    return undefined;
  }
  if (type === "s") return "format code 's' needs a string, and this is a number";
  const integerType = type !== undefined && INT_TYPES.has(type);
  if (integerType) {
    if (kind === "float") return `format code '${type}' needs an integer, and this value is a float`;
    // Only `d` formats an integral float as the integer (formatValue's one leniency).
    if (kind === "number" && type !== "d") return `format code '${type}' needs an integer, and this value may be a float`;
    if (parsed.precision !== undefined) return "precision not allowed in integer format specifier";
  }
  const integerPresentation = type === undefined || integerType;
  if (kind === "int" && integerPresentation && parsed.precision !== undefined) return "precision not allowed in integer format specifier";
  if ((kind === "int" && integerPresentation) || integerType) {
    if (parsed.coerceNegativeZero) return "negative zero coercion (z) not allowed in integer format specifier";
  }
  return undefined;
}

/**
 * Formats one value as `format(value, spec)` does in Python 3.11, with the
 * same rounding: the exact binary value, half to even (`.2f` of 0.125 is
 * "0.12", of 2.675 is "2.67"). Not supported: `n` (locale) and `c`.
 *
 * One deliberate difference: Python raises on `d` for a float. Metrics are
 * floats, and `{val_acc:03d}`-style templates are written by people who mean
 * the integer, so an integral float formats as that integer; a non-integral
 * one formats as if no type were given (repr, keeping fill/width/sign).
 */
export function formatValue(arg: FormatArg, spec: string): string {
  const parsed = parseFormatSpec(spec);
  if (typeof arg === "string") return formatString(arg, parsed);
  if (typeof arg === "boolean") {
    // bool.__format__ is int.__format__, except that an empty spec gives str().
    return spec === "" ? (arg ? "True" : "False") : formatInt(arg ? 1 : 0, parsed, "bool");
  }
  if (typeof arg === "number") {
    if (parsed.type === "d" && Number.isInteger(arg)) return formatInt(arg, parsed, "float");
    if (parsed.type === "d") return formatFloat(arg, { ...parsed, type: "" });
    return formatFloat(arg, parsed);
  }
  if (!Number.isInteger(arg.int)) throw new Error(`an int placeholder value must be a whole number, got ${arg.int}`);
  return formatInt(arg.int, parsed, "int");
}

// ---------------------------------------------------------------------------
// Strings

function formatString(value: string, spec: FormatSpec): string {
  if (spec.type !== "" && spec.type !== "s") throw new Error(`Unknown format code '${spec.type}' for object of type 'str'`);
  if (spec.sign !== undefined) throw new Error("Sign not allowed in string format specifier");
  if (spec.alternate) throw new Error("Alternate form (#) not allowed in string format specifier");
  if (spec.coerceNegativeZero) throw new Error("Negative zero coercion (z) not allowed in format specifier");
  if (spec.grouping !== undefined) throw new Error(`Cannot specify '${spec.grouping}' with 's'.`);
  if (spec.align === "=") throw new Error("'=' alignment not allowed in string format specifier");
  const body = spec.precision === undefined ? value : Array.from(value).slice(0, spec.precision).join("");
  // A leading 0 sets the fill only; strings stay left-aligned (Python >= 3.10).
  const fill = spec.fill ?? (spec.zeroPad ? "0" : " ");
  return pad("", body, spec.width, fill, spec.align ?? "<");
}

// ---------------------------------------------------------------------------
// Integers

function formatInt(value: number, spec: FormatSpec, typeName: "int" | "bool" | "float"): string {
  const type = spec.type === "" ? "d" : spec.type;
  if (FLOAT_TYPES.has(type)) return formatFloat(value, spec);
  if (!INT_TYPES.has(type)) throw new Error(`Unknown format code '${type}' for object of type '${typeName}'`);
  if (spec.precision !== undefined) throw new Error("Precision not allowed in integer format specifier");
  if (spec.coerceNegativeZero) throw new Error("Negative zero coercion (z) not allowed in integer format specifier");
  const magnitude = BigInt(Math.abs(value));
  const radix = type === "d" ? 10 : type === "b" ? 2 : type === "o" ? 8 : 16;
  let digits = magnitude.toString(radix);
  if (type === "X") digits = digits.toUpperCase();
  const prefix = spec.alternate && type !== "d" ? `0${type === "X" ? "X" : type}` : "";
  const groupSize = radix === 10 ? 3 : 4;
  return assembleNumber(signOf(value < 0, spec) + prefix, digits, "", spec, groupSize);
}

// ---------------------------------------------------------------------------
// Floats

function formatFloat(value: number, spec: FormatSpec): string {
  const type = spec.type;
  const upper = type === "E" || type === "F" || type === "G";
  let x = value;
  let suffix = "";
  if (type === "%") {
    x = value * 100; // Python multiplies in double precision too
    suffix = "%";
  }
  let negative = x < 0 || Object.is(x, -0);
  if (!Number.isFinite(x)) {
    const word = Number.isNaN(x) ? "nan" : "inf";
    if (Number.isNaN(x)) negative = false;
    // Python pads nan/inf with the fill (zeros included) but never groups them.
    return assembleNumber(signOf(negative, spec), "", (upper ? word.toUpperCase() : word) + suffix, { ...spec, grouping: undefined }, 3);
  }
  const magnitude = Math.abs(x);
  let body: string;
  switch (type) {
    case "f":
    case "F":
    case "%":
      body = fixedNotation(magnitude, spec.precision ?? 6, spec.alternate);
      break;
    case "e":
    case "E":
      body = scientificNotation(magnitude, spec.precision ?? 6, spec.alternate);
      break;
    case "g":
    case "G":
      body = generalNotation(magnitude, spec.precision ?? 6, spec.alternate, false);
      break;
    case "":
      body =
        spec.precision === undefined
          ? reprNotation(magnitude, spec.alternate)
          : generalNotation(magnitude, spec.precision, spec.alternate, true);
      break;
    default:
      throw new Error(`Unknown format code '${type}' for object of type 'float'`);
  }
  if (upper) body = body.toUpperCase();
  if (negative && spec.coerceNegativeZero && !/[1-9]/.test(body.replace(/e.*$/i, ""))) negative = false;
  // Split the leading digit run (which grouping and zero padding act on) from the rest.
  const digitRun = /^[0-9]*/.exec(body)![0];
  return assembleNumber(signOf(negative, spec), digitRun, body.slice(digitRun.length) + suffix, spec, 3);
}

function reprNotation(magnitude: number, alternate: boolean): string {
  const repr = pyRepr(magnitude);
  if (!alternate || repr.includes(".")) return repr;
  const e = repr.indexOf("e");
  return e < 0 ? `${repr}.` : `${repr.slice(0, e)}.${repr.slice(e)}`;
}

function fixedNotation(magnitude: number, precision: number, alternate: boolean): string {
  const digits = roundScaled(magnitude, precision).toString().padStart(precision + 1, "0");
  const intPart = digits.slice(0, digits.length - precision);
  const fraction = digits.slice(digits.length - precision);
  return precision > 0 ? `${intPart}.${fraction}` : alternate ? `${intPart}.` : intPart;
}

function scientificNotation(magnitude: number, precision: number, alternate: boolean): string {
  const { digits, exponent } = significantDigits(magnitude, precision + 1);
  const mantissa = precision > 0 || alternate ? `${digits[0]}.${digits.slice(1)}` : digits;
  return mantissa + exponentSuffix(exponent);
}

/**
 * `g` (and, with `addDotZero`, the no-type-with-precision form): p significant
 * digits; scientific when the exponent X after rounding is < -4 or >= p
 * (>= p - 1 for the no-type form, as CPython's format_float_short does).
 */
function generalNotation(magnitude: number, requested: number, alternate: boolean, addDotZero: boolean): string {
  const precision = requested === 0 ? 1 : requested;
  const rounded = significantDigits(magnitude, precision);
  let digits = rounded.digits;
  const exponent = rounded.exponent;
  if (!alternate) digits = digits.replace(/0+$/, "") || "0";
  const pointAt = exponent + 1;
  const useExponent = pointAt <= -4 || pointAt > (addDotZero ? precision - 1 : precision);
  if (useExponent) {
    const rest = digits.slice(1);
    return `${digits[0]}${rest !== "" || alternate ? `.${rest}` : ""}${exponentSuffix(exponent)}`;
  }
  let body: string;
  if (pointAt <= 0) body = `0.${"0".repeat(-pointAt)}${digits}`;
  else if (pointAt >= digits.length) body = `${digits}${"0".repeat(pointAt - digits.length)}${alternate ? "." : ""}`;
  else body = `${digits.slice(0, pointAt)}.${digits.slice(pointAt)}`;
  if (addDotZero && !body.includes(".")) body += ".0";
  else if (addDotZero && body.endsWith(".")) body += "0";
  return body;
}

function exponentSuffix(exponent: number): string {
  return `e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

// ---------------------------------------------------------------------------
// Exact decimal expansion of a double

/** |x| = mantissa * 2^exponent exactly. */
function decompose(magnitude: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, magnitude);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  return biased === 0
    ? { mantissa: fraction, exponent: -1074 }
    : { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

/** round(|x| * 10^power) to an integer, ties to even, computed exactly. */
function roundScaled(magnitude: number, power: number): bigint {
  const { mantissa, exponent } = decompose(magnitude);
  let numerator = mantissa;
  let denominator = 1n;
  if (exponent >= 0) numerator <<= BigInt(exponent);
  else denominator <<= BigInt(-exponent);
  if (power >= 0) numerator *= 10n ** BigInt(power);
  else denominator *= 10n ** BigInt(-power);
  const quotient = numerator / denominator;
  const twiceRemainder = 2n * (numerator % denominator);
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** Sign of |x| - 10^power, exactly. */
function compareWithPowerOfTen(magnitude: number, power: number): number {
  const { mantissa, exponent } = decompose(magnitude);
  let left = mantissa;
  let right = 1n;
  if (exponent >= 0) left <<= BigInt(exponent);
  else right <<= BigInt(-exponent);
  if (power >= 0) right *= 10n ** BigInt(power);
  else left *= 10n ** BigInt(-power);
  return left === right ? 0 : left > right ? 1 : -1;
}

/** |x| rounded to n significant digits (ties to even): digits d1..dn and X with |x| ~ d1.d2..dn * 10^X. */
function significantDigits(magnitude: number, n: number): { digits: string; exponent: number } {
  if (magnitude === 0) return { digits: "0".repeat(n), exponent: 0 };
  let exponent = Math.floor(Math.log10(magnitude));
  // log10 can be off by one near powers of ten; settle it exactly.
  while (compareWithPowerOfTen(magnitude, exponent) < 0) exponent--;
  while (compareWithPowerOfTen(magnitude, exponent + 1) >= 0) exponent++;
  let scaled = roundScaled(magnitude, n - 1 - exponent);
  if (scaled === 10n ** BigInt(n)) {
    scaled /= 10n;
    exponent++;
  }
  return { digits: scaled.toString(), exponent };
}

// ---------------------------------------------------------------------------
// Sign, grouping, padding

function signOf(negative: boolean, spec: FormatSpec): string {
  if (negative) return "-";
  return spec.sign === "+" ? "+" : spec.sign === " " ? " " : "";
}

/**
 * Lays out sign/prefix, the digit run (grouped) and the rest, then pads.
 * With fill '0' and '=' alignment Python widens the digit run itself, so the
 * zeros are grouped too: `format(1234, '08,')` is '0,001,234'.
 */
function assembleNumber(lead: string, digits: string, rest: string, spec: FormatSpec, groupSize: number): string {
  const fill = spec.fill ?? (spec.zeroPad ? "0" : " ");
  const align = spec.align ?? (spec.zeroPad ? "=" : ">");
  let run = digits;
  if (spec.grouping !== undefined) {
    const minWidth = fill === "0" && align === "=" && spec.width !== undefined ? spec.width - lead.length - Array.from(rest).length : 0;
    run = group(digits, spec.grouping, groupSize, minWidth);
  }
  return pad(lead, run + rest, spec.width, fill, align);
}

// CPython's InsertThousandsGrouping: groups from the right, padding with zeros
// up to minWidth, and never starting with a separator.
function group(digits: string, separator: string, size: number, minWidth: number): string {
  const groups: string[] = [];
  let remaining = digits.length;
  let width = minWidth;
  for (;;) {
    const take = Math.min(size, Math.max(remaining, width, 1));
    const chars = Math.max(0, Math.min(remaining, take));
    const zeros = Math.max(0, take - remaining);
    groups.unshift("0".repeat(zeros) + digits.slice(remaining - chars, remaining));
    remaining -= chars;
    width -= take;
    if (remaining <= 0 && width <= 0) break;
    width -= separator.length;
  }
  return groups.join(separator);
}

function pad(lead: string, body: string, width: number | undefined, fill: string, align: Align): string {
  const length = Array.from(lead).length + Array.from(body).length;
  const missing = width === undefined ? 0 : Math.max(0, width - length);
  if (missing === 0) return lead + body;
  switch (align) {
    case "<":
      return lead + body + fill.repeat(missing);
    case ">":
      return fill.repeat(missing) + lead + body;
    case "=":
      return lead + fill.repeat(missing) + body;
    case "^": {
      const left = Math.floor(missing / 2);
      return fill.repeat(left) + lead + body + fill.repeat(missing - left);
    }
  }
}

// ---------------------------------------------------------------------------
// Templates

export type TemplatePart = { kind: "text"; text: string } | { kind: "field"; name: string; spec: string };

/**
 * Splits a template into literal text and `{name}` / `{name:spec}` fields,
 * with `{{` and `}}` as escapes. Throws, as Python does, on an unmatched
 * brace; also on what this subset leaves out: positional `{}` fields,
 * `{a.b}` / `{a[0]}` lookups, `!r` conversions and nested `{}` in a spec.
 */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = "";
  let i = 0;
  while (i < template.length) {
    const ch = template[i];
    if (ch === "}") {
      if (template[i + 1] !== "}") throw new Error(`Single '}' encountered in format string: ${JSON.stringify(template)}`);
      text += "}";
      i += 2;
      continue;
    }
    if (ch !== "{") {
      text += ch;
      i++;
      continue;
    }
    if (template[i + 1] === "{") {
      text += "{";
      i += 2;
      continue;
    }
    const close = template.indexOf("}", i + 1);
    if (close < 0) throw new Error(`Single '{' encountered in format string: ${JSON.stringify(template)}`);
    const field = template.slice(i + 1, close);
    if (field.includes("{")) throw new Error(`nested '{' in the placeholder {${field}} is not supported`);
    const colon = field.indexOf(":");
    const name = colon < 0 ? field : field.slice(0, colon);
    const spec = colon < 0 ? "" : field.slice(colon + 1);
    if (name === "") throw new Error(`placeholder {${field}} needs a name (positional {} fields are not supported)`);
    if (/[.[!]/.test(name)) throw new Error(`placeholder {${field}}: attribute, index and ! conversions are not supported`);
    if (text !== "") parts.push({ kind: "text", text });
    text = "";
    parts.push({ kind: "field", name, spec });
    i = close + 1;
  }
  if (text !== "") parts.push({ kind: "text", text });
  return parts;
}

/** Python's `template.format(**values)` with values from `lookup`; a name it lacks is an Error naming the placeholder. */
export function formatTemplate(template: string, lookup: (name: string) => FormatArg | undefined): string {
  let result = "";
  for (const part of parseTemplate(template)) {
    if (part.kind === "text") {
      result += part.text;
      continue;
    }
    const value = lookup(part.name);
    if (value === undefined) {
      throw new Error(`no value for placeholder {${part.name}} in ${JSON.stringify(template)}`);
    }
    try {
      result += formatValue(value, part.spec);
    } catch (error) {
      throw new Error(`placeholder {${part.name}:${part.spec}} in ${JSON.stringify(template)}: ${(error as Error).message}`);
    }
  }
  return result;
}
