// Where a checkpoint goes: a path (Node's file system), `file://PATH` (the same
// path, tfjs-node's spelling), or a tfjs storage URL that tfjs' IO router saves
// to (`model.save(url)`). Placeholders are formatted before the target gets here.

/**
 * `indexeddb` for "indexeddb://best", `file` for "file://runs/a", undefined for a plain path.
 * As written: tfjs' router matches its schemes in lower case only, so "IndexedDB://x" is no tfjs URL.
 */
export function storageScheme(target: string): string | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(target);
  return match ? match[1] : undefined;
}

/** Whether tfjs' IO router saves `target` (indexeddb://, localstorage://, downloads://, http(s)://): a row of the table other than a path's. */
export function isTfjsStorageUrl(target: string): boolean {
  const row = rowOf(target);
  return row !== undefined && row !== "path";
}

/** Whether a checkpoint at `target` can be removed again by URL (indexeddb://, localstorage://): `keep` works there. */
export function isRemovableStorageUrl(target: string): boolean {
  return isTfjsStorageUrl(target) && placesFor("keep", target).length > 0;
}

/** The file-system path `target` names: itself without a scheme, PATH for `file://PATH`; undefined for any other scheme. */
export function filePathOf(target: string): string | undefined {
  const scheme = storageScheme(target);
  if (scheme === undefined) return target;
  if (scheme === "file") return target.slice("file://".length);
  return undefined;
}

/** Where an action can run: Node, a browser page, a Web Worker (no `document`, no `localStorage`). */
export type Place = "node" | "page" | "worker";
export type TargetAction = "save" | "keep" | "log" | "tensorboard";

/**
 * The one table of targets: for each scheme ("path" is a plain path or file://PATH, "http" also https), where each
 * action works. The hosts, the checker and the dry run all read it.
 */
export const TARGET_TABLE: Readonly<Record<string, Partial<Record<TargetAction, readonly Place[]>>>> = {
  path: { save: ["node"], keep: ["node"], log: ["node"], tensorboard: ["node"] },
  indexeddb: { save: ["page", "worker"], keep: ["page", "worker"] },
  localstorage: { save: ["page"], keep: ["page"] },
  downloads: { save: ["page"], log: ["page"] },
  http: { save: ["node", "page", "worker"] },
};

const SCHEME_WORDS: Record<string, string> = {
  path: "a path or file://PATH",
  indexeddb: "indexeddb://NAME",
  localstorage: "localstorage://NAME",
  downloads: "downloads://NAME",
  http: "http(s)://URL",
};

/** "Node", "a browser page", "a Web Worker". (A switch: the browser bundle must not spell `node:` even as an object key.) */
export function placeInWords(place: Place): string {
  switch (place) {
    case "node":
      return "Node";
    case "page":
      return "a browser page";
    case "worker":
      return "a Web Worker";
  }
}

/** The table's row for `target`: "path" for a plain path or file://; the scheme, or undefined when the table has none. */
function rowOf(target: string): string | undefined {
  const scheme = storageScheme(target);
  if (scheme === undefined || scheme === "file") return "path";
  if (scheme === "https") return "http";
  return Object.hasOwn(TARGET_TABLE, scheme) ? scheme : undefined;
}

/** The places where `action` to `target` works; empty for a scheme no platform knows. */
export function placesFor(action: TargetAction, target: string): readonly Place[] {
  const row = rowOf(target);
  return row === undefined ? [] : (TARGET_TABLE[row]?.[action] ?? []);
}

/** What `action` can target in `place`, in words: "indexeddb://NAME or http://URL". */
export function targetsIn(action: TargetAction, place: Place): string {
  const words = Object.entries(TARGET_TABLE)
    .filter(([, actions]) => actions[action]?.includes(place))
    .map(([row]) => SCHEME_WORDS[row] ?? `${row}://`);
  return words.length === 0 ? "nothing" : words.length === 1 ? words[0]! : `${words.slice(0, -1).join(", ")} or ${words.at(-1)!}`;
}

/** What `action` can target anywhere, with where: `a path or file://PATH (Node), indexeddb://NAME (a browser page, a Web Worker)`. */
export function targetsAnywhere(action: TargetAction): string {
  return Object.entries(TARGET_TABLE)
    .filter(([, actions]) => (actions[action]?.length ?? 0) > 0)
    .map(([row, actions]) => `${SCHEME_WORDS[row] ?? `${row}://`} (${actions[action]!.map(placeInWords).join(", ")})`)
    .join("; ");
}

export const ACTION_WORDS: Record<TargetAction, string> = { save: "save to", keep: "`keep`", log: "`log to`", tensorboard: "`tensorboard`" };

/**
 * Why no platform can run `action` with `target` (an unknown or miscased scheme, or a scheme
 * that does not take this action) and what does work, or undefined when some platform can.
 */
export function nowhere(action: TargetAction, target: string): { problem: string; works: string } | undefined {
  if (placesFor(action, target).length > 0) return undefined;
  const scheme = storageScheme(target) ?? "";
  const works = `${ACTION_WORDS[action]} takes ${targetsAnywhere(action)}`;
  const shown = JSON.stringify(target);
  if (rowOf(target) === undefined) {
    const lower = scheme.toLowerCase();
    if (lower !== scheme && (lower === "file" || lower === "https" || Object.hasOwn(TARGET_TABLE, lower))) {
      return { problem: `${shown}: schemes are written in lower case (${lower}://, not ${scheme}://)`, works };
    }
    return { problem: `${shown}: ${scheme}:// is not a storage scheme cbc knows`, works };
  }
  if (action === "keep") return { problem: `${shown}: \`keep\` cannot remove checkpoints from ${scheme}://`, works };
  return { problem: `${shown}: ${scheme}:// does not take ${ACTION_WORDS[action]}`, works };
}

/** `nowhere` as one message: what is wrong; what works. */
export function unsupportedAnywhere(action: TargetAction, target: string): string | undefined {
  const why = nowhere(action, target);
  return why === undefined ? undefined : `${why.problem}; ${why.works}`;
}

/**
 * Why `action` to `target` cannot run in `place`, with what works there; undefined when it can.
 * Both hosts ask this (the browser host adds what its global scope lacks).
 */
export function refusalIn(place: Place, action: TargetAction, target: string): string | undefined {
  const nowhere = unsupportedAnywhere(action, target);
  if (nowhere !== undefined) return nowhere;
  const places = placesFor(action, target);
  if (places.includes(place)) return undefined;
  const scheme = storageScheme(target);
  const here = `in ${placeInWords(place)}, ${ACTION_WORDS[action]} takes ${targetsIn(action, place)}`;
  if (scheme === undefined || scheme === "file") {
    const what = action === "tensorboard" ? "`tensorboard` writes event files" : `${ACTION_WORDS[action]} ${JSON.stringify(target)} writes`;
    return `${what} to a file system, which only Node has; ${here}`;
  }
  if (action === "keep") return `\`keep\` removes old checkpoints, which ${scheme}:// cannot do; ${here}`;
  if (place === "node") return `${scheme}:// exists only in a browser; ${here}`;
  if (place === "worker" && places.includes("page")) {
    const needs = scheme === "localstorage" ? "`globalThis.localStorage`" : "a page's `document`";
    return `${scheme}:// needs ${needs}, which a Web Worker does not have; ${here}`;
  }
  return `${scheme}:// does not work in a browser; ${here}`;
}
