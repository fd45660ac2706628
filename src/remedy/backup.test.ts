import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isCertdoctorError } from "../errors.js";
import { demoPath } from "../../test/support/fixtures.js";
import { openArchive, sealArchive, type BackupKey } from "./archive.js";
import { collectBackup, createBackup, type Manifest } from "./backup.js";
import { applyRestore, planRestore } from "./restore.js";

const KEY: BackupKey = { kind: "raw", key: createHash("sha256").update("test key").digest() };
const PASS: BackupKey = { kind: "passphrase", passphrase: Buffer.from("correct horse battery staple") };
const FAST = { N: 1 << 10, r: 8, p: 1 };

/** Every entry below `dir` with its type, mode and content hash (or link text): the whole tree's state. */
function treeState(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = `${rel}/${name}`;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${r} link ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.push(`${r} dir ${(st.mode & 0o7777).toString(8)}`);
        walk(p, r);
      } else out.push(`${r} file ${(st.mode & 0o7777).toString(8)} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`);
    }
  };
  walk(dir, "");
  return out;
}

function expectCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => isCertdoctorError(err) && err.code === code);
}

/** An archive with a hand-made manifest, sealed with the right key: restore must still refuse it. */
function forged(manifest: Manifest, data: Buffer, key: BackupKey = KEY): Buffer {
  const m = Buffer.from(JSON.stringify(manifest));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(m.length);
  return sealArchive(Buffer.concat([head, m, data]), key, FAST);
}

describe("backup and restore", () => {
  const tmp = mkdtempSync(join(tmpdir(), "certdoctor-backup-"));
  const src = join(tmp, "src", "etc", "kubernetes");
  const now = new Date("2026-12-01T00:00:00Z");
  before(() => {
    cpSync(demoPath("cp-1", "etc", "kubernetes"), src, { recursive: true, verbatimSymlinks: true });
    chmodSync(join(src, "pki", "ca.key"), 0o600);
    chmodSync(join(src, "admin.conf"), 0o640);
    symlinkSync("pki/ca.crt", join(src, "ca-link.crt"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("round trip: restored byte-identical with modes and symlinks, under --to", () => {
    const { archive, manifest } = createBackup([src], KEY, now);
    assert.ok(manifest.entries.some((e) => e.type === "symlink" && e.target === "pki/ca.crt"));
    assert.ok(manifest.entries.find((e) => e.path === "pki/ca.crt")!.certificates!.length === 1);
    const to = join(tmp, "restore-1");
    mkdirSync(to);
    const plan = planRestore(archive, KEY, { to });
    assert.ok(plan.actions.every((a) => a.action === "create"));
    applyRestore(plan);
    assert.deepEqual(treeState(join(to, src)), treeState(src));
  });

  it("a passphrase archive (scrypt) opens with the same passphrase", () => {
    const { payload } = collectBackup([src], now);
    const archive = sealArchive(payload, PASS, FAST);
    assert.deepEqual(openArchive(archive, PASS), payload);
    expectCode(() => openArchive(archive, { kind: "passphrase", passphrase: Buffer.from("wrong") }), "ERR_BACKUP_AUTH");
    expectCode(() => openArchive(archive, KEY), "ERR_BACKUP_KEY");
  });

  it("the archive holds no plaintext: no PEM, no paths", () => {
    const { archive } = createBackup([src], KEY, now);
    const text = archive.toString("latin1");
    assert.doesNotMatch(text, /BEGIN|PRIVATE|kubernetes|pki/);
  });

  it("a dry run (plan only) changes nothing, even onto an existing tree that differs", () => {
    const { archive } = createBackup([src], KEY, now);
    const to = join(tmp, "restore-dry");
    cpSync(join(tmp, "src"), join(to, tmp, "src"), { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(to, src, "pki", "ca.crt"), "changed\n");
    const before = treeState(to);
    const plan = planRestore(archive, KEY, { to });
    assert.deepEqual(plan.actions.filter((a) => a.action === "replace").map((a) => a.target), [join(to, src, "pki", "ca.crt")]);
    assert.deepEqual(treeState(to), before);
  });

  it("restoring over a changed file replaces it atomically and keeps it as .bak", () => {
    const { archive } = createBackup([src], KEY, now);
    const to = join(tmp, "restore-over");
    mkdirSync(to);
    applyRestore(planRestore(archive, KEY, { to }));
    const target = join(to, src, "pki", "ca.crt");
    writeFileSync(target, "broken\n");
    const plan = planRestore(archive, KEY, { to });
    assert.deepEqual(plan.actions.filter((a) => a.action !== "unchanged").map((a) => a.target), [target]);
    const written = applyRestore(plan);
    assert.deepEqual(written, [{ target, backup: `${target}.bak` }]);
    assert.equal(readFileSync(`${target}.bak`, "utf8"), "broken\n");
    assert.deepEqual(readFileSync(target), readFileSync(join(src, "pki", "ca.crt")));
  });

  describe("bad archives fail before anything is written", () => {
    let archive: Buffer;
    let to: string;
    before(() => {
      archive = createBackup([src], KEY, now).archive;
      to = join(tmp, "restore-bad");
      mkdirSync(to);
    });
    const cases: Array<{ name: string; make: () => Buffer; key?: BackupKey; code: string }> = [
      { name: "wrong key", make: () => archive, key: { kind: "raw", key: Buffer.alloc(32, 7) }, code: "ERR_BACKUP_AUTH" },
      { name: "a flipped byte in the ciphertext", make: () => flip(archive, Math.floor(archive.length / 2)), code: "ERR_BACKUP_AUTH" },
      { name: "a flipped byte in the tag", make: () => flip(archive, archive.length - 1), code: "ERR_BACKUP_AUTH" },
      { name: "a changed header (authenticated as AAD)", make: () => changeHeaderIv(archive), code: "ERR_BACKUP_AUTH" },
      { name: "truncated by one byte", make: () => archive.subarray(0, archive.length - 1), code: "ERR_BACKUP_AUTH" },
      { name: "truncated to its header", make: () => archive.subarray(0, 40), code: "ERR_BACKUP_INVALID" },
      { name: "not an archive", make: () => readFileSync(join(src, "pki", "ca.crt")), code: "ERR_BACKUP_INVALID" },
      { name: "empty", make: () => Buffer.alloc(0), code: "ERR_BACKUP_INVALID" },
    ];
    for (const c of cases) {
      it(c.name, () => {
        expectCode(() => planRestore(c.make(), c.key ?? KEY, { to }), c.code);
        assert.deepEqual(readdirSync(to), []);
      });
    }

    const data = Buffer.from("-----BEGIN CERTIFICATE-----\n");
    const entry = { root: 0, type: "file" as const, mode: 0o644, uid: 0, gid: 0, size: data.length, offset: 0, sha256: createHash("sha256").update(data).digest("hex") };
    const manifest = (entries: Manifest["entries"], roots = ["/etc/kubernetes"]): Manifest => ({ format: "certdoctor-backup-manifest", version: 1, createdAt: now.toISOString(), roots, entries, objects: [], skipped: [] });
    const forgeries = [
      { name: "a ../ path", m: () => manifest([{ ...entry, path: "../../../tmp/evil" }]), code: "ERR_RESTORE_UNSAFE" },
      { name: "an absolute entry path", m: () => manifest([{ ...entry, path: "/etc/passwd" }]), code: "ERR_RESTORE_UNSAFE" },
      { name: "a root that is not normalised", m: () => manifest([{ ...entry, path: "x" }], ["/etc/kubernetes/../../tmp"]), code: "ERR_RESTORE_UNSAFE" },
      { name: "a symlink entry pointing out of the tree", m: () => manifest([{ root: 0, path: "pki/link", type: "symlink", target: "../../../root/.ssh/authorized_keys", mode: 0o777, uid: 0, gid: 0 }]), code: "ERR_RESTORE_UNSAFE" },
      { name: "an absolute symlink entry", m: () => manifest([{ root: 0, path: "link", type: "symlink", target: "/etc/shadow", mode: 0o777, uid: 0, gid: 0 }]), code: "ERR_RESTORE_UNSAFE" },
      { name: "a file whose checksum does not match", m: () => manifest([{ ...entry, path: "x", sha256: "00".repeat(32) }]), code: "ERR_BACKUP_INVALID" },
      { name: "a file pointing past the data", m: () => manifest([{ ...entry, path: "x", size: 1 << 20 }]), code: "ERR_BACKUP_INVALID" },
    ];
    for (const f of forgeries) {
      it(`refuses a manifest with ${f.name}`, () => {
        expectCode(() => planRestore(forged(f.m(), data), KEY, { to }), f.code);
        assert.deepEqual(readdirSync(to), []);
      });
    }
  });

  describe("never writes through symlinks", () => {
    it("a target directory that is a symlink is refused", () => {
      const { archive } = createBackup([src], KEY, now);
      const to = join(tmp, "restore-linkdir");
      const elsewhere = join(tmp, "elsewhere");
      mkdirSync(elsewhere);
      mkdirSync(join(to, src, ".."), { recursive: true });
      symlinkSync(elsewhere, join(to, src));
      expectCode(() => planRestore(archive, KEY, { to }), "ERR_RESTORE_UNSAFE");
      assert.deepEqual(readdirSync(elsewhere), []);
    });

    it("a target file that is a symlink is refused", () => {
      const { archive } = createBackup([join(src, "pki", "ca.crt")], KEY, now);
      const to = join(tmp, "restore-linkfile");
      const victim = join(tmp, "victim");
      writeFileSync(victim, "keep me\n");
      mkdirSync(join(to, src, "pki"), { recursive: true });
      symlinkSync(victim, join(to, src, "pki", "ca.crt"));
      expectCode(() => planRestore(archive, KEY, { to }), "ERR_RESTORE_UNSAFE");
      assert.equal(readFileSync(victim, "utf8"), "keep me\n");
    });
  });
});

function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  c[at] = c[at]! ^ 0x01;
  return c;
}

/** Rewrites the IV in the clear header: still valid JSON and a valid IV, but not the authenticated one. */
function changeHeaderIv(b: Buffer): Buffer {
  const len = b.readUInt32BE(6);
  const header = JSON.parse(b.subarray(10, 10 + len).toString()) as { iv: string };
  const iv = Buffer.from(header.iv, "base64");
  iv[0] = iv[0]! ^ 1;
  const text = Buffer.from(JSON.stringify({ ...header, iv: iv.toString("base64") }));
  assert.equal(text.length, len);
  return Buffer.concat([b.subarray(0, 10), text, b.subarray(10 + len)]);
}
