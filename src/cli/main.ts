// The `cbc` executable: runs the CLI with this process's streams and sets its exit code.
import { workerEmitter, type Emitter } from "./emitter.js";

// Before anything else loads: `compile` (and `simulate` and `plot`, which run the
// generated class) start the emitter thread, which loads ts-morph while this
// thread loads the CLI (and, to simulate, tfjs), reads, parses and checks.
const EMITTING = new Set(["compile", "simulate", "plot"]);
const emitter: Emitter | undefined = EMITTING.has(process.argv[2] ?? "") ? workerEmitter(new URL("./emit-worker.js", import.meta.url)) : undefined;

// `cbc check ... | head` closes the pipe early: stop quietly, without a trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    process.exit(error.code === "EPIPE" ? (process.exitCode ?? 0) : 70);
  });
}

const { run } = await import("./run.js");
try {
  process.exitCode = await run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
    env: process.env,
    ...(emitter === undefined ? {} : { emitter }),
  });
} finally {
  await emitter?.close();
}
