// The emitter's thread (see emitter.ts): sets up a code cache, loads ts-morph
// at once, then emits each checked program it is sent until it is told to close.
import * as nodeModule from "node:module";
import { fileURLToPath } from "node:url";
import { parentPort } from "node:worker_threads";
import { defaultCacheFile, installCodeCache, type CodeCache } from "./code-cache.js";
import type { EmitReply, EmitRequest } from "./emitter.js";

if (parentPort === null) throw new Error("emit-worker.js runs only as a worker thread");
const port = parentPort;

// Most of this thread's start is V8 compiling TypeScript. Node 22 caches compiled
// code itself; on Node 20, code-cache.ts does. CBC_CODE_CACHE=0 turns both off.
// Either must be in place before ts-morph loads.
let cache: CodeCache | undefined;
if (process.env.CBC_CODE_CACHE !== "0") {
  const { enableCompileCache } = nodeModule as { enableCompileCache?: () => unknown };
  if (typeof enableCompileCache === "function") enableCompileCache();
  else cache = installCodeCache(defaultCacheFile(fileURLToPath(import.meta.url)), { include: isTsMorphBundle });
}
const { emitModule } = await import("../emit/emit.js");

/** ts-morph's own bundles (ts-morph.js, ts-morph-common.js, its typescript.js): 13.1 MB of the 13.4 MB of CommonJS it loads. */
function isTsMorphBundle(filename: string): boolean {
  return /[\\/]node_modules[\\/](?:ts-morph|@ts-morph[\\/]common)[\\/]dist[\\/][^\\/]+\.js$/.test(filename);
}

port.on("message", (request: EmitRequest) => {
  if (request.kind === "close") {
    // After the emit: the cached code then includes the functions it compiled.
    cache?.save();
    port.close();
    return;
  }
  let reply: EmitReply;
  try {
    reply = { id: request.id, file: emitModule(request.program, request.options) };
  } catch (error) {
    reply = error instanceof Error ? { id: request.id, error: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) } : { id: request.id, error: String(error) };
  }
  port.postMessage(reply);
});
