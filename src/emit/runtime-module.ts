// The module generated code imports the runtime from, in one place: the CLI's
// help text and the emitter both read it.
export const RUNTIME_MODULE = "cbc/runtime";
