// `cbc-runtime` on Node (the package's `node` export): the Node runtime and the standard classes.
export * from "./index.js";
export * from "./std-node.js";
