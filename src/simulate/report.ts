// A simulation for a person: one line of summary, the table of what each rule did, and the notes.
import { pyRepr } from "../runtime/pyfloat.js";

/**
 * A rate for a person: six significant digits, as Python prints floats
 * (`0.0010000000474974513`, Keras' float32 0.001, reads 0.001). --json keeps every digit.
 */
export function shownRate(rate: number): string {
  return Number.isFinite(rate) ? pyRepr(Number(rate.toPrecision(6))) : pyRepr(rate);
}
import type { SimulatedFiring } from "./replay.js";
import type { Simulation } from "./simulate.js";

/** "stops after epoch 38; restores the weights of epoch 26; lr 0.001 -> 0.00025 in 2 reductions; 7 checkpoints" */
export function summaryLine(simulation: Simulation): string {
  const { result } = simulation;
  const parts: string[] = [];
  parts.push(result.stopEpoch === null ? `runs all ${result.epochs} epochs` : `stops after epoch ${result.stopEpoch}`);
  if (result.restoredEpoch !== null) parts.push(`restores the weights of epoch ${result.restoredEpoch}`);
  const changes = result.firings.filter((f) => f.action === "lr");
  if (changes.length === 0) parts.push(`lr stays ${shownRate(simulation.initialLr)}`);
  else {
    const reductions = changes.filter((f) => (f.to ?? 0) < (f.from ?? 0)).length;
    const increases = changes.length - reductions;
    const counted = [reductions > 0 ? plural(reductions, "reduction") : "", increases > 0 ? plural(increases, "increase") : ""].filter(Boolean).join(" and ");
    parts.push(`lr ${shownRate(simulation.initialLr)} -> ${shownRate(result.lrAfter)} in ${counted}`);
  }
  if (result.saves.length > 0) parts.push(plural(result.saves.length, "checkpoint"));
  const others = new Map<string, number>();
  for (const firing of result.firings) {
    if (firing.action === "log" || firing.action === "tensorboard" || firing.action === "call" || firing.action === "print") {
      others.set(firing.action, (others.get(firing.action) ?? 0) + 1);
    }
  }
  const nouns: Record<string, string> = { log: "CSV row", tensorboard: "TensorBoard write", call: "hook call", print: "printed line" };
  for (const [action, count] of others) parts.push(plural(count, nouns[action] ?? action));
  return parts.join("; ");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** What one firing did, in a few words. */
export function firingDetail(firing: SimulatedFiring): string {
  switch (firing.action) {
    case "lr":
      return `${shownRate(firing.from ?? NaN)} -> ${shownRate(firing.to ?? NaN)}`;
    case "set":
      return `${firing.detail ?? ""} ${firing.from === undefined ? "" : `${pyRepr(firing.from)} -> `}${pyRepr(firing.to ?? NaN)}`.trim();
    case "stop":
      return "training stops after this epoch";
    case "save":
      return `would write ${firing.detail ?? ""}`;
    case "log":
      return `would append a row to ${firing.detail ?? ""}`;
    case "tensorboard":
      return `would write scalars to ${firing.detail ?? ""}`;
    case "call":
      return `would call hook ${firing.detail ?? ""}`;
    case "fail":
      return `the fit fails: ${firing.detail ?? ""}`;
    default:
      return firing.detail ?? "";
  }
}

/** Writes that happen at every event (a CSV row, TensorBoard scalars): one table row per run of them. */
const FOLDED = new Set<SimulatedFiring["action"]>(["log", "tensorboard"]);

/** The table's rows: epoch, step, rule, action, detail; a rule's log or tensorboard writes on consecutive epochs folded into one row. */
function tableRows(firings: readonly SimulatedFiring[]): string[][] {
  const rows: string[][] = [];
  const open = new Map<string, { row: string[]; first: number; last: number; count: number }>();
  for (const firing of firings) {
    if (FOLDED.has(firing.action)) {
      const key = `${firing.rule}\u0000${firing.action}\u0000${firing.detail ?? ""}`;
      const run = open.get(key);
      if (run !== undefined && (firing.epoch === run.last || firing.epoch === run.last + 1)) {
        run.last = firing.epoch;
        run.count += 1;
        run.row[0] = `${run.first}-${run.last}`;
        run.row[1] = "";
        run.row[4] = `${firingDetail(firing)} (${run.count} times)`;
        continue;
      }
      const row = [String(firing.epoch), firing.step === undefined ? "" : String(firing.step), firing.rule, firing.action, firingDetail(firing)];
      open.set(key, { row, first: firing.epoch, last: firing.epoch, count: 1 });
      rows.push(row);
      continue;
    }
    rows.push([String(firing.epoch), firing.step === undefined ? "" : String(firing.step), firing.rule, firing.action, firingDetail(firing)]);
  }
  return rows;
}

/** The whole text report: a header, the table, the summary, what was not simulated, the notes. */
export function renderReport(simulation: Simulation, rulesFile: string): string {
  const { result, history } = simulation;
  const lines: string[] = [];
  const source = history === null ? `${result.epochs} epochs without metrics` : `${history.file} (${history.format}, ${plural(history.epochs.length, "epoch")})`;
  lines.push(`${result.class} (${rulesFile}) on ${source}, lr from ${shownRate(simulation.initialLr)} (${lrOrigin(simulation)})`);
  lines.push("");
  if (simulation.firings.length === 0) lines.push("No rule acted.");
  else {
    const rows = tableRows(simulation.firings);
    const withSteps = rows.some((row) => row[1] !== "");
    const header = ["epoch", "step", "rule", "action", "detail"];
    const table = [header, ...rows].map((row) => (withSteps ? row : [row[0], ...row.slice(2)]) as string[]);
    const widths = (table[0] as string[]).map((_, column) => Math.max(...table.map((row) => (row[column] ?? "").length)));
    for (const row of table) {
      lines.push(
        row
          .map((cell, column) => (column === 0 || (withSteps && column === 1) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
          .join("  ")
          .trimEnd(),
      );
    }
  }
  lines.push("");
  lines.push(`Summary: ${summaryLine(simulation)}.`);
  for (const line of noteLines(simulation)) lines.push(line);
  lines.push("Epochs are 0-based, as Keras and tfjs number them in callbacks.");
  return `${lines.join("\n")}\n`;
}

/** The rules not simulated and the notes, one line each (on stderr with --json). */
export function noteLines(simulation: Simulation): string[] {
  return [
    ...simulation.notSimulated.map((skipped) => `Not simulated: ${skipped.rule} (${skipped.text}): ${skipped.reason}.`),
    ...simulation.notes.map((note) => `Note: ${note}`),
  ];
}

function lrOrigin(simulation: Simulation): string {
  switch (simulation.initialLrFrom) {
    case "option":
      return "--lr";
    case "history":
      return "the history's first lr";
    case "default":
      return "tfjs Adam's default; give --lr";
  }
}
