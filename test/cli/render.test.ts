// Code frames and the JSON shape of diagnostics, exactly as users and tools see them.
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics/diagnostic.js";
import { check } from "../../src/compiler.js";
import { renderDiagnostic, renderSummary, toJson } from "../../src/diagnostics/render.js";
import type { Position } from "../../src/syntax/ast.js";

/** The position of the first `needle` at or after `from`, plus `delta` characters, as the lexer reports it. */
function at(source: string, needle: string, delta = 0, from = 0): Position {
  const found = source.indexOf(needle, from);
  if (found === -1) throw new Error(`no ${needle} in source`);
  const offset = found + delta;
  const before = source.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return { line, column, offset };
}

/** A diagnostic from the first `startNeedle` to the end of the first `endNeedle` after it. */
function diagnostic(source: string, startNeedle: string, endNeedle: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  const start = at(source, startNeedle);
  return {
    code: "CBC200",
    severity: "error",
    message: "unknown metric `val_los`",
    file: "train.rules",
    span: { start, end: at(source, endNeedle, endNeedle.length, start.offset) },
    ...extra,
  };
}

const plain = { color: false };

describe("renderDiagnostic", () => {
  it("underlines a span on one line, with the hint", () => {
    const source = "metrics loss, val_loss\nwhen val_los plateau 10 then lr *= 0.1\n";
    const d = diagnostic(source, "val_los ", "val_los", { hint: "did you mean `val_loss`?" });
    expect(renderDiagnostic(d, source, plain)).toBe(
      [
        "error[CBC200]: unknown metric `val_los`",
        " --> train.rules:2:6",
        "  |",
        "2 | when val_los plateau 10 then lr *= 0.1",
        "  |      ^^^^^^^",
        "  = hint: did you mean `val_loss`?",
      ].join("\n"),
    );
  });

  it("widens the gutter for long line numbers and omits a missing hint", () => {
    const source = `${"# filler\n".repeat(11)}when loss plateau 10 then lr *= 0.1\n`;
    const d = diagnostic(source, "plateau", "10", {
      code: "CBC404",
      severity: "warning",
      message: "rule can never fire",
    });
    expect(renderDiagnostic(d, source, plain)).toBe(
      [
        "warning[CBC404]: rule can never fire",
        "  --> train.rules:12:11",
        "   |",
        "12 | when loss plateau 10 then lr *= 0.1",
        "   |           ^^^^^^^^^^",
      ].join("\n"),
    );
  });

  it("adds a note frame for each related place, the gutter as wide as the widest line number", () => {
    const source = `callback A(x: int) {\n${"  # filler\n".repeat(9)}  let x = 1\n}\n`;
    const first = diagnostic(source, "x: int", "x");
    const d = diagnostic(source, "let x", "let x", {
      code: "CBC204",
      message: "`x` is declared twice",
      hint: "rename or remove one of them",
      related: [{ message: "first declared here", span: first.span }],
    });
    expect(renderDiagnostic(d, source, plain)).toBe(
      [
        "error[CBC204]: `x` is declared twice",
        "  --> train.rules:11:3",
        "   |",
        "11 |   let x = 1",
        "   |   ^^^^^",
        "   = hint: rename or remove one of them",
        "note: first declared here",
        "  --> train.rules:1:12",
        "   |",
        " 1 | callback A(x: int) {",
        "   |            -",
      ].join("\n"),
    );
  });

  it("underlines the first line of a multi-line span to its end", () => {
    const source = "callback Training(\n  patience: int = 10,\n  min_lr: number = 1e-6) {\n}\n";
    const d = diagnostic(source, "patience", "1e-6", { code: "CBC304", message: "bad parameter default" });
    expect(renderDiagnostic(d, source, plain)).toBe(
      [
        "error[CBC304]: bad parameter default",
        " --> train.rules:2:3",
        "  |",
        "2 |   patience: int = 10,",
        "  |   ^^^^^^^^^^^^^^^^^^^",
      ].join("\n"),
    );
  });

  it("keeps the caret under the span when the line has tabs", () => {
    const source = "callback A() {\n\twhen\tval_los plateau 3 then stop\n}\n";
    const d = diagnostic(source, "val_los", "val_los");
    expect(renderDiagnostic(d, source, plain)).toBe(
      [
        "error[CBC200]: unknown metric `val_los`",
        " --> train.rules:2:7",
        "  |",
        "2 |     when    val_los plateau 3 then stop",
        "  |             ^^^^^^^",
      ].join("\n"),
    );
  });

  it("counts a tab inside the span as its display width", () => {
    const source = "when a\t> 1 then stop\n";
    const d = diagnostic(source, "a\t", ">", { code: "CBC306", message: "not a number" });
    expect(renderDiagnostic(d, source, plain).split("\n").slice(3)).toEqual([
      "1 | when a    > 1 then stop",
      "  |      ^^^^^^",
    ]);
  });

  it("gives wide characters two columns and hides control characters", () => {
    const source = 'print "训练\u001b[2J" then x\n';
    const d = diagnostic(source, "then", "x", { code: "CBC101", message: "syntax error" });
    expect(renderDiagnostic(d, source, plain).split("\n").slice(3)).toEqual([
      '1 | print "训练\uFFFD[2J" then x',
      // `print "` 7 columns, 训练 4, the replacement 1, `[2J" ` 5: `then` starts at display column 17.
      `  | ${" ".repeat(17)}^^^^^^`,
    ]);
  });

  it("puts one caret at the end of the line for an empty span at end of file", () => {
    const source = "when loss plateau";
    const end = at(source, "plateau", "plateau".length);
    const d: Diagnostic = { code: "CBC101", severity: "error", message: "syntax error", file: "a.rules", span: { start: end, end } };
    expect(renderDiagnostic(d, source, plain)).toBe(
      ["error[CBC101]: syntax error", " --> a.rules:1:18", "  |", "1 | when loss plateau", "  |                  ^"].join("\n"),
    );
  });

  it("reads CRLF line endings as the lexer does", () => {
    const source = "metrics loss\r\nwhen los is nan then stop\r\n";
    const offset = source.indexOf("los ");
    const d: Diagnostic = {
      code: "CBC200",
      severity: "error",
      message: "unknown metric `los`",
      file: "a.rules",
      span: { start: { line: 2, column: 6, offset }, end: { line: 2, column: 9, offset: offset + 3 } },
    };
    expect(renderDiagnostic(d, source, plain).split("\n").slice(3)).toEqual(["2 | when los is nan then stop", "  |      ^^^"]);
  });

  it("counts \\n, \\r\\n and a lone \\r as line breaks, as the front end does", () => {
    const source = "when a\rb > 1 then stop\nwhen c then stop\n";
    const { diagnostics } = check(source, { fileName: "train.rules" });
    const d = diagnostics.find((x) => x.message.includes("`b`"));
    expect(d?.span.start.line).toBe(2);
    expect(renderDiagnostic(d!, source, plain).split("\n").slice(1, 5)).toEqual([" --> train.rules:2:1", "  |", "2 | b > 1 then stop", "  | ^"]);
  });

  it("shows a window of a very long line around the span", () => {
    const source = `${"x".repeat(500)} val_los ${"y".repeat(500)}\n`;
    const d = diagnostic(source, "val_los", "val_los");
    const [line, carets] = renderDiagnostic(d, source, plain).split("\n").slice(3);
    expect(line.length).toBeLessThan(140);
    expect(line.startsWith("1 | ...")).toBe(true);
    expect(line.endsWith("...")).toBe(true);
    const caretColumn = carets.indexOf("^");
    expect(line.slice(caretColumn, caretColumn + 7)).toBe("val_los");
    expect(carets).toMatch(/^ {2}\| +\^{7}$/);
  });

  it("renders no frame when the span is past the end of the source", () => {
    const d: Diagnostic = {
      code: "CBC101",
      severity: "error",
      message: "syntax error",
      file: "a.rules",
      span: { start: { line: 9, column: 1, offset: 90 }, end: { line: 9, column: 2, offset: 91 } },
      hint: "write a rule",
    };
    expect(renderDiagnostic(d, "when\n", plain)).toBe(["error[CBC101]: syntax error", " --> a.rules:9:1", "  = hint: write a rule"].join("\n"));
  });

  it("colours only when asked", () => {
    const source = "when val_los plateau 10 then stop\n";
    const d = diagnostic(source, "val_los", "val_los", { hint: "did you mean `val_loss`?" });
    const coloured = renderDiagnostic(d, source, { color: true });
    expect(coloured).toContain("\u001b[31m");
    expect(coloured.replace(/\u001b\[\d+m/g, "")).toBe(renderDiagnostic(d, source, plain));
    expect(renderDiagnostic(d, source, plain)).not.toContain("\u001b");
  });
});

describe("renderSummary", () => {
  it.each([
    [0, 0, "no problems"],
    [1, 0, "1 error"],
    [2, 1, "2 errors, 1 warning"],
    [0, 3, "3 warnings"],
  ])("%i errors and %i warnings read %s", (errors, warnings, expected) => {
    expect(renderSummary(errors, warnings)).toBe(expected);
  });
});

describe("toJson", () => {
  it("gives every diagnostic the same keys in the same order, hint null and related [] when absent", () => {
    const source = "when val_los plateau 10 then stop\n";
    const withHint = diagnostic(source, "val_los", "val_los", {
      hint: "did you mean `val_loss`?",
      related: [{ message: "declared here", span: diagnostic(source, "plateau", "plateau").span }],
    });
    const withoutHint = diagnostic(source, "plateau", "10", { code: "CBC404", severity: "warning", message: "rule can never fire" });
    const json = JSON.parse(JSON.stringify(toJson([withHint, withoutHint])));
    expect(json).toEqual([
      {
        code: "CBC200",
        severity: "error",
        message: "unknown metric `val_los`",
        file: "train.rules",
        span: { start: { line: 1, column: 6, offset: 5 }, end: { line: 1, column: 13, offset: 12 } },
        hint: "did you mean `val_loss`?",
        related: [{ message: "declared here", span: { start: { line: 1, column: 14, offset: 13 }, end: { line: 1, column: 21, offset: 20 } } }],
      },
      {
        code: "CBC404",
        severity: "warning",
        message: "rule can never fire",
        file: "train.rules",
        span: { start: { line: 1, column: 14, offset: 13 }, end: { line: 1, column: 24, offset: 23 } },
        hint: null,
        related: [],
      },
    ]);
    for (const entry of json) {
      expect(Object.keys(entry)).toEqual(["code", "severity", "message", "file", "span", "hint", "related"]);
      expect(Object.keys(entry.span.start)).toEqual(["line", "column", "offset"]);
    }
  });

  it("drops fields a diagnostic object may carry beyond the documented shape", () => {
    const source = "when x then stop\n";
    const d = { ...diagnostic(source, "x", "x"), internal: "not for tools" } as Diagnostic;
    expect(Object.keys(toJson([d])[0])).not.toContain("internal");
  });
});
