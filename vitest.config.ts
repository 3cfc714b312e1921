import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run against the sources: `cbc-runtime` (what generated code imports)
// resolves to src/runtime, so no build step is needed before `npm test`.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^cbc-runtime$/, replacement: fileURLToPath(new URL("./src/runtime/index.ts", import.meta.url)) },
      { find: /^cbc$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Chromium's tests run with `npm run test:browser` (vitest.browser.config.ts).
    exclude: ["test/browser/**", "**/node_modules/**"],
    // CBC_TEST_BACKEND (cpu, wasm, tensorflow) picks the backend every test file trains on.
    setupFiles: ["./test/support/backend-setup.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
