import assert from "node:assert/strict";
import { mkdirSync, symlinkSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { makeOpensslDir, type OpensslDir } from "./support/openssl.js";
import { runCli } from "./support/cli.js";

describe("scan of a big tree: --exclude, pseudo-filesystems, noise", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
    for (const d of ["etc/pki", "vendor/testdata", "usr"]) mkdirSync(o.path(d), { recursive: true });
    o.makeCa("etc/pki/ca");
    o.makeCa("vendor/testdata/ca");
    o.write("usr/InRelease", "-----BEGIN PGP SIGNATURE-----\niQIz\n");
    o.write("usr/gen.py", 'x = "-----BEGIN CERTIFICATE-----\\n%%%\\n-----END CERTIFICATE-----"\n');
    symlinkSync("/proc/self", o.path("proc-link"));
  });
  after(() => o.cleanup());

  it("--exclude (repeatable) leaves out names and root-relative paths", async () => {
    const all = await runCli(["scan", o.dir, "--format", "json"]);
    assert.equal(JSON.parse(all.out).certificates.length, 2);
    const r = await runCli(["scan", o.dir, "--exclude", "vendor/**", "--exclude", "*.key", "--format", "json"]);
    const report = JSON.parse(r.out);
    assert.deepEqual(report.certificates.map((c: { locations: string[] }) => c.locations[0]!.slice(o.dir.length + 6)), ["etc/pki/ca.crt"]);
    assert.equal(report.keys.length, 0);
  });

  it("excluding every certificate is the empty-scan error, as any scan that found none", async () => {
    const r = await runCli(["scan", o.dir, "--exclude", "*.crt"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no certificate found/);
  });

  it("the table collapses non-material files into one line and never walks /proc", async () => {
    const r = await runCli(["scan", o.dir, "--format", "table", "--one-file-system", "--quiet"], { columns: 80 });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /2 files look like certificate material but are not/);
    assert.doesNotMatch(r.out, /parse-error|InRelease|gen\.py/);
    assert.match(r.out, /proc-link: not descended: a kernel\s+pseudo-filesystem/);
  });
});

describe("UTF-8 names", () => {
  let o: OpensslDir;
  before(() => {
    o = makeOpensslDir();
    o.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-utf8", "-subj", "/CN=Doğan Çelik CA/O=Örnek", "-days", "30");
  });
  after(() => o.cleanup());

  it("people's formats show UTF-8; JSON keeps OpenSSL's RFC 2253 escapes", async () => {
    const table = await runCli(["certs", o.dir, "--format", "table", "--now", "2026-12-01T00:00:00Z", "--all"], { columns: 120 });
    assert.match(table.out, /O=Örnek,CN=Doğan Çelik CA/);
    const md = await runCli(["certs", o.dir, "--format", "markdown", "--all"]);
    assert.match(md.out, /Doğan Çelik CA/);
    const json = await runCli(["scan", o.dir, "--format", "json"]);
    assert.equal(JSON.parse(json.out).certificates[0].subject, "O=\\C3\\96rnek,CN=Do\\C4\\9Fan \\C3\\87elik CA");
  });
});
