import assert from "node:assert/strict";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runCli } from "./support/cli.js";
import { demoPath } from "./support/fixtures.js";

const tmp = mkdtempSync(join(tmpdir(), "certdoctor-backup-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("certdoctor backup / restore", () => {
  const src = join(tmp, "node", "etc", "kubeedge");
  cpSync(demoPath("edge-1", "etc", "kubeedge"), src, { recursive: true });
  const keyFile = join(tmp, "backup.key");
  const hexKey = "9f".repeat(32);
  writeFileSync(keyFile, `${hexKey}\n`, { mode: 0o600 });
  const passFile = join(tmp, "pass.txt");
  writeFileSync(passFile, "s3cret-passphrase-do-not-print\n", { mode: 0o600 });
  const archive = join(tmp, "edge-1.cdbk");
  const privateKeyLines = readFileSync(join(src, "certs", "server.key"), "utf8").split("\n").filter((l) => l.length >= 40);

  const noSecrets = (text: string) => {
    assert.ok(!text.includes(hexKey), "key in output");
    assert.ok(!text.includes("s3cret-passphrase"), "passphrase in output");
    for (const l of privateKeyLines) assert.ok(!text.includes(l), "private key bytes in output");
  };

  it("backs up to a 0600 archive and restores after a dry run", async () => {
    const b = await runCli(["backup", "--path", src, "--key-file", keyFile, "--output", archive]);
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, /backed up 3 files \(2 certificates\)/);
    assert.equal(statSync(archive).mode & 0o777, 0o600);
    const to = join(tmp, "restored");
    mkdirSync(to);
    const dry = await runCli(["restore", archive, "--key-file", keyFile, "--to", to]);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /dry run: 6 of 6 entries would be written; nothing was changed/);
    assert.deepEqual(readdirSync(to), []);
    const apply = await runCli(["restore", archive, "--key-file", keyFile, "--to", to, "--apply"]);
    assert.equal(apply.code, 0, apply.err);
    assert.deepEqual(readFileSync(join(to, src, "certs", "server.key")), readFileSync(join(src, "certs", "server.key")));
    for (const r of [b, dry, apply]) noSecrets(r.out + r.err);
  });

  it("a passphrase from a file or the environment, never from the command line", async () => {
    const a2 = join(tmp, "pass.cdbk");
    const b = await runCli(["backup", "--path", src, "--passphrase-file", passFile, "--output", a2]);
    assert.equal(b.code, 0, b.err);
    const wrong = join(tmp, "wrong.txt");
    writeFileSync(wrong, "not it\n", { mode: 0o600 });
    const bad = await runCli(["restore", a2, "--passphrase-file", wrong]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /ERR_BACKUP_AUTH/);
    noSecrets(bad.out + bad.err);
    const unknown = await runCli(["backup", "--path", src, "--passphrase", "s3cret-passphrase-do-not-print", "--output", a2]);
    assert.equal(unknown.code, 2);
  });

  it("refuses without a key, and warns about a key file others can read", async () => {
    const none = await runCli(["backup", "--path", src, "--output", join(tmp, "x.cdbk")]);
    assert.equal(none.code, 2);
    assert.match(none.err, /ERR_BACKUP_KEY/);
    chmodSync(keyFile, 0o644);
    const loose = await runCli(["backup", "--path", src, "--key-file", keyFile, "--output", join(tmp, "y.cdbk")]);
    chmodSync(keyFile, 0o600);
    assert.equal(loose.code, 0);
    assert.match(loose.err, /readable by group or others/);
    const shortKey = join(tmp, "short.key");
    writeFileSync(shortKey, "abcd\n");
    const short = await runCli(["backup", "--path", src, "--key-file", shortKey, "--output", join(tmp, "z.cdbk")]);
    assert.equal(short.code, 2);
    assert.match(short.err, /ERR_BACKUP_KEY/);
    assert.ok(!short.err.includes("abcd"), "key file content in the error");
  });
});
