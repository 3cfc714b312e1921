// Collecting diagnostics, and quoting source text in messages.
import { Reporter } from "../diagnostics/reporter.js";
import type { Span } from "../syntax/ast.js";

// Strings and backquoted names (possibly unterminated), comments, whitespace, anything else.
const SOURCE_PIECE = /"(?:[^"\\\n]|\\.)*"?|`[^`\n]*`?|#[^\n]*|\s+|[^"`#\s]+/gy;

/**
 * Source text with comments removed and whitespace runs folded to one space,
 * except inside strings and backquoted names, which stay as written.
 */
export function foldSource(text: string): string {
  const pieces: string[] = [];
  let pendingSpace = false;
  SOURCE_PIECE.lastIndex = 0;
  for (let m = SOURCE_PIECE.exec(text); m !== null; m = SOURCE_PIECE.exec(text)) {
    const piece = m[0];
    if (piece[0] === "#" || /\s/.test(piece[0])) {
      pendingSpace = true;
      continue;
    }
    if (pendingSpace && pieces.length > 0) pieces.push(" ");
    pendingSpace = false;
    pieces.push(piece);
  }
  return pieces.join("");
}

/** The checker's reporter: it quotes source text in messages and stays quiet inside nodes the parser recovered. */
export class CheckReporter extends Reporter {
  /**
   * While set, reports are dropped: the parser already reported an error in
   * a node its recovery cut short, and what is left of it would only cascade.
   */
  private quiet = false;

  constructor(
    file: string,
    readonly source: string,
  ) {
    super(file);
  }

  /** Runs `check` with reports dropped when `recovered` is set. */
  quietIf<T>(recovered: boolean | undefined, check: () => T): T {
    if (!recovered || this.quiet) return check();
    this.quiet = true;
    try {
      return check();
    } finally {
      this.quiet = false;
    }
  }

  protected override muted(): boolean {
    return this.quiet;
  }

  /** The source of a span, folded and shortened, for quoting in a message. */
  quote(span: Span, max = 48): string {
    const text = foldSource(this.source.slice(span.start.offset, span.end.offset));
    if (text.length === 0) return "this";
    return text.length > max ? `${text.slice(0, max - 1)}…` : text;
  }
}
