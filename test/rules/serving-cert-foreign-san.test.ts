import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { b64, kubeletServingCsr, node } from "../kube-api/seed.js";
import { scanObjects } from "../support/kube-scan.js";
import { makeOpensslDir, type OpensslDir } from "../support/openssl.js";
import { findingsOf } from "../support/scan.js";

describe("serving-cert-foreign-san", () => {
  let o: OpensslDir;
  let n = 0;
  /** A certificate the cluster CA issued for a kubelet-serving CSR (openssl playing the signer). */
  const issue = (subject: string, san: string, eku = "serverAuth"): { csr: string; crt: string } => {
    const name = `k${++n}`;
    o.run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    o.write(`${name}.ext`, `subjectAltName=${san}\nextendedKeyUsage=${eku}\nkeyUsage=critical,digitalSignature\n`);
    o.run("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "365", "-extfile", `${name}.ext`, "-set_serial", String(1000 + n));
    return { csr: o.readText(`${name}.csr`), crt: o.readText(`${name}.crt`) };
  };
  before(() => {
    o = makeOpensslDir("certdoctor-foreign-san-");
    o.makeCa("ca", "/CN=kubernetes", "ec");
  });
  after(() => o.cleanup());
  const issued = (name: string, nodeName: string, k: { csr: string; crt: string }) => {
    const csr = kubeletServingCsr(name, nodeName, k.csr, "2026-05-31T00:00:00Z", [{ type: "Approved", status: "True", reason: "AutoApproved" }]) as Record<string, unknown>;
    return { ...csr, status: { ...(csr.status as object), certificate: b64(k.crt) } };
  };
  const NODES = [node("w1", ["w1", "10.0.0.11"]), node("w2", ["w2", "10.0.0.12"])];

  const rows = [
    { name: "a certificate for w1 carrying w2's IP is critical and names whose it is", subject: "/O=system:nodes/CN=system:node:w1", san: "DNS:w1,IP:10.0.0.12", want: ["10.0.0.12"], other: /10\.0\.0\.12 is Node w2's/ },
    { name: "a name nobody owns is reported too", subject: "/O=system:nodes/CN=system:node:w1", san: "DNS:w1,DNS:api.evil.example", want: ["api.evil.example"] },
    { name: "IPv4-mapped IPv6 of the node's own IP is its own", subject: "/O=system:nodes/CN=system:node:w1", san: "DNS:w1,IP:::ffff:10.0.0.11", want: [] },
    { name: "the node's own names only: silent", subject: "/O=system:nodes/CN=system:node:w1", san: "DNS:w1,IP:10.0.0.11", want: [] },
    { name: "a kubelet client certificate (clientAuth) is not a serving certificate", subject: "/O=system:nodes/CN=system:node:w1", san: "DNS:w2", eku: "clientAuth", want: [] },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const k = issue(row.subject, row.san, row.eku);
      const found = findingsOf(await scanObjects([issued("csr-1", "w1", k), ...NODES]), "serving-cert-foreign-san");
      assert.deepEqual(found.map((f) => f.title.replace(/^.* also names /, "")), row.want.length ? [row.want.join(", ")] : []);
      for (const f of found) {
        assert.equal(f.severity, "critical");
        assert.ok(f.locations.some((l) => l.startsWith("csr:csr-1#status.certificate")), f.locations.join());
        if (row.other) assert.match(f.detail, row.other);
      }
    });
  }

  it("without the Nodes nothing can be judged", async () => {
    const k = issue("/O=system:nodes/CN=system:node:w1", "DNS:w1,IP:10.0.0.12");
    assert.deepEqual(findingsOf(await scanObjects([issued("csr-1", "w1", k)]), "serving-cert-foreign-san"), []);
  });
});
