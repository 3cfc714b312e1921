// The browser runtime (what `cbc-runtime` is in a bundle for the browser,
// without the standard classes, which package-browser.ts adds): the
// platform-neutral core plus a host that saves through tfjs' IO router.
// Nothing here imports Node, protobufjs, crc32c or cli-progress.
import { browserHost } from "./browser-host.js";
import { setActionHost } from "./host.js";

setActionHost(browserHost);

export * from "./core.js";
export { browserHost, downloadedCsv } from "./browser-host.js";
