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

describe("targets no platform writes to are compile errors (CBC405), from the runtime's one target table", () => {
  test.each([
    ['on epoch end then save model to "s3://bucket/x"', 'no platform can run `save model to` "s3://bucket/x": s3:// is not a storage scheme cbc knows'],
    ['on epoch end then save weights to "IndexedDB://u"', 'schemes are written in lower case (indexeddb://, not IndexedDB://)'],
    ['on epoch end then log to "indexeddb://log"', 'no platform can run `log to` "indexeddb://log": indexeddb:// does not take `log to`'],
    ['on epoch end then tensorboard "downloads://tb"', "downloads:// does not take `tensorboard`"],
    ['on epoch end then save model to "https://h/m-{epoch}" keep 2', "`keep` cannot remove checkpoints from https://"],
  ])("%s", (source, message) => {
    const found = check(`${source}\n`, { fileName: "t.rules" }).diagnostics;
    expect(found.map((d) => [d.code, d.severity])).toEqual([["CBC405", "error"]]);
    expect(found[0].message).toContain(message);
    expect(found[0].hint).toMatch(/takes .*\(Node\)/);
  });

  test.each([
    'on epoch end then save model to "indexeddb://best"',
    'on epoch end then save model to "s3-{epoch}/m"',
    'on epoch end then save model to "https://h/m"',
    'on epoch end then save model to "file://ckpt/m-{epoch}" keep 2',
    'on epoch end then log to "downloads://run.csv"',
    'on epoch end then log to "logs/run.csv"',
    'on epoch end then save model to "{epoch}://m"',
  ])("%s: accepted (some platform writes there, or the scheme is known only once formatted)", (source) => {
    expect(diagnostics(`${source}\n`)).toEqual([]);
  });
});
