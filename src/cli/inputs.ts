// Turning the command line's files and directories into a deterministic list of .rules sources.
import * as nodeFs from "node:fs";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { fileStem } from "../check/names.js";
import { CliError, describeFsError, errnoCode, shownPath } from "./io.js";

export interface InputFile {
  absolute: string;
  /** As shown in diagnostics and passed to the compiler: the path as the user wrote it, `/`-separated. */
  display: string;
}

export interface SourceFile extends InputFile {
  text: string;
}

export const RULES_EXTENSION = ".rules";

/**
 * Files are taken as named (they must end in `.rules`); directories are searched
 * recursively for `*.rules`, skipping dot-directories and node_modules, in sorted
 * order. Arguments keep their order; a file reached twice (named twice, or
 * through a symlink) is listed once: files are told apart by their real path.
 */
export async function resolveInputs(args: readonly string[], cwd: string): Promise<InputFile[]> {
  const seen = new Set<string>();
  const inputs: InputFile[] = [];
  const add = async (absolute: string, display: string): Promise<void> => {
    let real: string;
    try {
      real = await fs.realpath(absolute);
    } catch (error) {
      throw new CliError(`cannot read ${display}: ${describeFsError(error)}`);
    }
    if (seen.has(real)) return;
    seen.add(real);
    inputs.push({ absolute, display });
  };
  for (const arg of args) {
    const absolute = path.resolve(cwd, arg);
    let info;
    try {
      info = await fs.stat(absolute);
    } catch (error) {
      throw new CliError(`cannot read ${arg}: ${describeFsError(error)}`);
    }
    if (info.isDirectory()) {
      const found = await findRulesFiles(absolute, arg);
      if (found.length === 0) throw new CliError(`no ${RULES_EXTENSION} files in ${arg}`);
      for (const file of found) await add(file, shownPath(path.join(arg, path.relative(absolute, file))));
    } else if (info.isFile()) {
      if (!absolute.endsWith(RULES_EXTENSION)) {
        throw new CliError(`${arg} is not a ${RULES_EXTENSION} file`);
      }
      await add(absolute, shownPath(arg));
    } else {
      throw new CliError(`cannot read ${arg}: not a file or a directory`);
    }
  }
  return inputs;
}

async function findRulesFiles(dir: string, arg: string): Promise<string[]> {
  // The glob skips directories it cannot read; the one the user named must be readable.
  try {
    await fs.readdir(dir);
  } catch (error) {
    throw new CliError(`cannot read ${arg}: ${describeFsError(error)}`);
  }
  const { glob } = await import("tinyglobby");
  // The glob skips a directory it cannot read; a .rules file in it would be lost
  // without a word. Its readdir errors are collected, and the first one reported.
  const unreadable: { dir: string; error: unknown }[] = [];
  const readdir = ((target: nodeFs.PathLike, options: unknown, callback: (error: NodeJS.ErrnoException | null, entries: unknown) => void) => {
    nodeFs.readdir(target, options as { withFileTypes: true }, (error, entries) => {
      if (error && errnoCode(error) !== "ENOENT") unreadable.push({ dir: String(target), error });
      callback(error, entries);
    });
  }) as typeof nodeFs.readdir;
  const found = await glob(`**/*${RULES_EXTENSION}`, {
    cwd: dir,
    absolute: true,
    onlyFiles: true,
    dot: false,
    ignore: ["**/node_modules/**"],
    expandDirectories: false,
    fs: { ...nodeFs, readdir },
  });
  const first = unreadable.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0))[0];
  if (first !== undefined) {
    throw new CliError(`cannot read ${shownPath(path.join(arg, path.relative(dir, first.dir)))}: ${describeFsError(first.error)}`);
  }
  const absolute = found.map((file) => path.resolve(file));
  // Code-unit order, not locale order: the same on every machine.
  return absolute.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads each input as UTF-8, without a leading byte-order mark. */
export async function readSources(inputs: readonly InputFile[]): Promise<SourceFile[]> {
  const sources: SourceFile[] = [];
  // One at a time, so the first unreadable file in argument order is the one reported.
  for (const input of inputs) {
    let text: string;
    try {
      text = await fs.readFile(input.absolute, "utf8");
    } catch (error) {
      throw new CliError(`cannot read ${input.display}: ${describeFsError(error)}`);
    }
    sources.push({ ...input, text: text.startsWith("\uFEFF") ? text.slice(1) : text });
  }
  return sources;
}

/** The file stem that names a compiled module: `runs/train.rules` -> `train` (the compiler's one stem function). */
export function stemOf(input: InputFile): string {
  return fileStem(input.absolute);
}

/**
 * Two inputs that would compile to the same output file. Compared without case,
 * since `Train.ts` and `train.ts` are one file on macOS and Windows.
 */
export function findStemClash(inputs: readonly InputFile[]): [InputFile, InputFile] | undefined {
  const byStem = new Map<string, InputFile>();
  for (const input of inputs) {
    const key = stemOf(input).toLowerCase();
    const earlier = byStem.get(key);
    if (earlier !== undefined) return [earlier, input];
    byStem.set(key, input);
  }
  return undefined;
}
