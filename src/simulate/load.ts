// Evaluates a generated module (transpiled to CommonJS) in this process, with its runtime import bound
// to the very runtime module this file imports: the simulated class extends the real engine.
import * as vm from "node:vm";
import * as runtime from "../runtime/index.js";

/** The runtime specifier simulate emits with; `require` of it returns the runtime namespace. */
export const SIMULATION_RUNTIME = "cbc:simulation-runtime";

/** The module's exports. `fileName` names it in stack traces. */
export function loadGeneratedModule(javascript: string, fileName: string): Record<string, unknown> {
  const factory = vm.compileFunction(javascript, ["exports", "require", "module"], { filename: fileName }) as (
    exports: Record<string, unknown>,
    require: (specifier: string) => unknown,
    module: { exports: Record<string, unknown> },
  ) => void;
  const module = { exports: {} as Record<string, unknown> };
  factory(
    module.exports,
    (specifier) => {
      if (specifier === SIMULATION_RUNTIME) return runtime;
      throw new Error(`generated code imports ${JSON.stringify(specifier)}; only the runtime (${SIMULATION_RUNTIME}) is provided`);
    },
    module,
  );
  return module.exports;
}
