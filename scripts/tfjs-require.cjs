// The CLI loads @tensorflow/tfjs (for `cbc simulate` and `cbc plot`) through require: imported as an ES
// module, Node first scans tfjs' CommonJS bundles for their export names, ~0.4 s of a cold run.
// scripts/build.mjs points the CLI's `@tensorflow/tfjs` imports here.
module.exports = require("@tensorflow/tfjs");
