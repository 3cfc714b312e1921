// A V8 code cache for the CommonJS modules `cbc compile`'s emitter thread loads:
// ts-morph and the 9 MB of TypeScript inside it, whose compilation is most of
// that thread's start. Node 22 has this built in (module.enableCompileCache);
// Node 20 does not. v8-compile-cache does it too, but on Node 20 it re-creates
// and rewrites its whole cache (8 MB) on every run, and names it after the
// entry module, which an ES module entry lacks (so: one cache per directory).
//
// Here: one file per cbc installation and Node version, read once; a module is
// compiled with its cached code when its file's size and mtime still match;
// code is created (after the emit, so it includes the functions the emit
// compiled) only for modules that had none, and the file is rewritten
// atomically only then.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import Module, { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";

export interface CodeCache {
  /** Writes the cache when this run compiled a module that had no usable cached code. */
  save(): void;
  /** Modules compiled in this run: with accepted cached code, and without. */
  readonly stats: { hits: number; misses: number };
}

interface Stored {
  /** `size:mtimeMs` of the source file when its code was cached. */
  version: string;
  data: Buffer;
}

/** Node's internal hook that compiles and runs one CommonJS module (stable since Node 0.x; v8-compile-cache uses it too). */
interface CompilingModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}
interface ModuleStatics {
  prototype: CompilingModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CompilingModule, isMain: boolean, options?: { paths?: string[] }): string;
  _extensions: unknown;
  _cache: unknown;
}

const MAGIC = "cbc-code-cache-1";

/** Where the cache of this installation (`owner`: a file of it) lives under this Node. */
export function defaultCacheFile(owner: string): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  const key = `${owner}|${process.version}|${process.arch}|${process.versions.v8}`;
  let hash = 0x811c9dc5; // FNV-1a: a short stable name, not security.
  for (let i = 0; i < key.length; i += 1) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return path.join(os.tmpdir(), `cbc-code-cache-${uid}`, `${hash.toString(16).padStart(8, "0")}.bin`);
}

/** From now on, CommonJS modules this thread loads are compiled through the cache in `file`. */
export function installCodeCache(file: string): CodeCache {
  const stored = readCache(file);
  const fresh = new Map<string, { version: string; script: vm.Script }>();
  const stats = { hits: 0, misses: 0 };
  const statics = Module as unknown as ModuleStatics;
  const original = statics.prototype._compile;

  statics.prototype._compile = function compileWithCache(this: CompilingModule, content: string, filename: string): unknown {
    const version = fileVersion(filename);
    if (version === undefined) return original.call(this, content, filename);
    const cached = stored.get(filename);
    const script = new vm.Script(statics.wrap(stripHashbang(content)), {
      filename,
      ...(cached?.version === version ? { cachedData: cached.data } : {}),
    });
    if (cached?.version === version && !script.cachedDataRejected) {
      stats.hits += 1;
    } else {
      stats.misses += 1;
      fresh.set(filename, { version, script });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this, filename, statics), this, filename, path.dirname(filename));
  };

  return {
    stats,
    save() {
      if (fresh.size === 0) return;
      for (const [filename, { version, script }] of fresh) stored.set(filename, { version, data: script.createCachedData() });
      fresh.clear();
      writeCache(file, stored);
    },
  };
}

/** The `require` a module sees: what Node gives it, minus what only Node's own loader can set up. */
function requireFor(module: CompilingModule, filename: string, statics: ModuleStatics): NodeJS.Require {
  const base = createRequire(filename);
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  require.resolve = Object.assign((request: string, options?: { paths?: string[] }) => statics._resolveFilename(request, module, false, options), {
    paths: base.resolve.paths,
  });
  require.main = base.main;
  require.extensions = base.extensions;
  require.cache = base.cache;
  return require;
}

function stripHashbang(content: string): string {
  // Keep the line so that line numbers in stack traces stay right.
  return content.startsWith("#!") ? content.replace(/^#![^\r\n]*/, "") : content;
}

function fileVersion(filename: string): string | undefined {
  try {
    const info = fs.statSync(filename);
    return `${info.size}:${info.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/**
 * The file: a line `MAGIC`, a line of JSON `[[filename, version, byteLength], ...]`,
 * then the cached code of each, back to back. Anything unreadable is an empty cache.
 */
function readCache(file: string): Map<string, Stored> {
  const entries = new Map<string, Stored>();
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return entries;
  }
  const firstBreak = bytes.indexOf(10);
  const secondBreak = bytes.indexOf(10, firstBreak + 1);
  if (firstBreak < 0 || secondBreak < 0 || bytes.toString("utf8", 0, firstBreak) !== MAGIC) return entries;
  try {
    const index: unknown = JSON.parse(bytes.toString("utf8", firstBreak + 1, secondBreak));
    if (!Array.isArray(index)) return entries;
    let offset = secondBreak + 1;
    for (const item of index) {
      if (!Array.isArray(item) || typeof item[0] !== "string" || typeof item[1] !== "string" || typeof item[2] !== "number") return new Map();
      const end = offset + item[2];
      if (end > bytes.length) return new Map();
      entries.set(item[0], { version: item[1], data: bytes.subarray(offset, end) });
      offset = end;
    }
    return offset === bytes.length ? entries : new Map();
  } catch {
    return new Map();
  }
}

/** Temp file + rename: a reader never sees half a cache. A cache that cannot be written is no error. */
function writeCache(file: string, entries: Map<string, Stored>): void {
  const index = [...entries].map(([filename, entry]) => [filename, entry.version, entry.data.length]);
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(temp, Buffer.concat([Buffer.from(`${MAGIC}\n${JSON.stringify(index)}\n`), ...[...entries.values()].map((e) => e.data)]));
    fs.renameSync(temp, file);
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Nothing was created.
    }
  }
}
