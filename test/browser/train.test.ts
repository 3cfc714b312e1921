// Rules that train in a real browser: Debian's Chromium, driven by playwright-core, loads a page
// bundled with esbuild from the packaged runtime (packages/cbc-runtime/dist, its browser entry:
// no shims, no aliases) and trains a small model with compiled rules and the standard classes on
// tfjs' cpu and webgl-or-fallback backends. `npm run test:browser` (not part of `npm test`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { compile } from "../../src/compiler.js";
import type { RunResult } from "./page.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  "--disable-quic",
];

function chromiumPath(): string {
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("no chromium on PATH: apt-get install -y chromium");
  }
}

let server: Server;
let context: BrowserContext;
let page: Page;
let profile: string;
let bundleInputs: string[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(root, "packages/cbc-runtime/dist/browser.js"))) throw new Error("packages/cbc-runtime is not built: npm run build");
  const source = readFileSync(path.join(here, "fixtures/browser.rules"), "utf8");
  const compiled = await compile(source, { fileName: "browser.rules" });
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  mkdirSync(path.join(here, "out"), { recursive: true });
  writeFileSync(path.join(here, "out/browser-rules.ts"), compiled.files[0]!.text);

  const bundle = await build({
    entryPoints: [path.join(here, "page.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    // As an app's build sees it: not the repository's tsconfig paths, which point `cbc-runtime` at src/ for the Node tests.
    tsconfigRaw: {},
  });
  bundleInputs = Object.keys(bundle.metafile.inputs);
  const script = bundle.outputFiles[0]!.text;
  const html = '<!doctype html><meta charset="utf-8"><title>cbc</title><script type="module" src="/page.js"></script>';
  server = createServer((request, response) => {
    if (request.url === "/page.js") response.writeHead(200, { "content-type": "text/javascript" }).end(script);
    else response.writeHead(200, { "content-type": "text/html" }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no server address");

  profile = mkdtempSync(path.join(os.tmpdir(), "cbc-chromium-"));
  context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
  page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(`http://127.0.0.1:${address.port}/`);
  await page.waitForFunction(() => typeof (globalThis as { cbcRun?: unknown }).cbcRun === "function", undefined, { timeout: 30_000 }).catch(() => {
    throw new Error(`the page did not load: ${pageErrors.join("; ")}`);
  });
});

afterAll(async () => {
  await context?.close();
  if (server) await new Promise((resolve) => server.close(resolve));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test("the page bundles the packaged runtime: its browser entry, nothing of Node, no compiler", () => {
  expect(bundleInputs.some((input) => input.endsWith("packages/cbc-runtime/dist/browser.js"))).toBe(true);
  expect(bundleInputs.filter((input) => input.startsWith("src/"))).toEqual([]);
  expect(bundleInputs.filter((input) => /node_modules\/(protobufjs|@aws-crypto|cli-progress|picocolors|chevrotain)\//.test(input))).toEqual([]);
});

describe.each(["cpu", "webgl"] as const)("training in Chromium on %s", (backend) => {
  let result: RunResult;
  beforeAll(async () => {
    result = await page.evaluate((name) => (globalThis as unknown as { cbcRun: (b: string) => Promise<RunResult> }).cbcRun(name), backend);
    console.log(`browser test (${backend}): trained on ${result.backend}, val_loss by epoch ${result.valLosses.map((v) => v.toFixed(4)).join(" ")}`);
  });

  test("the backend is the one asked for, or cpu when the browser has no WebGL", () => {
    expect(backend === "cpu" ? ["cpu"] : ["webgl", "cpu"]).toContain(result.backend);
  });

  test("lr follows the rules: 0.1 from epoch 0, halved at epoch 3", () => {
    expect(result.lrs).toHaveLength(6);
    result.lrs.forEach((lr, epoch) => expect(lr).toBeCloseTo(epoch < 3 ? 0.1 : 0.05, 9));
  });

  test("the fit stops at the epoch the rule says (stop_at = 6: six epochs of 20)", () => {
    expect(result.epochsRun).toBe(6);
    expect(result.valLosses).toHaveLength(6);
  });

  test("restore best weights puts back the weights of the epoch with the lowest val_loss", () => {
    const best = result.valLosses.indexOf(Math.min(...result.valLosses));
    expect(best).toBeLessThan(5);
    expect(result.finalWeights).toEqual(result.weightsByEpoch[best]);
    expect(result.finalWeights).not.toEqual(result.weightsByEpoch[5]);
  });

  test("ModelCheckpoint saved the best model to indexeddb://, which loads back and predicts identically", () => {
    expect(result.checkpoints).toContain("indexeddb://cbc-best");
    expect(result.loadedPrediction).toEqual(result.restoredPrediction);
  });

  test("`save weights to \"localstorage://...\"` at train end stores the restored model, which loads back with tf.loadLayersModel", () => {
    expect(result.checkpoints).toContain("localstorage://cbc-final");
    expect(result.finalFromLocalStorage).toEqual(result.restoredPrediction);
  });

  test("`save ... keep 2` to indexeddb:// keeps the two newest checkpoints", () => {
    expect(result.checkpoints.filter((url) => url.startsWith("indexeddb://cbc-epoch-"))).toEqual(["indexeddb://cbc-epoch-5", "indexeddb://cbc-epoch-6"]);
  });

  test('`log to "downloads://..."` keeps the CSV in memory: a header and one row per epoch', () => {
    const lines = (result.csv ?? "").split("\r\n").filter((line) => line !== "");
    expect(lines[0]).toBe("epoch,loss,val_loss,lr");
    expect(lines).toHaveLength(7);
    expect(lines[6]).toMatch(/^5,/);
  });

  test("`print` reaches the console", () => {
    expect(result.prints.some((line) => line.startsWith("best val_loss "))).toBe(true);
  });

  test("a batch rule reads each batch's loss on this backend: `every 2 batches then print` shows the loss of steps 1, 3, 5...", () => {
    // 64 samples in batches of 16: 4 batches an epoch, 6 epochs.
    expect(result.batchLosses).toHaveLength(24);
    const expected = result.batchLosses.flatMap((loss, step) => (step % 2 === 1 ? [`batch loss ${loss.toFixed(6)} at step ${step}`] : []));
    expect(result.prints.filter((line) => line.startsWith("batch loss "))).toEqual(expected);
    // The rules read tensors, not numbers: with dataSync() on cpu, whose read is synchronous (24 batch ends
    // read loss; 6 epoch ends loss and val_loss), never on webgl, whose read must not stall the GPU.
    if (result.backend === "webgl") expect(result.scalarDataSyncCalls).toBe(0);
    else expect(result.scalarDataSyncCalls).toBeGreaterThanOrEqual(24 + 6 * 2);
  });

  test("actions that need a file system fail at construction, naming the rule (or the option the target came from) and what works in a browser", () => {
    expect(result.constructionErrors["logTo"]).toMatch(/^OptionsError: LogsToFile: option `out` is "logs\/train\.csv": `log to` "logs\/train\.csv" writes to a file system, which only Node has; in a browser page, `log to` takes downloads:\/\//s);
    expect(result.constructionErrors["tensorboard"]).toMatch(/^RuleError: .*browser\.rules:21:3.*file system, which only Node has/s);
    expect(result.constructionErrors["checkpointToPath"]).toMatch(/^OptionsError: ModelCheckpoint: option `filepath` is "ckpt\/best": save to "ckpt\/best" writes to a file system.*indexeddb:\/\//s);
    expect(result.constructionErrors["checkpointToPath"]).not.toMatch(/\.rules:\d+/);
  });
});
