// A line ends at \n, \r\n or a lone \r: positions, code frames and rule sites
// agree whatever the file's line endings.
import { describe, expect, test } from "vitest";
import { check, compile } from "../../src/compiler.js";
import { renderDiagnostic } from "../../src/diagnostics/render.js";

const LINES = ["# three rules", "when val_loss plateau 2 then stop", "on epoch end when val_los > 1 then stop", "on epoch end then print \"{epoch}\""];

describe.each([
  ["\\n", "\n"],
  ["\\r\\n", "\r\n"],
  ["\\r (classic Mac)", "\r"],
])("line endings %s", (_, ending) => {
  const source = LINES.join(ending) + ending;

  test("a diagnostic points at its line and column, and its frame shows that line", () => {
    const [diagnostic] = check(source, { fileName: "t.rules" }).diagnostics.filter((d) => d.code === "CBC200" || d.code === "CBC201");
    expect([diagnostic.span.start.line, diagnostic.span.start.column]).toEqual([3, 19]);
    const frame = renderDiagnostic(diagnostic, source, { color: false });
    expect(frame).toContain(" --> t.rules:3:19");
    expect(frame).toContain("3 | on epoch end when val_los > 1 then stop\n");
  });

  test("rule sites name their lines", async () => {
    const [file] = (await compile(source.replace("val_los ", "val_loss "), { fileName: "t.rules" })).files;
    expect(file.text.match(/at: "t\.rules:\d+:\d+"/g)).toEqual(['at: "t.rules:2:1"', 'at: "t.rules:3:1"', 'at: "t.rules:4:1"']);
  });
});
