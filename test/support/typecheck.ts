// Type-checks emitted modules as a user's strict project would, with
// `cbc-runtime` resolved to the sources.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** One program over `files`: strict, NodeNext, plus `extra` flags. */
export function strictProgram(files: readonly string[], extra: ts.CompilerOptions = {}): ts.Program {
  return ts.createProgram([...files], {
    strict: true,
    noImplicitOverride: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    noEmit: true,
    types: ["node"],
    typeRoots: [path.join(root, "node_modules/@types")],
    paths: { "cbc-runtime": [path.join(root, "src/runtime/index.ts")] },
    ...extra,
  });
}

/** `file: message` for every syntactic and semantic error of `files` in one strict program. */
export function typeErrors(files: readonly string[], extra: ts.CompilerOptions = {}): string[] {
  const program = strictProgram(files, extra);
  return files.flatMap((file) => {
    const source = program.getSourceFile(file);
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map(
      (d) => `${path.basename(file)}:${d.start ?? 0}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
  });
}
