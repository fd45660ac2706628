import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { demoPath } from "./support/fixtures.js";
import { makeHealNode, snapshotTree } from "./support/heal-node.js";

const PKI = "var/lib/kubelet/pki";
const POLICY = "repairs:\n  kubelet-selfsigned-expired: {}\n";
// worker-1's self-signed kubelet.crt (CN=worker-1@1768003200) expires 2027-01-10.
const AFTER_EXPIRY = "2027-02-01T00:00:00Z";
const crt = readFileSync(demoPath("worker-1", PKI, "kubelet.crt"));
const key = readFileSync(demoPath("worker-1", PKI, "kubelet.key"));

describe("agent --heal: kubelet-selfsigned-expired on worker-1", () => {
  it("moves the expired self-signed pair aside, says the kubelet must restart, the rescan clears cert-expired; undo is byte-identical", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(POLICY);
      const before = snapshotTree(node.root);
      const { events, report } = await node.agent([], AFTER_EXPIRY);
      assert.equal(events.length, 1, JSON.stringify(events));
      const e = events[0]!;
      assert.equal(e.outcome, "healed", e.message);
      assert.equal(e.found.rule, "cert-expired");
      assert.deepEqual(e.checks.map((c) => [c.name, c.ok]), [["InsideCertificateDirs", true], ["RegularFiles", true], ["Parseable", true], ["SelfSigned", true], ["Expired", true], ["KeyMatchesCertificate", true], ["NotAnIssuingCa", true], ["AsideNamesFree", true]]);
      assert.deepEqual(e.changes.map((c) => [c.path, c.action, c.movedTo]), [
        ["/var/lib/kubelet/pki/kubelet.crt", "moved", "/var/lib/kubelet/pki/kubelet.crt.20270201T000000Z.bak"],
        ["/var/lib/kubelet/pki/kubelet.key", "moved", "/var/lib/kubelet/pki/kubelet.key.20270201T000000Z.bak"],
      ]);
      assert.match(e.restart!, /restart the kubelet/);
      assert.deepEqual(e.verification?.cleared, ["cert-expired"]);
      assert.ok(readFileSync(join(node.root, PKI, "kubelet.crt.20270201T000000Z.bak")).equals(crt));
      assert.ok(readFileSync(join(node.root, PKI, "kubelet.key.20270201T000000Z.bak")).equals(key));
      assert.throws(() => lstatSync(join(node.root, PKI, "kubelet.crt")));
      assert.ok(!report.findings.some((f) => f.rule === "cert-expired" && f.locations.some((l) => l.includes("/kubelet.crt"))), "the moved-aside copy is a backup, not reported");
      const undo = await node.undo(e.id!);
      assert.equal(undo.code, 0, undo.err);
      assert.deepEqual(snapshotTree(node.root), before);
    } finally {
      node.cleanup();
    }
  });

  it("undo is refused once the kubelet has generated a new pair", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(POLICY);
      const e = (await node.agent([], AFTER_EXPIRY)).events[0]!;
      writeFileSync(join(node.root, PKI, "kubelet.crt"), readFileSync(demoPath("cp-1", PKI, "kubelet.crt")));
      const now = snapshotTree(node.root);
      const undo = await node.undo(e.id!);
      assert.equal(undo.code, 2);
      assert.match(undo.err, /kubelet\.crt changed since the action/);
      assert.deepEqual(snapshotTree(node.root), now);
    } finally {
      node.cleanup();
    }
  });

  it("nothing to do while it is valid, or when serving rotation is configured (kubelet-server-current.pem)", async () => {
    const node = makeHealNode("worker-1");
    try {
      node.policy(POLICY);
      assert.deepEqual((await node.agent()).events, []);
      writeFileSync(join(node.root, PKI, "kubelet-server-current.pem"), Buffer.concat([crt, key]));
      const before = snapshotTree(node.root);
      assert.deepEqual((await node.agent([], AFTER_EXPIRY)).events, []);
      assert.deepEqual(snapshotTree(node.root), before);
    } finally {
      node.cleanup();
    }
  });

  const rows = [
    {
      name: "kubelet.key is not the certificate's key",
      check: "KeyMatchesCertificate",
      setup: (root: string) => writeFileSync(join(root, PKI, "kubelet.key"), readFileSync(demoPath("cp-1", PKI, "kubelet.key"))),
    },
    {
      name: "its key signed another certificate on the node (a CA key)",
      check: "NotAnIssuingCa",
      setup: (root: string) => {
        const dir = join(root, "etc/kubernetes/pki");
        execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "signed.key"), "-out", join(dir, "signed.csr"), "-subj", "/CN=signed-by-kubelet"], { stdio: "ignore" });
        execFileSync("openssl", ["x509", "-req", "-in", join(dir, "signed.csr"), "-CA", join(root, PKI, "kubelet.crt"), "-CAkey", join(root, PKI, "kubelet.key"), "-set_serial", "7", "-days", "3650", "-out", join(dir, "signed.crt")], { stdio: "ignore" });
      },
    },
  ];
  for (const row of rows) {
    it(`refused, nothing written, when ${row.name}`, async () => {
      const node = makeHealNode("worker-1");
      try {
        node.policy(POLICY);
        row.setup(node.root);
        const before = snapshotTree(node.root);
        const e = (await node.agent([], AFTER_EXPIRY)).events[0]!;
        assert.equal(e?.outcome, "refused", JSON.stringify(e));
        assert.equal(e.checks.find((c) => !c.ok)?.name, row.check);
        assert.deepEqual(snapshotTree(node.root), before);
      } finally {
        node.cleanup();
      }
    });
  }
});
