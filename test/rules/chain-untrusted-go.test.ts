/**
 * chain-untrusted with Go's semantics, end to end over openssl-made Secrets and directories: each
 * finding carries the exact error Go's crypto/x509 returns (checked against test/go-oracle), and the
 * cases the old signature-only check misreported get the right story.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { scan } from "../../src/engine/scan.js";
import { makeOpensslDir, type OpensslDir } from "../support/openssl.js";
import { askGo } from "../support/go-oracle.js";

const now = new Date(Date.now() + 86_400_000);

describe("chain-untrusted speaks Go", () => {
  let o: OpensslDir;
  const issue = (name: string, ca: string | undefined, ext: string[], subject = `/CN=${name}`) => {
    o.write(`${name}.ext`, ext.join("\n") + "\n");
    o.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    const signer = ca === undefined ? ["-signkey", `${name}.key`] : ["-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial"];
    o.run("x509", "-req", "-in", `${name}.csr`, ...signer, "-days", "90", "-extfile", `${name}.ext`, "-out", `${name}.crt`);
  };
  const secret = (dir: string, name: string, tls: string, ca: string) => {
    mkdirSync(o.path(dir), { recursive: true });
    const b64 = (f: string) => Buffer.from(o.readText(f)).toString("base64");
    writeFileSync(
      join(o.path(dir), `${name}.yaml`),
      `apiVersion: v1\nkind: Secret\ntype: kubernetes.io/tls\nmetadata:\n  name: ${name}\n  namespace: apps\ndata:\n  tls.crt: ${b64(tls)}\n  tls.key: ${b64(tls.replace(".crt", ".key"))}\n  ca.crt: ${b64(ca)}\n`,
    );
  };
  const CA = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"];

  before(() => {
    o = makeOpensslDir("certdoctor-chain-go-");
    issue("ca", undefined, CA);
    issue("other-ca", undefined, CA, "/CN=unrelated-ca");
    issue("client-ca", undefined, [...CA, "extendedKeyUsage=clientAuth"]);
    issue("client-only", "client-ca", ["basicConstraints=CA:FALSE", "extendedKeyUsage=serverAuth", "subjectAltName=DNS:web"]);
    issue("web", "ca", ["basicConstraints=CA:FALSE", "extendedKeyUsage=serverAuth", "subjectAltName=DNS:web"]);
    issue("not-a-ca", "ca", ["basicConstraints=CA:FALSE"], "/CN=team-issuer");
    issue("leaf-of-not-a-ca", "not-a-ca", ["basicConstraints=CA:FALSE", "subjectAltName=DNS:x"]);
    // A CA re-issued with a new subjectKeyIdentifier but the same key: Go still chains through it.
    o.write("ca-reissued.ext", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=0102030405\n");
    o.run("x509", "-new", "-key", "ca.key", "-subj", "/CN=ca", "-days", "90", "-extfile", "ca-reissued.ext", "-out", "ca-reissued.crt");
    secret("ns", "client-as-server", "client-only.crt", "client-ca.crt");
    secret("ns", "wrong-ca", "web.crt", "other-ca.crt");
    secret("ns", "reissued-ca", "web.crt", "ca-reissued.crt");
    mkdirSync(o.path("orphan"));
    writeFileSync(o.path("orphan/leaf.crt"), o.readText("leaf-of-not-a-ca.crt"));
    writeFileSync(o.path("orphan/issuer.pem"), o.readText("not-a-ca.crt"));
  });
  after(() => o.cleanup());

  const run = () => scan({ paths: [o.path("ns"), o.path("orphan")], now, warnDays: 30, critDays: 7, workers: 0 });

  it("names Go's error for each story, and the error is what Go says", async () => {
    const result = await run();
    const found = result.findings.filter((f) => f.rule === "chain-untrusted");
    const byRef = (part: string) => found.find((f) => f.locations.some((l) => l.includes(part)));
    const clientAsServer = byRef("client-as-server");
    const wrongCa = byRef("wrong-ca");
    const orphan = byRef("orphan/leaf.crt");
    assert.equal(byRef("reissued-ca"), undefined, "a valid signature under another key id chains in Go");
    assert.equal(clientAsServer?.goError, "x509: certificate specifies an incompatible key usage");
    assert.equal(wrongCa?.goError, "x509: certificate signed by unknown authority");
    assert.match(wrongCa?.title ?? "", /Not issued by the CA it is deployed with/);
    assert.match(orphan?.title ?? "", /Issuer is not a CA/);
    assert.ok(clientAsServer?.detail.includes(clientAsServer.goError!), "the detail quotes the Go error");

    const at = now.toISOString().replace(/\.\d{3}Z$/, "Z");
    const go = askGo([
      { op: "verify", leaf: o.readText("client-only.crt"), roots: [o.readText("client-ca.crt")], now: at },
      { op: "verify", leaf: o.readText("web.crt"), roots: [o.readText("other-ca.crt")], now: at },
      { op: "verify", leaf: o.readText("leaf-of-not-a-ca.crt"), roots: [o.readText("not-a-ca.crt")], now: at, usages: ["any"] },
      { op: "verify", leaf: o.readText("web.crt"), roots: [o.readText("ca-reissued.crt")], now: at },
    ]);
    assert.deepEqual(go, [clientAsServer?.goError, wrongCa?.goError, orphan?.goError, ""]);
  });
});
