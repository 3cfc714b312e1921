// `cbc simulate` and `cbc plot`: read the rules (and the history), replay them through the engine,
// print the report or the JSON result, draw the picture.
import * as path from "node:path";
import type { Simulation, SimulateOptions } from "../simulate/index.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { pyRepr } from "../runtime/pyfloat.js";
import { readSources, resolveInputs, type SourceFile } from "./inputs.js";
import { CliError, describeFsError, EXIT, shownPath, type CliIO } from "./io.js";

export interface SimulateCommandOptions {
  history: string;
  class?: string;
  set: string[];
  lr?: string;
  stepsPerEpoch?: string;
  json?: boolean;
  plot?: string;
}

export interface PlotCommandOptions {
  epochs: string;
  stepsPerEpoch?: string;
  class?: string;
  set: string[];
  lr?: string;
  json?: boolean;
  out?: string;
}

/** Collects repeated `--set name=value`. */
export function collectSet(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function simulateCommand(file: string, options: SimulateCommandOptions, io: CliIO, report: DiagnosticsReporter): Promise<number> {
  // The engine (and tfjs with it) starts loading now, while the history and the rules are read.
  const engine = loadEngine();
  const source = await readRules(file, io);
  const plotTarget = options.plot === undefined ? undefined : plotPath(options.plot, io, "--plot");
  const simulation = engine.then(async (api) => {
    let history;
    try {
      history = await api.readHistory(options.history, io.cwd);
    } catch (error) {
      if (error instanceof api.HistoryError) throw new CliError(error.message);
      throw error;
    }
    return run(api, source, { ...common(options, source), history }, io, report);
  });
  return finish(await simulation, source, { json: options.json === true, plot: plotTarget }, io);
}

export async function plotCommand(file: string, options: PlotCommandOptions, io: CliIO, report: DiagnosticsReporter): Promise<number> {
  const engine = loadEngine();
  const source = await readRules(file, io);
  const epochs = wholeNumber(options.epochs, "--epochs", 1);
  const target = options.out === undefined ? undefined : plotPath(options.out, io, "-o");
  const api = await engine;
  const simulation = await run(api, source, { ...common(options, source), epochs }, io, report);
  return finish(simulation, source, { json: options.json === true, plot: target, schedule: true }, io);
}

export type DiagnosticsReporter = (sources: readonly SourceFile[], diagnostics: readonly Diagnostic[]) => void;

type Engine = typeof import("../simulate/index.js");

function loadEngine(): Promise<Engine> {
  const loading = import("../simulate/index.js").catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (/@tensorflow\/tfjs/.test(message)) {
      throw new CliError("cbc simulate and cbc plot run the rules on cbc's runtime, which needs @tensorflow/tfjs (a peer dependency): npm install @tensorflow/tfjs");
    }
    throw error;
  });
  // Awaited later; a failure must not count as unhandled in between.
  loading.catch(() => undefined);
  return loading;
}

async function readRules(file: string, io: CliIO): Promise<SourceFile> {
  const inputs = await resolveInputs([file], io.cwd);
  if (inputs.length !== 1) throw new CliError(`${file}: give one .rules file, not a directory of ${inputs.length}`);
  const [source] = await readSources(inputs);
  return source as SourceFile;
}

function common(options: { class?: string; set: string[]; lr?: string; stepsPerEpoch?: string }, source: SourceFile): SimulateOptions {
  const set = options.set.map((pair): [string, string] => {
    const equals = pair.indexOf("=");
    if (equals <= 0) throw new CliError(`--set ${pair}: expected name=value, e.g. --set patience=5`);
    return [pair.slice(0, equals).trim(), pair.slice(equals + 1)];
  });
  let lr: number | undefined;
  if (options.lr !== undefined) {
    lr = Number(options.lr);
    if (options.lr.trim() === "" || !Number.isFinite(lr) || lr < 0) throw new CliError(`--lr ${options.lr}: expected a learning rate, a finite number >= 0`);
  }
  const stepsPerEpoch = options.stepsPerEpoch === undefined ? 0 : wholeNumber(options.stepsPerEpoch, "--steps-per-epoch", 1);
  return {
    // Rule sites name the file by its base name, as compiled code does.
    fileName: path.basename(source.absolute),
    set,
    stepsPerEpoch,
    ...(lr === undefined ? {} : { lr }),
    ...(options.class === undefined ? {} : { className: options.class }),
  };
}

function wholeNumber(text: string, flag: string, min: number): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isInteger(value) || value < min) throw new CliError(`${flag} ${text}: expected a whole number >= ${min}`);
  return value;
}

async function run(api: Engine, source: SourceFile, options: SimulateOptions, io: CliIO, report: DiagnosticsReporter): Promise<Simulation | number> {
  // The CLI's emitter thread (started at launch, loading TypeScript meanwhile) when there is one.
  const emitter = io.emitter;
  const emit: SimulateOptions["emit"] = emitter === undefined ? undefined : (program, emitOptions) => emitter.emit(program, emitOptions);
  try {
    return await api.simulateInDetail(source.text, { ...options, ...(emit === undefined ? {} : { emit }) });
  } catch (error) {
    if (error instanceof api.SimulateError) {
      if (error.diagnostics.length > 0) {
        report([source], error.diagnostics.map((d) => ({ ...d, file: source.display })));
        return EXIT.failed;
      }
      throw new CliError(error.message);
    }
    throw error;
  }
}

function plotPath(out: string, io: CliIO, flag: string): { absolute: string; shown: string; format: "svg" | "png" } {
  const extension = path.extname(out).toLowerCase();
  if (extension !== ".svg" && extension !== ".png") throw new CliError(`${flag} ${out}: the picture is written as .svg or .png; name the file OUT.svg or OUT.png`);
  return { absolute: path.resolve(io.cwd, out), shown: shownPath(out), format: extension === ".svg" ? "svg" : "png" };
}

async function finish(
  simulation: Simulation | number,
  source: SourceFile,
  output: { json: boolean; plot: ReturnType<typeof plotPath> | undefined; schedule?: boolean },
  io: CliIO,
): Promise<number> {
  if (typeof simulation === "number") return simulation;
  const { renderReport, noteLines } = await import("../simulate/report.js");
  if (output.plot !== undefined) {
    const { renderPicture } = await import("../simulate/plot.js");
    const picture = await renderPicture(simulation, { format: output.plot.format, rulesFile: source.display });
    const { writeFileAtomic } = await import("../runtime/atomic.js");
    try {
      await writeFileAtomic(output.plot.absolute, picture);
    } catch (error) {
      throw new CliError(`cannot write ${output.plot.shown}: ${describeFsError(error)}`);
    }
  }
  if (output.json) {
    const json = output.schedule === true && simulation.stepLr !== undefined ? { ...simulation.result, stepLr: simulation.stepLr } : simulation.result;
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    for (const line of noteLines(simulation)) io.stderr.write(`${line}\n`);
  } else if (output.schedule === true) {
    // `cbc plot`: the picture, or without -o the rates as a table.
    if (output.plot === undefined) io.stdout.write(renderSchedule(simulation));
  } else {
    io.stdout.write(renderReport(simulation, source.display));
  }
  if (output.plot !== undefined && !output.json) io.stdout.write(`wrote ${output.plot.shown}\n`);
  return EXIT.ok;
}

/** `cbc plot` without -o: the rate of each epoch as a two-column table. */
function renderSchedule(simulation: Simulation): string {
  const lines = ["epoch  lr"];
  simulation.result.lr.forEach((lr, epoch) => lines.push(`${String(epoch).padStart(5)}  ${pyRepr(lr)}`));
  return `${lines.join("\n")}\n`;
}
