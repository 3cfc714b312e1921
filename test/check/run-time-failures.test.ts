// What could only fail at run time is decided at compile time: literals out of
// every range, constant learning rates the engine refuses, and rules that can
// never fire because a value they use is not reported at their event.
import { describe, expect, test } from "vitest";
import { check } from "../../src/compiler.js";

function diagnostics(source: string): [string, number, string][] {
  return check(source, { fileName: "t.rules" }).diagnostics.map((d) => [d.code, d.span.start.column, d.message]);
}

describe("literals that can only fail at run time are compile errors", () => {
  test.each([
    ["on epoch end then lr = 1e400", 24],
    ["on epoch end when epoch > 1e400 then stop", 27],
    ["on epoch end when elapsed > 1e306h then stop", 29],
  ])("%s: CBC105, the number is too large", (source, column) => {
    expect(diagnostics(`${source}\n`)).toEqual([["CBC105", column, expect.stringContaining("is too large for a number")]]);
  });

  test.each(["lr = -0.1", "lr = -inf", "lr = inf", "lr = 0.1 - 0.2"])("%s: CBC301, a learning rate the engine refuses", (assign) => {
    expect(diagnostics(`on epoch end then ${assign}\n`)).toEqual([["CBC301", 24, expect.stringMatching(/^the learning rate must be a number in \[0, inf\), got /)]]);
  });

  test.each(["lr = 0", "lr = 1e-6", "lr = 1e308", "lr *= -1", "lr = lr * 0.5"])("%s: accepted (constant and valid, or known only at run time)", (assign) => {
    expect(diagnostics(`on epoch end then ${assign}\n`)).toEqual([]);
  });
});

describe("rules that can never fire are warned about, whatever makes them so", () => {
  test.each([
    ['on batch end then print "{val_loss}"', "validation metrics such as `val_loss` are reported at epoch end"],
    ['on epoch begin then print "{loss}"', "tfjs reports no metrics at epoch begin"],
    ['on train begin then save model to "m-{acc:.2f}"', "tfjs reports no metrics at train begin"],
    ["on batch end then lr = val_loss * 0 + 0.1", "validation metrics such as `val_loss` are reported at epoch end"],
    ["on batch begin when loss > 1 then stop", "tfjs reports no metrics at batch begin"],
  ])("%s: CBC404", (source, why) => {
    const found = check(`${source}\n`, { fileName: "t.rules" }).diagnostics;
    expect(found.map((d) => [d.code, d.severity])).toEqual([["CBC404", "warning"]]);
    expect(found[0].message).toContain(why);
  });

  test.each(['on epoch end then print "{val_loss}"', 'on batch end then print "{loss} {epoch}"', 'on epoch begin then print "{epoch} {lr}"'])("%s: no warning", (source) => {
    expect(diagnostics(`${source}\n`)).toEqual([]);
  });
});
