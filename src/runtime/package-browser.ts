// `cbc-runtime` in a browser (the package's `browser` and default export): the
// browser runtime and the standard classes. BackupAndRestore, ProgressBarCallback,
// fileLoader and the file writers are Node's and are not here.
export * from "./browser.js";
export * from "./std.js";
