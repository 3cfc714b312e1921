// The pipeline in one place: text -> tokens -> AST -> checked program -> TypeScript.
import { checkProgram } from "./check/check.js";
import type { CheckedProgram } from "./check/program.js";
import { hasErrors, sortDiagnostics, type Diagnostic } from "./diagnostics/diagnostic.js";
import type { EmitOptions, EmittedFile } from "./emit/emit.js";
import { parse } from "./syntax/parse.js";

export interface CheckResult {
  diagnostics: Diagnostic[];
  /** The checked program; present whenever parsing produced an AST (also with errors). */
  program: CheckedProgram;
}

export interface CompileResult {
  diagnostics: Diagnostic[];
  /** Emitted modules; empty when there is any error. */
  files: EmittedFile[];
}

export interface SourceOptions {
  /** Shown in diagnostics and generated headers; its stem names the bare-rules class and the output file. */
  fileName: string;
}

export function check(source: string, options: SourceOptions): CheckResult {
  const parsed = parse(source, options.fileName);
  const checked = checkProgram(parsed.program, source);
  return { diagnostics: sortDiagnostics([...parsed.diagnostics, ...checked.diagnostics]), program: checked.checked };
}

/** Check, then emit, loading the emitter (and TypeScript with it) only when there is something to emit. */
export async function compile(source: string, options: SourceOptions & EmitOptions): Promise<CompileResult> {
  const { diagnostics, program } = check(source, options);
  if (hasErrors(diagnostics)) return { diagnostics, files: [] };
  const { emitModule } = await import("./emit/emit.js");
  return { diagnostics, files: [emitModule(program, options)] };
}
