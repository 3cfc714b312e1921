// Checkpoints: tfjs-node layout, round trips in pure tfjs, atomic replacement, crash recovery, pruning, write errors.

import * as tf from "@tensorflow/tfjs";
import { spawn } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WriteError, writeFileAtomic } from "../../src/runtime/atomic.js";
import {
  CheckpointKeeper,
  CheckpointLoadError,
  fileLoader,
  loadWeights,
  saveModel,
} from "../../src/runtime/checkpoint.js";

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-ckpt-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

let dirCounter = 0;
function freshDir(name = "ckpt"): string {
  dirCounter += 1;
  return path.join(root, `case-${dirCounter}`, name);
}

function sequentialModel(hidden = 8): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: hidden, inputShape: [4], activation: "relu" }));
  model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
  return model;
}

function functionalModel(): tf.LayersModel {
  const input = tf.input({ shape: [5] });
  const left = tf.layers.dense({ units: 6, activation: "tanh" }).apply(input) as tf.SymbolicTensor;
  const right = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([left, right]) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2 }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

function weightValues(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function predictValues(model: tf.LayersModel, inputWidth: number): number[] {
  return tf.tidy(() => {
    const x = tf.tensor2d(Array.from({ length: 3 * inputWidth }, (_, i) => Math.sin(i + 1)), [3, inputWidth]);
    return Array.from((model.predict(x) as tf.Tensor).dataSync());
  });
}

/** Sets every weight of `model` to the constant `value`, so a load can be traced to one save. */
function fillWeights(model: tf.LayersModel, value: number): void {
  const filled = model.weights.map((w) => tf.fill(w.shape as number[], value));
  model.setWeights(filled);
  tf.dispose(filled);
}

async function exists(target: string): Promise<boolean> {
  return fs.stat(target).then(
    () => true,
    () => false,
  );
}

async function siblingsOf(dir: string): Promise<string[]> {
  return (await fs.readdir(path.dirname(dir))).sort();
}

describe("saveModel + fileLoader round trip", () => {
  const cases: Array<[string, () => tf.LayersModel, number]> = [
    ["sequential", () => sequentialModel(), 4],
    ["functional", () => functionalModel(), 5],
  ];
  for (const [name, build, inputWidth] of cases) {
    it(`${name}: identical weights and predictions after loading`, async () => {
      const model = build();
      const dir = freshDir();
      await saveModel(model, dir);
      const loaded = await tf.loadLayersModel(fileLoader(dir));
      expect(weightValues(loaded)).toEqual(weightValues(model));
      expect(predictValues(loaded, inputWidth)).toEqual(predictValues(model, inputWidth));
      expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
      // Also through a path to model.json, as tfjs-node's file:// URLs name it.
      const viaJson = await tf.loadLayersModel(fileLoader(path.join(dir, "model.json")));
      expect(weightValues(viaJson)).toEqual(weightValues(model));
    });
  }

  it("writes model.json with tfjs-node's keys, order and weight file", async () => {
    const model = sequentialModel();
    const dir = freshDir();
    await saveModel(model, dir);
    expect((await fs.readdir(dir)).sort()).toEqual(["model.json", "weights.bin"]);
    const text = await fs.readFile(path.join(dir, "model.json"), "utf8");
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["modelTopology", "weightsManifest", "format", "generatedBy", "convertedBy"]);
    expect(json.format).toBe("layers-model");
    expect(json.convertedBy).toBeNull();
    expect(json.generatedBy).toMatch(/^TensorFlow\.js tfjs-layers v/);
    // Compact JSON, as NodeFileSystem writes JSON.stringify(modelJSON).
    expect(text).toBe(JSON.stringify(json));
    const manifest = json.weightsManifest as tf.io.WeightsManifestConfig;
    expect(manifest).toHaveLength(1);
    expect(manifest[0]?.paths).toEqual(["weights.bin"]);
    const specs = manifest[0]?.weights ?? [];
    expect(specs.map((s) => s.shape)).toEqual(model.weights.map((w) => w.shape));
    const expectedBytes = specs.reduce((sum, s) => sum + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
    expect((await fs.stat(path.join(dir, "weights.bin"))).size).toBe(expectedBytes);
  });

  it("is readable by tfjs' own model.json parser (what tfjs-node and the http loader use)", async () => {
    const model = functionalModel();
    const dir = freshDir();
    await saveModel(model, dir);
    const json = JSON.parse(await fs.readFile(path.join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
    const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
      const buffers = await Promise.all(
        manifest.flatMap((group) => group.paths).map(async (p) => {
          const bytes = await fs.readFile(path.join(dir, p));
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        }),
      );
      return [manifest.flatMap((group) => group.weights), tf.io.concatenateArrayBuffers(buffers)];
    });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    expect(predictValues(loaded, 5)).toEqual(predictValues(model, 5));
  });

  it("includeOptimizer adds trainingConfig after convertedBy, as tfjs-node writes it, and the model loads compiled", async () => {
    const model = sequentialModel();
    model.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
    const xs = tf.randomNormal([8, 4], 0, 1, "float32", 1);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3);
    await model.fit(xs, ys, { epochs: 1, batchSize: 4, verbose: 0 });
    const dir = freshDir();
    await saveModel(model, dir, { includeOptimizer: true });
    const json = JSON.parse(await fs.readFile(path.join(dir, "model.json"), "utf8")) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["modelTopology", "weightsManifest", "format", "generatedBy", "convertedBy", "trainingConfig"]);
    const loaded = await tf.loadLayersModel(fileLoader(dir));
    expect(loaded.optimizer).toBeDefined();
    expect(predictValues(loaded, 4)).toEqual(predictValues(model, 4));
    // Its weights also load into a fresh model: optimizer slots are not model weights.
    const fresh = sequentialModel();
    await loadWeights(fresh, dir);
    expect(weightValues(fresh)).toEqual(weightValues(model));
    tf.dispose([xs, ys]);
  });

  it("says what is wrong when there is no checkpoint", async () => {
    const dir = freshDir();
    await expect(tf.loadLayersModel(fileLoader(dir))).rejects.toThrow(/cannot load checkpoint .*no model\.json/);
  });
});

describe("weights-only checkpoints", () => {
  it("round trip into a separately built model with other layer names", async () => {
    const source = sequentialModel();
    const dir = freshDir();
    await saveModel(source, dir, { weightsOnly: true });
    expect((await fs.readdir(dir)).sort()).toEqual(["weights.bin", "weights.json"]);
    const manifest = JSON.parse(await fs.readFile(path.join(dir, "weights.json"), "utf8")) as Record<string, unknown>;
    expect(manifest.format).toBe("cbc-weights");
    expect(manifest.formatVersion).toBe(1);
    const target = sequentialModel();
    expect(target.weights[0]?.originalName).not.toBe(source.weights[0]?.originalName);
    expect(weightValues(target)).not.toEqual(weightValues(source));
    await loadWeights(target, dir);
    expect(weightValues(target)).toEqual(weightValues(source));
    expect(predictValues(target, 4)).toEqual(predictValues(source, 4));
  });

  it("refuses weights of another shape, names the weight, and leaves the model unchanged", async () => {
    const dir = freshDir();
    await saveModel(sequentialModel(8), dir, { weightsOnly: true });
    const other = sequentialModel(7);
    const before = weightValues(other);
    const failure = loadWeights(other, dir);
    await expect(failure).rejects.toBeInstanceOf(CheckpointLoadError);
    await expect(failure).rejects.toThrow(/weight #0 does not fit: .*kernel has shape \[4, 7\], .*kernel has shape \[4, 8\]/);
    expect(weightValues(other)).toEqual(before);
  });

  it("refuses a checkpoint with a different number of weights", async () => {
    const dir = freshDir();
    await saveModel(sequentialModel(), dir, { weightsOnly: true });
    await expect(loadWeights(functionalModel(), dir)).rejects.toThrow(/holds 4 weight tensors but the model has 6/);
  });

  it("a full checkpoint cannot be mistaken for a model by fileLoader once overwritten weights-only", async () => {
    const dir = freshDir();
    await saveModel(sequentialModel(), dir);
    await saveModel(sequentialModel(), dir, { weightsOnly: true });
    expect((await fs.readdir(dir)).sort()).toEqual(["weights.bin", "weights.json"]);
    await expect(tf.loadLayersModel(fileLoader(dir))).rejects.toThrow(/no model\.json/);
  });
});

describe("atomic replacement and crash recovery", () => {
  it("overwriting leaves exactly the new checkpoint, loadable, and nothing beside it", async () => {
    const model = sequentialModel();
    const dir = freshDir();
    fillWeights(model, 1);
    await saveModel(model, dir);
    fillWeights(model, 2);
    await saveModel(model, dir);
    const loaded = await tf.loadLayersModel(fileLoader(dir));
    expect(weightValues(loaded).flat().every((v) => v === 2)).toBe(true);
    expect(await siblingsOf(dir)).toEqual(["ckpt"]);
  });

  it("concurrent saves to one directory do not interleave", async () => {
    const model = sequentialModel();
    const dir = freshDir();
    const saves: Array<Promise<void>> = [];
    for (let n = 1; n <= 5; n += 1) {
      fillWeights(model, n);
      saves.push(saveModel(model, dir));
    }
    await Promise.all(saves);
    const loaded = await tf.loadLayersModel(fileLoader(dir));
    expect(weightValues(loaded).flat().every((v) => v === 5)).toBe(true);
    expect(await siblingsOf(dir)).toEqual(["ckpt"]);
  });

  it("a half-written temp dir from a dead process is ignored by loading and removed by the next save", async () => {
    const model = sequentialModel();
    const dir = freshDir();
    fillWeights(model, 3);
    await saveModel(model, dir);
    const deadPid = 2147480000;
    const stale = `${dir}.tmp-${deadPid}-1`;
    await fs.mkdir(stale);
    await fs.writeFile(path.join(stale, "weights.bin"), new Uint8Array(10));
    await fs.writeFile(path.join(stale, "model.json"), '{"modelTopology": {"class_na');
    const loaded = await tf.loadLayersModel(fileLoader(dir));
    expect(weightValues(loaded).flat().every((v) => v === 3)).toBe(true);

    fillWeights(model, 4);
    await saveModel(model, dir);
    expect(await siblingsOf(dir)).toEqual(["ckpt"]);
  });

  it("a crash between the two renames leaves dir missing: loaders read dir.prev, the next save cleans up", async () => {
    const model = sequentialModel();
    const dir = freshDir();
    fillWeights(model, 5);
    await saveModel(model, dir);
    // The state a kill between `dir -> dir.prev` and `dir.tmp -> dir` leaves behind.
    await fs.rename(dir, `${dir}.prev`);
    await fs.mkdir(`${dir}.tmp-2147480001-9`);
    await fs.writeFile(path.join(`${dir}.tmp-2147480001-9`, "weights.bin"), new Uint8Array(3));

    const loaded = await tf.loadLayersModel(fileLoader(dir));
    expect(weightValues(loaded).flat().every((v) => v === 5)).toBe(true);
    const viaWeights = sequentialModel();
    await loadWeights(viaWeights, dir);
    expect(weightValues(viaWeights).flat().every((v) => v === 5)).toBe(true);

    fillWeights(model, 6);
    await saveModel(model, dir);
    expect(await siblingsOf(dir)).toEqual(["ckpt"]);
    const reloaded = await tf.loadLayersModel(fileLoader(dir));
    expect(weightValues(reloaded).flat().every((v) => v === 6)).toBe(true);
  });

  it("a process killed at random moments while saving always leaves one complete checkpoint", async () => {
    const dir = freshDir();
    const work = path.dirname(dir);
    const here = path.dirname(fileURLToPath(import.meta.url));
    const childSource = path.join(work, "child.ts");
    await fs.mkdir(work, { recursive: true });
    await fs.writeFile(
      childSource,
      [
        `import * as tf from "@tensorflow/tfjs";`,
        `import { saveModel } from ${JSON.stringify(path.resolve(here, "../../src/runtime/checkpoint.ts"))};`,
        `async function main(): Promise<void> {`,
        `  const model = tf.sequential({ layers: [tf.layers.dense({ units: 256, inputShape: [256] }), tf.layers.dense({ units: 64 })] });`,
        `  for (let n = Number(process.argv[3]); ; n += 1) {`,
        `    const filled = model.weights.map((w) => tf.fill(w.shape as number[], n));`,
        `    model.setWeights(filled);`,
        `    tf.dispose(filled);`,
        `    await saveModel(model, process.argv[2] as string);`,
        `    process.stdout.write("saved " + n + "\\n");`,
        `  }`,
        `}`,
        `void main();`,
      ].join("\n"),
    );
    const esbuild = await import("esbuild");
    const bundle = path.join(work, "child.cjs");
    await esbuild.build({
      entryPoints: [childSource],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "cjs",
      logLevel: "silent",
      nodePaths: [path.resolve(here, "../../node_modules")],
    });

    let lastSaved = 0;
    const rounds = 8;
    for (let round = 0; round < rounds; round += 1) {
      const child = spawn(process.execPath, [bundle, dir, String(lastSaved + 1)], { stdio: ["ignore", "pipe", "ignore"] });
      let output = "";
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("saved")) resolve();
        });
        child.on("exit", () => reject(new Error(`child exited before saving: ${output}`)));
      });
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      const saved = [...output.matchAll(/saved (\d+)/g)].map((m) => Number(m[1]));
      const confirmed = saved.at(-1) ?? lastSaved;

      const loaded = await tf.loadLayersModel(fileLoader(dir));
      const values = new Set(weightValues(loaded).flat());
      expect(values.size).toBe(1);
      const value = [...values][0] as number;
      // The last confirmed save, or the one that was being swapped in when the kill came.
      expect([confirmed, confirmed + 1]).toContain(value);
      lastSaved = value;
      loaded.dispose();
    }
    // Whatever the kills left beside dir is cleaned up by the next save.
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 256, inputShape: [256] }), tf.layers.dense({ units: 64 })] });
    await saveModel(model, dir);
    expect((await siblingsOf(dir)).filter((name) => name.startsWith("ckpt"))).toEqual(["ckpt"]);
  });
});

describe("CheckpointKeeper", () => {
  async function saveAll(model: tf.LayersModel, dirs: readonly string[], keeper: CheckpointKeeper, scores?: readonly number[]): Promise<void> {
    for (const [index, dir] of dirs.entries()) {
      await saveModel(model, dir, { weightsOnly: true });
      const value = scores?.[index];
      await keeper.add(dir, value === undefined ? undefined : { value, direction: "min" });
    }
  }

  it("keeps the K newest it wrote, counts a re-written path once, and never touches other paths", async () => {
    const model = sequentialModel();
    const parent = path.dirname(freshDir());
    const [a, b, c, d] = ["a", "b", "c", "d"].map((name) => path.join(parent, name)) as [string, string, string, string];
    const unrelated = path.join(parent, "unrelated");
    await saveModel(model, unrelated);
    await fs.writeFile(path.join(parent, "notes.txt"), "keep me");
    const keeper = new CheckpointKeeper(2);

    await saveAll(model, [a, b, c], keeper);
    expect((await fs.readdir(parent)).sort()).toEqual(["b", "c", "notes.txt", "unrelated"]);
    expect(keeper.kept).toEqual([c, b]);

    await saveAll(model, [b], keeper);
    expect(keeper.kept).toEqual([b, c]);
    await saveAll(model, [d], keeper);
    expect((await fs.readdir(parent)).sort()).toEqual(["b", "d", "notes.txt", "unrelated"]);
    expect(keeper.kept).toEqual([d, b]);
  });

  it("ranked best keeps the K best by score, in the score's direction", async () => {
    const model = sequentialModel();
    const parent = path.dirname(freshDir());
    const names = ["e0", "e1", "e2", "e3", "e4"];
    const dirs = names.map((name) => path.join(parent, name));
    const keeper = new CheckpointKeeper(2, "best");
    await saveAll(model, dirs, keeper, [0.5, 0.3, 0.4, 0.6, 0.35]);
    expect((await fs.readdir(parent)).sort()).toEqual(["e1", "e4"]);
    expect(keeper.kept).toEqual([dirs[1], dirs[4]]);
  });

  const rankingTable: Array<{ name: string; direction: "min" | "max"; scores: number[]; kept: string[] }> = [
    { name: "max keeps the largest", direction: "max", scores: [0.1, 0.9, 0.5, 0.7], kept: ["s1", "s3"] },
    { name: "a tie keeps the older", direction: "min", scores: [0.2, 0.2, 0.3, 0.2], kept: ["s0", "s1"] },
    { name: "NaN ranks last", direction: "min", scores: [Number.NaN, 0.5, 0.9], kept: ["s1", "s2"] },
  ];
  for (const row of rankingTable) {
    it(`ranked best: ${row.name}`, async () => {
      const model = sequentialModel();
      const parent = path.dirname(freshDir());
      const keeper = new CheckpointKeeper(2, "best");
      for (const [index, value] of row.scores.entries()) {
        const dir = path.join(parent, `s${index}`);
        await saveModel(model, dir, { weightsOnly: true });
        await keeper.add(dir, { value, direction: row.direction });
      }
      expect((await fs.readdir(parent)).sort()).toEqual(row.kept);
    });
  }

  it("rejects a keep count that is not a positive integer", () => {
    expect(() => new CheckpointKeeper(0)).toThrow(/keep must be an integer >= 1/);
    expect(() => new CheckpointKeeper(1.5)).toThrow(/keep must be an integer >= 1/);
  });
});

describe("write errors", () => {
  it("a path whose parent is a file gives a WriteError naming the path; the previous checkpoint stays loadable", async () => {
    const model = sequentialModel();
    const good = freshDir("good");
    fillWeights(model, 7);
    await saveModel(model, good);
    const blocker = path.join(path.dirname(good), "blocker");
    await fs.writeFile(blocker, "a file, not a directory");
    const requested = path.join(blocker, "epoch-002");

    fillWeights(model, 8);
    const failure = saveModel(model, requested);
    await expect(failure).rejects.toBeInstanceOf(WriteError);
    const error = (await failure.catch((e: unknown) => e)) as WriteError;
    expect(error.path).toBe(requested);
    expect(error.message).toContain(requested);
    expect(error.message).toContain(`"${blocker}" is a file, not a directory`);

    expect(await fs.readFile(blocker, "utf8")).toBe("a file, not a directory");
    const loaded = await tf.loadLayersModel(fileLoader(good));
    expect(weightValues(loaded).flat().every((v) => v === 7)).toBe(true);
    expect((await fs.readdir(path.dirname(good))).sort()).toEqual(["blocker", "good"]);
  });

  it("the checkpoint path itself being a file is a WriteError and the file is untouched", async () => {
    const target = freshDir("model-file");
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, "precious");
    const failure = saveModel(sequentialModel(), target);
    await expect(failure).rejects.toBeInstanceOf(WriteError);
    await expect(failure).rejects.toThrow(/is a file, not a checkpoint directory/);
    expect(await fs.readFile(target, "utf8")).toBe("precious");
    expect(await siblingsOf(target)).toEqual(["model-file"]);
  });

  it("a directory holding other files is not replaced; its files and the old checkpoint survive", async () => {
    const model = sequentialModel();
    const dir = freshDir();
    fillWeights(model, 9);
    await saveModel(model, dir);
    await fs.writeFile(path.join(dir, "README.txt"), "mine");
    fillWeights(model, 10);
    const failure = saveModel(model, dir);
    await expect(failure).rejects.toBeInstanceOf(WriteError);
    await expect(failure).rejects.toThrow(/not part of a checkpoint \(README\.txt\)/);
    expect(await fs.readFile(path.join(dir, "README.txt"), "utf8")).toBe("mine");
    const loaded = await tf.loadLayersModel(fileLoader(dir));
    expect(weightValues(loaded).flat().every((v) => v === 9)).toBe(true);
    expect(await exists(`${dir}.prev`)).toBe(false);
  });
});

describe("writeFileAtomic", () => {
  it("creates parents, replaces whole contents, and leaves no temp file", async () => {
    const file = path.join(path.dirname(freshDir()), "a", "b", "state.json");
    await writeFileAtomic(file, "first");
    expect(await fs.readFile(file, "utf8")).toBe("first");
    await writeFileAtomic(file, new Uint8Array([0x73, 0x65, 0x63]));
    expect(await fs.readFile(file, "utf8")).toBe("sec");
    expect(await fs.readdir(path.dirname(file))).toEqual(["state.json"]);
  });

  it("concurrent writers leave one writer's full contents, never a mix", async () => {
    const file = path.join(path.dirname(freshDir()), "shared.txt");
    const contents = Array.from({ length: 8 }, (_, i) => String(i).repeat(200_000));
    await Promise.all(contents.map((text) => writeFileAtomic(file, text)));
    expect(contents).toContain(await fs.readFile(file, "utf8"));
    expect(await fs.readdir(path.dirname(file))).toEqual(["shared.txt"]);
  });

  it("a path that is a directory is a WriteError naming it; the directory is untouched", async () => {
    const dir = path.join(path.dirname(freshDir()), "is-a-dir");
    await fs.mkdir(path.join(dir, "inside"), { recursive: true });
    const failure = writeFileAtomic(dir, "x");
    await expect(failure).rejects.toBeInstanceOf(WriteError);
    await expect(failure).rejects.toThrow(`cannot write "${dir}": it is a directory, not a file`);
    expect(await fs.readdir(dir)).toEqual(["inside"]);
    expect(await fs.readdir(path.dirname(dir))).toEqual(["is-a-dir"]);
  });

  it("a parent that is a file is a WriteError naming the path and the file in the way", async () => {
    const parent = path.dirname(freshDir());
    await fs.mkdir(parent, { recursive: true });
    const blocker = path.join(parent, "plain-file");
    await fs.writeFile(blocker, "x");
    const file = path.join(blocker, "deeper", "out.txt");
    const error = (await writeFileAtomic(file, "data").catch((e: unknown) => e)) as WriteError;
    expect(error).toBeInstanceOf(WriteError);
    expect(error.path).toBe(file);
    expect(error.message).toBe(`cannot write "${file}": "${blocker}" is a file, not a directory`);
  });
});
