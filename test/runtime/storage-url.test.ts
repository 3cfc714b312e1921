// tfjs storage URLs on Node: `file://PATH` is PATH (same layout, atomic swap, fileLoader reads it),
// http(s):// goes through tfjs' IO router (model.save(url)) to a local server, and what only a
// browser has (indexeddb://, localstorage://, downloads://) or what a URL cannot do (`keep` on
// http://) fails at construction, naming the rule. The browser host's refusals are unit-tested here too;
// Chromium runs them for real in test/browser/.
import { promises as fs, readFileSync } from "node:fs";
import { createServer } from "node:http";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { browserHost } from "../../src/runtime/browser-host.js";
import { CSVLogger, ModelCheckpoint, TensorBoard } from "../../src/std.js";
import { currentActionHost, fileLoader, loadWeights, OptionsError, RuleError, setActionHost } from "../../src/runtime/index.js";
import { filePathOf, isTfjsStorageUrl, storageScheme } from "../../src/runtime/storage-url.js";
import { RUNTIME_VERSION, RuntimeVersionError, requireRuntimeVersion, versionAtLeast } from "../../src/runtime/version.js";
import { loadRules, removeLoadedRules } from "../support/rules-module.js";
import { classifier, fitClassifier, predictions, temporaryDirectory } from "../support/writers-fit.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(removeLoadedRules);

describe("where a target points", () => {
  it.each([
    ["runs/best", undefined, "runs/best", false],
    ["file://runs/best", "file", "runs/best", false],
    ["file:///abs/best", "file", "/abs/best", false],
    ["indexeddb://best", "indexeddb", undefined, true],
    ["localstorage://best", "localstorage", undefined, true],
    ["LocalStorage://best", "LocalStorage", undefined, false],
    ["downloads://m", "downloads", undefined, true],
    ["http://127.0.0.1:1/up", "http", undefined, true],
    ["https://example.org/up", "https", undefined, true],
    ["s3://bucket/x", "s3", undefined, false],
  ])("%s", (target, scheme, file, tfjs) => {
    expect(storageScheme(target)).toBe(scheme);
    expect(filePathOf(target)).toBe(file);
    expect(isTfjsStorageUrl(target)).toBe(tfjs);
  });
});

describe("save model to a URL on Node", () => {
  it("file://PATH writes PATH in the same layout, and fileLoader and loadWeights accept file://", async () => {
    const { dir, remove } = await temporaryDirectory("cbc-file-url-");
    try {
      const source = `callback ToFile(out: string) {\n  on epoch end then save model to "file://{out}/best"\n}\n`;
      const ToFile = await loadRules(source, "file-url", "ToFile");
      const callback = new ToFile({ out: dir });
      await fitClassifier([callback]);
      expect((await fs.readdir(path.join(dir, "best"))).sort()).toEqual(["model.json", "weights.bin"]);
      const loaded = await tf.loadLayersModel(fileLoader(`file://${dir}/best`));
      const plain = await tf.loadLayersModel(fileLoader(path.join(dir, "best")));
      expect(predictions(loaded)).toEqual(predictions(plain));
      const fresh = classifier();
      await loadWeights(fresh, `file://${dir}/best`);
      expect(predictions(fresh)).toEqual(predictions(loaded));
      expect(callback.firings.filter((f) => f.action === "save").map((f) => f.detail)).toEqual([1, 2, 3].map(() => `file://${dir}/best`));
    } finally {
      await remove();
    }
  });

  it("http:// goes through tfjs' IO router: the model reaches the server, once per save", async () => {
    const bodies: string[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("latin1")));
      request.on("end", () => {
        bodies.push(`${request.method} ${request.url} ${body}`);
        response.writeHead(200).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const address = server.address();
      if (address === null || typeof address === "string") throw new Error("no address");
      const source = `callback ToServer(url: string) {\n  on epoch end when epoch == 1 then save model to "{url}/epoch-{epoch}"\n}\n`;
      const ToServer = await loadRules(source, "http-url", "ToServer");
      await fitClassifier([new ToServer({ url: `http://127.0.0.1:${address.port}` })]);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toMatch(/^POST \/epoch-2 /);
      expect(bodies[0]).toContain("model.json");
      expect(bodies[0]).toContain("model.weights.bin");
    } finally {
      server.close();
    }
  });

  it("a browser's storage, or `keep` on http://, fails at construction naming the rule", async () => {
    const source = [
      'callback Idb() {\n  on epoch end then save model to "indexeddb://best"\n}',
      'callback KeepHttp(url: string = "http://127.0.0.1:1/m-{epoch}") {\n  on epoch end then save model to url keep 2\n}',
      'callback LogDownloads() {\n  on epoch end then log to "downloads://run.csv"\n}',
    ].join("\n");
    const Idb = await loadRules(source, "node-urls", "Idb");
    const KeepHttp = await loadRules(source, "node-urls", "KeepHttp");
    const LogDownloads = await loadRules(source, "node-urls", "LogDownloads");
    expect(() => new Idb()).toThrow(RuleError);
    expect(() => new Idb()).toThrow(/node-urls\.rules:2:3 .*indexeddb:\/\/ exists only in a browser; in Node, save to takes a path or file:\/\/PATH or http\(s\):\/\/URL/);
    // The target is an option's value: the error speaks of the option, as for a metric an option names.
    expect(() => new KeepHttp()).toThrow(OptionsError);
    expect(() => new KeepHttp()).toThrow(/^KeepHttp: option `url` is "http:\/\/127\.0\.0\.1:1\/m-\{epoch\}": `keep` cannot remove checkpoints from http:\/\//);
    expect(() => new LogDownloads()).toThrow(/node-urls\.rules:8:3 .*downloads:\/\/ exists only in a browser/);
  });

  it("fileLoader refuses a tfjs storage URL and says what loads it", () => {
    expect(() => fileLoader("indexeddb://best")).toThrow(/tf\.loadLayersModel\("indexeddb:\/\/best"\)/);
  });
});

describe("the browser host", () => {
  it("refuses a file-system target at construction, also one that starts with a string param; one that starts with {epoch} only when formatted", async () => {
    const source = [
      'callback ToDisk() {\n  on epoch end then save model to "ckpt/best"\n}',
      'callback ToTemplate(out: string) {\n  on epoch end then save model to "{out}/best"\n}',
      'callback Ph(out: string = "logs") {\n  on epoch end then save model to "{out}/best-{epoch}"\n}',
      'callback ByEpoch() {\n  on epoch end then save model to "{epoch}/best"\n}',
    ].join("\n");
    const ToDisk = await loadRules(source, "browser-host", "ToDisk");
    const ToTemplate = await loadRules(source, "browser-host", "ToTemplate");
    const Ph = await loadRules(source, "browser-host", "Ph");
    const ByEpoch = await loadRules(source, "browser-host", "ByEpoch");
    const platform = currentActionHost();
    setActionHost(browserHost);
    try {
      expect(() => new ToDisk()).toThrow(/browser-host\.rules:2:3 .*save to "ckpt\/best" writes to a file system, which only Node has/);
      expect(() => new ToTemplate({ out: "indexeddb://run" })).not.toThrow();
      expect(() => new ToTemplate({ out: "runs" })).toThrow(/browser-host\.rules:5:3 .*save to "runs\/best" writes to a file system/);
      expect(() => new Ph()).toThrow(RuleError);
      expect(() => new Ph()).toThrow(/browser-host\.rules:8:3 .*save to "logs\/best-\{epoch\}" writes to a file system/);
      expect(() => new Ph({ out: "indexeddb://run" })).not.toThrow();
      expect(() => new ByEpoch()).not.toThrow();
    } finally {
      setActionHost(platform);
    }
  });

  /** Runs `body` in a fake global scope: a page (document, localStorage) or a Web Worker (neither). */
  function inScope<T>(scope: "page" | "worker", body: () => T): T {
    const global = globalThis as { document?: unknown; localStorage?: unknown };
    const saved = { document: global.document, localStorage: global.localStorage };
    global.document = scope === "page" ? {} : undefined;
    global.localStorage = scope === "page" ? {} : undefined;
    try {
      return body();
    } finally {
      global.document = saved.document;
      global.localStorage = saved.localStorage;
    }
  }

  it.each([
    ["save", "indexeddb://best", undefined],
    ["save", "localstorage://best", undefined],
    ["save", "downloads://best", undefined],
    ["save", "https://example.org/m", undefined],
    ["save", "ckpt/best", /^save to "ckpt\/best" writes to a file system, which only Node has; in a browser page, save to takes indexeddb:\/\/NAME, /],
    ["save", "file://ckpt/best", /writes to a file system/],
    ["save", "IndexedDB://u", /^"IndexedDB:\/\/u": schemes are written in lower case \(indexeddb:\/\/, not IndexedDB:\/\/\); save to takes .*indexeddb:\/\/NAME/],
    ["keep", "indexeddb://m-{epoch}", undefined],
    ["keep", "downloads://m-{epoch}", /keep` takes .*indexeddb:\/\/NAME \(a browser page, a Web Worker\); localstorage:\/\/NAME/],
    ["log", "downloads://run.csv", undefined],
    ["log", "logs/run.csv", /downloads:\/\/NAME \(the CSV is kept in memory/],
    ["log", "indexeddb://log", /^"indexeddb:\/\/log": indexeddb:\/\/ does not take `log to`; `log to` takes a path or file:\/\/PATH \(Node\); downloads:\/\/NAME \(a browser page\)$/],
    ["tensorboard", "logs", /^`tensorboard` writes event files to a file system, which only Node has; in a browser page, `tensorboard` takes nothing$/],
    ["progress", undefined, undefined],
  ] as const)("in a page: %s %s", (action, target, refusal) => {
    const why = inScope("page", () => browserHost.unsupported!(action, target));
    if (refusal === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(refusal);
  });

  it.each([
    ["save", "indexeddb://best", undefined],
    ["save", "https://example.org/m", undefined],
    ["keep", "indexeddb://m-{epoch}", undefined],
    ["save", "downloads://best", /^downloads:\/\/ needs a page's `document`, which a Web Worker does not have; in a Web Worker, save to takes indexeddb:\/\/NAME or http\(s\):\/\/URL$/],
    ["save", "localstorage://best", /^localstorage:\/\/ needs `globalThis\.localStorage`, which a Web Worker does not have; in a Web Worker, save to takes indexeddb:\/\/NAME/],
    ["log", "downloads://run.csv", /^downloads:\/\/ needs a page's `document`, which a Web Worker does not have; in a Web Worker, `log to` takes nothing$/],
  ] as const)("in a Web Worker: %s %s", (action, target, refusal) => {
    const why = inScope("worker", () => browserHost.unsupported!(action, target));
    if (refusal === undefined) expect(why).toBeUndefined();
    else expect(why).toMatch(refusal);
  });

  it("a page without localStorage refuses localstorage://, saying what works", () => {
    const global = globalThis as { document?: unknown; localStorage?: unknown };
    const saved = global.document;
    global.document = {};
    try {
      expect(browserHost.unsupported!("save", "localstorage://m")).toMatch(/^localstorage:\/\/ needs `globalThis\.localStorage`, which this scope does not have; in a browser page, save to takes indexeddb:\/\/NAME/);
    } finally {
      global.document = saved;
    }
  });

  it("a Web Worker refuses `log to \"downloads://…\"` at construction, naming the rule", async () => {
    const Log = await loadRules('callback Log() {\n  on epoch end then log to "downloads://run.csv"\n}', "worker-log", "Log");
    const platform = currentActionHost();
    setActionHost(browserHost);
    try {
      inScope("worker", () => expect(() => new Log()).toThrow(/worker-log\.rules:2:3 .*downloads:\/\/ needs a page's `document`/));
    } finally {
      setActionHost(platform);
    }
  });
});

describe("std classes speak of the option a target came from, not of their rules", () => {
  it.each([
    [() => new ModelCheckpoint({ filepath: "indexeddb://m" }), 'ModelCheckpoint: option `filepath` is "indexeddb://m": indexeddb:// exists only in a browser; in Node, save to takes a path or file://PATH or http(s)://URL'],
    [() => new CSVLogger({ filename: "downloads://run.csv" }), 'CSVLogger: option `filename` is "downloads://run.csv": downloads:// exists only in a browser'],
    [() => new TensorBoard({ logDir: "s3://bucket/tb" }), 'TensorBoard: option `logDir` is "s3://bucket/tb": s3:// is not a storage scheme cbc knows; `tensorboard` takes a path or file://PATH (Node)'],
  ])("%#", (construct, message) => {
    expect(construct).toThrow(OptionsError);
    expect(construct).toThrow(message);
    expect(construct).not.toThrow(/\.rules:\d+/);
  });
});

describe("the runtime version generated code asks for", () => {
  it("equals cbc-runtime's package version, and generated code records it", async () => {
    const manifest = JSON.parse(readFileSync(new URL("../../packages/cbc-runtime/package.json", import.meta.url), "utf8")) as { version: string };
    expect(RUNTIME_VERSION).toBe(manifest.version);
    const generated = readFileSync(new URL("../../generated/std/early-stopping.ts", import.meta.url), "utf8");
    expect(generated).toContain(`  runtime: "${RUNTIME_VERSION}",\n`);
  });

  it("an older runtime refuses the class at construction, saying what to install", async () => {
    expect(versionAtLeast("0.1.0", "0.1.0")).toBe(true);
    expect(versionAtLeast("0.2.0", "0.1.9")).toBe(true);
    expect(versionAtLeast("1.0.0", "0.10.0")).toBe(true);
    expect(versionAtLeast("0.9.0", "0.10.0")).toBe(false);
    expect(() => requireRuntimeVersion("Rules", "0.2.0", "0.1.0")).toThrow(RuntimeVersionError);
    expect(() => requireRuntimeVersion("Rules", "0.2.0", "0.1.0")).toThrow(
      "Rules was compiled by cbc 0.2.0 and needs cbc-runtime >= 0.2.0, but cbc-runtime 0.1.0 is installed: run `npm i cbc-runtime@^0.2.0`",
    );
    // What a class compiled by a future cbc looks like to this runtime: its table asks for a newer one.
    const spec = { className: "Newer", runtime: "99.0.0", rules: [] };
    const { RulesCallback } = await import("../../src/runtime/index.js");
    class Future extends RulesCallback {
      constructor() {
        super(spec, {});
      }
    }
    expect(() => new Future()).toThrow(/Newer was compiled by cbc 99\.0\.0 and needs cbc-runtime >= 99\.0\.0, but cbc-runtime .* is installed/);
  });
});
