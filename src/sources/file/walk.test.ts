import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, openSync, ftruncateSync, closeSync, writeSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, type ReadContext } from "../../model/scan.js";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { walkPaths, type FileEntry } from "./walk.js";

const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: [] };

async function walk(roots: string[], c: ReadContext = ctx): Promise<Array<FileEntry | ScanIssue>> {
  const out: Array<FileEntry | ScanIssue> = [];
  for await (const e of walkPaths(roots, c)) out.push(e);
  return out;
}

describe("walkPaths", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
    mkdirSync(o.path("pki/etcd"), { recursive: true });
    o.makeCa("pki/ca");
    o.makeCa("pki/etcd/ca");
    symlinkSync(o.path("pki"), o.path("pki/etcd/loop"));
    symlinkSync(o.path("pki/ca.crt"), o.path("current.pem"));
    // 50 MB sparse junk file: larger than the 16 MB default limit.
    const fd = openSync(o.path("pki/huge.bin"), "w");
    writeSync(fd, "junk");
    ftruncateSync(fd, 50 * 1024 * 1024);
    closeSync(fd);
  });
  after(() => o.cleanup());

  it("walks in sorted order, reports a directory symlink loop and skips the 50 MB file", async () => {
    const entries = await walk([o.dir]);
    const files = entries.filter((e): e is FileEntry => "size" in e).map((e) => e.path.slice(o.dir.length + 1));
    assert.deepEqual(files, ["current.pem", "pki/ca.crt", "pki/ca.key", "pki/etcd/ca.crt", "pki/etcd/ca.key"]);
    const notes = entries.filter((e): e is ScanIssue => "code" in e).map((e) => [e.code, e.ref, e.material]);
    assert.deepEqual(notes, [
      [ErrorCode.ERR_SOURCE_SYMLINK_LOOP, `file:${o.path("pki/etcd/loop")}`, false],
      [ErrorCode.ERR_FILE_TOO_LARGE, `file:${o.path("pki/huge.bin")}`, false],
    ]);
  });

  it("marks a symlinked file and keeps the path as reached", async () => {
    const entries = await walk([o.path("current.pem")]);
    assert.deepEqual(entries, [{ path: o.path("current.pem"), symlink: true, size: o.read("pki/ca.crt").length }]);
  });

  it("respects maxDepth", async () => {
    const entries = await walk([o.dir], { ...ctx, limits: { ...defaultLimits, maxDepth: 1 } });
    assert.ok(entries.every((e) => !("size" in e) || !e.path.includes("/etcd/")));
    assert.ok(entries.some((e) => "code" in e && e.code === ErrorCode.ERR_SOURCE_UNREADABLE));
  });

  it("throws ERR_PATH_NOT_FOUND for a missing root", async () => {
    await assert.rejects(walk([o.path("nope")]), (e: unknown) => e instanceof CertdoctorError && e.code === ErrorCode.ERR_PATH_NOT_FOUND);
  });
});
