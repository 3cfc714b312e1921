// The CLI loses nothing, whatever the file system does: one stem function for
// the collision check and the output names, temp files of killed runs removed,
// symlinked folders counted once, unreadable folders an error, long stems
// written, modes kept.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { ensureBuiltCli, repo } from "../support/built-cli.js";

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function cbc(args: string[], cwd: string): Promise<Outcome> {
  let stdout = "";
  let stderr = "";
  const code = await run(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    cwd,
    isTTY: false,
    env: {},
  });
  return { code, stdout, stderr };
}

const temps: string[] = [];
afterEach(async () => {
  for (const dir of temps.splice(0)) {
    await fs.chmod(path.join(dir, "rules", "locked"), 0o755).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

const RULES = "when val_loss plateau 2 then stop\n";

async function project(files: Record<string, string>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "cbc-loses-nothing-"));
  temps.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** The built CLI run as uid/gid 65534, in `cwd` (made readable and writable for it). */
async function asNobody(args: string[], cwd: string): Promise<Outcome> {
  ensureBuiltCli();
  await fs.chmod(cwd, 0o777);
  const result = spawnSync(process.execPath, [path.join(repo, "bin", "cbc.js"), ...args], { cwd, uid: 65534, gid: 65534, encoding: "utf8" });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A pid that no process has: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid ?? 999_999;
}

describe("the CLI loses nothing", () => {
  it.runIf(process.platform !== "win32")("`a\\b.rules` beside `b.rules`: both have the stem b, so the compile stops before writing", async () => {
    const dir = await project({ "rules/a\\b.rules": RULES, "rules/b.rules": RULES });
    const outcome = await cbc(["compile", "rules", "-o", "out"], dir);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe("cbc: rules/a\\b.rules and rules/b.rules would both compile to b.ts; rename one or compile them to different directories\n");
    expect(existsSync(path.join(dir, "out"))).toBe(false);
  });

  it("temp files of a compile killed before its rename are removed by the next compile; live ones are kept", async () => {
    const dir = await project({ "rules/train.rules": RULES });
    expect((await cbc(["compile", "rules", "-o", "out"], dir)).code).toBe(0);
    const dead = await deadPid();
    const stale = path.join(dir, "out", `.train.ts.tmp-${dead}-1-abcdef`);
    const live = path.join(dir, "out", `.train.ts.tmp-${process.ppid}-1-abcdef`);
    const other = path.join(dir, "out", `.other.ts.tmp-${dead}-1-abcdef`);
    for (const file of [stale, live, other]) await fs.writeFile(file, "half a module");
    // The output is up to date: nothing is rewritten, and the leftovers still go.
    const outcome = await cbc(["compile", "rules", "-o", "out"], dir);
    expect(outcome.stdout).toBe("up to date out/train.ts\n");
    expect((await fs.readdir(path.join(dir, "out"))).sort()).toEqual([path.basename(other), path.basename(live), "train.ts"].sort());
  });

  it.runIf(process.platform !== "win32")("a symlink to an ancestor folder does not count a file twice", async () => {
    const dir = await project({ "rules/train.rules": RULES });
    await fs.symlink("..", path.join(dir, "rules", "loop"));
    const outcome = await cbc(["compile", "rules", "-o", "out"], dir);
    expect(outcome.stderr).toBe("");
    expect(outcome.stdout).toBe("wrote out/train.ts\n");
    expect(outcome.code).toBe(0);
  });

  it.runIf(process.platform !== "win32")("an unreadable subfolder is an error (exit 2), not skipped", async () => {
    const dir = await project({ "rules/train.rules": RULES, "rules/locked/lost.rules": RULES });
    await fs.chmod(path.join(dir, "rules", "locked"), 0o000);
    // Permissions do not stop root: as root, run the built CLI as `nobody`.
    const outcome = process.getuid?.() === 0 ? await asNobody(["compile", "rules", "-o", "out"], dir) : await cbc(["compile", "rules", "-o", "out"], dir);
    expect(outcome).toEqual({ code: 2, stdout: "", stderr: "cbc: cannot read rules/locked: permission denied\n" });
    expect(existsSync(path.join(dir, "out"))).toBe(false);
  });

  it("stems of 233 to 249 characters compile: the temp name fits where the file name does", async () => {
    // 249 + `.rules` is the longest name a file system takes.
    for (const length of [233, 240, 249]) {
      const stem = "s".repeat(length);
      const dir = await project({ [`rules/${stem}.rules`]: RULES });
      const outcome = await cbc(["compile", "rules", "-o", "out"], dir);
      expect(outcome.stderr, `stem of ${length}`).toBe("");
      expect(await fs.readdir(path.join(dir, "out"))).toEqual([`${stem}.ts`]);
    }
  });

  it.runIf(process.platform !== "win32")("rewriting an output file keeps its mode", async () => {
    const dir = await project({ "rules/train.rules": RULES });
    await cbc(["compile", "rules", "-o", "out"], dir);
    const output = path.join(dir, "out", "train.ts");
    await fs.chmod(output, 0o640);
    await fs.writeFile(path.join(dir, "rules", "train.rules"), "when val_loss plateau 3 then stop\n");
    expect((await cbc(["compile", "rules", "-o", "out"], dir)).stdout).toBe("wrote out/train.ts\n");
    expect((await fs.stat(output)).mode & 0o777).toBe(0o640);
  });
});
