// The ActionHost for a browser: checkpoints through tfjs' IO router
// (indexeddb://, localstorage://, downloads://, http(s)://), the CSV log kept in
// memory and offered as a download (`log to "downloads://run.csv"`), progress
// as one console line per epoch. What this global scope cannot do (a file
// system target, `tensorboard`; in a Web Worker downloads:// and localstorage://)
// is refused at construction, with what works here. Imports nothing of Node.
import { badSeparator, csvColumns, csvRow, formatCsvLine } from "./csv-format.js";
import { formatValue } from "./format.js";
import type { ActionHost, CsvSink, HostAction, ProgressSink } from "./host.js";
import { ACTION_WORDS, placeInWords, refusalIn, storageScheme, targetsIn, unsupportedAnywhere, type Place } from "./storage-url.js";
import { removeFromStorageUrl, saveToStorageUrl } from "./url-storage.js";

const DOWNLOADS = "downloads://";
/** Said where a page is told what `log to` takes there. */
const CSV_IN_MEMORY = " (the CSV is kept in memory and offered as a download at train end)";

/** The CSV texts of this page's `log to "downloads://NAME"` logs, by NAME: complete rows so far. */
const csvLogs = new Map<string, string>();

/** The CSV text a `log to "downloads://NAME"` log holds (rows so far), or undefined. */
export function downloadedCsv(name: string): string | undefined {
  return csvLogs.get(name.startsWith(DOWNLOADS) ? name.slice(DOWNLOADS.length) : name);
}

/** Offers `text` as a file download, as tfjs' downloads:// does for models: a temporary link, clicked. */
function offerDownload(name: string, text: string): void {
  const doc = (globalThis as { document?: Document }).document;
  if (doc === undefined || typeof URL.createObjectURL !== "function") return;
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  const link = doc.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

class MemoryCsv implements CsvSink {
  private columns: string[] = [];
  private readonly separator: string;

  constructor(
    private readonly name: string,
    options: { separator?: string | undefined; append?: boolean | undefined },
  ) {
    this.separator = options.separator ?? ",";
    const bad = badSeparator(this.separator);
    if (bad !== undefined) throw new RangeError(bad);
    if (!options.append) csvLogs.delete(name);
  }

  async open(columns: readonly string[]): Promise<void> {
    this.columns = csvColumns(columns);
    const existing = csvLogs.get(this.name) ?? "";
    // As on Node with `append`: the header only when the log is new or empty.
    csvLogs.set(this.name, existing === "" ? formatCsvLine(["epoch", ...this.columns, "lr"], this.separator) : existing);
  }

  async writeRow(epoch: number, values: Record<string, number | undefined>): Promise<void> {
    csvLogs.set(this.name, (csvLogs.get(this.name) ?? "") + formatCsvLine(csvRow(epoch, this.columns, values), this.separator));
  }

  async close(): Promise<void> {
    const text = csvLogs.get(this.name);
    if (text !== undefined) offerDownload(this.name, text);
  }
}

function consoleProgress(params: Record<string, unknown> | undefined): ProgressSink {
  const epochs = typeof params?.["epochs"] === "number" ? params["epochs"] : undefined;
  return {
    epochBegin: () => undefined,
    batchEnd: () => undefined,
    epochEnd(epoch, metrics) {
      const values = metrics.map(([name, value]) => `${name}: ${formatValue(value, ".4f")}`).join(" - ");
      console.log(`Epoch ${epoch + 1}${epochs === undefined ? "" : `/${epochs}`}${values === "" ? "" : ` - ${values}`}`);
    },
    finish: () => undefined,
  };
}

/** A page has `document`; a Web Worker (or any scope without one) has not. Read at each check: the scope can be faked in tests. */
function currentPlace(): Place {
  return (globalThis as { document?: unknown }).document === undefined ? "worker" : "page";
}

function why(action: HostAction, target: string | undefined): string | undefined {
  if (action === "progress") return undefined;
  const place = currentPlace();
  const given = target ?? "";
  const anywhere = unsupportedAnywhere(action, given);
  if (anywhere !== undefined) return anywhere;
  const refused = refusalIn(place, action, given);
  if (refused !== undefined) return action === "log" && place === "page" ? `${refused}${CSV_IN_MEMORY}` : refused;
  if (storageScheme(given) === "localstorage" && (globalThis as { localStorage?: unknown }).localStorage === undefined) {
    return `localstorage:// needs \`globalThis.localStorage\`, which this scope does not have; in ${placeInWords(place)}, ${ACTION_WORDS[action]} takes ${targetsIn(action, place)}`;
  }
  return undefined;
}

export const browserHost: ActionHost = {
  platform: "browser",
  unsupported: why,
  saveCheckpoint: (model, target) => saveToStorageUrl(model, target),
  removeCheckpoint: removeFromStorageUrl,
  checkpointKey: (target) => target,
  openCsv: (target, options) => new MemoryCsv(target.slice(DOWNLOADS.length), options),
  openTensorBoard: () => {
    throw new Error(why("tensorboard", undefined));
  },
  openProgress: (_stream, params) => consoleProgress(params),
};
