import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ErrorCode } from "../../errors.js";
import type { CertItem, CsrItem, KeyItem, RawItem } from "../../model/items.js";
import type { ScanIssue } from "../../model/issue.js";
import { defaultLimits, isScanIssue, type ReadContext } from "../../model/scan.js";
import { makeOpensslDir, type OpensslDir } from "../../../test/support/openssl.js";
import { readFileItems } from "./read.js";

const ctx: ReadContext = { limits: defaultLimits, pkcs12Passwords: ["changeit"] };
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const certs = (items: Array<RawItem | ScanIssue>) => items.filter((i): i is CertItem => !isScanIssue(i) && i.type === "cert");
const keys = (items: Array<RawItem | ScanIssue>) => items.filter((i): i is KeyItem => !isScanIssue(i) && i.type === "key");
const issues = (items: Array<RawItem | ScanIssue>) => items.filter(isScanIssue);

describe("readFileItems", () => {
  let o: OpensslDir;
  const read = (name: string) => readFileItems({ path: o.path(name), symlink: false, size: statSync(o.path(name)).size }, ctx);
  before(() => {
    o = makeOpensslDir();
    o.makeCa("ca");
    o.makeLeaf("apiserver", "ca", "/CN=kube-apiserver", "DNS:kubernetes,IP:10.96.0.1");
    o.makeLeaf("admin", "ca", "/O=system:masters/CN=admin");
    o.toDer("apiserver.crt", "apiserver.der");
    o.run("x509", "-in", "apiserver.crt", "-pubkey", "-noout", "-out", "apiserver.pub");
    o.run("pkey", "-in", "apiserver.key", "-pubout", "-outform", "DER", "-out", "apiserver.spki");
    o.write("bad-middle.pem", `${o.readText("ca.crt")}-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n${o.readText("apiserver.crt")}`);
    o.write("truncated.der", o.read("apiserver.der").subarray(0, 200));
    o.write("empty.crt", "");
    o.write("combined.pem", o.readText("admin.crt") + o.readText("ca.crt") + o.readText("admin.key"));
    o.run("pkcs12", "-export", "-in", "admin.crt", "-inkey", "admin.key", "-out", "nopass.p12", "-passout", "pass:");
    o.run("pkcs12", "-export", "-in", "admin.crt", "-inkey", "admin.key", "-out", "pass.p12", "-passout", "pass:changeit");
    o.run("pkcs12", "-export", "-in", "admin.crt", "-inkey", "admin.key", "-out", "wrong.pfx", "-passout", "pass:other");
    o.run("pkcs8", "-topk8", "-in", "admin.key", "-v2", "aes-256-cbc", "-passout", "pass:nope", "-out", "enc8.key");
    o.run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-aes256", "-pass", "pass:nope", "-out", "tmp8.key");
    o.run("rsa", "-in", "tmp8.key", "-passin", "pass:nope", "-traditional", "-aes256", "-passout", "pass:nope", "-out", "legacy.key");
    o.write("junk.bin", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    o.write("junk.crt", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    o.write("junk.yaml", Buffer.from([1, 0, 2, 0, 3]));
    o.write("broken.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: [unclosed\n");
    o.write("notes.txt", "hello\n");
  });
  after(() => o.cleanup());

  it("bad PEM block between two good certs gives 2 cert items and 1 issue, refs by block index", () => {
    const items = read("bad-middle.pem");
    assert.deepEqual(certs(items).map((c) => c.ref), [`file:${o.path("bad-middle.pem")}#0`, `file:${o.path("bad-middle.pem")}#2`]);
    assert.deepEqual(issues(items).map((i) => [i.code, i.ref, i.material]), [[ErrorCode.ERR_PEM_INVALID, `file:${o.path("bad-middle.pem")}#1`, true]]);
    assert.equal(certs(items)[1]!.context, `dir:${o.dir}`);
  });

  it("reads a DER certificate by content and reports truncated DER", () => {
    const [item] = read("apiserver.der");
    assert.ok(item !== undefined && !isScanIssue(item) && item.type === "cert");
    assert.equal(sha(item.der), sha(o.read("apiserver.der")));
    assert.deepEqual(read("truncated.der").map((i) => isScanIssue(i) && i.code), [ErrorCode.ERR_DER_INVALID]);
  });

  it("empty files and plain text give nothing", () => {
    assert.deepEqual(read("empty.crt"), []);
    assert.deepEqual(read("notes.txt"), []);
  });

  it("pairs X.crt with X.key by stem and marks ca.crt as an anchor", () => {
    const [cert] = certs(read("apiserver.crt"));
    const [key] = keys(read("apiserver.key"));
    assert.equal(cert!.pair, `pair:${o.path("apiserver")}`);
    assert.equal(key!.pair, cert!.pair);
    assert.equal(key!.key.spkiFingerprint, sha(o.read("apiserver.spki")));
    assert.equal(certs(read("ca.crt"))[0]!.anchor, true);
    assert.equal(cert!.anchor, undefined);
  });

  it("a file with certs and a key pairs only its first cert with the key", () => {
    const items = read("combined.pem");
    const pair = `pair:${o.path("combined.pem")}`;
    assert.deepEqual(certs(items).map((c) => c.pair), [pair, undefined]);
    assert.deepEqual(keys(items).map((k) => [k.pair, k.ref]), [[pair, `file:${o.path("combined.pem")}#2`]]);
  });

  it("reads PKCS#12 with no password and with a configured one; a wrong password is a material issue", () => {
    for (const name of ["nopass.p12", "pass.p12"]) {
      const items = read(name);
      assert.equal(certs(items).length, 1, name);
      assert.equal(keys(items).length, 1, name);
      assert.equal(certs(items)[0]!.pair, keys(items)[0]!.pair);
    }
    assert.deepEqual(read("wrong.pfx").map((i) => isScanIssue(i) && [i.code, i.material]), [[ErrorCode.ERR_PKCS12_PASSWORD, true]]);
  });

  it("reports encrypted PKCS#8 and legacy encrypted keys as encrypted keys, not errors", () => {
    for (const name of ["enc8.key", "legacy.key"]) {
      const items = read(name);
      assert.equal(issues(items).length, 0, name);
      assert.equal(keys(items)[0]!.key.encrypted, true, name);
    }
  });

  it("classifies .pub as nothing and .csr as a CSR item", () => {
    assert.deepEqual(read("apiserver.pub"), []);
    const [csr] = read("apiserver.csr") as CsrItem[];
    assert.equal(csr!.type, "csr");
    assert.equal(csr!.csr.subject, "CN=kube-apiserver");
    assert.deepEqual(csr!.csr.dnsNames, ["kubernetes"]);
  });

  it("binary junk: nothing for unknown names, ERR_DER_INVALID for .crt, ERR_FILE_BINARY note for .yaml", () => {
    assert.deepEqual(read("junk.bin"), []);
    assert.deepEqual(read("junk.crt").map((i) => isScanIssue(i) && [i.code, i.material]), [[ErrorCode.ERR_DER_INVALID, true]]);
    assert.deepEqual(read("junk.yaml").map((i) => isScanIssue(i) && [i.code, i.material]), [[ErrorCode.ERR_FILE_BINARY, false]]);
  });

  it("invalid YAML is a material ERR_YAML_INVALID issue", () => {
    assert.deepEqual(read("broken.yaml").map((i) => isScanIssue(i) && [i.code, i.material]), [[ErrorCode.ERR_YAML_INVALID, true]]);
  });
});
