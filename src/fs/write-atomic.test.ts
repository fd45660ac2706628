import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { writeFileAtomic } from "./write-atomic.js";

const dir = mkdtempSync(join(tmpdir(), "certdoctor-atomic-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("writeFileAtomic", () => {
  it("writes a new file with the given mode and leaves no temp file", () => {
    const path = join(dir, "new.json");
    writeFileAtomic(path, "{}", { mode: 0o600 });
    assert.equal(readFileSync(path, "utf8"), "{}");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith(".tmp")), []);
  });

  it("keeps the replaced content as .bak when asked", () => {
    const path = join(dir, "report.json");
    writeFileSync(path, "old");
    writeFileAtomic(path, "new", { backup: true });
    assert.equal(readFileSync(path, "utf8"), "new");
    assert.equal(readFileSync(`${path}.bak`, "utf8"), "old");
    writeFileAtomic(path, "newer", { backup: true });
    assert.equal(readFileSync(`${path}.bak`, "utf8"), "new");
  });

  it("fails without touching the target when the directory is missing", () => {
    assert.throws(() => writeFileAtomic(join(dir, "missing", "x.json"), "x"), { code: "ENOENT" });
  });
});
