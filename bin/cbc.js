#!/usr/bin/env node
// The cbc command: runs the bundled CLI that `npm run build` writes to dist/cli.js.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("cbc: dist/cli.js is missing: run npm run build\n");
  process.exit(70);
}
await import(cli.href);
