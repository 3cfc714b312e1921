// `npm run test:tfjs-node`: the whole test suite on tfjs-node's `tensorflow` backend.
//
// `npm install @tensorflow/tfjs-node` downloads libtensorflow from a host some
// machines cannot reach. This script makes tfjs-node usable without it: the
// TensorFlow CPU wheel from PyPI (`pip download`) holds the same C API
// (libtensorflow_cc.so.2) and its headers; placed in the package's deps/ folder,
// tfjs-node's own install script skips its download and builds the addon with
// node-gyp. Wheel, extracted libraries and built addon are kept (as copies) in
// ~/.cache/cbc-tfjs-node (CBC_TFJS_NODE_CACHE), so a later run, even after
// `npm ci`, only copies them back.
//
// Where the wheel cannot be fetched, it prints one line saying tfjs-node was
// not tested and why, and exits 0. Extra arguments go to vitest.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const TFJS_NODE_VERSION = "4.22.0";
const TENSORFLOW_WHEEL = "tensorflow-cpu==2.21.0";
/** The file name tfjs-node's install script looks for before it downloads libtensorflow. */
const LIBTENSORFLOW_MARKER = "libtensorflow.so.2.9.1";
/** The headers the binding includes; the wheel's include folder holds 13,000 files, these ~300. */
const HEADER_PREFIXES = ["tensorflow/include/tensorflow/c/", "tensorflow/include/tensorflow/core/platform/", "tensorflow/include/tsl/", "tensorflow/include/xla/tsl/"];

const root = fileURLToPath(new URL("..", import.meta.url));
const cache = process.env.CBC_TFJS_NODE_CACHE ?? path.join(homedir(), ".cache", "cbc-tfjs-node");
const packageDir = path.join(root, "node_modules", "@tensorflow", "tfjs-node");
const started = performance.now();

/** Progress lines wait until the wheel is there: a run that cannot get it prints one line, no more. */
let held = [];
function log(message) {
  const line = `tfjs-node: ${message} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`;
  if (held) held.push(line);
  else process.stderr.write(line);
}
function release() {
  for (const line of held ?? []) process.stderr.write(line);
  held = undefined;
}

/** Ends the run without failing: tfjs-node was not tested, and why, in one line. */
function notTested(reason) {
  process.stdout.write(`tfjs-node not tested: ${reason}\n`);
  process.exit(0);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, encoding: "utf8", ...options });
}

function installedVersion() {
  try {
    return JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
}

/** Whether tfjs-node loads in a fresh Node and registers the `tensorflow` backend. */
function addonLoads() {
  const probe = run(process.execPath, ["-e", 'const tf = require("@tensorflow/tfjs-node"); process.stdout.write(tf.getBackend());']);
  return probe.status === 0 && probe.stdout.trim() === "tensorflow";
}

// 1. The package itself, scripts skipped: its download would fail here, and the addon is built below.
if (installedVersion() !== TFJS_NODE_VERSION) {
  log(`installing @tensorflow/tfjs-node@${TFJS_NODE_VERSION}`);
  const install = run("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--ignore-scripts", `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`]);
  if (install.status !== 0) notTested(`npm could not install @tensorflow/tfjs-node@${TFJS_NODE_VERSION}: ${lastLine(install.stderr)}`);
}

if (!addonLoads()) {
  const deps = ensureDeps();
  release();
  placeDeps(deps);
  ensureAddon();
  if (!addonLoads()) {
    process.stderr.write("tfjs-node: the addon was built but does not load\n");
    process.exit(1);
  }
}
release();
log("tfjs-node loads on the tensorflow backend");

// 2. The suite, every test file on the tensorflow backend (test/support/backend-setup.ts).
const vitest = run(process.execPath, [path.join(root, "node_modules", "vitest", "vitest.mjs"), "run", ...process.argv.slice(2)], {
  stdio: "inherit",
  // TF_CPP_MIN_LOG_LEVEL: libtensorflow's own start-up notes (oneDNN, CPU features) stay out of the report.
  env: { TF_CPP_MIN_LOG_LEVEL: "2", ...process.env, CBC_TEST_BACKEND: "tensorflow" },
});
log(`suite finished with exit code ${vitest.status}`);
process.exit(vitest.status ?? 1);

function lastLine(text) {
  const lines = (text ?? "").trim().split("\n").filter((line) => line.trim() !== "");
  return lines.at(-1)?.trim() ?? "no output";
}

/** The wheel's libraries and headers, extracted once into the cache: { include, lib }. */
function ensureDeps() {
  const depsDir = path.join(cache, "deps-2.21.0");
  if (existsSync(path.join(depsDir, "lib", "libtensorflow_cc.so.2"))) return depsDir;
  const wheelDir = path.join(cache, "wheel");
  let wheel = findWheel(wheelDir);
  if (wheel === undefined) {
    log(`pip download ${TENSORFLOW_WHEEL} --no-deps`);
    mkdirSync(wheelDir, { recursive: true });
    const pip = run("python3", ["-m", "pip", "download", TENSORFLOW_WHEEL, "--no-deps", "--only-binary=:all:", "--retries", "2", "--timeout", "30", "-q", "-d", wheelDir]);
    wheel = findWheel(wheelDir);
    if (pip.status !== 0 || wheel === undefined) notTested(`pip could not download ${TENSORFLOW_WHEEL}: ${lastLine(pip.stderr || pip.error?.message)}`);
  }
  release();
  log(`extracting libtensorflow from ${path.basename(wheel)}`);
  const partial = `${depsDir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  // Python's zipfile streams the 274 MB wheel; the libraries and headers go to lib/ and include/.
  const extract = run("python3", [
    "-c",
    [
      "import sys, zipfile, os, shutil",
      "wheel, out, prefixes = sys.argv[1], sys.argv[2], sys.argv[3:]",
      "libs = {'tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'}",
      "with zipfile.ZipFile(wheel) as z:",
      "    for info in z.infolist():",
      "        name = info.filename",
      "        if name in libs: target = os.path.join(out, 'lib', os.path.basename(name))",
      "        elif any(name.startswith(p) for p in prefixes) and not name.endswith('/'): target = os.path.join(out, 'include', name[len('tensorflow/include/'):])",
      "        else: continue",
      "        os.makedirs(os.path.dirname(target), exist_ok=True)",
      "        with z.open(info) as src, open(target, 'wb') as dst: shutil.copyfileobj(src, dst, 1 << 20)",
    ].join("\n"),
    wheel,
    partial,
    ...HEADER_PREFIXES,
  ]);
  if (extract.status !== 0 || !existsSync(path.join(partial, "lib", "libtensorflow_cc.so.2"))) {
    process.stderr.write(`tfjs-node: could not extract the wheel: ${lastLine(extract.stderr)}\n`);
    process.exit(1);
  }
  rmSync(depsDir, { recursive: true, force: true });
  renameSync(partial, depsDir);
  return depsDir;
}

function findWheel(dir) {
  if (!existsSync(dir)) return undefined;
  const name = readdirSync(dir).find((file) => /^tensorflow_cpu-2\.21\.0-.*\.whl$/.test(file));
  return name === undefined ? undefined : path.join(dir, name);
}

/** Copies the libraries and headers into the package's deps/ with the names its build and loader expect. */
function placeDeps(depsDir) {
  const target = path.join(packageDir, "deps");
  rmSync(target, { recursive: true, force: true });
  cpSync(path.join(depsDir, "include"), path.join(target, "include"), { recursive: true });
  const lib = path.join(target, "lib");
  mkdirSync(lib, { recursive: true });
  for (const file of ["libtensorflow_cc.so.2", "libtensorflow_framework.so.2"]) copyFileSync(path.join(depsDir, "lib", file), path.join(lib, file));
  // Links inside deps/lib (relative, so the folder stays whole): the names binding.gyp links against and install.js checks.
  symlinkSync("libtensorflow_cc.so.2", path.join(lib, "libtensorflow.so"));
  symlinkSync("libtensorflow_framework.so.2", path.join(lib, "libtensorflow_framework.so"));
  symlinkSync("libtensorflow_cc.so.2", path.join(lib, LIBTENSORFLOW_MARKER));
}

/** The addon: copied from the cache when built before for this Node ABI, else built by tfjs-node's install script. */
function ensureAddon() {
  const addonDir = path.join(packageDir, "lib", `napi-v8`);
  const addon = path.join(addonDir, "tfjs_binding.node");
  const cached = path.join(cache, `addon-${TFJS_NODE_VERSION}-${process.platform}-${process.arch}-abi${process.versions.modules}`, "tfjs_binding.node");
  if (existsSync(cached)) {
    mkdirSync(addonDir, { recursive: true });
    copyFileSync(cached, addon);
    log("addon copied from the cache");
    return;
  }
  log("building the addon (npm rebuild @tensorflow/tfjs-node)");
  const rebuild = run("npm", ["rebuild", "--no-audit", "--no-fund", "--foreground-scripts", "@tensorflow/tfjs-node"]);
  if (rebuild.status !== 0 || !existsSync(addon)) {
    process.stderr.write(`tfjs-node: the addon build failed:\n${rebuild.stdout}\n${rebuild.stderr}\n`);
    process.exit(1);
  }
  mkdirSync(path.dirname(cached), { recursive: true });
  copyFileSync(addon, `${cached}.partial`);
  renameSync(`${cached}.partial`, cached);
  log("addon built");
}
