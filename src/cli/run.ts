// The cbc command line as a function: arguments and injected streams in, exit code out; never throws.
import * as path from "node:path";
import { Command, CommanderError, Option } from "commander";
import packageJson from "../../package.json" with { type: "json" };
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { renderDiagnostic, renderSummary, toJson } from "../diagnostics/render.js";
import { findStemClash, readSources, resolveInputs, stemOf, type SourceFile } from "./inputs.js";
import { CliError, EXIT, shownPath, wantsColor, type CliIO } from "./io.js";
import { inProcessEmitter } from "./emitter.js";
import { RUNTIME_MODULE } from "../emit/runtime-module.js";
import type { OutputResult, PlannedOutput } from "./outputs.js";
import { collectSet, plotCommand, simulateCommand, type PlotCommandOptions, type SimulateCommandOptions } from "./simulate.js";

export type { CliIO } from "./io.js";

type Format = "text" | "json";

interface CheckOptions {
  format: Format;
}

interface CompileOptions extends CheckOptions {
  outDir: string;
  /** Absent unless --check was given. */
  check?: boolean;
  runtimeImport?: string;
}

/**
 * Runs `cbc <argv...>` (argv without `node` and the script) and returns the
 * exit code: 0 no errors, 1 errors in the rules or stale output under
 * `--check`, 2 usage or I/O problem (one `cbc: ...` line on stderr), 70 an
 * internal error (its stack only with CBC_DEBUG set).
 */
export async function run(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    return await runCommand(argv, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr.write(`cbc: ${oneLine(error.message)}\n`);
      return EXIT.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`cbc: internal error: ${oneLine(message)}\n`);
    if (isSet(io.env.CBC_DEBUG) && error instanceof Error && error.stack !== undefined) {
      io.stderr.write(`${error.stack}\n`);
    }
    return EXIT.internal;
  }
}

async function runCommand(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  let commanderMessage = "";
  const program = new Command("cbc")
    .description("Compile .rules files (training rules) into TensorFlow.js callback classes.")
    .version(packageJson.version, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // Printed by us as one `cbc: ...` line once commander gives up.
      outputError: (text) => {
        commanderMessage += text;
      },
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .showSuggestionAfterError(true)
    .helpCommand(false);

  program
    .command("check")
    .description("check .rules files (directories are searched recursively) and report problems")
    .argument("<inputs...>", ".rules files or directories")
    .addOption(formatOption())
    .action(async (inputs: string[], options: CheckOptions) => {
      exitCode = await checkCommand(inputs, options, io);
    });

  program
    .command("compile")
    .description("compile .rules files into TypeScript modules, one <stem>.ts per input")
    .argument("<inputs...>", ".rules files or directories")
    .option("-o, --out-dir <dir>", "directory for the generated modules", "generated")
    .option("--check", "write nothing; exit 1 if any generated file is missing or differs")
    .option("--runtime-import <spec>", `module the generated code imports the runtime from (default: ${RUNTIME_MODULE})`)
    .addOption(formatOption())
    .action(async (inputs: string[], options: CompileOptions) => {
      exitCode = await compileCommand(inputs, options, io);
    });

  const reportDiagnostics = (sources: readonly SourceFile[], diagnostics: readonly Diagnostic[]): void =>
    report(io, "text", sources, diagnostics, [], { summaryAlways: true });

  /** What simulate and plot share: the class, its options, the starting rate, JSON. */
  const replayOptions = (command: Command, lrDefault: string): Command =>
    command
      .option("--class <name>", "the class to run, when the file has several")
      .option("--set <name=value>", "an option of the class (names as in the rules or camelCased); repeatable", collectSet, [])
      .option("--lr <rate>", `the starting learning rate (default: ${lrDefault})`)
      .option("--json", "print the result as one JSON object");

  replayOptions(program.command("simulate"), "the history's first lr, else 0.001")
    .description("replay a recorded training history through the rules: what they would have done, without training or writing anything")
    .argument("<file>", "a .rules file")
    .requiredOption("--history <file>", "the history: a CSV log (Keras' CSVLogger, cbc's log to), a JSON history, or a TensorBoard log directory")
    .option("--steps-per-epoch <n>", "also replay n batches per epoch, without batch metrics, so batch rules run")
    .option("--plot <out>", "draw the metrics, the learning rate and what the rules did to OUT.svg or OUT.png")
    .action(async (file: string, options: SimulateCommandOptions) => {
      exitCode = await simulateCommand(file, options, io, reportDiagnostics);
    });

  replayOptions(program.command("plot"), "0.001")
    .description("the learning rate that rules which need no metrics produce over N epochs (warm-up, step, cosine, one-cycle, ...)")
    .argument("<file>", "a .rules file")
    .requiredOption("--epochs <n>", "epochs to run")
    .option("--steps-per-epoch <n>", "batches per epoch, for rules that act per batch")
    .option("-o, --out <file>", "write the picture to OUT.svg or OUT.png")
    .action(async (file: string, options: PlotCommandOptions) => {
      exitCode = await plotCommand(file, options, io, reportDiagnostics);
    });

  program
    .command("explain")
    .description("explain a diagnostic code (title, meaning, an example, the fix); without a code, list every code")
    .argument("[code]", "a code such as CBC200 (or 200)")
    .action(async (code: string | undefined) => {
      const { codeOf, codeTable, explanation } = await import("./explain.js");
      io.stdout.write(`${code === undefined ? codeTable() : await explanation(codeOf(code), { color: false })}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return EXIT.ok; // --help, --version
    const message = commanderMessage.trim().replace(/^error:\s*/, "");
    if (message !== "") throw new CliError(message);
    // Help printed for a missing command: already on stderr.
    return EXIT.usage;
  }
  return exitCode;
}

function formatOption(): Option {
  return new Option("--format <format>", "output format: code frames on stderr, or one JSON document on stdout")
    .choices(["text", "json"])
    .default("text");
}

async function checkCommand(args: string[], options: CheckOptions, io: CliIO): Promise<number> {
  const sources = await readSources(await resolveInputs(args, io.cwd));
  // The compiler (parser and checker) loads only now; `check` never loads the emitter.
  const { check } = await import("../compiler.js");
  const diagnostics = sources.flatMap((source) => check(source.text, { fileName: source.display }).diagnostics);
  report(io, options.format, sources, diagnostics, [], { summaryAlways: true });
  return hasErrors(diagnostics) ? EXIT.failed : EXIT.ok;
}

async function compileCommand(args: string[], options: CompileOptions, io: CliIO): Promise<number> {
  const inputs = await resolveInputs(args, io.cwd);
  const clash = findStemClash(inputs);
  if (clash !== undefined) {
    throw new CliError(`${clash[0].display} and ${clash[1].display} would both compile to ${stemOf(clash[1])}.ts; rename one or compile them to different directories`);
  }
  const outDir = path.resolve(io.cwd, options.outDir);
  const { assertOutDirUsable, syncOutputs } = await import("./outputs.js");
  await assertOutDirUsable(outDir, options.outDir);
  const sources = await readSources(inputs);

  const { check } = await import("../compiler.js");
  // The generated code names its rules `train.rules:5:3`: by file name only, so the
  // output is the same whatever directory cbc runs in and however the path was written.
  // Diagnostics name the file as the user wrote it.
  const checked = sources.map((source) => ({ source, ...check(source.text, { fileName: path.basename(source.absolute) }) }));
  const diagnostics = checked.flatMap(({ source, diagnostics }) => diagnostics.map((d) => ({ ...d, file: source.display })));
  // With any error nothing is emitted.
  if (hasErrors(diagnostics)) {
    report(io, options.format, sources, diagnostics, [], { summaryAlways: true });
    return EXIT.failed;
  }

  const emitter = io.emitter ?? inProcessEmitter();
  const emitOptions = options.runtimeImport === undefined ? {} : { runtimeImport: options.runtimeImport };
  const emitted = await Promise.all(checked.map(({ program }) => emitter.emit(program, emitOptions)));
  const planned: PlannedOutput[] = emitted.map((file) => ({
    absolute: path.join(outDir, file.fileName),
    display: shownPath(path.join(options.outDir, file.fileName)),
    text: file.text,
  }));

  const results = await syncOutputs(planned, { check: options.check === true });
  report(io, options.format, sources, diagnostics, results, { summaryAlways: false });
  if (options.format === "text") printOutputs(io, results, options.check === true);
  const stale = results.filter((r) => r.status === "differs" || r.status === "missing");
  return options.check === true && stale.length > 0 ? EXIT.failed : EXIT.ok;
}

function printOutputs(io: CliIO, results: readonly OutputResult[], check: boolean): void {
  if (!check) {
    for (const r of results) io.stdout.write(`${r.status === "written" ? "wrote" : "up to date"} ${r.path}\n`);
    return;
  }
  const stale = results.filter((r) => r.status !== "unchanged");
  for (const r of stale) io.stdout.write(`${r.status} ${r.path}\n`);
  if (stale.length === 0) {
    io.stdout.write(`up to date (${plural(results.length, "file")})\n`);
  } else {
    io.stderr.write(`cbc: ${plural(stale.length, "generated file")} out of date; run cbc compile without --check\n`);
  }
}

/**
 * Text: code frames then a summary on stderr. JSON: one document on stdout,
 * `{ "diagnostics": [...], "files": [{ "path", "status" }] }`, whatever happened.
 */
function report(
  io: CliIO,
  format: Format,
  sources: readonly SourceFile[],
  diagnostics: readonly Diagnostic[],
  files: readonly OutputResult[],
  options: { summaryAlways: boolean },
): void {
  if (format === "json") {
    io.stdout.write(`${JSON.stringify({ diagnostics: toJson(diagnostics), files }, null, 2)}\n`);
    return;
  }
  const color = wantsColor(io);
  const textOf = new Map(sources.map((s) => [s.display, s.text]));
  for (const d of diagnostics) {
    io.stderr.write(`${renderDiagnostic(d, textOf.get(d.file) ?? "", { color })}\n\n`);
  }
  if (diagnostics.length > 0 || options.summaryAlways) {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    io.stderr.write(`${renderSummary(errors, diagnostics.length - errors, { color })}\n`);
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0";
}
