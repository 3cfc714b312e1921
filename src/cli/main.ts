// The `cbc` executable: runs the CLI with this process's streams and sets its exit code.
import { run } from "./run.js";

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
