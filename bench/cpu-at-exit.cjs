// Preloaded (--require) into each timed process: reports the CPU time of the whole process as it exits.
"use strict";
process.on("exit", () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\ncbc-bench-cpu-ms ${(user + system) / 1000}\n`);
});
