// Runs before every test file (vitest.config.ts): the whole suite trains on the
// backend CBC_TEST_BACKEND names. No test sets a backend itself.
import { useTestBackend } from "./backend.js";

await useTestBackend();
