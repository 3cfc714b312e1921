// Collecting diagnostics, and quoting source text in messages.
import { catalogue, type DiagnosticCode } from "../diagnostics/catalogue.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../syntax/ast.js";

/**
 * Source text with comments removed and whitespace runs folded to one space,
 * except inside strings and backquoted names, which stay as written.
 */
export function foldSource(text: string): string {
  let out = "";
  let pendingSpace = false;
  let i = 0;
  const emit = (piece: string) => {
    if (pendingSpace && out.length > 0) out += " ";
    pendingSpace = false;
    out += piece;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      pendingSpace = true;
    } else if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      pendingSpace = true;
      i++;
    } else if (c === '"' || c === "`") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== "\n") j += c === '"' && text[j] === "\\" ? 2 : 1;
      emit(text.slice(i, Math.min(j + 1, text.length)));
      i = j + 1;
    } else {
      emit(c);
      i++;
    }
  }
  return out;
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly file: string,
    readonly source: string,
  ) {}

  report(code: DiagnosticCode, span: Span, message: string, hint?: string): void {
    const diagnostic: Diagnostic = { code, severity: catalogue[code].severity, message, file: this.file, span };
    if (hint !== undefined) diagnostic.hint = hint;
    this.diagnostics.push(diagnostic);
  }

  /** The source of a span, folded and shortened, for quoting in a message. */
  quote(span: Span, max = 48): string {
    const text = foldSource(this.source.slice(span.start.offset, span.end.offset));
    if (text.length === 0) return "this";
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }
}
