import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, openSync, ftruncateSync, closeSync, writeSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { CertdoctorError, ErrorCode } from "../../errors.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, type ReadContext } from "../../model/scan.js";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { fileSource } from "./index.js";
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

  it("walks in sorted order and reports a directory symlink loop", async () => {
    const entries = await walk([o.dir]);
    const files = entries.filter((e): e is FileEntry => "path" in e).map((e) => e.path.slice(o.dir.length + 1));
    assert.deepEqual(files, ["current.pem", "pki/ca.crt", "pki/ca.key", "pki/etcd/ca.crt", "pki/etcd/ca.key", "pki/huge.bin"]);
    const notes = entries.filter((e): e is ScanIssue => "code" in e).map((e) => [e.code, e.ref, e.material]);
    assert.deepEqual(notes, [[ErrorCode.ERR_SOURCE_SYMLINK_LOOP, `file:${o.path("pki/etcd/loop")}`, false]]);
  });

  it("the reader skips the 50 MB file without reading it; the good files are still read", async () => {
    const items = [];
    for await (const item of fileSource([o.dir]).discover(ctx)) items.push(item);
    const tooLarge = items.filter((i): i is ScanIssue => "code" in i && i.code === ErrorCode.ERR_FILE_TOO_LARGE);
    assert.deepEqual(tooLarge.map((i) => [i.ref, i.material]), [[`file:${o.path("pki/huge.bin")}`, false]]);
    assert.ok(items.filter((i) => "type" in i && i.type === "cert").length >= 2);
  });

  it("a symlink to a file over the limit is skipped by the walker", async () => {
    symlinkSync(o.path("pki/huge.bin"), o.path("huge-link.bin"));
    const entries = await walk([o.path("huge-link.bin")]);
    assert.deepEqual(entries.map((e) => ("code" in e ? e.code : e.path)), [ErrorCode.ERR_FILE_TOO_LARGE]);
  });

  it("marks a symlinked file and keeps the path as reached", async () => {
    const entries = await walk([o.path("current.pem")]);
    assert.deepEqual(entries, [{ path: o.path("current.pem"), symlink: true, size: o.read("pki/ca.crt").length, real: o.path("pki/ca.crt") }]);
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
