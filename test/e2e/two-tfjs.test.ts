// Two copies of @tensorflow/tfjs, for real: a second copy of @tensorflow/tfjs and @tensorflow/tfjs-layers
// (where BaseCallback lives) is laid out under test/.tmp/, as an app with its own nested copy would have
// it, and a model of that copy is fit with cbc's callbacks. tfjs then wraps them as plain configs; cbc
// must say what happened and how to dedupe, not "TypeError: this.enter is not a function".
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EarlyStopping, TerminateOnNaN, TwoTfjsCopiesError } from "cbc";

const root = fileURLToPath(new URL("../..", import.meta.url));
let dir: string;
let other: typeof tf;

/** Copies a package's package.json and its Node entry point: enough for require() to load it. */
function copyPackage(name: string, main: string): void {
  const from = path.join(root, "node_modules", name);
  const to = path.join(dir, "node_modules", name);
  mkdirSync(path.join(to, path.dirname(main)), { recursive: true });
  copyFileSync(path.join(from, "package.json"), path.join(to, "package.json"));
  copyFileSync(path.join(from, main), path.join(to, main));
}

beforeAll(() => {
  // Inside the repository, so the copy resolves tfjs-core and the rest from the project's node_modules.
  mkdirSync(path.join(root, "test/.tmp"), { recursive: true });
  dir = mkdtempSync(path.join(root, "test/.tmp/two-tfjs-"));
  copyPackage("@tensorflow/tfjs", "dist/tf.node.js");
  copyPackage("@tensorflow/tfjs-layers", "dist/tf-layers.node.js");
  other = createRequire(path.join(dir, "app.js"))("@tensorflow/tfjs") as typeof tf;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function otherModel(): tf.LayersModel {
  const model = other.sequential({ layers: [other.layers.dense({ inputShape: [2], units: 1 })] });
  model.compile({ optimizer: other.train.sgd(0.1), loss: "meanSquaredError" });
  return model;
}

describe("a model of another copy of @tensorflow/tfjs", () => {
  test("is really another copy: its Callback class is not cbc's", () => {
    expect(other.Callback).not.toBe(tf.Callback);
    expect(new EarlyStopping() instanceof other.Callback).toBe(false);
  });

  test.each([
    ["EarlyStopping", () => new EarlyStopping({ monitor: "loss" })],
    ["TerminateOnNaN", () => new TerminateOnNaN()],
  ])("fit with %s rejects at train begin, saying what happened and how to dedupe", async (name, make) => {
    const model = otherModel();
    const xs = other.ones([4, 2]);
    const ys = other.ones([4, 1]);
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const error = await model.fit(xs, ys, { epochs: 2, callbacks: [make()], verbose: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TwoTfjsCopiesError);
    const message = (error as Error).message;
    expect(message).toContain(`${name}: model.fit() belongs to another copy of @tensorflow/tfjs than the one cbc uses (cbc's is ${tf.version.tfjs})`);
    expect(message).toContain("npm ls @tensorflow/tfjs");
    expect(message).toContain("npm dedupe");
    expect(message).not.toContain("this.enter");
    // Nothing trained: the error came before the first batch.
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    other.dispose([xs, ys]);
    model.dispose();
  });
});
