// Where `cbc compile` emits. Loading ts-morph (and the TypeScript inside it) is
// most of a cold compile, and the parser and checker need none of it; so the
// CLI starts a worker thread that loads it at once, while this thread reads,
// parses and checks (bench/README.md). Tests and library users emit in-process.
import { Worker } from "node:worker_threads";
import type { CheckedProgram } from "../check/program.js";
import type { EmitOptions, EmittedFile } from "../emit/emit.js";

export interface Emitter {
  emit(program: CheckedProgram, options: EmitOptions): Promise<EmittedFile>;
  /** No more work: call once, whatever happened; resolves when the emitter has stopped. */
  close(): Promise<void>;
}

/** The worker's protocol (src/cli/emit-worker.ts is the other end). */
export type EmitRequest = { kind: "emit"; id: number; program: CheckedProgram; options: EmitOptions } | { kind: "close" };
export type EmitReply = { id: number; file: EmittedFile } | { id: number; error: string; stack?: string };

/** Emits in this thread, loading the emitter on first use. */
export function inProcessEmitter(): Emitter {
  return {
    async emit(program, options) {
      const { emitModule } = await import("../emit/emit.js");
      return emitModule(program, options);
    },
    async close() {},
  };
}

/**
 * Starts the worker (`script`, the built emit-worker.js) now; it begins loading
 * ts-morph at once. A checked program is plain data: the structured clone that
 * carries it keeps shared nodes shared, so its maps keyed by AST node still work.
 */
export function workerEmitter(script: URL): Emitter {
  const worker = new Worker(script);
  // Idle, the worker must not keep the process alive: a compile that stops at a
  // usage error or at errors in the rules exits without waiting for TypeScript.
  worker.unref();
  const pending = new Map<number, { resolve: (file: EmittedFile) => void; reject: (error: Error) => void }>();
  let failure: Error | undefined;
  let nextId = 0;
  let used = false;

  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));

  const failAll = (error: Error): void => {
    failure ??= error;
    for (const request of pending.values()) request.reject(failure);
    pending.clear();
    worker.unref();
  };
  worker.on("message", (reply: EmitReply) => {
    const request = pending.get(reply.id);
    if (request === undefined) return;
    pending.delete(reply.id);
    if ("file" in reply) request.resolve(reply.file);
    else request.reject(Object.assign(new Error(reply.error), reply.stack === undefined ? {} : { stack: reply.stack }));
    if (pending.size === 0) worker.unref();
  });
  // A worker that cannot load (no ts-morph, a broken install) fails here, with its error.
  worker.on("error", (error) => failAll(error instanceof Error ? error : new Error(String(error))));
  worker.on("exit", (code) => failAll(new Error(`the emitter thread exited (code ${code})`)));

  return {
    emit(program, options) {
      if (failure !== undefined) return Promise.reject(failure);
      used = true;
      const id = nextId++;
      try {
        // Posted first: a program that cannot be cloned must not leave a request behind that nothing settles.
        worker.postMessage({ kind: "emit", id, program, options } satisfies EmitRequest);
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
      worker.ref();
      return new Promise<EmittedFile>((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    async close() {
      if (failure === undefined && used) {
        // Let it save its code cache (when it made new code) and exit on its own.
        worker.ref();
        worker.postMessage({ kind: "close" } satisfies EmitRequest);
      } else if (failure === undefined) {
        // Never needed: stop loading TypeScript.
        void worker.terminate();
      }
      await exited;
    },
  };
}
