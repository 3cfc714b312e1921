// The tfjs backend tests train on, chosen by CBC_TEST_BACKEND: `cpu` (the
// default, pure JS), `wasm` (@tensorflow/tfjs-backend-wasm) or `tensorflow`
// (tfjs-node; scripts/tfjs-node.mjs builds it where npm cannot download it).
// Test files get it from backend-setup.ts; child processes the tests start call it themselves.
import * as tf from "@tensorflow/tfjs";

export const TEST_BACKENDS = ["cpu", "wasm", "tensorflow"] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

export function requestedBackend(): TestBackend {
  const requested = process.env.CBC_TEST_BACKEND ?? "cpu";
  if (!(TEST_BACKENDS as readonly string[]).includes(requested)) {
    throw new Error(`CBC_TEST_BACKEND=${requested}: expected one of ${TEST_BACKENDS.join(", ")}`);
  }
  return requested as TestBackend;
}

export async function useTestBackend(): Promise<TestBackend> {
  const backend = requestedBackend();
  // A specifier in a variable: tfjs-node is not installed by `npm ci` here, and the typecheck must not need it.
  const tfjsNode = "@tensorflow/tfjs-node";
  if (backend === "tensorflow") await import(tfjsNode);
  if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  if (!(await tf.setBackend(backend))) throw new Error(`CBC_TEST_BACKEND=${backend}: tfjs could not start the ${backend} backend`);
  await tf.ready();
  return backend;
}
