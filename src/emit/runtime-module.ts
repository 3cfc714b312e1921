// The module generated code imports the runtime from, in one place: the CLI's
// help text and the emitter both read it. Generated code is imported as a
// namespace (`import * as cbc from "cbc-runtime"`), so no user name collides.
export const RUNTIME_MODULE = "cbc-runtime";
// The runtime version generated code asks for: compiler and runtime are built from one repository and released together.
export { RUNTIME_VERSION } from "../runtime/version.js";
