// The runtime's version, which generated code checks: a class compiled by a
// newer cbc may use what an older runtime lacks. Equal to
// packages/cbc-runtime/package.json's version (a test keeps them equal).
export const RUNTIME_VERSION = "0.1.0";

/** The error a generated class throws when the installed cbc-runtime is older than the cbc that compiled it. */
export class RuntimeVersionError extends Error {
  override name = "RuntimeVersionError";
}

function parts(version: string): number[] {
  return version.split(/[.+-]/, 3).map((part) => Number.parseInt(part, 10) || 0);
}

/** Whether `installed` is at least `needed` (major.minor.patch; pre-release tags ignored). */
export function versionAtLeast(installed: string, needed: string): boolean {
  const have = parts(installed);
  const want = parts(needed);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== (want[i] ?? 0)) return (have[i] ?? 0) > (want[i] ?? 0);
  }
  return true;
}

/** Throws RuntimeVersionError when this runtime is older than `needed`, naming the class and the install command. */
export function requireRuntimeVersion(className: string, needed: string, installed: string = RUNTIME_VERSION): void {
  if (versionAtLeast(installed, needed)) return;
  throw new RuntimeVersionError(
    `${className} was compiled by cbc ${needed} and needs cbc-runtime >= ${needed}, but cbc-runtime ${installed} is installed: run \`npm i cbc-runtime@^${needed}\``,
  );
}
