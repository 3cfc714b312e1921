// A V8 code cache for the big CommonJS files `cbc compile`'s emitter thread
// loads: ts-morph and the 9 MB of TypeScript inside it, whose compilation is
// most of that thread's start. Node 22 has this built in
// (module.enableCompileCache); Node 20 does not. v8-compile-cache does it too,
// but on Node 20 it re-creates and rewrites its whole cache (8 MB) on every
// run, and names it after the entry module, which an ES module entry lacks (so:
// one cache per working directory).
//
// Here: one file per cbc installation and Node version, in a directory only
// this user can write, read once. A chosen file (`include`) is compiled with
// its cached code when its size, mtime and CRC-32 still match; code is created
// (after the emit, so it includes the functions the emit compiled) only for
// files that had none, and the cache is rewritten atomically only then.
// Everything else loads through Node's own loader, untouched.
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import Module, { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import * as vm from "node:vm";
import * as zlib from "node:zlib";

export interface CodeCache {
  /** Writes the cache when this run compiled a chosen file that had no usable cached code. */
  save(): void;
  /** Chosen files compiled in this run: with accepted cached code, and without. */
  readonly stats: { hits: number; misses: number };
}

export interface CodeCacheOptions {
  /** Which CommonJS files go through the cache (absolute paths). Plain CommonJS without `import()` only. */
  include(filename: string): boolean;
}

interface Stored {
  /** `size:mtimeMs:checksum` of the source when its code was cached. */
  version: string;
  data: Buffer;
}

/**
 * Node's hook that compiles and runs one CommonJS module (v8-compile-cache
 * replaces it too). Node 20.19+ passes a third argument, the module format: an
 * ES module loaded through require() must go to Node's own code.
 */
interface CompilingModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string, format?: string): unknown;
}
interface ModuleStatics {
  prototype: CompilingModule;
  wrap(content: string): string;
  _resolveFilename(request: string, parent: CompilingModule, isMain: boolean, options?: { paths?: string[] }): string;
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

/** From now on, the chosen CommonJS files this thread loads are compiled through the cache in `file`. */
export function installCodeCache(file: string, options: CodeCacheOptions): CodeCache {
  // Compiled code from the cache runs as ours: only from a directory nobody else can write.
  const usable = privateDirectory(path.dirname(file));
  const stored = usable ? readCache(file) : new Map<string, Stored>();
  const fresh = new Map<string, { version: string; script: vm.Script }>();
  const stats = { hits: 0, misses: 0 };
  const statics = Module as unknown as ModuleStatics;
  const original = statics.prototype._compile;

  statics.prototype._compile = function compileWithCache(this: CompilingModule, content: string, filename: string, format?: string): unknown {
    const plainCommonJs = format === undefined || format === "commonjs";
    const version = plainCommonJs && options.include(filename) ? sourceVersion(filename, content) : undefined;
    if (version === undefined) return original.call(this, content, filename, format);
    const cachedData = stored.get(filename)?.version === version ? stored.get(filename)?.data : undefined;
    let script: vm.Script;
    try {
      script = new vm.Script(statics.wrap(content), { filename, ...(cachedData === undefined ? {} : { cachedData }) });
    } catch {
      // Not plain CommonJS after all (a hashbang, ES module syntax): Node's loader knows what to do, or says what is wrong.
      return original.call(this, content, filename, format);
    }
    if (cachedData !== undefined && !script.cachedDataRejected) {
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
      if (fresh.size === 0 || !usable) return;
      for (const [filename, { version, script }] of fresh) stored.set(filename, { version, data: script.createCachedData() });
      fresh.clear();
      writeCache(file, stored);
    },
  };
}

/** The `require` a module sees, as Node's loader makes it. */
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

/** Size and mtime catch a changed file cheaply; the checksum catches one rewritten in place with its old mtime. */
function sourceVersion(filename: string, content: string): string | undefined {
  let info: fs.Stats;
  try {
    info = fs.statSync(filename);
  } catch {
    return undefined;
  }
  const checksum = typeof zlib.crc32 === "function" ? zlib.crc32(content).toString(16) : createHash("sha1").update(content).digest("hex");
  return `${info.size}:${info.mtimeMs}:${checksum}`;
}

/** Creates `dir` for this user only, or says why it cannot be trusted: owned by someone else, writable by others, a link. */
function privateDirectory(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const info = fs.lstatSync(dir);
    if (!info.isDirectory()) return false;
    if (typeof process.getuid !== "function") return true; // Windows: no owner or mode bits to check
    return info.uid === process.getuid() && (info.mode & 0o022) === 0;
  } catch {
    return false;
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

/** A save takes milliseconds: a temp file older than this was left by a process killed while saving. */
const ABANDONED_TEMP_MS = 10 * 60 * 1000;

/** Temp file + rename: a reader never sees half a cache. A cache that cannot be written is no error. */
function writeCache(file: string, entries: Map<string, Stored>): void {
  removeAbandonedTemps(file);
  const index = [...entries].map(([filename, entry]) => [filename, entry.version, entry.data.length]);
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    fs.writeFileSync(temp, Buffer.concat([Buffer.from(`${MAGIC}\n${JSON.stringify(index)}\n`), ...[...entries.values()].map((e) => e.data)]), { mode: 0o600 });
    fs.renameSync(temp, file);
  } catch {
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Nothing was created.
    }
  }
}

function removeAbandonedTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  try {
    for (const name of fs.readdirSync(dir)) {
      if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
      const temp = path.join(dir, name);
      if (Date.now() - fs.statSync(temp).mtimeMs > ABANDONED_TEMP_MS) fs.rmSync(temp, { force: true });
    }
  } catch {
    // Best effort: an unreadable directory just keeps its leftovers.
  }
}
