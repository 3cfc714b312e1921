// The `fail "TEXT"` action: parsed and checked like `print`, and in a real model.fit it rejects the fit with
// the formatted text as a RuleFailure, runs nothing after it (later actions, later rules, train-end rules),
// and leaves the callback's own files complete. `fail` stays a name everywhere else (a soft keyword).
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RuleFailure } from "cbc-runtime";
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { check } from "../../src/compiler.js";
import { parse } from "../../src/syntax/parse.js";
import { drive } from "../support/drive.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "cbc-fail-"));
let printed: string[];
afterAll(async () => {
  await removeLoadedRules();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  printed = [];
  vi.spyOn(console, "log").mockImplementation((line: unknown) => void printed.push(String(line)));
});
afterEach(() => vi.restoreAllMocks());

describe("fail in the front end", () => {
  test("parses to a fail action whose text holds placeholders", () => {
    const { program, diagnostics } = parse('on epoch end when loss > 1 then fail "loss {loss:.2f} at {epoch}", stop\n', "f.rules");
    expect(diagnostics).toEqual([]);
    const rule = program.items[0];
    expect(rule.kind === "rule" && rule.actions.map((a) => a.kind)).toEqual(["fail", "stop"]);
    const action = rule.kind === "rule" ? rule.actions[0] : undefined;
    expect(action?.kind === "fail" && action.text.parts.flatMap((p) => (p.kind === "placeholder" ? [p.name] : []))).toEqual(["loss", "epoch"]);
  });

  test("is still a name: a let variable, a param or a metric may be called fail", () => {
    const source = `callback C(fail_limit: int = 3) {
  let fail = 0
  on epoch end when loss > 1 then fail += 1
  when fail >= fail_limit then fail "failed {fail} times"
}
when fail < 1 then stop
`;
    const { diagnostics } = check(source, { fileName: "names.rules" });
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
});

describe("fail in a real model.fit", () => {
  test("rejects with the formatted text; nothing after it runs; the CSV log is complete", async () => {
    const csv = path.join(dir, "log.csv");
    const Guard = await loadRules(
      `callback Guard {
  on epoch end then log to ${JSON.stringify(csv)}
  when epoch >= 1 and loss < 100 then fail "loss {loss:.1f} at epoch {epoch} of {epochs}", print "after fail"
  when epoch >= 1 then print "later rule"
  on train end then print "train end"
}
`,
      "guard",
      "Guard",
    );
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1, kernelInitializer: "zeros" })] });
    model.compile({ optimizer: tf.train.sgd(0), loss: "meanSquaredError" });
    // The model predicts 0 for targets 2: loss is exactly 4 every epoch.
    const xs = tf.ones([4, 1]);
    const ys = tf.fill([4, 1], 2);
    const callback = new Guard();
    const error = await model.fit(xs, ys, { epochs: 5, batchSize: 4, callbacks: [callback], verbose: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RuleFailure);
    expect((error as RuleFailure).message).toBe("loss 4.0 at epoch 2 of 5");
    expect((error as RuleFailure).rule.at).toBe("guard.rules:3:3");
    expect(printed).toEqual([]);
    expect(callback.firings.map((f) => [f.action, f.epoch])).toEqual([
      ["log", 0],
      ["log", 1],
      ["fail", 1],
    ]);
    // Both rows are on disk, the file closed: the failure lost nothing already logged.
    expect(readFileSync(csv, "utf8").trimEnd().split(/\r?\n/)).toEqual(["epoch,loss,lr", "0,4.0,0.0", "1,4.0,0.0"]);
    callback.dispose();
    tf.dispose([xs, ys]);
  });

  test("at batch end, with the 0-based index copied into a let (as TerminateOnNaN does)", async () => {
    const Batchy = await loadRules(
      `callback Batchy {
  let index = 0
  on batch end when step == 4 then index = batch, fail "step {step}, batch index {index}, batch {batch}"
}
`,
      "batchy",
      "Batchy",
    );
    const run = drive(new Batchy() as unknown as Parameters<typeof drive>[0], { epochs: { loss: [1, 1, 1] }, batches: 3 });
    const error = await run.then(() => undefined, (e: unknown) => e);
    expect((error as Error).message).toBe("step 4, batch index 1, batch 2");
  });
});
