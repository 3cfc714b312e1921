// The `cbc` executable: runs the CLI with this process's streams and sets its exit code.
import { createRequire } from "node:module";
import { run } from "./run.js";

// `cbc compile` spends most of its start-up compiling TypeScript's 9 MB of
// JavaScript (inside ts-morph). Node 20 has no built-in compile cache (22 has
// module.enableCompileCache); v8-compile-cache keeps V8's code cache for
// CommonJS modules in the OS temp dir, so runs after the first skip that work.
// DISABLE_V8_COMPILE_CACHE=1 turns it off.
if (process.argv[2] === "compile") createRequire(import.meta.url)("v8-compile-cache");

// `cbc check ... | head` closes the pipe early: stop quietly, without a trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    process.exit(error.code === "EPIPE" ? (process.exitCode ?? 0) : 70);
  });
}

process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  isTTY: process.stderr.isTTY === true,
  env: process.env,
});
