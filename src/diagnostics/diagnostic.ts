// The Diagnostic type: problems are data, rendered later (terminal or JSON).
import type { Span } from "../syntax/ast.js";
import type { DiagnosticCode } from "./catalogue.js";

export type Severity = "error" | "warning";

/** Another place in the same file that explains a diagnostic (LSP `relatedInformation`; a `note:` frame in the terminal). */
export interface Related {
  message: string;
  span: Span;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  file: string;
  span: Span;
  /** What to write instead, or a did-you-mean. */
  hint?: string;
  /** The other places the message speaks of: the first of two duplicates, the opening of an unclosed block, ... */
  related?: Related[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Sort by file, then position, so output is stable whatever order checks ran in. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      a.span.start.offset - b.span.start.offset ||
      a.code.localeCompare(b.code),
  );
}
