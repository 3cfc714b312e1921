// Emitted modules type-check under `strict` (and the stricter flags users turn
// on) against the real tfjs types, and their option interfaces reject wrong
// options: one TypeScript program over the standard library, the examples, the
// golden sources (test/fixtures/golden), a module using every construct, and code that uses them.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compile } from "../../src/compiler.js";
import { strictProgram } from "../support/typecheck.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Every construct of the language in one file (a bare-rules class too), so each emitter path is type-checked. */
const EVERYTHING = `# every construct
metrics loss, val_loss, acc, val_acc, \`output_1/val_loss\`

callback Everything(patience: int >= 0 = 3, factor: number in (0, 1) = 0.5, mode: "min" | "max" | "auto" = "auto", monitor: metric = val_loss, baseline: number?, name: string = "run", verbose_log: bool = true, schedule: fn(epoch, lr)) {
  let count = 0
  let total = 1.5
  on train begin then call started
  on epoch begin then lr = schedule(epoch, lr)
  at epoch 5 when count >= 1 then total = total * 2, total += 1
  when monitor plateau patience min_delta 0.01 cooldown 1 mode mode baseline baseline from epoch 2 then lr *= factor, count += 1
  when val_acc improves min_delta 0.001 then save model to "ckpt/{name}-{epoch:03d}" keep 2
  every 3 epochs then save weights to "w/{epoch}-{lr:.2e}-{count}"
  every 2 epochs when best(val_loss) < prev(val_loss) and mean(acc, 2) > acc then print "best {val_loss:.3f} at {epoch} of {epochs}"
  every 10 batches then tensorboard "tb/{name}"
  on epoch end when verbose_log then log to "logs/{name}.csv" separator ";" append
  when mean(val_loss, 3) > 1 or \`output_1/val_loss\` is nan then stop
  on batch end when loss is inf or elapsed > 2h or -loss ** 2 < -1e9 then call diverged
  on batch end when batch % 7 == 0 and step >= 100 then lr = clamp(lr, 1e-6, 1) * exp(0) / sqrt(abs(1)) + floor(0.5) * ceil(0.1) * round(2.5) * cos(pi) * sin(0) + min(log(1), 2)
  on train end then restore best weights of monitor
}

when val_loss plateau 2 then lr /= 2
on epoch end when lr < 1e-5 then lr -= 0, stop

# The extensions of docs/language.md: paths and separators from params, required params, number[] and piecewise, progress.
callback Extended(dir: string, sep: string = ";", boundaries: number[] = [2, 4], values: number[] = [0.1, 0.01, 0.001]) {
  on epoch begin then lr = piecewise(epoch, boundaries, values)
  when val_loss improves then save model to dir keep 1
  on epoch end then log to dir separator sep
  on batch end then progress
}
`;

/**
 * Code a user writes against the emitted classes. Each `@ts-expect-error`
 * must meet an error (an unused one is an error itself), so wrong options
 * are proven to be rejected, and the rest to be accepted.
 */
const USAGE = `import * as tf from "@tensorflow/tfjs";
import type { Firing, HookContext } from "cbc-runtime";
import { Everything, EverythingCallback, Extended } from "./everything.js";
import { Training } from "./train.js";
import { ReduceLrCallback } from "./reduce-lr.js";
import { EarlyStopping } from "./early-stopping.js";
import { LearningRateScheduler } from "./learning-rate-scheduler.js";

const training = new Training({ patience: 3, minLr: 1e-5, verbose: 1 });
// @ts-expect-error patience is a number
new Training({ patience: "3" });
// @ts-expect-error an option the class does not have
new Training({ patiense: 3 });
// @ts-expect-error a class without \`call\` actions takes no hook functions
new ReduceLrCallback({ hooks: { x: () => 1 } });
new EarlyStopping({ monitor: "val_acc", mode: "max", baseline: 0.5, restoreBestWeights: true });
// @ts-expect-error mode is one of "min" | "max" | "auto"
new EarlyStopping({ mode: "maximum" });
new LearningRateScheduler({ schedule: (epoch: number, lr: number) => (epoch < 2 ? lr : lr * 0.5) });
// @ts-expect-error schedule is required
new LearningRateScheduler({});
// @ts-expect-error schedule returns a number
new LearningRateScheduler({ schedule: (epoch: number) => String(epoch) });

const seen: number[] = [];
const everything = new Everything({
  schedule: (epoch, lr) => lr / (1 + epoch),
  mode: "max",
  hooks: {
    started: (context: HookContext) => {
      const model: tf.LayersModel = context.model;
      const loss: number | undefined = context.metrics["loss"];
      seen.push(context.epoch, context.batch, context.step, context.lr, context.elapsed, model.layers.length, loss ?? 0);
      const at: string = context.rule.at;
      return at;
    },
    diverged: () => undefined,
  },
});
// @ts-expect-error hooks are required when the rules \`call\` them
new Everything({ schedule: (epoch, lr) => lr });
// @ts-expect-error every hook the rules call must be given
new Everything({ schedule: (epoch, lr) => lr, hooks: { started: () => 1 } });

const extended = new Extended({ dir: "out/{epoch:03d}", boundaries: [10], values: [0.1, 0.01] });
// @ts-expect-error a required string param
new Extended({});
// @ts-expect-error number[] holds numbers
new Extended({ dir: "out", values: ["0.1"] });

const firings: readonly Firing[] = training.firings;
const last: number | undefined = firings.at(-1)?.to;

export async function fitAll(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, data: tf.data.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }>) {
  const callbacks = [training, everything, extended, new EverythingCallback(), new ReduceLrCallback({ verbose: 0 })];
  const history: tf.History = await model.fit(x, y, { epochs: 2, validationSplit: 0.2, callbacks });
  await model.fitDataset(data, { epochs: 1, callbacks: [new Training()] });
  for (const callback of callbacks) callback.dispose();
  return { history, last, seen };
}
`;

let dir: string;
let program: ts.Program;
let emitted: string[];

/** Diagnostics of one file, as "line:col message" strings. */
function diagnosticsOf(file: string): string[] {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`not in the program: ${file}`);
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((d) => {
    const { line, character } = d.start === undefined ? { line: -1, character: -1 } : source.getLineAndCharacterOfPosition(d.start);
    return `${line + 1}:${character + 1} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

beforeAll(async () => {
  const tmpRoot = path.join(root, "test/.tmp");
  mkdirSync(tmpRoot, { recursive: true });
  dir = mkdtempSync(path.join(tmpRoot, "typecheck-"));
  const sources: { fileName: string; text: string }[] = [{ fileName: "everything.rules", text: EVERYTHING }];
  for (const folder of ["src/std", "examples", "test/fixtures/golden"]) {
    for (const name of readdirSync(path.join(root, folder)).filter((n) => n.endsWith(".rules"))) {
      sources.push({ fileName: name, text: readFileSync(path.join(root, folder, name), "utf8") });
    }
  }
  emitted = [];
  for (const source of sources) {
    const result = await compile(source.text, { fileName: source.fileName });
    expect(result.diagnostics.filter((d) => d.severity === "error"), source.fileName).toEqual([]);
    for (const file of result.files) {
      writeFileSync(path.join(dir, file.fileName), file.text);
      emitted.push(path.join(dir, file.fileName));
    }
  }
  writeFileSync(path.join(dir, "usage.ts"), USAGE);
  writeFileSync(path.join(dir, "bad.ts"), `import { Training } from "./train.js";\nnew Training({ minLr: "small" });\n`);
  // Flags careful users add on top of strict: generated code must not break their build.
  program = strictProgram([...emitted, path.join(dir, "usage.ts"), path.join(dir, "bad.ts")], {
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    noPropertyAccessFromIndexSignature: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
  });
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("emitted modules type-check against the real tfjs types", () => {
  test("the program holds every golden, std and example module", () => {
    const names = emitted.map((f) => path.basename(f)).sort();
    expect(names).toEqual(
      expect.arrayContaining(["hooks.ts", "lets.ts", "piecewise.ts", "string-param-paths.ts", "early-stopping.ts", "reduce-lr-on-plateau.ts", "learning-rate-scheduler.ts", "terminate-on-nan.ts", "train.ts", "iris.ts", "reduce-lr.ts", "everything.ts"]),
    );
    // The runtime and tfjs were really resolved (else every import would be `any`).
    const files = program.getSourceFiles().map((f) => f.fileName);
    expect(files.some((f) => f.endsWith("src/runtime/engine.ts"))).toBe(true);
    expect(files.some((f) => /@tensorflow\/tfjs-layers\/dist\/.*\.d\.ts$/.test(f))).toBe(true);
  });

  test("no emitted module has a diagnostic", () => {
    const problems = emitted.flatMap((file) => diagnosticsOf(file).map((d) => `${path.basename(file)}:${d}`));
    expect(problems).toEqual([]);
  });

  test("options are typed: right ones accepted, every wrong one rejected", () => {
    expect(diagnosticsOf(path.join(dir, "usage.ts"))).toEqual([]);
  });

  test("the check can fail: a wrong option type is an error", () => {
    // Proves errors in these modules are seen, not swallowed by an \`any\`.
    expect(diagnosticsOf(path.join(dir, "bad.ts")).join("\n")).toMatch(/^2:16 Type 'string' is not assignable to type 'number'/);
  });
});
