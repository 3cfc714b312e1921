// Resume after a crash, proven by crashing: a real fit in a child process is SIGKILLed at random moments
// (any time, just after an epoch begins = mid-backup-write, just after an epoch ends = mid-checkpoint and
// mid-CSV-row) and restarted until it finishes; the result must equal one uninterrupted run bit for bit.
// The moments come from a seeded generator: the seed is printed, and CBC_RESUME_SEED=<seed> replays it.
import * as tf from "@tensorflow/tfjs";
import { spawn, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { compile } from "../../src/compiler.js";
import { fileLoader, loadWeights } from "../../src/runtime/checkpoint.js";
import { decodeScalarEvent, readRecords } from "../support/tensorboard-reader.js";
import { mulberry32 as random } from "../support/random.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const cacheDir = path.join(root, "node_modules", ".cache", `cbc-resume-${process.pid}`);
let entry = "";
let work = "";

// Lets, a batch-level lr, keep K (newest and best), TensorBoard and mean(): state of every kind.
const POLICY = `callback Policy {
  let bumps = 0
  let total = 0
  on epoch end then total = total + val_loss
  when val_loss > mean(val_loss, 3) then bumps += 1
  when val_loss improves then save weights to "ckpt/best-{epoch:02d}" keep 2
  every 3 epochs then save model to "ckpt/every-{epoch:02d}" keep 2
  on epoch end then tensorboard "tb"
  on batch end when step % 7 == 6 then lr = lr * 0.98
}
`;

const seed = process.env.CBC_RESUME_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.CBC_RESUME_SEED);
process.stdout.write(`resume-kill: seed ${seed} (CBC_RESUME_SEED=${seed} replays the same kill moments)\n`);

interface Exit {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A kill plan: a delay after the n-th stdout line that matches (see the child's markers). */
type Plan = { after: RegExp; nth: number; ms: number } | undefined;

function runChild(dir: string, env: Record<string, string>, plan: Plan): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let seen = 0;
    const kill = (ms: number) => setTimeout(() => child.kill("SIGKILL"), ms);
    child.stdout.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      if (plan === undefined) return;
      for (const line of text.split("\n")) {
        if (plan.after.test(line) && ++seen === plan.nth) kill(plan.ms);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ pid: child.pid ?? 0, code, signal, stdout, stderr }));
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

async function newRunDir(name: string): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

async function runToEnd(dir: string, env: Record<string, string> = {}): Promise<Exit> {
  const exit = await runChild(dir, env, undefined);
  expect(exit.code, exit.stderr).toBe(0);
  return exit;
}

interface KillStats {
  kills: number;
  starts: number;
  midBackup: number;
  midCheckpoint: number;
  warnings: string[];
}

/** Restarts the script after each kill until it finishes; `beforeRestart` may damage things between two runs. */
async function runWithKills(
  dir: string,
  kills: number,
  next: () => number,
  env: Record<string, string> = {},
  beforeRestart?: (kill: number) => Promise<void>,
  firstPlan?: Plan,
): Promise<KillStats> {
  const stats: KillStats = { kills: 0, starts: 0, midBackup: 0, midCheckpoint: 0, warnings: [] };
  for (;;) {
    let plan: Plan;
    if (stats.kills === 0 && firstPlan !== undefined) {
      plan = firstPlan;
    } else if (stats.kills < kills) {
      // Anywhere in the first epochs of the fit (mid-epoch); at a random step of a backup write;
      // at a random step of a checkpoint save or CSV row.
      const kind = stats.kills % 3;
      if (kind === 0) plan = { after: /^@restored/, nth: 1, ms: Math.floor(next() * 40) };
      else if (kind === 1) plan = { after: /^@io .*backup/, nth: 1 + Math.floor(next() * 10), ms: 0 };
      else plan = { after: /^@io .*(ckpt|log\.csv)/, nth: 1 + Math.floor(next() * 12), ms: 0 };
    }
    stats.starts += 1;
    const exit = await runChild(dir, { RESUME_IO_MARKERS: "1", ...env }, plan);
    for (const line of exit.stderr.split("\n")) if (line.startsWith("BackupAndRestore:")) stats.warnings.push(line);
    if (exit.signal === "SIGKILL") {
      stats.kills += 1;
      // What this kill interrupted: its own staging directory, or a swap half done.
      const interrupted = async (sub: string) =>
        (await fs.readdir(path.join(dir, sub)).catch(() => [] as string[])).some((name) => name.includes(`.tmp-${exit.pid}-`) || name.endsWith(".prev"));
      if (await interrupted("backup")) stats.midBackup += 1;
      if (await interrupted("ckpt")) stats.midCheckpoint += 1;
      await beforeRestart?.(stats.kills);
      continue;
    }
    expect(exit.code, `seed ${seed}: the script failed after ${stats.kills} kills:\n${exit.stderr}`).toBe(0);
    expect(exit.stdout).toContain("@done");
    return stats;
  }
}

interface Result {
  weights: string[];
  firings: Record<string, Array<{ action: string; epoch: number; detail?: string }>>;
}

async function readResult(dir: string): Promise<Result> {
  return JSON.parse(await fs.readFile(path.join(dir, "result.json"), "utf8")) as Result;
}

async function weightsOf(location: string): Promise<string[]> {
  let model: tf.LayersModel;
  if (await exists(path.join(location, "model.json"))) {
    model = await tf.loadLayersModel(fileLoader(location));
  } else {
    const { model: build } = await import("../fixtures/resume/child.js");
    model = build();
    await loadWeights(model, location);
  }
  const weights = model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer).toString("base64"));
  model.dispose();
  return weights;
}

/** Scalars of every event file of a run, by file, as (tag, step, value). */
async function eventFiles(dir: string, run: string): Promise<string[][]> {
  const runDir = path.join(dir, "tb", run);
  const files: string[][] = [];
  for (const name of await fs.readdir(runDir)) {
    const records = readRecords(new Uint8Array(await fs.readFile(path.join(runDir, name))));
    files.push(records.slice(1).map((record) => {
      const scalar = decodeScalarEvent(record);
      return `${scalar.tag}@${scalar.step}=${scalar.value}`;
    }));
  }
  return files;
}

/** Everything a finished run left, compared with the uninterrupted reference. */
async function expectSameAsReference(dir: string, reference: string): Promise<void> {
  const context = `seed ${seed}`;
  const [got, want] = [await readResult(dir), await readResult(reference)];
  expect(got.weights, `${context}: final weights`).toEqual(want.weights);
  const stopAndRestore = (result: Result) => result.firings.earlyStopping!.map((f) => `${f.action} at ${f.epoch}${f.detail ? ` (${f.detail})` : ""}`);
  expect(stopAndRestore(got), `${context}: the stop epoch and the restored epoch`).toEqual(stopAndRestore(want));
  expect(got.firings, `${context}: firings`).toEqual(want.firings);
  // The CSV log holds the lr of every epoch end.
  const csv = await fs.readFile(path.join(dir, "log.csv"));
  expect(csv.equals(await fs.readFile(path.join(reference, "log.csv"))), `${context}: the CSV log, byte for byte`).toBe(true);
  const checkpoints = (await fs.readdir(path.join(dir, "ckpt"))).sort();
  expect(checkpoints, `${context}: checkpoints`).toEqual((await fs.readdir(path.join(reference, "ckpt"))).sort());
  for (const name of checkpoints) {
    expect(await weightsOf(path.join(dir, "ckpt", name)), `${context}: checkpoint ${name}`).toEqual(await weightsOf(path.join(reference, "ckpt", name)));
  }
  for (const run of ["train", "validation"]) {
    const [wanted] = await eventFiles(reference, run);
    const files = await eventFiles(dir, run);
    // The file a resumed run appended to holds every scalar once; a run killed before its first
    // backup can leave an orphan file whose steps the complete one holds too (TensorBoard drops those).
    const complete = files.reduce((a, b) => (b.length > a.length ? b : a));
    expect(complete, `${context}: TensorBoard ${run}`).toEqual(wanted);
    for (const orphan of files) for (const scalar of orphan) expect(complete).toContain(scalar);
  }
  expect(await exists(path.join(dir, "backup")), `${context}: backup removed at train end`).toBe(false);
}

let reference = "";
let referenceResult: Result;

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-resume-"));
  await fs.mkdir(cacheDir, { recursive: true });
  const compiled = await compile(POLICY, { fileName: "policy.rules" });
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  await fs.writeFile(path.join(cacheDir, "policy.ts"), compiled.files[0]!.text);
  const child = path.join(root, "test/fixtures/resume/child.ts");
  await fs.writeFile(
    path.join(cacheDir, `resume-entry-${process.pid}.ts`),
    `import { Policy } from "./policy.js";\nimport { main } from ${JSON.stringify(child)};\nawait main(Policy);\n`,
  );
  // Bundled once by the project's TS runner, then started as a plain .mjs for every run.
  const bundled = spawnSync(process.execPath, [path.join(root, "scripts/run-ts.mjs"), "--bundle-only", path.join(cacheDir, `resume-entry-${process.pid}.ts`)], { encoding: "utf8" });
  expect(bundled.status, bundled.stderr).toBe(0);
  entry = bundled.stdout.trim();
  reference = await newRunDir("reference");
  await runToEnd(reference);
  referenceResult = await readResult(reference);
});

afterAll(async () => {
  if (process.env.CBC_RESUME_KEEP === undefined) await fs.rm(cacheDir, { recursive: true, force: true });
  if (entry && process.env.CBC_RESUME_KEEP === undefined) await fs.rm(entry, { force: true });
  if (work && process.env.CBC_RESUME_KEEP === undefined) await fs.rm(work, { recursive: true, force: true });
});

describe("a fit killed at random moments and restarted", () => {
  it("the reference run stops early, restores its best weights, reduces the lr and saves checkpoints", () => {
    const { earlyStopping, reduceLr, policy } = referenceResult.firings;
    expect(earlyStopping!.map((f) => f.action)).toEqual(["stop", "restore"]);
    expect(reduceLr!.some((f) => f.action === "lr")).toBe(true);
    expect(policy!.filter((f) => f.action === "save").length).toBeGreaterThan(3);
    expect(policy!.some((f) => f.action === "set" && f.detail === "bumps")).toBe(true);
  });

  it("20 kills: weights, firings, CSV log, checkpoints and TensorBoard equal the uninterrupted run", async () => {
    const dir = await newRunDir("killed");
    const startedAt = performance.now();
    const stats = await runWithKills(dir, 20, random(seed));
    process.stdout.write(
      `resume-kill: seed ${seed}: ${stats.kills} kills, ${stats.starts} starts, ${stats.midBackup} left a backup mid-write, ` +
        `${stats.midCheckpoint} a checkpoint mid-write, ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`,
    );
    expect(stats.kills).toBe(20);
    await expectSameAsReference(dir, reference);
  }, 240_000);

  it("doubleCheckpoint, saveFreq in batches, a damaged latest backup: falls back to the previous one, same result", async () => {
    const dir = await newRunDir("double");
    let damaged = 0;
    const damage = async () => {
      const tensors = path.join(dir, "backup", "latest", "tensors.bin");
      if (damaged > 0 || !(await exists(path.join(dir, "backup", "previous"))) || !(await exists(tensors))) return;
      const bytes = await fs.readFile(tensors);
      bytes[bytes.length >> 1] ^= 0xff;
      await fs.writeFile(tensors, bytes);
      damaged += 1;
    };
    // The first kill comes late enough for two backups to exist (the epoch ends, before the next backup).
    const first = { after: /^@epochEnd 6/, nth: 1, ms: 0 };
    const stats = await runWithKills(dir, 6, random(seed + 1), { RESUME_DOUBLE: "1", RESUME_SAVE_FREQ: "3" }, damage, first);
    expect(damaged, `seed ${seed}: no kill left two backups to damage`).toBe(1);
    expect(stats.warnings.join("\n")).toMatch(/backup ".*latest[/\\]tensors\.bin": it is damaged \(its checksum does not match\); trying the previous backup/);
    await expectSameAsReference(dir, reference);
  }, 120_000);

  it("without doubleCheckpoint a damaged backup stops the script with an error naming the file, and nothing is touched", async () => {
    const dir = await newRunDir("damaged");
    const exit = await runChild(dir, {}, { after: /^@epochEnd 5/, nth: 1, ms: 0 });
    expect(exit.signal).toBe("SIGKILL");
    const file = path.join(dir, "backup", "latest", "backup.json");
    const text = await fs.readFile(file, "utf8");
    await fs.writeFile(file, text.slice(0, text.length - 10));
    const csvBefore = await fs.readFile(path.join(dir, "log.csv"));
    const again = await runChild(dir, {}, undefined);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain(`backup "backup${path.sep}latest${path.sep}backup.json": it is truncated or damaged (not valid JSON)`);
    expect((await fs.readFile(path.join(dir, "log.csv"))).equals(csvBefore)).toBe(true);
    expect(again.stdout).not.toContain("@epochBegin");
  });
});
