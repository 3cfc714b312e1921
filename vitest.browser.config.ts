import { defineConfig } from "vitest/config";

// `npm run test:browser`: the tests that drive Chromium (test/browser/). Kept out of `npm test`, which needs no
// browser. The page is bundled from the built cbc-runtime package (npm run build), not from src/.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
