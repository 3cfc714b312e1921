// `cbc explain [CODE]`: the catalogue entry of a code (title, meaning, an example with the
// diagnostic cbc really gives it, the fix), or the table of every code.
import { catalogue, isDiagnosticCode, type DiagnosticCode } from "../diagnostics/catalogue.js";
import { renderDiagnostic, type RenderOptions } from "../diagnostics/render.js";
import { closest } from "../util/suggest.js";
import { CliError } from "./io.js";

/** The file name examples are checked under. */
export const EXAMPLE_FILE = "example.rules";

/** `CBC200`, `cbc200` and `200` all name CBC200. */
export function codeOf(argument: string): DiagnosticCode {
  const upper = argument.trim().toUpperCase();
  const code = /^\d{3}$/.test(upper) ? `CBC${upper}` : upper;
  if (isDiagnosticCode(code)) return code;
  const near = closest(code, Object.keys(catalogue));
  throw new CliError(`no diagnostic code ${JSON.stringify(argument)}${near === undefined ? "" : `; did you mean ${near}?`} (\`cbc explain\` lists them all)`);
}

/** One line per code: code, severity, title. */
export function codeTable(): string {
  return Object.entries(catalogue)
    .map(([code, entry]) => `${code}  ${entry.severity.padEnd(7)}  ${entry.title}`)
    .join("\n");
}

/** The entry of `code`, with the example's diagnostics of that code as cbc renders them. */
export async function explanation(code: DiagnosticCode, options: RenderOptions): Promise<string> {
  const entry = catalogue[code];
  const out = [`${code}: ${entry.title} (${entry.severity})`, "", entry.explanation, ""];
  if (entry.example === null) {
    out.push("No input should produce it.", "");
  } else {
    const { check } = await import("../compiler.js");
    const found = check(entry.example, { fileName: EXAMPLE_FILE }).diagnostics.filter((d) => d.code === code);
    out.push("Example:", "", ...entry.example.trimEnd().split("\n").map((line) => `    ${line}`), "");
    for (const d of found) out.push(renderDiagnostic(d, entry.example, options), "");
  }
  out.push(`Fix: ${entry.fix}`);
  return out.join("\n");
}
