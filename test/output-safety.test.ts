/** Where the report goes: a full or closed stdout is exit 2 with a message; --output never writes through links or into special files. */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { lstatSync, mkdtempSync, openSync, closeSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { findRepoRoot, fixturePath } from "./support/fixtures.js";

const NOW = "2026-06-01T00:00:00Z";
const scanArgs = ["scan", fixturePath("chain-ok"), "--now", NOW, "--format", "json"];
const bin = join(findRepoRoot(), "bin", "certdoctor.js");
const tmp = mkdtempSync(join(tmpdir(), "certdoctor-output-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the real binary with stdout on `stdoutPath` (a device) or on a pipe whose reading end is closed at once. */
function runBinary(args: string[], stdout: string | "closed-pipe"): Promise<{ code: number | null; err: string }> {
  const fd = stdout === "closed-pipe" ? "pipe" : openSync(stdout, "w");
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", fd, "pipe"] });
  if (typeof fd === "number") closeSync(fd);
  else child.stdout!.destroy();
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, err })));
}

describe("a report that cannot reach stdout is never success", () => {
  const rows = [
    { name: "stdout is /dev/full (ENOSPC): exit 2", stdout: "/dev/full", code: 2, why: /ENOSPC/ },
    { name: "stdout is a pipe nobody reads (EPIPE): exit 2", stdout: "closed-pipe", code: 2, why: /pipe was closed/ },
    { name: "stdout is /dev/null: the report is discarded as asked, exit 0", stdout: "/dev/null", code: 0, why: undefined },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const r = await runBinary(scanArgs, row.stdout);
      assert.equal(r.code, row.code, r.err);
      assert.doesNotMatch(r.err, /\n\s+at |node:events|Unhandled/, "no crash trace");
      if (row.why === undefined) assert.equal(r.err, "");
      else {
        assert.match(r.err, /^certdoctor: ERR_OUTPUT_WRITE: cannot write the report to stdout/m);
        assert.match(r.err, row.why);
      }
    });
  }

  it("findings at --fail-on still give 2, not 1, when the report is lost", async () => {
    const r = await runBinary(["scan", fixturePath("expired"), "--now", NOW, "--format", "json"], "/dev/full");
    assert.equal(r.code, 2, r.err);
  });
});

describe("--output refuses unsafe targets with exit 2 and leaves them untouched", () => {
  it("a symlink (to a file root must not overwrite)", async () => {
    const victim = join(tmp, "victim");
    writeFileSync(victim, "do not touch");
    symlinkSync(victim, join(tmp, "report.json"));
    const r = await runCli([...scanArgs, "--output", join(tmp, "report.json")]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ERR_OUTPUT_SYMLINK/);
    assert.equal(readFileSync(victim, "utf8"), "do not touch");
    assert.ok(lstatSync(join(tmp, "report.json")).isSymbolicLink());
  });

  it("a FIFO (not replaced by a file, no .bak, no hang)", async () => {
    const fifo = join(tmp, "report.fifo");
    execFileSync("mkfifo", [fifo]);
    const r = await runCli([...scanArgs, "--output", fifo]);
    assert.equal(r.code, 2);
    assert.match(r.err, /ERR_OUTPUT_NOT_REGULAR/);
    assert.ok(lstatSync(fifo).isFIFO());
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith("report.fifo")), ["report.fifo"]);
  });

  it("--output - is stdout", async () => {
    const r = await runCli([...scanArgs, "--output", "-"]);
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).summary !== undefined, true);
    assert.ok(!readdirSync(tmp).includes("-"));
  });

  it("a regular file is replaced with no .bak and no temp file left", async () => {
    const dir = mkdtempSync(join(tmp, "plain-"));
    writeFileSync(join(dir, "report.json"), "old");
    const r = await runCli([...scanArgs, "--output", join(dir, "report.json")]);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(readdirSync(dir), ["report.json"]);
    assert.ok(Array.isArray((JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as { certificates: unknown[] }).certificates));
  });
});
