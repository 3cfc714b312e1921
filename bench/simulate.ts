// `npm run bench`, simulate section (bench/run.mjs): writes a 10,000-epoch Keras-style CSV history to
// argv[3], then measures simulate() in-process on it with the rules of argv[2]: the time to load the
// engine (tfjs with it) and the emitter, the first simulation of a fresh process, a warm one.
import { readFileSync, writeFileSync } from "node:fs";

/** Noisy, slowly improving metrics with plateaus: the rules reduce the rate and save now and then. */
function kerasCsv(epochs: number): string {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const lines = ["epoch,acc,learning_rate,loss,val_acc,val_loss"];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const trend = 1 / (1 + epoch / 50);
    const loss = 0.1 + trend + 0.02 * random();
    const valLoss = 0.2 + trend + 0.05 * random();
    lines.push([epoch, 1 - loss / 2, 0.001, loss, 1 - valLoss / 2, valLoss].map(String).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

const [rulesFile, historyFile] = process.argv.slice(2);
if (rulesFile === undefined || historyFile === undefined) throw new Error("usage: simulate.mjs RULES HISTORY_OUT");
const csv = kerasCsv(10_000);
writeFileSync(historyFile, csv);

const started = performance.now();
const { simulateInDetail, parseCsvHistory } = await import("../src/simulate/index.js");
const { emitModule } = await import("../src/emit/emit.js");
const loadMs = performance.now() - started;

const source = readFileSync(rulesFile, "utf8");
const run = async () => {
  const at = performance.now();
  const history = parseCsvHistory(csv, "history.csv");
  const parsedAt = performance.now();
  const simulation = await simulateInDetail(source, { fileName: "simulate-10k.rules", history, emit: async (program, options) => emitModule(program, options) });
  return { parseMs: parsedAt - at, simulateMs: performance.now() - parsedAt, epochs: simulation.result.epochs, firings: simulation.firings.length };
};
const first = await run();
const warm = await run();
process.stdout.write(`${JSON.stringify({ loadMs, first, warm })}\n`);
