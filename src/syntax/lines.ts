// Where lines start: one rule for the whole front end and the code frames. A
// line ends at \n, \r\n or a lone \r (classic Mac files), as editors count them.
import type { Position, Span } from "./ast.js";

/** The offset at which each line starts; the first is 0. */
export function lineStarts(source: string): number[] {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const code = source.charCodeAt(i);
    if (code === 10 || (code === 13 && source.charCodeAt(i + 1) !== 10)) starts.push(i + 1);
  }
  return starts;
}

/** Offsets to 1-based lines and columns. */
export class LineMap {
  private readonly lineStarts: number[];

  constructor(source: string) {
    this.lineStarts = lineStarts(source);
  }

  position(offset: number): Position {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo] + 1, offset };
  }

  span(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(end) };
  }
}
