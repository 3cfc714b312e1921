// The CSV format of Keras' CSVLogger (csv.DictWriter, excel dialect, Python float repr), without
// any file: the Node log (csv.ts) writes it to disk, the browser host keeps it in memory.
import { pyRepr } from "./pyfloat.js";

/** Python's csv module ends rows with "\r\n" (excel dialect). */
const LINE_END = "\r\n";
export const QUOTE = '"';
/** What Keras' CSVLogger writes for a metric missing from the logs. */
const MISSING = "NA";

/** Orders strings by code point, as Python's sorted() does (JS sort compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  const length = Math.min(left.length, right.length);
  for (let i = 0; i < length; i += 1) {
    const difference = (left[i] as string).codePointAt(0)! - (right[i] as string).codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/**
 * One CSV line as Python's csv writer makes it with QUOTE_MINIMAL: a cell is
 * quoted when it holds the separator, a quote, "\r" or "\n"; quotes inside are doubled.
 */
export function formatCsvLine(cells: readonly string[], separator: string): string {
  const quoted = cells.map((cell) => {
    const needsQuotes = cell.includes(separator) || cell.includes(QUOTE) || cell.includes("\r") || cell.includes("\n");
    return needsQuotes ? QUOTE + cell.replaceAll(QUOTE, QUOTE + QUOTE) + QUOTE : cell;
  });
  // Python quotes a record that is one empty field, so the line is not blank.
  if (quoted.length === 1 && quoted[0] === "") return QUOTE + QUOTE + LINE_END;
  return quoted.join(separator) + LINE_END;
}

/** A metric value as Keras' CSVLogger writes it: Python repr, `NA` when missing. */
export function formatCsvNumber(value: number | undefined): string {
  return value === undefined ? MISSING : pyRepr(value);
}

/** Why `separator` cannot separate CSV cells, or undefined when it can. */
export function badSeparator(separator: string): string | undefined {
  if (Array.from(separator).length !== 1) return `CSV separator must be exactly one character, got ${JSON.stringify(separator)}`;
  if (separator === QUOTE || separator === "\r" || separator === "\n") return `CSV separator cannot be ${JSON.stringify(separator)}`;
  return undefined;
}

/** The header cells: epoch, the metric columns sorted by code point (without `epoch` and `lr`), lr. */
export function csvColumns(metrics: readonly string[]): string[] {
  return [...new Set(metrics)].filter((name) => name !== "epoch" && name !== "lr").sort(compareCodePoints);
}

/** One row's cells: the epoch (0-based, as Keras writes it), the columns' values, lr. */
export function csvRow(epoch: number, columns: readonly string[], values: Record<string, number | undefined>): string[] {
  return [Number.isInteger(epoch) ? String(epoch) : pyRepr(epoch), ...columns.map((name) => formatCsvNumber(values[name])), formatCsvNumber(values["lr"])];
}
