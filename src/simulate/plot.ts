// The picture of a simulation: the metrics over the epochs (losses and accuracies on separate panels),
// the learning rate below on a log scale, and marks where the rules acted, each with the rule's
// location as its SVG tooltip. A vega-lite spec, rendered to SVG by vega (no browser), to PNG by resvg.
import type { TopLevelSpec } from "vega-lite";
import { resolveMode } from "../runtime/modes.js";
import { shownRate, summaryLine } from "./report.js";
import type { SimulatedFiring } from "./replay.js";
import type { Simulation } from "./simulate.js";

export interface PictureOptions {
  format: "svg" | "png";
  /** The rules file as the user named it, for the title. */
  rulesFile: string;
}

const WIDTH = 760;
const METRIC_HEIGHT = 170;
const LR_HEIGHT = 130;
/** More lr changes than this (a per-batch schedule) are told by the line alone. */
const MAX_LR_MARKS = 24;

type Panel = "loss" | "accuracy" | "other";
const PANEL_TITLES: Record<Panel, string> = { loss: "losses", accuracy: "accuracies (higher is better)", other: "other metrics" };

interface MarkRow {
  x: number;
  kind: string;
  tip: string;
}

const KIND_COLORS: Record<string, string> = {
  "lr change": "#984ea3",
  stop: "#d7191c",
  "restored epoch": "#1a9641",
  save: "#2b83ba",
};

function panelOf(metric: string): Panel {
  if (/loss/i.test(metric)) return "loss";
  return resolveMode(metric, "auto") === "max" ? "accuracy" : "other";
}

function tipOf(firing: SimulatedFiring, what: string): string {
  const when = firing.step === undefined ? `epoch ${firing.epoch}` : `epoch ${firing.epoch}, step ${firing.step}`;
  return `${firing.rule}: ${what} (${when})\n${firing.text}`;
}

/**
 * Where the rules acted, on the epoch axis: a stop, a save, a restored epoch at
 * their epoch index; an lr change where the new rate starts (an epoch-end
 * change at the next epoch, a batch-level one inside its epoch).
 */
function markRows(simulation: Simulation): MarkRow[] {
  const rows: MarkRow[] = [];
  const steps = simulation.stepsPerEpoch;
  const lrAt = (firing: SimulatedFiring): number => {
    if (firing.event === "epochEnd") return firing.epoch + 1;
    if (firing.batch !== undefined && steps > 0) return firing.epoch + firing.batch / steps;
    return firing.epoch;
  };
  const lrChanges = simulation.firings.filter((f) => f.action === "lr");
  if (lrChanges.length <= MAX_LR_MARKS) {
    for (const firing of lrChanges) {
      const when = firing.event === "epochEnd" ? `, in effect from epoch ${firing.epoch + 1}` : "";
      rows.push({ x: lrAt(firing), kind: "lr change", tip: tipOf(firing, `lr ${shownRate(firing.from ?? NaN)} -> ${shownRate(firing.to ?? NaN)}${when}`) });
    }
  }
  for (const firing of simulation.firings) {
    if (firing.action === "stop") rows.push({ x: firing.epoch, kind: "stop", tip: tipOf(firing, "training stops after this epoch") });
    if (firing.action === "save") rows.push({ x: firing.epoch, kind: "save", tip: tipOf(firing, `would save ${firing.detail ?? ""}`) });
    if (firing.action === "restore" && simulation.result.restoredEpoch !== null) {
      rows.push({ x: simulation.result.restoredEpoch, kind: "restored epoch", tip: tipOf(firing, `restores the weights of epoch ${simulation.result.restoredEpoch}`) });
    }
  }
  return rows;
}

/**
 * The vega-lite spec. x is the epoch index (0-based, as in the report): a
 * metric of epoch e at e, the rate of epoch e from e to e + 1 (or per batch).
 */
export function plotSpec(simulation: Simulation, rulesFile: string): TopLevelSpec {
  const { result, history } = simulation;
  const metricRows: Array<{ x: number; metric: string; value: number; panel: Panel }> = [];
  for (const record of history?.epochs ?? []) {
    for (const [metric, value] of Object.entries(record.logs)) {
      if (Number.isFinite(value)) metricRows.push({ x: record.epoch, metric, value, panel: panelOf(metric) });
    }
  }
  const firstEpoch = history?.epochs[0]?.epoch ?? 0;
  const lrRows: Array<{ x: number; lr: number }> = [];
  const steps = simulation.stepsPerEpoch;
  if (simulation.stepLr !== undefined && steps > 0) {
    simulation.stepLr.forEach((lr, step) => lrRows.push({ x: firstEpoch + step / steps, lr }));
  } else {
    result.lr.forEach((lr, index) => lrRows.push({ x: firstEpoch + index, lr }));
  }
  lrRows.push({ x: firstEpoch + result.epochs, lr: result.lrAfter });
  const positiveLr = lrRows.filter((row) => row.lr > 0);
  const marks = markRows(simulation);
  let lastX = firstEpoch + result.epochs;
  for (const row of metricRows) if (row.x > lastX) lastX = row.x;
  const xDomain = [firstEpoch, Math.max(lastX, firstEpoch + 1)];
  const x = { field: "x", type: "quantitative" as const, title: "epoch", scale: { domain: xDomain, nice: false, zero: false } };
  const kinds = Object.keys(KIND_COLORS).filter((kind) => marks.some((mark) => mark.kind === kind));
  // The rules' legend once, beside the learning rate.
  const markEncoding = (legend: boolean) => ({
    x,
    color: {
      field: "kind",
      type: "nominal" as const,
      title: "rules acted",
      scale: { domain: kinds, range: kinds.map((kind) => KIND_COLORS[kind] as string) },
      ...(legend ? {} : { legend: null }),
    },
    tooltip: { field: "tip", type: "nominal" as const },
    description: { field: "tip", type: "nominal" as const },
  });
  // Lr changes, the stop and the restored epoch as dashed lines across the panel; saves, which can
  // come every epoch, as small triangles along its top edge.
  const ruleLayers = (legend: boolean) => [
    {
      data: { name: "marks" },
      transform: [{ filter: { not: { field: "kind", equal: "save" } } }],
      mark: { type: "rule" as const, strokeWidth: 1.5, strokeDash: [4, 3] },
      encoding: markEncoding(legend),
    },
    {
      data: { name: "marks" },
      transform: [{ filter: { field: "kind", equal: "save" } }],
      mark: { type: "point" as const, shape: "triangle-down", filled: true, size: 40, opacity: 0.9 },
      encoding: { ...markEncoding(legend), y: { value: 4 } },
    },
  ];
  const stoppedShade =
    result.stopEpoch === null || lastX <= result.stopEpoch
      ? []
      : [
          {
            data: { values: [{ from: result.stopEpoch, to: lastX }] },
            mark: { type: "rect" as const, color: "#000000", opacity: 0.06 },
            encoding: { x: { field: "from", type: "quantitative" as const }, x2: { field: "to" } },
          },
        ];

  const panels = (["loss", "accuracy", "other"] as const).filter((panel) => metricRows.some((row) => row.panel === panel));
  const metricCharts = panels.map((panel) => ({
    height: METRIC_HEIGHT,
    width: WIDTH,
    title: { text: PANEL_TITLES[panel], anchor: "start" as const, fontSize: 12 },
    layer: [
      ...stoppedShade,
      {
        data: { name: "metrics" },
        transform: [{ filter: { field: "panel", equal: panel } }],
        mark: { type: "line" as const, strokeWidth: 1.6, clip: true },
        encoding: {
          x: { ...x, axis: { title: null } },
          y: { field: "value", type: "quantitative" as const, title: null, scale: { zero: false } },
          color: { field: "metric", type: "nominal" as const, title: "metrics", scale: { scheme: "tableau10" } },
        },
      },
      ...(kinds.length > 0 ? ruleLayers(false) : []),
    ],
    resolve: { scale: { color: "independent" as const } },
  }));
  const lrChart = {
    height: LR_HEIGHT,
    width: WIDTH,
    title: { text: `learning rate (log scale${steps > 0 ? `, per batch, ${steps} per epoch` : ", per epoch"})`, anchor: "start" as const, fontSize: 12 },
    layer: [
      ...stoppedShade,
      {
        data: { name: "lr" },
        mark: { type: "line" as const, interpolate: "step-after" as const, color: "#333333", strokeWidth: 1.8, clip: true },
        encoding: {
          x,
          y: { field: "lr", type: "quantitative" as const, title: "lr", scale: { type: "log" as const }, axis: { format: "~e", values: logTicks(positiveLr.map((row) => row.lr)) } },
        },
      },
      ...(kinds.length > 0 ? ruleLayers(true) : []),
    ],
  };
  // vega measures text by estimate, generously: long lines would widen the picture, so wrap at "; ".
  const subtitle = wrap(summaryLine(simulation), 110);
  if (history !== null && result.firings.some((f) => f.action === "lr")) subtitle.push("After the first lr change a real run would differ: the metrics are the recorded run's.");
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `${result.class} (${rulesFile})${history === null ? ` over ${result.epochs} epochs` : ` on ${history.file}`}`,
      subtitle,
      anchor: "start",
      fontSize: 15,
      subtitleFontSize: 11,
      subtitleColor: "#444444",
    },
    datasets: { metrics: metricRows, lr: positiveLr, marks },
    config: { font: "DejaVu Sans, Helvetica, Arial, sans-serif", view: { stroke: "#dddddd" }, axis: { labelFontSize: 10, titleFontSize: 11 } },
    background: "white",
    padding: 12,
    vconcat: [...metricCharts, lrChart],
    spacing: 18,
    resolve: { scale: { color: "independent" } },
  } as TopLevelSpec;
}

/** The summary in lines of at most about `width` characters, broken after its "; ". */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of text.split("; ")) {
    const next = line === "" ? part : `${line}; ${part}`;
    if (next.length > width && line !== "") {
      lines.push(`${line};`);
      line = part;
    } else line = next;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** Ticks for the log-scale rate: the decades the rates span, with 2 and 5 between when they span one or two. */
function logTicks(rates: readonly number[]): number[] {
  if (rates.length === 0) return [];
  let low = Infinity;
  let high = -Infinity;
  for (const rate of rates) {
    low = Math.min(low, rate);
    high = Math.max(high, rate);
  }
  const from = Math.floor(Math.log10(low));
  const to = Math.ceil(Math.log10(high));
  const ticks: number[] = [];
  for (let k = from; k <= to; k++) {
    for (const m of to - from <= 2 ? [1, 2, 5] : [1]) {
      const tick = Number((m * 10 ** k).toPrecision(3));
      if (tick >= low / 1.5 && tick <= high * 1.5) ticks.push(tick);
    }
  }
  return ticks;
}

/**
 * vega's SVG renderer writes a mark's `description` as its aria-label; an SVG
 * tooltip is a <title> child. Each described mark gets one.
 */
function addTitles(svg: string): string {
  return svg.replace(/<(path|line|rect|g)\b([^>]*?)\saria-label="([^"]*)"([^>]*?)(\/?)>/g, (whole, tag: string, before: string, label: string, after: string, selfClosing: string) => {
    if (tag === "g") return whole;
    const open = `<${tag}${before} aria-label="${label}"${after}>`;
    return selfClosing === "/" ? `${open}<title>${label}</title></${tag}>` : `${open}<title>${label}</title>`;
  });
}

/** The picture as SVG text or PNG bytes. vega, vega-lite and resvg load only here. */
export async function renderPicture(simulation: Simulation, options: PictureOptions): Promise<string | Uint8Array> {
  const [vegaLite, vega] = await Promise.all([import("vega-lite"), import("vega")]);
  const compiled = vegaLite.compile(plotSpec(simulation, options.rulesFile)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = addTitles(await view.toSVG());
  view.finalize();
  if (options.format === "svg") return svg;
  const { Resvg } = await import("@resvg/resvg-js");
  const png = new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, background: "white", font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().asPng();
  return new Uint8Array(png);
}
