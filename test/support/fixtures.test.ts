// Checks that the committed fixtures and demo still hold what test/fixtures/README.md and
// demo/README.md promise, using node:crypto as an independent parser (not certdoctor's own).
import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, lstatSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { demoNow, demoPath, fixtureNow, fixturePath } from "./fixtures.js";

const DAY = 86_400_000;

function readCerts(path: string): X509Certificate[] {
  const text = readFileSync(path, "utf8");
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b));
}

function readCert(path: string): X509Certificate {
  const first = readCerts(path)[0];
  assert.ok(first, `no certificate in ${path}`);
  return first;
}

function spkiOfKey(pem: string | Buffer, format: "pem" | "der" = "pem", type?: "sec1"): string {
  const key = format === "pem" ? createPrivateKey(pem) : createPrivateKey({ key: pem as Buffer, format, type: type ?? "sec1" });
  return createPublicKey(key).export({ type: "spki", format: "der" }).toString("hex");
}

function spkiOfCert(cert: X509Certificate): string {
  return cert.publicKey.export({ type: "spki", format: "der" }).toString("hex");
}

function msLeft(cert: X509Certificate, now: Date): number {
  return Date.parse(cert.validTo) - now.getTime();
}

describe("fixturePath", () => {
  it("resolves under the repo's test/fixtures/generated from dist/", () => {
    assert.match(fixturePath("chain-ok", "leaf.crt"), /test[/\\]fixtures[/\\]generated[/\\]chain-ok[/\\]leaf\.crt$/);
    assert.ok(existsSync(fixturePath("chain-ok", "leaf.crt")));
    assert.ok(existsSync(demoPath("cp-1", "etc", "kubernetes", "admin.conf")));
  });
});

describe("fixture validity at fixtureNow", () => {
  const rows = [
    { name: "chain-ok leaf is valid for months", dir: "chain-ok", minDays: 200, maxDays: 220 },
    { name: "expired leaf ended a month ago", dir: "expired", minDays: -31, maxDays: -30 },
    { name: "not-yet-valid leaf starts in a month", dir: "not-yet-valid", minDays: 395, maxDays: 396, future: true },
    { name: "expiring-critical leaf has 3 days", dir: "expiring-critical", minDays: 3, maxDays: 3 },
    { name: "expiring-warning leaf has 20 days", dir: "expiring-warning", minDays: 20, maxDays: 20 },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const cert = readCert(fixturePath(row.dir, "leaf.crt"));
      const days = msLeft(cert, fixtureNow) / DAY;
      assert.ok(days >= row.minDays && days <= row.maxDays, `${row.dir}: ${days} days left`);
      assert.equal(Date.parse(cert.validFrom) > fixtureNow.getTime(), row.future === true);
    });
  }

  it("short-lived certs are 24 h long with 6 h and 20 h left", () => {
    for (const [dir, hoursLeft] of [["short-lived-critical", 6], ["short-lived-ok", 20]] as const) {
      const cert = readCert(fixturePath(dir, "leaf.crt"));
      assert.equal(Date.parse(cert.validTo) - Date.parse(cert.validFrom), DAY);
      assert.equal(msLeft(cert, fixtureNow), hoursLeft * 3_600_000);
    }
  });
});

describe("fixture chains and keys", () => {
  it("chain-ok verifies leaf -> intermediate -> root and wrong-order.pem starts with the root", () => {
    const root = readCert(fixturePath("chain-ok", "root-ca.crt"));
    const inter = readCert(fixturePath("chain-ok", "intermediate-ca.crt"));
    const leaf = readCert(fixturePath("chain-ok", "leaf.crt"));
    assert.ok(leaf.verify(inter.publicKey));
    assert.ok(inter.verify(root.publicKey));
    assert.equal(leaf.subjectAltName, "DNS:leaf.example.com, DNS:www.leaf.example.com, IP Address:10.0.0.10");
    assert.deepEqual(readCerts(fixturePath("chain-ok", "wrong-order.pem")).map((c) => c.fingerprint256),
      [root, inter, leaf].map((c) => c.fingerprint256));
  });

  it("key-mismatch pairs a leaf with another key; chain-ok does not", () => {
    const spki = (dir: string) => spkiOfKey(readFileSync(fixturePath(dir, "leaf.key"), "utf8"));
    assert.notEqual(spki("key-mismatch"), spkiOfCert(readCert(fixturePath("key-mismatch", "leaf.crt"))));
    assert.equal(spki("chain-ok"), spkiOfCert(readCert(fixturePath("chain-ok", "leaf.crt"))));
  });

  it("ca-divergence CAs share the subject but not the key", () => {
    const a = readCert(fixturePath("ca-divergence", "node-a", "ca.crt"));
    const b = readCert(fixturePath("ca-divergence", "node-b", "ca.crt"));
    assert.equal(a.subject, b.subject);
    assert.notEqual(spkiOfCert(a), spkiOfCert(b));
    assert.ok(!readCert(fixturePath("ca-divergence", "leaf-b.crt")).verify(a.publicKey));
  });

  it("untrusted leaf names its directory's CA but is not signed by it", () => {
    const ca = readCert(fixturePath("untrusted", "unknown-authority", "ca.crt"));
    const leaf = readCert(fixturePath("untrusted", "unknown-authority", "leaf.crt"));
    assert.equal(leaf.issuer, ca.subject);
    assert.ok(!leaf.verify(ca.publicKey));
  });

  it("kubelet rotation: symlink when healthy, regular file when blocked", () => {
    assert.ok(lstatSync(fixturePath("kubelet", "rotating", "var/lib/kubelet/pki/kubelet-client-current.pem")).isSymbolicLink());
    assert.ok(!lstatSync(fixturePath("kubelet", "blocked", "var/lib/kubelet/pki/kubelet-client-current.pem")).isSymbolicLink());
  });
});

describe("demo stories at demoNow", () => {
  it("REFERENCE_TIME matches demoNow", () => {
    assert.equal(readFileSync(demoPath("..", "REFERENCE_TIME"), "utf8").trim(), demoNow.toISOString().replace(".000", ""));
  });

  it("admin.conf client certificate expires in 4 days", () => {
    const conf = parseYaml(readFileSync(demoPath("cp-1/etc/kubernetes/admin.conf"), "utf8")) as {
      users: { user: { "client-certificate-data": string } }[];
    };
    const data = conf.users[0]?.user["client-certificate-data"] ?? "";
    const cert = new X509Certificate(Buffer.from(data, "base64"));
    assert.equal(msLeft(cert, demoNow), 4 * DAY);
  });

  it("front-proxy-client.key does not match its certificate", () => {
    const pki = "cp-1/etc/kubernetes/pki";
    assert.notEqual(spkiOfKey(readFileSync(demoPath(pki, "front-proxy-client.key"), "utf8")),
      spkiOfCert(readCert(demoPath(pki, "front-proxy-client.crt"))));
    assert.equal(spkiOfKey(readFileSync(demoPath(pki, "apiserver.key"), "utf8")),
      spkiOfCert(readCert(demoPath(pki, "apiserver.crt"))));
  });

  it("worker-1 kubelet client cert is a regular file expiring in 19 days", () => {
    const path = demoPath("worker-1/var/lib/kubelet/pki/kubelet-client-current.pem");
    assert.ok(!lstatSync(path).isSymbolicLink());
    assert.equal(msLeft(readCert(path), demoNow), 19 * DAY);
    assert.ok(lstatSync(demoPath("cp-1/var/lib/kubelet/pki/kubelet-client-current.pem")).isSymbolicLink());
  });

  it("k3s-server-2 serving cert does not verify against k3s-server-1's server CA", () => {
    const tls = (node: string, file: string) => demoPath(node, "var/lib/rancher/k3s/server/tls", file);
    const newCa = readCert(tls("k3s-server-1", "server-ca.crt"));
    assert.ok(readCert(tls("k3s-server-1", "serving-kube-apiserver.crt")).verify(newCa.publicKey));
    assert.ok(!readCert(tls("k3s-server-2", "serving-kube-apiserver.crt")).verify(newCa.publicKey));
    assert.equal(readCert(demoPath("k3s-server-1/var/lib/rancher/k3s/server/tls-1764000000/server-ca.crt")).fingerprint256,
      readCert(tls("k3s-server-2", "server-ca.crt")).fingerprint256);
  });

  it("edge-1 trusts the old KubeEdge CA, casecret holds a new one with the same subject", () => {
    const list = parseYaml(readFileSync(demoPath("manifests/kubeedge.yaml"), "utf8")) as {
      items: { metadata: { name: string }; data: Record<string, string> }[];
    };
    const casecret = list.items.find((s) => s.metadata.name === "casecret");
    const newCa = new X509Certificate(Buffer.from(casecret?.data["cadata"] ?? "", "base64"));
    assert.equal(spkiOfKey(Buffer.from(casecret?.data["cakeydata"] ?? "", "base64"), "der", "sec1"), spkiOfCert(newCa));
    const edge1 = readCert(demoPath("edge-1/etc/kubeedge/ca/rootCA.crt"));
    const edge2 = readCert(demoPath("edge-2/etc/kubeedge/ca/rootCA.crt"));
    assert.equal(edge1.subject, newCa.subject);
    assert.notEqual(edge1.fingerprint256, newCa.fingerprint256);
    assert.equal(edge2.fingerprint256, newCa.fingerprint256);
    assert.ok(!readCert(demoPath("edge-1/etc/kubeedge/certs/server.crt")).verify(newCa.publicKey));
  });

  it("the Talos kubelet-serving CSR has been pending 4 hours", () => {
    const list = parseYaml(readFileSync(demoPath("manifests/csrs.yaml"), "utf8")) as {
      items: { metadata: { creationTimestamp: string }; spec: { signerName: string }; status: { conditions?: unknown[] } }[];
    };
    const pending = list.items.filter((c) => c.spec.signerName === "kubernetes.io/kubelet-serving" && !c.status.conditions);
    assert.equal(pending.length, 1);
    assert.equal(demoNow.getTime() - Date.parse(pending[0]?.metadata.creationTimestamp ?? ""), 4 * 3_600_000);
  });
});
