// Diagnostics for people (rustc-style code frames) and for tools (a stable JSON shape).
import pc from "picocolors";
import type { Span } from "../syntax/ast.js";
import type { Diagnostic, Severity } from "./diagnostic.js";
import { lineStarts } from "../syntax/lines.js";

export interface RenderOptions {
  /** ANSI colours; the CLI turns them on only for a terminal. */
  color: boolean;
}

/** How many terminal columns a tab takes in a code frame (as rustc shows it). */
const TAB_WIDTH = 4;
/** Source lines wider than this are shown as a window around the span, so a minified or binary file stays readable. */
const MAX_FRAME_WIDTH = 120;
/** Columns of context kept left of the span when a long line is cut. */
const WINDOW_LEAD = 30;

/**
 * One diagnostic as a code frame, then a `note:` frame for each related place:
 *
 * ```
 * error[CBC204]: param `x` is declared twice
 *  --> train.rules:1:20
 *   |
 * 1 | callback A(x: int, x: int) {
 *   |                    ^
 *   = hint: rename or remove one of them
 * note: first declared here
 *  --> train.rules:1:12
 *   |
 * 1 | callback A(x: int, x: int) {
 *   |            -
 * ```
 *
 * A span over several lines is underlined on its first line, to that line's end.
 * The result has no trailing newline.
 */
export function renderDiagnostic(d: Diagnostic, source: string, options: RenderOptions): string {
  const c = pc.createColors(options.color);
  const severityColor = d.severity === "error" ? c.red : c.yellow;
  const related = d.related ?? [];
  const width = Math.max(...[d.span, ...related.map((r) => r.span)].map((span) => String(span.start.line).length));
  const pad = " ".repeat(width);
  const out: string[] = [];
  out.push(`${c.bold(severityColor(`${d.severity}[${d.code}]`))}${c.bold(`: ${printable(d.message)}`)}`);
  out.push(...codeFrame(d.file, d.span, source, pad, (carets) => c.bold(severityColor("^".repeat(carets))), c));
  if (d.hint !== undefined && d.hint !== "") {
    const hintLines = printable(d.hint).split("\n");
    const continuation = `\n${pad}         `;
    out.push(`${pad} ${c.bold(c.blue("="))} ${c.bold("hint")}: ${hintLines.join(continuation)}`);
  }
  for (const note of related) {
    out.push(`${c.bold(c.green("note"))}${c.bold(`: ${printable(note.message)}`)}`);
    out.push(...codeFrame(d.file, note.span, source, pad, (carets) => c.bold(c.blue("-".repeat(carets))), c));
  }
  return out.join("\n");
}

/** ` --> file:line:col` and, when the line exists, the line with `mark` under the span. */
function codeFrame(file: string, span: Span, source: string, pad: string, mark: (carets: number) => string, c: Colors): string[] {
  const bar = c.bold(c.blue("|"));
  const lineNumber = String(span.start.line).padStart(pad.length);
  const out = [`${pad}${c.bold(c.blue("-->"))} ${printable(file)}:${span.start.line}:${span.start.column}`];
  const line = sourceLine(source, span.start.line);
  if (line !== undefined) {
    const startIndex = clamp(span.start.column - 1, 0, line.length);
    const endIndex = span.end.line === span.start.line ? clamp(span.end.column - 1, startIndex, line.length) : line.length;
    const frame = frameLine(line, startIndex, endIndex);
    out.push(`${pad} ${bar}`);
    out.push(`${c.bold(c.blue(lineNumber))} ${bar} ${frame.text}`.trimEnd());
    out.push(`${pad} ${bar} ${" ".repeat(frame.caretStart)}${mark(frame.caretWidth)}`);
  }
  return out;
}

type Colors = ReturnType<typeof pc.createColors>;

/** `2 errors, 1 warning`; `no problems` when both are zero. */
export function renderSummary(errors: number, warnings: number, options: RenderOptions = { color: false }): string {
  const c = pc.createColors(options.color);
  const parts: string[] = [];
  if (errors > 0) parts.push(c.bold(c.red(plural(errors, "error"))));
  if (warnings > 0) parts.push(c.bold(c.yellow(plural(warnings, "warning"))));
  return parts.length === 0 ? "no problems" : parts.join(", ");
}

/** One position in JSON: 1-based line and column (UTF-16 code units), 0-based offset. */
export interface JsonPosition {
  line: number;
  column: number;
  offset: number;
}

/**
 * The JSON form of a diagnostic, as `cbc --format json` prints it. The shape is
 * stable: every key is always present (`hint` is `null` when there is none,
 * `related` is `[]`),
 * in this order; `end` is the position just after the span's last character.
 */
export interface JsonDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  span: JsonSpan;
  hint: string | null;
  /** Other places the message speaks of, in the same file (LSP `relatedInformation`); `[]` when none. */
  related: { message: string; span: JsonSpan }[];
}

export interface JsonSpan {
  start: JsonPosition;
  end: JsonPosition;
}

export function toJson(diagnostics: readonly Diagnostic[]): JsonDiagnostic[] {
  return diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: d.file,
    span: jsonSpan(d.span),
    hint: d.hint ?? null,
    related: (d.related ?? []).map((r) => ({ message: r.message, span: jsonSpan(r.span) })),
  }));
}

function jsonSpan(span: Span): JsonSpan {
  return { start: position(span.start), end: position(span.end) };
}

function position(p: JsonPosition): JsonPosition {
  return { line: p.line, column: p.column, offset: p.offset };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/**
 * The text of 1-based line `lineNumber`, without its terminator; undefined past
 * the end. Lines end where the front end says (syntax/lines.ts): \n, \r\n or \r.
 */
function sourceLine(source: string, lineNumber: number): string | undefined {
  if (!Number.isInteger(lineNumber) || lineNumber < 1) return undefined;
  const starts = lineStarts(source);
  const start = starts[lineNumber - 1];
  if (start === undefined) return undefined;
  return source.slice(start, starts[lineNumber] ?? source.length).replace(/\r?\n$|\r$/, "");
}

interface Cell {
  text: string;
  width: number;
}

/**
 * The source line as the terminal shows it, with the caret's start column and
 * width in that display. Tabs become spaces, control characters a visible
 * replacement (so a binary file cannot drive the terminal), wide characters
 * count two columns. `start`/`end` are UTF-16 indexes into `line`.
 */
function frameLine(line: string, start: number, end: number): { text: string; caretStart: number; caretWidth: number } {
  const cells: Cell[] = [];
  let caretStart = -1;
  let caretEnd = -1;
  let column = 0;
  let index = 0;
  for (const char of line) {
    if (index === start) caretStart = column;
    if (index === end) caretEnd = column;
    const cell = displayCell(char);
    cells.push(cell);
    column += cell.width;
    index += char.length;
  }
  if (caretStart === -1) caretStart = column;
  if (caretEnd === -1 || caretEnd < caretStart) caretEnd = column;
  // An empty span (or one at the end of the line) still gets one caret.
  const caretWidth = Math.max(1, caretEnd - caretStart);

  if (column <= MAX_FRAME_WIDTH) {
    return { text: cells.map((c) => c.text).join(""), caretStart, caretWidth };
  }
  // Cut a window that starts a little left of the caret.
  const windowStart = Math.max(0, caretStart - WINDOW_LEAD);
  const shownCaret = Math.min(caretWidth, MAX_FRAME_WIDTH - WINDOW_LEAD);
  let text = "";
  let at = 0;
  for (const cell of cells) {
    const fits = at + cell.width <= windowStart + MAX_FRAME_WIDTH;
    if (at >= windowStart && fits) text += cell.text;
    // A wide character cut by the window's left edge leaves a blank, keeping the caret aligned.
    else if (at < windowStart && at + cell.width > windowStart) text += " ".repeat(at + cell.width - windowStart);
    at += cell.width;
  }
  const lead = windowStart > 0 ? "..." : "";
  const tail = windowStart + MAX_FRAME_WIDTH < column ? "..." : "";
  return { text: lead + text + tail, caretStart: lead.length + caretStart - windowStart, caretWidth: shownCaret };
}

function displayCell(char: string): Cell {
  if (char === "\t") return { text: " ".repeat(TAB_WIDTH), width: TAB_WIDTH };
  const code = char.codePointAt(0) ?? 0;
  if (isControl(code)) return { text: "\uFFFD", width: 1 };
  if (isCombining(code)) return { text: char, width: 0 };
  return { text: char, width: isWide(code) ? 2 : 1 };
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029;
}

function isCombining(code: number): boolean {
  return (
    (code >= 0x0300 && code <= 0x036f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    code === 0xfeff
  );
}

/** East Asian wide and fullwidth characters and emoji: two terminal columns. */
function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0x303e) ||
    (code >= 0x3041 && code <= 0x33ff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0xa000 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1f9ff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Message text safe for a terminal: control characters (bar newline) are shown escaped. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    if (ch === "\t") return " ";
    return `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;
  });
}
