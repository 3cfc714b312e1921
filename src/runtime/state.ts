// The shape every stateful runtime piece uses to be saved and brought back
// (BackupAndRestore): a small versioned JSON value, with tensors kept beside
// it as binary and referred to by key.

// No tfjs here at run time (the CLI loads atomic.ts, which uses StateError): TensorBundle is in tensor-bundle.ts.
import type * as tf from "@tensorflow/tfjs";

/** A state that cannot be restored: another format version, a malformed value, a tensor of the wrong shape. */
export class StateError extends Error {
  override name = "StateError";
}

/** Every piece's state carries its format version in `v`. */
export interface VersionedState {
  v: number;
}

/** Throws unless `state` is an object of format version `version`; `what` names the piece in the message. */
export function checkState<T extends VersionedState>(what: string, state: unknown, version: number): T {
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    throw new StateError(`${what}: the saved state is not an object`);
  }
  const v = (state as { v?: unknown }).v;
  if (v !== version) {
    throw new StateError(`${what}: the saved state has format version ${String(v)}, this cbc reads version ${version}`);
  }
  return state as T;
}

/** Where state() puts tensors: it keeps a snapshot and returns the key that restoreState() gets back. */
export interface TensorSink {
  put(tensor: tf.Tensor): string;
}

/** Where restoreState() finds them: a new tensor the caller owns. */
export interface TensorSource {
  take(key: string): tf.Tensor;
}

// JSON cannot hold NaN, the infinities or -0, which bests, lets and scores can
// be: they are written as {"$num": "NaN"} and read back as numbers.
const NUMBER_KEY = "$num";

function isSpecialNumber(value: number): boolean {
  return !Number.isFinite(value) || Object.is(value, -0);
}

/**
 * JSON.stringify that keeps every number exactly, NaN, +-Infinity and -0
 * included. A function (a hook or schedule among options) is written as
 * "[function]": its code cannot be saved, only that it is there.
 */
export function stringifyState(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "number" && isSpecialNumber(item)) return { [NUMBER_KEY]: Object.is(item, -0) ? "-0" : String(item) };
    if (typeof item === "function") return "[function]";
    return item;
  });
}

/** The inverse of stringifyState. Throws SyntaxError on text that is not JSON. */
export function parseState(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      const keys = Object.keys(item);
      const encoded = (item as Record<string, unknown>)[NUMBER_KEY];
      if (keys.length === 1 && typeof encoded === "string") return Number(encoded);
    }
    return item;
  });
}
