// Where a checkpoint goes: a path (Node's file system), `file://PATH` (the same
// path, tfjs-node's spelling), or a tfjs storage URL that tfjs' IO router saves
// to (`model.save(url)`). Placeholders are formatted before the target gets here.

/** The schemes tfjs' IO router saves to. `indexeddb` and `localstorage` exist only in a browser. */
export const TFJS_STORAGE_SCHEMES = ["indexeddb", "localstorage", "downloads", "http", "https"] as const;
/** The schemes whose saved models can be listed and removed again (what `keep K` needs). */
export const REMOVABLE_SCHEMES = ["indexeddb", "localstorage"] as const;

/**
 * `indexeddb` for "indexeddb://best", `file` for "file://runs/a", undefined for a plain path.
 * As written: tfjs' router matches its schemes in lower case only, so "IndexedDB://x" is no tfjs URL.
 */
export function storageScheme(target: string): string | undefined {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(target);
  return match ? match[1] : undefined;
}

/** Whether tfjs' IO router saves `target` (indexeddb://, localstorage://, downloads://, http(s)://). */
export function isTfjsStorageUrl(target: string): boolean {
  const scheme = storageScheme(target);
  return scheme !== undefined && (TFJS_STORAGE_SCHEMES as readonly string[]).includes(scheme);
}

/** Whether a checkpoint at `target` can be removed again by URL (indexeddb://, localstorage://). */
export function isRemovableStorageUrl(target: string): boolean {
  const scheme = storageScheme(target);
  return scheme !== undefined && (REMOVABLE_SCHEMES as readonly string[]).includes(scheme);
}

/** The file-system path `target` names: itself without a scheme, PATH for `file://PATH`; undefined for any other scheme. */
export function filePathOf(target: string): string | undefined {
  const scheme = storageScheme(target);
  if (scheme === undefined) return target;
  if (scheme === "file") return target.slice("file://".length);
  return undefined;
}

/** "indexeddb://, localstorage://, downloads:// or http(s)://": what a message offers. */
export const STORAGE_URLS_IN_WORDS = "indexeddb://NAME, localstorage://NAME, downloads://NAME or http(s)://URL";
