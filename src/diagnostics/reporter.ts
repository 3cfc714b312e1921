// The one way a stage reports a problem: the parser and the checker both collect through a Reporter,
// so every diagnostic gets its severity from the catalogue and the same shape.
import type { Span } from "../syntax/ast.js";
import { catalogue, type DiagnosticCode } from "./catalogue.js";
import type { Diagnostic, Related } from "./diagnostic.js";

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly file: string) {}

  report(code: DiagnosticCode, span: Span, message: string, hint?: string, related?: readonly Related[]): void {
    if (this.muted()) return;
    const diagnostic: Diagnostic = { code, severity: catalogue[code].severity, message, file: this.file, span };
    if (hint !== undefined) diagnostic.hint = hint;
    if (related !== undefined && related.length > 0) diagnostic.related = [...related];
    this.diagnostics.push(diagnostic);
  }

  /** Whether reports are dropped right now (the checker's recovery); never for the base reporter. */
  protected muted(): boolean {
    return false;
  }
}
