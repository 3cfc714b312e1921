// The CPU time of the calling thread, in ns: what the "µs of main-thread CPU" means.
//
// Node 20 has no per-thread clock (process.cpuUsage and resourceUsage count every thread:
// V8's GC helpers, tfjs-node's TensorFlow pool, which spins between ops), and /proc's
// schedstat moves only at scheduler ticks. Node's WASI does have one: uvwasi answers
// clock_time_get(thread_cputime_id) with clock_gettime(CLOCK_THREAD_CPUTIME_ID). So a
// 112-byte WebAssembly module that imports that one call, exported as `now()`, reads the
// main thread's own clock (~0.5 µs a call) without a native addon.
import { WASI } from "node:wasi";

/** A length-prefixed name in a WebAssembly section. */
const name = (text: string): number[] => [text.length, ...Buffer.from(text, "latin1")];

// (module
//   (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
//   (memory (export "memory") 1)
//   (func (export "now") (result i64)
//     (drop (call $clock (i32.const 3) (i64.const 1) (i32.const 0)))   ;; 3: thread_cputime_id, into memory[0..8)
//     (i64.load (i32.const 0))))
const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...[0x01, 0x0c, 0x02, 0x60, 0x03, 0x7f, 0x7e, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7e], // types: (i32 i64 i32) -> i32, () -> i64
  ...[0x02, 0x29, 0x01, ...name("wasi_snapshot_preview1"), ...name("clock_time_get"), 0x00, 0x00], // import func 0, type 0
  ...[0x03, 0x02, 0x01, 0x01], // one function, type 1
  ...[0x05, 0x03, 0x01, 0x00, 0x01], // one memory of one page
  ...[0x07, 0x10, 0x02, ...name("memory"), 0x02, 0x00, ...name("now"), 0x00, 0x01], // exports
  ...[0x0a, 0x12, 0x01, 0x10, 0x00, 0x41, 0x03, 0x42, 0x01, 0x41, 0x00, 0x10, 0x00, 0x1a, 0x41, 0x00, 0x29, 0x03, 0x00, 0x0b], // body of "now"
]);

/** Reads this thread's CPU clock, ns; undefined where WASI cannot answer (then callers fall back to bounds). */
export function threadClock(): (() => bigint) | undefined {
  try {
    const wasi = new WASI({ version: "preview1" });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(MODULE), wasi.getImportObject() as WebAssembly.Imports);
    wasi.initialize(instance);
    const now = instance.exports.now as () => bigint;
    const first = now();
    let spin = 0;
    for (let i = 0; i < 100_000; i += 1) spin += i;
    // A clock that does not move over 100k additions is not a CPU clock.
    return spin > 0 && now() > first ? now : undefined;
  } catch {
    return undefined;
  }
}
