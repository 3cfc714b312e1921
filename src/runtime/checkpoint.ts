// Model checkpoints on disk: tfjs-node's model.json + weights.bin layout, written atomically, read back in pure tfjs, pruned by CheckpointKeeper.
//
// Layout of a checkpoint directory `dir`:
//   full model     dir/model.json  (byte for byte what tfjs-node's `file://` handler writes)
//                  dir/weights.bin
//   weights only   dir/weights.json ({ format: "cbc-weights", formatVersion: 1, generatedBy,
//                                      weightsManifest: [{ paths: ["weights.bin"], weights }] })
//                  dir/weights.bin
//
// Crash safety: a checkpoint is written with writeDirectoryAtomic (atomic.ts):
// staged beside `dir`, then swapped in through `dir.prev`. A process killed at
// any point leaves `dir` or `dir.prev` complete; fileLoader() and loadWeights()
// read `dir.prev` when `dir` is missing.

import * as tf from "@tensorflow/tfjs";
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { PREVIOUS_SUFFIX, removePath, statOrUndefined, writeDirectoryAtomic } from "./atomic.js";
import { KeptCheckpoints, type CheckpointRank } from "./keeper.js";
import { filePathOf } from "./storage-url.js";

export { KeptCheckpoints, type CheckpointRank, type CheckpointScore, type CheckpointStore, type KeptCheckpointsState } from "./keeper.js";

export const MODEL_JSON_FILE = "model.json";
export const WEIGHTS_BIN_FILE = "weights.bin";
export const WEIGHTS_JSON_FILE = "weights.json";
export { PREVIOUS_SUFFIX };
const CHECKPOINT_FILES = new Set([MODEL_JSON_FILE, WEIGHTS_BIN_FILE, WEIGHTS_JSON_FILE]);

export interface SaveModelOptions {
  /** Write only the weights (weights.json + weights.bin); load them with loadWeights(). */
  weightsOnly?: boolean;
  /** Also save the optimizer state and training config, as tfjs' `model.save(url, { includeOptimizer: true })`. */
  includeOptimizer?: boolean;
}

/** The manifest of a weights-only checkpoint (weights.json). */
export interface WeightsOnlyManifest {
  format: "cbc-weights";
  formatVersion: 1;
  generatedBy: string;
  weightsManifest: tf.io.WeightsManifestConfig;
}

/** A checkpoint could not be read, or does not fit the model it is loaded into. */
export class CheckpointLoadError extends Error {
  readonly path: string;

  constructor(checkpointPath: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot load checkpoint "${checkpointPath}": ${reason}`, options);
    this.name = "CheckpointLoadError";
    this.path = checkpointPath;
  }
}

// ---------------------------------------------------------------------------
// Saving

async function captureArtifacts(model: tf.LayersModel, includeOptimizer: boolean): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
    { includeOptimizer },
  );
  if (captured === undefined) throw new Error("model.save() did not hand over any artifacts");
  return captured;
}

function weightBytes(artifacts: tf.io.ModelArtifacts): Uint8Array {
  const data = artifacts.weightData;
  if (data === undefined) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** model.json with the keys, in the order, that tfjs-node's NodeFileSystem writes. */
function modelJsonText(artifacts: tf.io.ModelArtifacts): string {
  if (artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology === undefined) {
    throw new Error("only models with a JSON topology (tf.LayersModel) can be saved");
  }
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN_FILE], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJson.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  return JSON.stringify(modelJson);
}

function weightsJsonText(artifacts: tf.io.ModelArtifacts): string {
  const manifest: WeightsOnlyManifest = {
    format: "cbc-weights",
    formatVersion: 1,
    generatedBy: artifacts.generatedBy ?? "cbc",
    weightsManifest: [{ paths: [WEIGHTS_BIN_FILE], weights: artifacts.weightSpecs ?? [] }],
  };
  return JSON.stringify(manifest);
}

/**
 * Saves `model` to the directory `dir`: model.json + weights.bin as tfjs-node
 * writes them (so `tf.loadLayersModel("file://dir/model.json")` with tfjs-node,
 * or `tf.loadLayersModel(fileLoader(dir))` without it, reads it back), or with
 * `weightsOnly` weights.json + weights.bin for loadWeights(). The previous
 * checkpoint in `dir` stays loadable until the new one is complete. Parent
 * folders are created. Failures are WriteErrors naming `dir`.
 */
export async function saveModel(model: tf.LayersModel, dir: string, options?: SaveModelOptions): Promise<void> {
  const weightsOnly = options?.weightsOnly ?? false;
  const artifacts = await captureArtifacts(model, !weightsOnly && (options?.includeOptimizer ?? false));
  const weights = weightBytes(artifacts);
  const manifest: readonly [string, string] = weightsOnly
    ? [WEIGHTS_JSON_FILE, weightsJsonText(artifacts)]
    : [MODEL_JSON_FILE, modelJsonText(artifacts)];
  // weights.bin first: a reader that finds the manifest finds its weights too.
  const files = [[WEIGHTS_BIN_FILE, weights], manifest] as const;
  await writeDirectoryAtomic(dir, files, { ownedFiles: CHECKPOINT_FILES, kind: "checkpoint" });
}

// ---------------------------------------------------------------------------
// Loading

interface ManifestFile {
  /** The directory the manifest and its weight files are in. */
  dir: string;
  json: Record<string, unknown>;
}

function isEnoent(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

/**
 * Reads the first manifest that exists among `names` in `dir`, or in `dir.prev`
 * when `dir` is missing because a save was interrupted between its two renames.
 */
async function readManifest(location: string, names: readonly string[]): Promise<ManifestFile> {
  const resolved = path.resolve(location);
  const info = await statOrUndefined(resolved).catch(() => undefined);
  let dir: string;
  let candidates: readonly string[];
  if (info?.isFile() === true || (info === undefined && resolved.endsWith(".json"))) {
    dir = path.dirname(resolved);
    candidates = [path.basename(resolved)];
  } else {
    dir = resolved;
    candidates = names;
  }
  for (const candidateDir of [dir, dir + PREVIOUS_SUFFIX]) {
    for (const name of candidates) {
      let text: string;
      try {
        text = await fs.readFile(path.join(candidateDir, name), "utf8");
      } catch (error) {
        if (isEnoent(error) || (error as NodeJS.ErrnoException).code === "ENOTDIR") continue;
        throw new CheckpointLoadError(location, `cannot read ${path.join(candidateDir, name)}: ${(error as Error).message}`, { cause: error });
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new CheckpointLoadError(location, `${path.join(candidateDir, name)} is not valid JSON`, { cause: error });
      }
      if (typeof json !== "object" || json === null || Array.isArray(json)) {
        throw new CheckpointLoadError(location, `${path.join(candidateDir, name)} is not a JSON object`);
      }
      return { dir: candidateDir, json: json as Record<string, unknown> };
    }
  }
  throw new CheckpointLoadError(location, `no ${candidates.join(" or ")} in ${dir}`);
}

async function readWeightFiles(location: string, manifest: ManifestFile): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const groups = manifest.json.weightsManifest;
  if (!Array.isArray(groups)) throw new CheckpointLoadError(location, "the manifest has no weightsManifest");
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of groups as tf.io.WeightsManifestConfig) {
    for (const relative of group.paths) {
      const bytes = await fs.readFile(path.join(manifest.dir, relative));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
    specs.push(...group.weights);
  }
  return { specs, data: tf.io.CompositeArrayBuffer.join(buffers) };
}

/**
 * Retries a read once when a concurrent save swapped the directory between two
 * file reads; other failures become CheckpointLoadErrors naming `location`.
 */
async function withSwapRetry<T>(location: string, read: () => Promise<T>): Promise<T> {
  try {
    try {
      return await read();
    } catch (error) {
      if (!isEnoent(error)) throw error;
      return await read();
    }
  } catch (error) {
    if (error instanceof CheckpointLoadError) throw error;
    throw new CheckpointLoadError(location, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

async function loadArtifacts(location: string): Promise<tf.io.ModelArtifacts> {
  return withSwapRetry(location, async () => {
    const manifest = await readManifest(location, [MODEL_JSON_FILE]);
    const json = manifest.json as Partial<tf.io.ModelJSON>;
    if (json.modelTopology == null) {
      throw new CheckpointLoadError(location, `${path.join(manifest.dir, MODEL_JSON_FILE)} has no modelTopology (a weights-only checkpoint? use loadWeights)`);
    }
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: json.modelTopology,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    };
    if (json.weightsManifest != null) {
      const { specs, data } = await readWeightFiles(location, manifest);
      artifacts.weightSpecs = specs;
      artifacts.weightData = data;
    }
    if (json.trainingConfig != null) artifacts.trainingConfig = json.trainingConfig;
    if (json.signature != null) artifacts.signature = json.signature;
    if (json.userDefinedMetadata != null) artifacts.userDefinedMetadata = json.userDefinedMetadata;
    return artifacts;
  });
}

/**
 * An IOHandler that reads a checkpoint directory (or a path to its model.json)
 * without tfjs-node: `await tf.loadLayersModel(fileLoader("ckpt/best"))`. Reads
 * `dir.prev` when `dir` is missing because a save was cut off mid-swap.
 */
export function fileLoader(location: string): tf.io.IOHandler {
  const dir = checkpointPathOf(location);
  return { load: () => loadArtifacts(dir) };
}

/** A checkpoint's path on this machine: `file://PATH` is PATH; a tfjs storage URL is loaded by tfjs itself. */
function checkpointPathOf(location: string): string {
  const file = filePathOf(location);
  if (file !== undefined) return file;
  throw new CheckpointLoadError(location, `fileLoader and loadWeights read files (a path or file://PATH); load a tfjs storage URL with tf.loadLayersModel(${JSON.stringify(location)})`);
}

function describeShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

/**
 * Loads weights saved by saveModel (weights-only or full) into `model`, in the
 * order of `model.weights` (as Keras' load_weights matches by structure, so
 * auto-generated layer names may differ between processes). Throws a
 * CheckpointLoadError naming the first weight whose shape does not match, or
 * the counts when they differ; the model is left unchanged then.
 */
export async function loadWeights(model: tf.LayersModel, where: string): Promise<void> {
  const location = checkpointPathOf(where);
  const { specs, data } = await withSwapRetry(location, async () => {
    const manifest = await readManifest(location, [WEIGHTS_JSON_FILE, MODEL_JSON_FILE]);
    return readWeightFiles(location, manifest);
  });
  const decoded = tf.io.decodeWeights(data, specs);
  try {
    const modelSpecs = specs.filter((spec) => spec.group !== "optimizer");
    const variables = model.weights;
    if (modelSpecs.length !== variables.length) {
      throw new CheckpointLoadError(
        location,
        `it holds ${modelSpecs.length} weight tensors but the model has ${variables.length}`,
      );
    }
    const tensors = modelSpecs.map((spec, index) => {
      const tensor = decoded[spec.name];
      const variable = variables[index];
      if (tensor === undefined || variable === undefined) {
        throw new CheckpointLoadError(location, `weight "${spec.name}" is listed but has no data`);
      }
      const expected = variable.shape.map((dim) => dim ?? -1);
      if (expected.length !== tensor.shape.length || expected.some((dim, axis) => dim !== tensor.shape[axis])) {
        throw new CheckpointLoadError(
          location,
          `weight #${index} does not fit: the model's ${variable.originalName} has shape ${describeShape(expected)}, ` +
            `the checkpoint's ${spec.name} has shape ${describeShape(tensor.shape)}`,
        );
      }
      return tensor;
    });
    model.setWeights(tensors);
  } finally {
    tf.dispose(Object.values(decoded));
  }
}

// ---------------------------------------------------------------------------
// Pruning: the ranking lives in keeper.ts; on Node a dropped checkpoint is the
// directory (or file) and its `.prev` swap sibling.

/** Deletes a checkpoint and its swap sibling. */
export async function removeCheckpoint(checkpointPath: string): Promise<void> {
  const resolved = path.resolve(checkpointPath);
  await removePath(resolved);
  await removePath(resolved + PREVIOUS_SUFFIX);
}

/** {@link KeptCheckpoints} for paths on this machine. */
export class CheckpointKeeper extends KeptCheckpoints {
  constructor(keep: number, rank: CheckpointRank = "newest") {
    super(keep, rank, { remove: removeCheckpoint, key: (checkpointPath) => path.resolve(checkpointPath) });
  }
}
